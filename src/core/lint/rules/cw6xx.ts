// CW6xx: files that must agree with each other. These rules read the whole workspace index
// (ctx.workspace); every finding carries the other file as related information.
//
// Binds and start commands are found by scanning the text of the files that can start the app
// (Procfile, Dockerfile, compose, Kubernetes, systemd, shell, platform files) for the server's own
// flags (`--bind`, `--uds`, `--port`) and for `gunicorn`/`uvicorn`/... followed by a module: the flags are
// the same whichever file holds them, and this way a Kubernetes `args: ["--bind", "0.0.0.0:8000"]`
// and a Procfile line are read alike. Each scan is cached per file version (LintFile.parse).

import type { FileKind, Position, Range, RelatedInformation, TextEdit } from '../types';
import type { LintFile } from '../file';
import { registerRule, type RuleContext, type RuleFinding, type WorkspaceView } from '../rule';
import { allDirectives, nginxConfigOf, type NginxDirective } from '../parse/nginx';
import { resolve as resolvePath } from 'path';
import {
  dottedName,
  moduleAssignment,
  offsetOf,
  pythonModuleOf,
  stringValue,
  type PyAssignment,
  type PyNode,
  type PythonModule,
} from '../parse/python';
import { entriesOf, uwsgiIniOf } from '../parse/ini';
import { systemdUnitOf } from '../parse/systemd';
import { parseYaml, isMap, isScalar, valueOf, seqItems, type Document, type Node } from '../parse/yaml';
import { parseDockerfile } from '../parse/dockerfile';
import { proxyPasses, sendsForwardedProto } from './cw5xx';
import { appOperand, composeServices, invocations, listenOptions } from '../startCommands';
import { exact } from '../exact';
import { composeModel, dockerfileOfBuild } from '../../project/roles';

const COMMAND_KINDS: readonly FileKind[] = ['procfile', 'dockerfile', 'compose', 'kubernetes', 'systemd', 'shell', 'platform'];

// --- binds --------------------------------------------------------------------------------------------

export interface Bind {
  file: string;
  range: Range;
  /** unix: a socket path; tcp: a port; unknown: a variable (`$PORT`) or something we cannot read. */
  kind: 'unix' | 'tcp' | 'unknown';
  path?: string;
  port?: number;
  text: string;
}

/** Reads a bind address as the servers write it: `unix:/run/app.sock`, `/run/app.sock`, `0.0.0.0:8000`, `:8000`, `8000`. */
export function readBind(value: string): Pick<Bind, 'kind' | 'path' | 'port'> {
  const v = value.trim();
  if (v.includes('$') || v.includes('{{')) return { kind: 'unknown' };
  if (v.startsWith('unix:')) return { kind: 'unix', path: v.slice(5).replace(/^\/\//, '/') };
  if (v.startsWith('/')) return { kind: 'unix', path: v };
  if (/^\d{1,5}$/.test(v)) return { kind: 'tcp', port: Number(v) };
  const m = /:(\d{1,5})$/.exec(v);
  if (m) return { kind: 'tcp', port: Number(m[1]) };
  return { kind: 'unknown' };
}

/**
 * Binds of the app servers a file's start commands run, as the start-command reader parsed them
 * (startCommands.ts: the shell's words, `sh -c` scripts, exec lists, supervisord programs): gunicorn's
 * `--bind`, uvicorn's `--port` and `--uds`, waitress's `--listen`, uWSGI's `--http`, runserver's address.
 * A host alone (`--host 0.0.0.0`) says nothing about the port and is not a bind. Text that only mentions
 * a flag (`echo "try --bind :9999"`, a comment, an unrelated program's `-b`) is not a start command.
 */
function commandBinds(file: LintFile): Bind[] {
  const out: Bind[] = [];
  for (const { inv } of invocations(file)) {
    for (const o of listenOptions(inv)) {
      if (o.what === 'host') continue;
      const b = o.what === 'port' ? (/^\d{1,5}$/.test(o.value) ? { kind: 'tcp' as const, port: Number(o.value) } : { kind: 'unknown' as const }) : readBind(o.value);
      out.push({ file: file.path, range: file.lines.range(o.start, o.end), text: o.value, ...b });
    }
  }
  return out;
}

/** Binds set in a gunicorn config file: `bind = "0.0.0.0:8000"` or a list. */
function scanGunicornBinds(file: LintFile): Bind[] {
  const mod = file.parse(pythonModuleOf);
  const out: Bind[] = [];
  for (const a of mod.assignments) {
    if (!a.topLevel || !a.targets.some((t) => t.kind === 'name' && t.name === 'bind')) continue;
    const values = a.value && (a.value.kind === 'list' || a.value.kind === 'tuple') ? a.value.items : [a.value];
    for (const v of values) {
      if (!v) continue;
      const s = stringValue(v);
      out.push({ file: file.path, range: v.range, text: s ?? '', ...(s === undefined ? { kind: 'unknown' as const } : readBind(s)) });
    }
  }
  return out;
}

function scanSocketUnitBinds(file: LintFile): Bind[] {
  if (!file.path.endsWith('.socket')) return [];
  const unit = file.parse(systemdUnitOf);
  return entriesOf(unit, 'Socket', 'ListenStream')
    .filter((e) => e.value !== '')
    .map((e) => ({ file: file.path, range: e.valueRange, text: e.value, ...readBind(e.value) }));
}

function scanUwsgiBinds(file: LintFile): Bind[] {
  const ini = file.parse(uwsgiIniOf);
  const out: Bind[] = [];
  for (const key of ['socket', 'http', 'http-socket', 'uwsgi-socket', 'shared-socket']) {
    for (const e of entriesOf(ini, 'uwsgi', key)) out.push({ file: file.path, range: e.valueRange, text: e.value, ...readBind(e.value) });
  }
  return out;
}

const bindsOfFile = (file: LintFile): Bind[] => {
  if (file.kind === 'gunicorn') return scanGunicornBinds(file);
  if (file.kind === 'uwsgi') return scanUwsgiBinds(file);
  const out = COMMAND_KINDS.includes(file.kind) || file.kind === 'supervisor' ? commandBinds(file) : [];
  if (file.kind === 'systemd') out.push(...scanSocketUnitBinds(file));
  return out;
};

/** Every bind of the app server found in the workspace. */
export function workspaceBinds(workspace: WorkspaceView): Bind[] {
  const out: Bind[] = [];
  for (const f of workspace.files()) {
    if (f.kind === 'gunicorn' || f.kind === 'uwsgi' || f.kind === 'supervisor' || COMMAND_KINDS.includes(f.kind)) {
      try {
        out.push(...f.parse(bindsOfFile));
      } catch {
        // an unparsable file contributes nothing
      }
    }
  }
  return out;
}

function basenameOf(p: string): string {
  return p.replace(/\\/g, '/').split('/').pop() ?? p;
}

/** Whether an nginx file runs in a container: an image built beside it, or a compose file that mounts or builds it. */
function servedFromContainer(file: LintFile, ws: WorkspaceView): boolean {
  const dir = file.path.replace(/\\/g, '/').replace(/\/[^/]*$/, '');
  const name = basenameOf(file.path);
  for (const d of ws.files('dockerfile')) if (d.path.replace(/\\/g, '/').replace(/\/[^/]*$/, '') === dir) return true;
  for (const c of ws.files('compose')) if (c.text.includes(name) || c.text.includes(`${basenameOf(dir)}`)) return true;
  return false;
}

function related(b: { file: string; range: Range }, message: string): RelatedInformation {
  return { file: b.file, range: b.range, message };
}

// --- CW601 -------------------------------------------------------------------------------------------

interface Target {
  kind: 'unix' | 'tcp';
  path?: string;
  port?: number;
  range: Range;
  text: string;
}

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\]|0\.0\.0\.0)$/;

/** Reads `http://unix:/run/app.sock:/x`, `http://127.0.0.1:8000/`, or an upstream name. */
function proxyTarget(value: string): { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number } | { kind: 'name'; name: string } | undefined {
  if (value.includes('$')) return undefined;
  const m = /^(https?):\/\/(.*)$/.exec(value);
  if (!m) return undefined;
  let rest = m[2];
  if (rest.startsWith('unix:')) {
    rest = rest.slice(5);
    const colon = rest.indexOf(':');
    return { kind: 'unix', path: colon < 0 ? rest.replace(/\/$/, '') : rest.slice(0, colon) };
  }
  const slash = rest.indexOf('/');
  const hostPort = slash < 0 ? rest : rest.slice(0, slash);
  const hp = /^(\[[^\]]*\]|[^:]+)(?::(\d{1,5}))?$/.exec(hostPort);
  if (!hp) return undefined;
  if (!hp[2]) return { kind: 'name', name: hp[1] };
  return { kind: 'tcp', host: hp[1], port: Number(hp[2]) };
}

function upstreams(workspace: WorkspaceView, own: LintFile): Map<string, Array<{ file: LintFile; server: NginxDirective }>> {
  const map = new Map<string, Array<{ file: LintFile; server: NginxDirective }>>();
  const files = [own, ...[...workspace.files('nginx')].filter((f) => f.path !== own.path)];
  for (const f of files) {
    for (const d of allDirectives(f.parse(nginxConfigOf))) {
      if (d.name !== 'upstream' || !d.args[0] || !d.block) continue;
      const list = map.get(d.args[0].value) ?? [];
      for (const s of d.block) if (s.name === 'server' && s.args[0]) list.push({ file: f, server: s });
      map.set(d.args[0].value, list);
    }
  }
  return map;
}

function matches(t: Target, binds: Bind[]): boolean {
  return binds.some((b) => b.kind === 'unknown' || (t.kind === 'unix' ? b.kind === 'unix' && b.path === t.path : b.kind === 'tcp' && b.port === t.port));
}

function describe(b: Bind): string {
  return b.kind === 'unix' ? `unix:${b.path}` : b.text;
}

registerRule({
  id: 'CW601',
  severity: 'error',
  kinds: ['nginx'],
  silentInDevelopment: false,
  crossFile: true,
  summary: 'nginx proxies to an address no app server binds',
  check(file, ctx) {
    const binds = workspaceBinds(ctx.workspace);
    if (!binds.some((b) => b.kind !== 'unknown')) return []; // nothing to compare with
    const out: RuleFinding[] = [];
    const ups = upstreams(ctx.workspace, file);
    const report = (t: Target) => {
      const known = binds.filter((b) => b.kind !== 'unknown');
      out.push({
        message: `nginx sends requests to ${t.text}, where no app server listens`,
        range: t.range,
        hint: `The app server binds ${known.slice(0, 3).map(describe).join(', ')}. nginx then answers 502 Bad Gateway. Make the two addresses the same.`,
        related: known.slice(0, 5).map((b) => related(b, `the app server binds ${describe(b)}`)),
      });
    };
    const seenUpstream = new Set<string>();
    const tcpMisses: Target[] = [];
    let tcpMatched = false;
    for (const pass of proxyPasses(file.parse(nginxConfigOf))) {
      const arg = pass.args[0];
      const t = proxyTarget(arg.value);
      if (!t) continue;
      if (t.kind === 'unix') {
        const target: Target = { kind: 'unix', path: t.path, range: arg.range, text: `unix:${t.path}` };
        if (!matches(target, binds)) report(target);
      } else if (t.kind === 'tcp') {
        if (!LOOPBACK.test(t.host)) continue; // another machine or container: not ours to check
        const target: Target = { kind: 'tcp', port: t.port, range: arg.range, text: `${t.host}:${t.port}` };
        if (matches(target, binds)) tcpMatched = true;
        else tcpMisses.push(target);
      } else {
        const servers = ups.get(t.name);
        if (!servers || seenUpstream.has(t.name)) continue;
        seenUpstream.add(t.name);
        // Upstream servers in this file are reported where they are written; one matching server is enough.
        const targets: Target[] = [];
        for (const { file: f, server } of servers) {
          const a = server.args[0];
          const b = readBind(a.value);
          if (b.kind === 'unix') targets.push({ kind: 'unix', path: b.path, range: f === file ? a.range : arg.range, text: `unix:${b.path}` });
          else if (b.kind === 'tcp') {
            const host = a.value.slice(0, a.value.lastIndexOf(':'));
            if (!LOOPBACK.test(host)) continue;
            targets.push({ kind: 'tcp', port: b.port, range: f === file ? a.range : arg.range, text: a.value });
          }
        }
        if (!targets.length) continue;
        if (targets.some((x) => matches(x, binds))) tcpMatched ||= targets.some((x) => x.kind === 'tcp');
        else if (targets[0].kind === 'unix') report(targets[0]);
        else tcpMisses.push(targets[0]);
      }
    }
    // A site may proxy to other local services too (a Node frontend on :3000, Flower on :5555): when one
    // TCP target is the app, the others are not reported. A lone mismatching target is.
    if (!tcpMatched) tcpMisses.forEach(report);
    return out;
  },
});

// --- settings helpers -----------------------------------------------------------------------------------

function settingsFiles(workspace: WorkspaceView): LintFile[] {
  return [...workspace.files('django-settings')];
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.replace(/\\/g, '/').split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return (path.startsWith('/') ? '/' : '') + parts.join('/');
}

/**
 * STATIC_ROOT as a path: absolute when written absolute, else relative to BASE_DIR (`rel`). Understands
 * `BASE_DIR / "a" / "b"`, `os.path.join(BASE_DIR, "a")`, `str(...)`, `Path("/abs")`, and plain strings.
 */
export function resolveSettingPath(mod: PythonModule, node: PyNode | undefined): { absolute?: string; rel?: string } | undefined {
  if (!node) return undefined;
  const s = stringValue(node);
  if (s !== undefined) return s.startsWith('/') ? { absolute: normalize(s) } : undefined;
  if (node.kind === 'call') {
    const callee = dottedName(node.callee);
    if ((callee === 'str' || callee === 'Path' || callee === 'pathlib.Path') && node.args.length === 1) return resolveSettingPath(mod, node.args[0].value);
    if (callee === 'os.path.join' && node.args.length >= 2) {
      const base = resolveSettingPath(mod, node.args[0].value) ?? baseDirOf(node.args[0].value);
      const rest = node.args.slice(1).map((a) => stringValue(a.value));
      if (!base || rest.some((r) => r === undefined)) return undefined;
      return join(base, rest as string[]);
    }
    return undefined;
  }
  if (node.kind === 'op' && node.ops.every((o) => o === '/') && node.parts.length >= 2) {
    const base = baseDirOf(node.parts[0]) ?? resolveSettingPath(mod, node.parts[0]);
    const rest = node.parts.slice(1).map(stringValue);
    if (!base || rest.some((r) => r === undefined)) return undefined;
    return join(base, rest as string[]);
  }
  return baseDirOf(node);
}

function baseDirOf(node: PyNode): { rel: string } | undefined {
  return node.kind === 'name' && node.name === 'BASE_DIR' ? { rel: '' } : undefined;
}

function join(base: { absolute?: string; rel?: string }, parts: string[]): { absolute?: string; rel?: string } {
  if (parts.some((p) => p.startsWith('/'))) return { absolute: normalize(parts[parts.length - 1]) };
  if (base.absolute !== undefined) return { absolute: normalize([base.absolute, ...parts].join('/')) };
  return { rel: normalize([base.rel ?? '', ...parts].filter((p) => p !== '').join('/')) };
}

// --- CW602 -------------------------------------------------------------------------------------------
// STATIC_ROOT is a project path (`<project>/src/blog/staticfiles`); nginx names a server path
// (`/srv/blog/src/blog/staticfiles`). The project is deployed as a whole to some app folder, so the
// alias must end with STATIC_ROOT's path relative to the project root (the workspace: the folder
// holding every indexed file). Where BASE_DIR cannot be placed in the project, the path relative to
// BASE_DIR is all we know, and the alias must end with that.

function slashPath(p: string): string {
  return resolvePath(p).replace(/\\/g, '/');
}

/** The folder holding every known path of the workspace (the project root). */
function workspaceRoot(ws: WorkspaceView): string | undefined {
  let root: string[] | undefined;
  for (const p of ws.paths()) {
    const parts = slashPath(p).split('/');
    parts.pop();
    if (!root) root = parts;
    else {
      let i = 0;
      while (i < root.length && i < parts.length && root[i] === parts[i]) i++;
      root.length = i;
    }
  }
  return root?.join('/');
}

/**
 * The folder BASE_DIR names, for the usual spellings: `Path(__file__).resolve().parent.parent`,
 * `.parents[1]`, `os.path.dirname(os.path.dirname(os.path.abspath(__file__)))`.
 */
function baseDirFolder(file: LintFile, mod: PythonModule): string | undefined {
  const v = moduleAssignment(mod, 'BASE_DIR')?.value;
  if (!v) return undefined;
  const src = mod.text.slice(offsetOf(mod, v.range.start), offsetOf(mod, v.range.end));
  if (!src.includes('__file__') || src.length > 300) return undefined;
  let up = 0;
  if (/\bPath\s*\(/.test(src)) {
    up += src.split('.parent').length - 1 - (src.split('.parents').length - 1);
    const idx = /\.parents\s*\[\s*(\d+)\s*\]/.exec(src);
    if (idx) up += Number(idx[1]) + 1;
  } else {
    up = src.split('dirname(').length - 1;
  }
  if (up < 1) return undefined;
  const parts = slashPath(file.path).split('/');
  if (up >= parts.length) return undefined;
  return parts.slice(0, parts.length - up).join('/');
}

/** STATIC_ROOT relative to the project root, when BASE_DIR can be placed in the project. */
function projectRelative(root: string | undefined, baseDir: string | undefined, rel: string): string | undefined {
  if (root === undefined || baseDir === undefined) return undefined;
  const full = rel ? `${baseDir}/${rel}` : baseDir;
  if (full === root) return '';
  return full.startsWith(root + '/') ? full.slice(root.length + 1) : undefined;
}

registerRule({
  id: 'CW602',
  severity: 'warning',
  kinds: ['nginx'],
  silentInDevelopment: false,
  crossFile: true,
  summary: 'the nginx static location points at a folder other than STATIC_ROOT',
  check(file, ctx) {
    const roots: Array<{ url: string; root: { absolute?: string; rel?: string }; project?: string; assignment: PyAssignment; file: LintFile }> = [];
    let projectRoot: string | undefined | null = null;
    for (const s of settingsFiles(ctx.workspace)) {
      let mod: PythonModule;
      try {
        mod = s.parse(pythonModuleOf);
      } catch {
        continue;
      }
      const rootAssign = moduleAssignment(mod, 'STATIC_ROOT');
      const root = resolveSettingPath(mod, rootAssign?.value);
      if (!rootAssign || !root) continue;
      const urlValue = stringValue(moduleAssignment(mod, 'STATIC_URL')?.value) ?? 'static/';
      if (/^[a-z]+:\/\//i.test(urlValue) || urlValue.startsWith('//')) continue; // a CDN serves them
      const url = ('/' + urlValue.replace(/^\/+/, '')).replace(/\/*$/, '/');
      let project: string | undefined;
      if (root.rel !== undefined) {
        if (projectRoot === null) projectRoot = workspaceRoot(ctx.workspace);
        project = projectRelative(projectRoot, baseDirFolder(s, mod), root.rel);
      }
      roots.push({ url, root, project, assignment: rootAssign, file: s });
    }
    if (!roots.length) return [];
    const inContainer = servedFromContainer(file, ctx.workspace);
    const out: RuleFinding[] = [];
    for (const d of allDirectives(file.parse(nginxConfigOf))) {
      if (d.name !== 'location' || !d.block) continue;
      const pathArg = d.args.length === 1 ? d.args[0] : d.args.length === 2 && (d.args[0].value === '^~' || d.args[0].value === '=') ? d.args[1] : undefined;
      if (!pathArg) continue;
      const locationUrl = pathArg.value.replace(/\/*$/, '/');
      const forUrl = roots.filter((r) => r.url === locationUrl);
      if (!forUrl.length) continue;
      const alias = d.block.find((x) => x.name === 'alias');
      const rootDir = d.block.find((x) => x.name === 'root');
      const directive = alias ?? rootDir;
      if (!directive?.args[0] || directive.args[0].value.includes('$')) continue;
      const folder = normalize(alias ? directive.args[0].value : directive.args[0].value + '/' + pathArg.value);
      const endsWith = (rel: string) => rel === '' || folder === '/' + rel || folder.endsWith('/' + rel);
      // Inside containers the project sits elsewhere (/home/app/web): only the part under BASE_DIR can be compared.
      const agrees = forUrl.some((r) =>
        r.root.absolute !== undefined ? r.root.absolute === folder : (inContainer && r.root.rel !== undefined && endsWith(r.root.rel)) || (r.project !== undefined ? endsWith(r.project) : endsWith(r.root.rel ?? '')),
      );
      if (agrees) continue;
      const r = forUrl[0];
      const expected = r.root.absolute ?? (r.project !== undefined ? `<project>/${r.project}` : `BASE_DIR/${r.root.rel}`);
      out.push({
        message: `${pathArg.value} is served from ${folder}, but STATIC_ROOT is ${expected}`,
        range: directive.args[0].range,
        hint: 'collectstatic writes static files to STATIC_ROOT; nginx serving another folder answers 404 for every CSS and JS file. Point the location at STATIC_ROOT.',
        related: forUrl.map((x) => related({ file: x.file.path, range: x.assignment.value!.range }, 'STATIC_ROOT is set here')),
      });
    }
    return out;
  },
});

// --- CW603 -------------------------------------------------------------------------------------------

function sslRedirectOn(value: PyNode | undefined): boolean {
  if (!value) return false;
  if (value.kind === 'const') return value.value === 'True';
  if (value.kind === 'number' || value.kind === 'string') return false;
  return true; // read from the environment: on in production, presumably
}

registerRule({
  id: 'CW603',
  severity: 'error',
  kinds: ['django-settings'],
  silentInDevelopment: false,
  crossFile: true,
  summary: 'SECURE_SSL_REDIRECT behind a proxy without SECURE_PROXY_SSL_HEADER or X-Forwarded-Proto',
  check(file, ctx) {
    const mod = file.parse(pythonModuleOf);
    const redirect = moduleAssignment(mod, 'SECURE_SSL_REDIRECT');
    if (!redirect || !sslRedirectOn(redirect.value)) return [];
    const value = redirect.value!;
    // Proxies in front of the app: nginx proxy_pass, or a platform that terminates TLS (Procfile, fly.toml...).
    const nginxPasses: Array<{ file: LintFile; pass: NginxDirective; proto: boolean }> = [];
    for (const f of ctx.workspace.files('nginx')) {
      try {
        const config = f.parse(nginxConfigOf);
        for (const pass of proxyPasses(config)) nginxPasses.push({ file: f, pass, proto: !!pass.parent && sendsForwardedProto(pass.parent, config) });
      } catch {
        // skip unparsable
      }
    }
    const platforms = [...ctx.workspace.files('procfile'), ...ctx.workspace.files('platform')];
    if (!nginxPasses.length && !platforms.length) return [];
    const headerSet = settingsFiles(ctx.workspace).some((s) => {
      try {
        return s.parse(pythonModuleOf).assignments.some((a) => a.targets.some((t) => t.kind === 'name' && t.name === 'SECURE_PROXY_SSL_HEADER'));
      } catch {
        return false;
      }
    });
    const proxyRelated: RelatedInformation[] = [
      ...nginxPasses.slice(0, 3).map((p) => related({ file: p.file.path, range: p.pass.nameRange }, 'nginx proxies to the app here')),
      ...platforms.slice(0, 2).map((f) => related({ file: f.path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }, 'the platform terminates TLS in front of the app')),
    ];
    if (!headerSet) {
      const line = redirect.range.end.line + 1;
      const p: Position = { line, character: 0 };
      return [
        {
          message: 'SECURE_SSL_REDIRECT behind a proxy without SECURE_PROXY_SSL_HEADER',
          range: value.range,
          hint: 'The proxy talks plain HTTP to the app, so Django sees every request as insecure and redirects it to HTTPS, forever. Tell Django which header carries the original scheme.',
          related: proxyRelated,
          fix: {
            title: 'Add SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
            edits: [{ file: file.path, edits: [{ range: { start: p, end: p }, newText: 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n' }] }],
          },
        },
      ];
    }
    const missing = nginxPasses.filter((p) => !p.proto);
    if (!missing.length) return [];
    const edits = new Map<string, TextEdit[]>();
    for (const m of missing) {
      const line = m.pass.range.start.line;
      const indent = /^[ \t]*/.exec(m.file.lines.line(line))?.[0] ?? '';
      const list = edits.get(m.file.path) ?? [];
      if (!m.file.parse(nginxConfigOf) || list.some((e) => e.range.start.line === line)) continue;
      list.push({ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}proxy_set_header X-Forwarded-Proto $scheme;\n` });
      edits.set(m.file.path, list);
    }
    return [
      {
        message: 'SECURE_SSL_REDIRECT, but nginx does not send X-Forwarded-Proto',
        range: value.range,
        hint: 'Django reads the scheme from X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER); without it every request looks insecure and is redirected to HTTPS again, forever.',
        related: missing.slice(0, 5).map((m) => related({ file: m.file.path, range: m.pass.nameRange }, 'this proxy_pass sends no X-Forwarded-Proto')),
        fix: { title: 'Send X-Forwarded-Proto from nginx', edits: [...edits].map(([f, e]) => ({ file: f, edits: e })) },
      },
    ];
  },
});

// --- CW604 -------------------------------------------------------------------------------------------

const MODULE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::[A-Za-z_][A-Za-z0-9_.]*(?:\(.*\))?)?$/;

export interface StartModule {
  module: string;
  start: number;
  end: number;
}

/**
 * Application modules of the file's start commands, read from the parsed start commands
 * (lint/startCommands.ts: the shell, exec lists, compose and Kubernetes commands, systemd ExecStart…), never
 * from raw text: `echo "… gunicorn mysite.wsgy:app"` is an echo, not a server.
 */
export const startModulesOf = (file: LintFile): StartModule[] => {
  const out: StartModule[] = [];
  for (const { inv } of invocations(file)) {
    const w = appOperand(inv);
    if (!w || !MODULE.test(w.value) || !(w.value.includes(':') || w.value.includes('.'))) continue;
    let { start, end } = w;
    // A quoted operand (`"app:create_app()"`): the range is the module inside the quotes.
    const q = file.text[start];
    if ((q === '"' || q === "'") && file.text[end - 1] === q && end - start >= 2) {
      start++;
      end--;
    }
    out.push({ module: w.value, start, end });
  }
  return out;
};

/** Whether `module` (`mysite.wsgi`, `app.main:app`) exists as a file or package somewhere in the workspace. */
function moduleExists(workspace: WorkspaceView, module: string): boolean {
  const dotted = module.split(':')[0];
  const asPath = dotted.replace(/\./g, '/');
  const suffixes = [`/${asPath}.py`, `/${asPath}/__init__.py`];
  for (const p of workspace.paths()) {
    const n = '/' + p.replace(/\\/g, '/');
    if (suffixes.some((s) => n.endsWith(s))) return true;
  }
  return false;
}

/** Whether the index knows the project's Python files (not just deploy files): otherwise we cannot tell. */
function knowsPythonSources(workspace: WorkspaceView): boolean {
  for (const p of workspace.paths()) {
    const base = p.slice(p.replace(/\\/g, '/').lastIndexOf('/') + 1);
    if (base === '__init__.py' || base === 'manage.py' || base === 'wsgi.py' || base === 'asgi.py') return true;
    if (base.endsWith('.py') && !workspace.get(p)) return true;
  }
  return false;
}

registerRule({
  id: 'CW604',
  severity: 'error',
  kinds: COMMAND_KINDS,
  silentInDevelopment: false,
  crossFile: true,
  summary: 'a start command names an application module that does not exist',
  check(file, ctx: RuleContext) {
    if (!knowsPythonSources(ctx.workspace)) return [];
    const out: RuleFinding[] = [];
    for (const m of file.parse(startModulesOf)) {
      if (moduleExists(ctx.workspace, m.module)) continue;
      const range = file.lines.range(m.start, m.end);
      const target = ctx.appTarget(file);
      const candidate = target && moduleExists(ctx.workspace, target.target) ? target.target : undefined;
      const relatedPath = candidate ? [...ctx.workspace.paths()].find((p) => ('/' + p.replace(/\\/g, '/')).endsWith('/' + candidate.split(':')[0].replace(/\./g, '/') + '.py')) : undefined;
      out.push({
        message: `No module ${m.module.split(':')[0]} in the workspace`,
        range,
        hint: `The server fails at start-up with ModuleNotFoundError. ${candidate ? `The project's application is ${candidate}.` : 'Name the module that defines the application.'}`,
        related: relatedPath ? [{ file: relatedPath, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: `the application module ${candidate}` }] : undefined,
        fix: candidate ? { title: `Use ${candidate}`, edits: [{ file: file.path, edits: [{ range, newText: candidate }] }] } : undefined,
      });
    }
    return out;
  },
});

// --- CW605 -------------------------------------------------------------------------------------------

interface PortClaim {
  file: string;
  range: Range;
  port: number;
  what: string;
}

/**
 * Reports claim `c` against what it should agree with: the message names the ports (all of `ports`, by
 * default those of `expected`), the related information the first five of `expected`.
 */
type Disagree = (c: PortClaim, expected: Array<{ file: string; range: Range; port: number }>, what: string, ports?: number[]) => void;

/** Ports the Dockerfile of the app exposes. */
function dockerExposes(file: LintFile): PortClaim[] {
  const out: PortClaim[] = [];
  const parsed = file.parse(parseDockerfile);
  const stage = parsed.final;
  if (!stage) return out;
  for (const ins of stage.instructions) {
    if (ins.getKeyword() !== 'EXPOSE') continue;
    for (const arg of ins.getArguments()) {
      const m = /^(\d{1,5})(?:\/tcp)?$/.exec(arg.getValue());
      if (!m) continue;
      const r = arg.getRange();
      out.push({ file: file.path, range: { start: r.start, end: r.end }, port: Number(m[1]), what: 'EXPOSE' });
    }
  }
  return out;
}

function yamlRange(file: LintFile, node: Node | undefined): Range | undefined {
  return node ? file.parse(parseYaml).range(node) : undefined;
}

function num(node: unknown): number | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,5}$/.test(v)) return Number(v);
  return undefined;
}

/** What a port of a Kubernetes document is, by the code docPorts keeps. */
const PORT_WHAT = ['containerPort', 'readinessProbe', 'livenessProbe', 'startupProbe', 'Service targetPort'];
const PROBES = ['readinessProbe', 'livenessProbe', 'startupProbe'];
const SERVICE_TARGET = 4;

/**
 * The port-bearing nodes of one document, as numbers: `containers` holds, for each container, its
 * node, the count of its ports and of its probes, then a (node, port, what) triple for each of them;
 * `targets` holds the triples of a Service's targetPorts. Nodes are the document's indexes
 * (Document.node). A 2,000-document manifest kept about twenty objects a document here, for the file's
 * life; the collector copied them all. Kept per parsed document: parse/yaml.ts reuses an unchanged
 * document on the next version of the file, so a keystroke walks only the edited document, and ranges
 * are made from the nodes' current offsets when a finding needs one.
 */
interface DocPorts {
  containers: number[];
  targets: number[];
}
const docPortsCache = new WeakMap<Document, DocPorts>();
const NO_PORTS: DocPorts = { containers: [], targets: [] };

function docPorts(doc: Document): DocPorts {
  const cached = docPortsCache.get(doc);
  if (cached) return cached;
  let out = NO_PORTS;
  const add = (node: Node | undefined, what: number, into: number[]): boolean => {
    const port = num(node);
    if (port === undefined || !node) return false;
    into.push(node.index, port, what);
    return true;
  };
  const root = doc.contents as Node | null;
  if (isMap(root)) {
    const kind = String((valueOf(root, 'kind') as { value?: unknown } | undefined)?.value ?? '');
    const spec = valueOf(root, 'spec');
    if (kind === 'Service') {
      const targets: number[] = [];
      for (const p of seqItems(valueOf(spec, 'ports'))) add(valueOf(p, 'targetPort') ?? valueOf(p, 'port'), SERVICE_TARGET, targets);
      if (targets.length) out = { containers: NO_PORTS.containers, targets: exact(targets) };
    } else {
      // Pod templates: Deployment/StatefulSet/DaemonSet/Job (spec.template.spec), CronJob (one level deeper), Pod (spec).
      let podSpec = kind === 'Pod' ? spec : valueOf(valueOf(spec, 'template'), 'spec');
      if (kind === 'CronJob') podSpec = valueOf(valueOf(valueOf(valueOf(spec, 'jobTemplate'), 'spec'), 'template'), 'spec');
      // Index loops: once per container, mostly before V8 optimises it (for-of makes an object per step).
      const list = seqItems(valueOf(podSpec, 'containers'));
      const containers: number[] = [];
      for (let c = 0; c < list.length; c++) {
        const container = list[c];
        const at = containers.length;
        containers.push(container.index, 0, 0);
        const declared = seqItems(valueOf(container, 'ports'));
        for (let i = 0; i < declared.length; i++) if (add(valueOf(declared[i], 'containerPort'), 0, containers)) containers[at + 1]++;
        for (let i = 0; i < PROBES.length; i++) {
          const probe = valueOf(container, PROBES[i]);
          if (add(valueOf(valueOf(probe, 'httpGet'), 'port') ?? valueOf(valueOf(probe, 'tcpSocket'), 'port'), 1 + i, containers)) containers[at + 2]++;
        }
      }
      if (containers.length) out = { containers: exact(containers), targets: NO_PORTS.targets };
    }
  }
  docPortsCache.set(doc, out);
  return out;
}

/** A port claim of a Kubernetes document, made only for a finding; its range is made on first use. */
class NodeClaim implements PortClaim {
  readonly file: string;
  private made?: Range;
  constructor(
    private readonly lintFile: LintFile,
    private readonly doc: Document,
    private readonly node: number,
    readonly port: number,
    readonly what: string,
  ) {
    this.file = lintFile.path;
  }
  get range(): Range {
    return (this.made ??= yamlRange(this.lintFile, this.doc.node(this.node))!);
  }
}

/** The claims of `count` triples of `list` from `at` (a container's ports, say). */
function claimsAt(file: LintFile, doc: Document, list: number[], at: number, count: number): PortClaim[] {
  const out: PortClaim[] = [];
  for (let i = at; i < at + 3 * count; i += 3) out.push(new NodeClaim(file, doc, list[i], list[i + 1], PORT_WHAT[list[i + 2]]));
  return out;
}

/** Each containerPort of a Kubernetes file, in order. */
function eachContainerPort(file: LintFile, each: (doc: Document, node: number, port: number) => void): void {
  for (const doc of file.parse(parseYaml).docs) {
    const c = docPorts(doc).containers;
    for (let r = 0; r < c.length; r += 3 + 3 * (c[r + 1] + c[r + 2])) {
      for (let i = r + 3; i < r + 3 + 3 * c[r + 1]; i += 3) each(doc, c[i], c[i + 1]);
    }
  }
}

/** A file's TCP binds by offset (once per file version), each with its place in the file's own order. */
function tcpBindsByOffset(file: LintFile): Array<{ index: number; off: number; bind: Bind }> {
  return file
    .parse(bindsOfFile)
    .filter((b) => b.kind === 'tcp' && b.port !== undefined)
    .map((bind, index) => ({ index, off: file.lines.offsetAt(bind.range.start), bind }))
    .sort((a, b) => a.off - b.off);
}

/**
 * CW605 in a Kubernetes file: within each container, probes and binds against its containerPorts;
 * Services against every containerPort of the workspace's Kubernetes files. Claims (and their ranges)
 * are made only for what disagrees: on a manifest where everything agrees, nothing but numbers.
 */
function kubernetesDisagreements(file: LintFile, ctx: RuleContext, disagree: Disagree): void {
  const y = file.parse(parseYaml);
  const binds = file.parse(tcpBindsByOffset);
  for (const doc of y.docs) {
    const c = docPorts(doc).containers;
    for (let r = 0; r < c.length; r += 3 + 3 * (c[r + 1] + c[r + 2])) {
      const ports = r + 3;
      const portCount = c[r + 1];
      const probes = ports + 3 * portCount;
      const hasPort = (port: number): boolean => {
        for (let i = ports; i < probes; i += 3) if (c[i + 1] === port) return true;
        return false;
      };
      // TCP binds in the file's commands inside this container's range (a binary search, not a scan of
      // every bind for every container), in the order they were found (which flag first).
      if (binds.length && portCount) {
        const cr = doc.node(c[r]).range;
        let lo = 0;
        let hi = binds.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (binds[mid].off < cr[0]) lo = mid + 1;
          else hi = mid;
        }
        const inside: typeof binds = [];
        for (let i = lo; i < binds.length && binds[i].off < cr[2]; i++) inside.push(binds[i]);
        if (inside.length && !inside.some((b) => hasPort(b.bind.port!))) {
          inside.sort((a, b) => a.index - b.index);
          const claims = inside.map(({ bind: b }) => ({ file: b.file, range: b.range, port: b.port!, what: 'bind' }));
          disagree(claimsAt(file, doc, c, ports, 1)[0], claims, 'the server in this container binds');
        }
      }
      if (!portCount) continue;
      for (let i = probes; i < probes + 3 * c[r + 2]; i += 3) {
        if (!hasPort(c[i + 1])) disagree(claimsAt(file, doc, c, i, 1)[0], claimsAt(file, doc, c, ports, portCount), 'containerPort');
      }
    }
  }
  // Every containerPort of the workspace's Kubernetes files (numbers; claims for the first five only).
  const all: number[] = [];
  const first: PortClaim[] = [];
  for (const other of ctx.workspace.files('kubernetes')) {
    try {
      eachContainerPort(other, (doc, node, port) => {
        all.push(port);
        if (first.length < 5) first.push(new NodeClaim(other, doc, node, port, 'containerPort'));
      });
    } catch {
      // an unreadable file contributes nothing
    }
  }
  if (!all.length) return;
  const declared = new Set(all);
  for (const doc of y.docs) {
    const t = docPorts(doc).targets;
    for (let i = 0; i < t.length; i += 3) if (!declared.has(t[i + 1])) disagree(claimsAt(file, doc, t, i, 1)[0], first, 'containerPort', all);
  }
}

/**
 * Container-side ports of each compose service, with the binds written in that service's own `command`
 * (and whether the image is built from the project, so the Dockerfile's CMD applies).
 */
function composePorts(file: LintFile): Array<{ name: string; claims: PortClaim[]; binds: PortClaim[]; built: boolean; hasCommand: boolean }> {
  const allBinds = file.parse(bindsOfFile);
  return composeServices(file).map(({ name, service: svc }) => {
    const claims: PortClaim[] = [];
    for (const p of seqItems(valueOf(svc, 'ports'))) {
      if (!isScalar(p)) continue;
      const text = String(p.value);
      // "8000", "8000:8000", "127.0.0.1:8080:8000", "8000:8000/tcp": the container side is the last number.
      const m = /(?:^|:)(\d{1,5})(?:\/tcp)?$/.exec(text);
      const range = yamlRange(file, p);
      if (!m || !range || text.includes('-')) continue;
      const port = Number(m[1]);
      const endCol = range.end.character - (text.endsWith('/tcp') ? 4 : 0);
      claims.push({ file: file.path, range: { start: { line: range.end.line, character: endCol - m[1].length }, end: { line: range.end.line, character: endCol } }, port, what: 'compose ports' });
    }
    const binds: PortClaim[] = [];
    const r = svc.range;
    for (const b of allBinds) {
      const off = file.lines.offsetAt(b.range.start);
      if (off >= r[0] && off < r[2] && b.kind === 'tcp' && b.port !== undefined) binds.push({ file: b.file, range: b.range, port: b.port, what: 'bind' });
    }
    return { name, claims, binds, built: !!valueOf(svc, 'build'), hasCommand: !!valueOf(svc, 'command') || !!valueOf(svc, 'entrypoint') };
  });
}

registerRule({
  id: 'CW605',
  severity: 'warning',
  kinds: ['dockerfile', 'kubernetes', 'compose'],
  silentInDevelopment: false,
  crossFile: true,
  summary: 'ports disagree across Dockerfile, Kubernetes and compose',
  check(file, ctx) {
    // The app's port: where the server binds (numeric TCP binds only).
    const binds = workspaceBinds(ctx.workspace).filter((b) => b.kind === 'tcp' && b.port !== undefined);
    const appPorts = new Set(binds.map((b) => b.port!));
    const out: RuleFinding[] = [];
    const disagree: Disagree = (c, expected, what, ports = expected.map((e) => e.port)) =>
      out.push({
        message: `${c.what} ${c.port} disagrees with ${what} ${[...new Set(ports)].join('/')}`,
        range: c.range,
        hint: 'Traffic sent to a port nobody listens on is refused (502, failing probes, restarts). Use one port everywhere.',
        related: expected.slice(0, 5).map((e) => related(e, `${what} ${e.port}`)),
      });
    if (file.kind === 'dockerfile') {
      const exposes = dockerExposes(file);
      if (!exposes.length || !appPorts.size) return [];
      // Only binds that belong to this image: its own CMD/ENTRYPOINT, or a script it copies in and
      // names. A front-end image's EXPOSE is not the Python server's business; unknown pairing: silent.
      const own = binds.filter((b) => b.file === file.path || (ctx.workspace.get(b.file)?.kind === 'shell' && file.text.includes(basenameOf(b.file))));
      if (!own.length) return [];
      const ports = new Set(own.map((b) => b.port!));
      if (!exposes.some((e) => ports.has(e.port))) disagree(exposes[0], own.map((b) => ({ ...b, port: b.port! })), 'the app server binds');
      return out;
    }
    if (file.kind === 'compose') {
      // Each service against its own command's bind; a built service without a command against the
      // binds of the Dockerfile it builds (its build context and dockerfile). Other services (a
      // database, a frontend built from another Dockerfile) are not the app's business.
      const builds = composeModel(file).builds;
      const dockerBinds = (service: string): Array<Bind & { port: number }> => {
        const build = builds.find((b) => b.service === service);
        const df = build && dockerfileOfBuild(ctx.workspace, build);
        return df ? binds.filter((b) => b.file === df.path).map((b) => ({ ...b, port: b.port! })) : [];
      };
      for (const svc of composePorts(file)) {
        const expected = svc.binds.length ? svc.binds : svc.built && !svc.hasCommand ? dockerBinds(svc.name) : [];
        if (!expected.length) continue;
        const ports = new Set(expected.map((e) => e.port));
        for (const c of svc.claims) if (!ports.has(c.port)) disagree(c, expected, 'the app server binds');
      }
      return out;
    }
    kubernetesDisagreements(file, ctx, disagree);
    return out;
  },
});

