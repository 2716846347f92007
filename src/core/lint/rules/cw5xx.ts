// CW5xx: the reverse proxy (nginx) and the process manager (systemd) in front of the app.

import type { Fix, Range, TextEdit } from '../types';
import type { LintFile } from '../file';
import { registerRule, type RuleFinding } from '../rule';
import { allDirectives, effectiveDirectives, nginxConfigOf, type NginxConfig, type NginxDirective } from '../parse/nginx';
import { splitCommandLine, systemdUnitOf, unitValue, unitValues } from '../parse/systemd';
import type { IniEntry } from '../parse/ini';

function fix(file: LintFile, title: string, edits: TextEdit[]): Fix {
  return { title, edits: [{ file: file.path, edits }] };
}

function indentOfLine(file: LintFile, line: number): string {
  const text = file.lines.line(line);
  let i = 0;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return text.slice(0, i);
}

function insertLineBefore(file: LintFile, line: number, text: string): TextEdit {
  const p = { line, character: 0 };
  return { range: { start: p, end: p }, newText: text + '\n' };
}

// --- nginx helpers (shared with the CW6xx rules) ------------------------------------------------------

/** Header names a `proxy_set_header` list sets. */
function headerName(d: NginxDirective): string {
  return (d.args[0]?.value ?? '').toLowerCase();
}

/**
 * Whether an `include` brings in proxy headers: Debian/Ubuntu's `proxy_params` sets Host, X-Real-IP,
 * X-Forwarded-For and X-Forwarded-Proto; snippets named *proxy* are assumed to do the same (we cannot see
 * files outside the workspace, and a false alarm here would be noise on every certbot-style site).
 */
export function includesProxyHeaders(d: NginxDirective): boolean {
  if (d.name !== 'include') return false;
  const target = d.args[0]?.value ?? '';
  const base = target.slice(target.lastIndexOf('/') + 1).toLowerCase();
  return base.includes('proxy');
}

/** Whether the proxy_set_header set in effect at `location` sends X-Forwarded-Proto. */
export function sendsForwardedProto(location: NginxDirective, config: NginxConfig): boolean {
  const effective = effectiveDirectives(location, (x) => x.name === 'proxy_set_header' || includesProxyHeaders(x), config.directives);
  return effective.some((x) => includesProxyHeaders(x) || headerName(x) === 'x-forwarded-proto');
}

/** `proxy_pass` directives, each with the location (or server) it sits in. */
export function proxyPasses(config: NginxConfig): NginxDirective[] {
  return allDirectives(config).filter((d) => d.name === 'proxy_pass' && d.args.length > 0);
}

// --- CW501 -------------------------------------------------------------------------------------------

registerRule({
  id: 'CW501',
  severity: 'warning',
  kinds: ['nginx'],
  silentInDevelopment: false,
  summary: 'proxy_pass without proxy_set_header X-Forwarded-Proto',
  check(file) {
    const config = file.parse(nginxConfigOf);
    const out: RuleFinding[] = [];
    for (const pass of proxyPasses(config)) {
      const location = pass.parent;
      if (!location) continue;
      if (sendsForwardedProto(location, config)) continue;
      out.push({
        message: 'proxy_pass without X-Forwarded-Proto: the app cannot tell HTTPS',
        range: pass.nameRange,
        hint:
          'Behind nginx the app sees plain HTTP from 127.0.0.1. Without X-Forwarded-Proto, Django builds http:// links, SECURE_SSL_REDIRECT loops and secure cookies misbehave.',
        fix: forwardedProtoFix(file, pass, config),
      });
    }
    return out;
  },
});

function forwardedProtoFix(file: LintFile, pass: NginxDirective, config: NginxConfig): Fix {
  // nginx inherits proxy_set_header only into levels that set none: add ours where the set in effect is
  // defined, or the location would lose the inherited Host / X-Forwarded-For headers.
  const effective = effectiveDirectives(pass.parent!, (x) => x.name === 'proxy_set_header', config.directives);
  const directive = 'proxy_set_header X-Forwarded-Proto $scheme;';
  if (effective.length) {
    const last = effective[effective.length - 1];
    const line = last.range.end.line + 1;
    return fix(file, 'Add proxy_set_header X-Forwarded-Proto $scheme', [insertLineBefore(file, line, indentOfLine(file, last.range.start.line) + directive)]);
  }
  const line = pass.range.start.line;
  return fix(file, 'Add proxy_set_header X-Forwarded-Proto $scheme', [insertLineBefore(file, line, indentOfLine(file, line) + directive)]);
}

// --- CW502 -------------------------------------------------------------------------------------------

registerRule({
  id: 'CW502',
  severity: 'error',
  kinds: ['nginx'],
  silentInDevelopment: false,
  summary: 'location without trailing slash with an alias ending in a slash (path traversal)',
  check(file) {
    const config = file.parse(nginxConfigOf);
    const out: RuleFinding[] = [];
    for (const d of allDirectives(config)) {
      if (d.name !== 'alias' || !d.args[0] || !d.args[0].value.endsWith('/')) continue;
      const location = d.parent;
      if (!location || location.name !== 'location') continue;
      // Prefix locations only: `location /static` or `location ^~ /static`; regex locations work differently.
      const args = location.args;
      const pathArg = args.length === 1 ? args[0] : args.length === 2 && args[0].value === '^~' ? args[1] : undefined;
      if (!pathArg || pathArg.value.endsWith('/') || !pathArg.value.startsWith('/')) continue;
      const alias = d.args[0];
      const pathEnd = pathArg.quoted ? { line: pathArg.range.end.line, character: pathArg.range.end.character - 1 } : pathArg.range.end;
      out.push({
        message: `location ${pathArg.value} with alias ${alias.value}: path traversal`,
        range: alias.range,
        hint: `A request for ${pathArg.value}../ maps to ${alias.value}../ — one level above the folder (off-by-slash). End the location with a slash too.`,
        fix: fix(file, `Use location ${pathArg.value}/`, [{ range: { start: pathEnd, end: pathEnd }, newText: '/' }]),
      });
    }
    return out;
  },
});

// --- CW503 -------------------------------------------------------------------------------------------

/** A server that is the default for its listen socket and turns unknown hosts away. */
export function isRejectingDefaultServer(server: NginxDirective): boolean {
  const listens = (server.block ?? []).filter((d) => d.name === 'listen');
  if (!listens.some((l) => l.args.some((a) => a.value === 'default_server' || a.value === 'default'))) return false;
  const body = server.block ?? [];
  const rejects = (list: NginxDirective[]): boolean =>
    list.some(
      (d) =>
        (d.name === 'return' && /^4\d\d$/.test(d.args[0]?.value ?? '')) ||
        (d.name === 'ssl_reject_handshake' && d.args[0]?.value === 'on') ||
        (d.name === 'deny' && d.args[0]?.value === 'all'),
    );
  if (rejects(body)) return true;
  // `location / { return 444; }` inside the catch-all server also counts.
  return body.some((d) => d.name === 'location' && d.args.length === 1 && d.args[0].value === '/' && rejects(d.block ?? []));
}

const APP_PASS = /^(?:proxy|uwsgi|fastcgi|grpc|scgi)_pass$/;

function servers(config: NginxConfig): NginxDirective[] {
  return allDirectives(config).filter((d) => d.name === 'server' && d.block && d.parent?.name !== 'upstream');
}

registerRule({
  id: 'CW503',
  severity: 'info',
  kinds: ['nginx'],
  silentInDevelopment: false,
  summary: 'no default_server that rejects unknown hosts',
  check(file, ctx) {
    const config = file.parse(nginxConfigOf);
    const list = servers(config);
    // Only files serving named sites: a server_name other than the catch-all `_` / "".
    const named = list.find((s) => (s.block ?? []).some((d) => d.name === 'server_name' && d.args.some((a) => a.value !== '_' && a.value !== '')));
    if (!named) return [];
    // Only in front of an app (a redirect-only or static site answers unknown hosts harmlessly); an
    // include may hold the pass, so it counts.
    if (!allDirectives(config).some((d) => APP_PASS.test(d.name) || d.name === 'include')) return [];
    if (list.some(isRejectingDefaultServer)) return [];
    // The catch-all often lives in its own file (sites-available/default): look at the other nginx files.
    for (const other of ctx.workspace.files('nginx')) {
      if (other.path === file.path) continue;
      try {
        if (servers(other.parse(nginxConfigOf)).some(isRejectingDefaultServer)) return [];
      } catch {
        // an unreadable file proves nothing
      }
    }
    const lastLine = file.lines.lineCount;
    const block = [
      '',
      '# Requests for any other host name (scanners, spoofed Host headers) get no answer at all.',
      'server {',
      '    listen 80 default_server;',
      '    listen [::]:80 default_server;',
      '    server_name _;',
      '    return 444;',
      '}',
    ].join('\n');
    const end = file.lines.positionAt(file.text.length);
    return [
      {
        message: 'No default_server rejects unknown hosts (return 444)',
        range: named.nameRange,
        hint:
          "nginx hands requests for unknown host names to the first server block; Django then answers 400 and logs an error for each. A catch-all default_server that returns 444 drops them early.",
        fix: fix(file, 'Add a catch-all server that returns 444', [
          { range: { start: end, end }, newText: (file.text.endsWith('\n') || lastLine === 0 ? '' : '\n') + block + '\n' },
        ]),
      },
    ];
  },
});

// --- CW504 / CW505 -----------------------------------------------------------------------------------

const APP_SERVERS = /^(?:gunicorn|uvicorn|uwsgi|daphne|hypercorn|waitress-serve|granian|python[\d.]*|django-admin|flask|fastapi)$/;

/** The ExecStart= that starts the app (gunicorn, uvicorn, python manage.py ...), with the program word's range. */
export function appExecStart(file: LintFile): { entry: IniEntry; program: Range; words: ReturnType<typeof splitCommandLine> } | undefined {
  const unit = file.parse(systemdUnitOf);
  for (const entry of unitValues(unit, 'Service', 'ExecStart')) {
    const words = splitCommandLine(entry.value);
    if (!words.length) continue;
    const base = (w: string) => w.slice(w.lastIndexOf('/') + 1);
    let k = 0;
    if (base(words[0].word) === 'env' || base(words[0].word) === 'exec') k = 1;
    while (k < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[k].word)) k++;
    const program = words[k];
    if (!program || !APP_SERVERS.test(base(program.word))) continue;
    if (/^python/.test(base(program.word))) {
      // python only when it runs a web server: -m gunicorn/uvicorn..., manage.py, or an app script.
      const rest = words.slice(k + 1).map((w) => w.word);
      if (!rest.some((w) => /(^|\/)manage\.py$|^(gunicorn|uvicorn|daphne|hypercorn|waitress|flask|granian)$|\.py$/.test(w))) continue;
    }
    const start = entry.valueRange.start;
    const programRange: Range = {
      start: { line: start.line, character: start.character + program.start },
      end: { line: start.line, character: start.character + program.end },
    };
    return { entry, program: programRange, words };
  }
  return undefined;
}

function serviceHeader(file: LintFile): Range | undefined {
  return file.parse(systemdUnitOf).sections.find((s) => s.name === 'Service')?.headerRange;
}

registerRule({
  id: 'CW504',
  severity: 'warning',
  kinds: ['systemd'],
  silentInDevelopment: false,
  summary: 'systemd service starts the app as root (no User= or DynamicUser=)',
  check(file) {
    if (!file.path.endsWith('.service')) return [];
    const unit = file.parse(systemdUnitOf);
    const exec = appExecStart(file);
    if (!exec) return [];
    const user = unitValue(unit, 'Service', 'User');
    const dynamic = unitValue(unit, 'Service', 'DynamicUser');
    if (dynamic && /^(?:yes|true|on|1)$/i.test(dynamic.value)) return [];
    if (user && user.value !== '' && user.value !== 'root' && user.value !== '0') return [];
    const header = serviceHeader(file);
    const explicitRoot = user && (user.value === 'root' || user.value === '0');
    return [
      {
        message: explicitRoot ? 'The app runs as root (User=root)' : 'The app runs as root: no User= or DynamicUser=',
        range: explicitRoot ? user.valueRange : exec.program,
        hint:
          'A bug in the app (or one of its dependencies) then owns the whole machine. Run it as an unprivileged user that owns only what the app needs.',
        fix: explicitRoot
          ? fix(file, 'Run as www-data', [{ range: user.valueRange, newText: 'www-data' }])
          : header
            ? fix(file, 'Run as www-data', [insertLineBefore(file, header.end.line + 1, 'User=www-data\nGroup=www-data')])
            : undefined,
      },
    ];
  },
});

registerRule({
  id: 'CW505',
  severity: 'info',
  kinds: ['systemd'],
  silentInDevelopment: false,
  summary: 'systemd service without Restart=',
  check(file) {
    if (!file.path.endsWith('.service')) return [];
    const unit = file.parse(systemdUnitOf);
    const exec = appExecStart(file);
    if (!exec) return [];
    const type = unitValue(unit, 'Service', 'Type');
    if (type?.value === 'oneshot') return [];
    const restart = unitValue(unit, 'Service', 'Restart');
    if (restart && restart.value !== '' && restart.value !== 'no') return [];
    const header = serviceHeader(file);
    return [
      {
        message: restart ? 'Restart=no: the app stays down after a crash' : 'No Restart=: the app stays down after a crash',
        range: restart ? restart.valueRange : header ?? exec.program,
        hint: 'systemd does not restart a service that exits unless Restart= says so. Restart=on-failure brings the app back after a crash or an out-of-memory kill.',
        fix: restart
          ? fix(file, 'Use Restart=on-failure', [{ range: restart.valueRange, newText: 'on-failure' }])
          : header
            ? fix(file, 'Add Restart=on-failure', [insertLineBefore(file, header.end.line + 1, 'Restart=on-failure')])
            : undefined,
      },
    ];
  },
});
