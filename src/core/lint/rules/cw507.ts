// CW507: `$http_host` where `$host` belongs (gixy host_spoofing). `$http_host` is the client's Host
// header as sent: nginx validates only its name part (what server_name matches), so after the colon
// anything goes (`example.com:@evil.example`), and it is empty without a Host header (HTTP/1.0). `$host`
// is the name alone, lowercased, the server_name when the header is missing. Passed upstream as Host
// (Starlette/FastAPI build absolute links from it unchecked) or put into a redirect, the raw header lets
// the client choose where links and redirects point.

import { resolve as resolvePath } from 'path';
import { dirname } from '../classify';
import { composeServices } from '../startCommands';
import type { LintFile } from '../file';
import { isMap, isScalar, scalarText, seqItems, valueOf } from '../parse/yaml';
import { registerRule, type RuleContext, type RuleFinding } from '../rule';
import { allDirectives, enclosing, nginxConfigOf, type NginxArg, type NginxDirective } from '../parse/nginx';

/**
 * `$http_host` or `${http_host}`, not `$http_hostname` (another variable); also `${DOLLAR}http_host`, the
 * way envsubst templates (the nginx image's /etc/nginx/templates) write a literal `$`.
 */
const HTTP_HOST = /(\$|\$\{DOLLAR\})(?:http_host(?![A-Za-z0-9_])|\{http_host\})/g;

const REDIRECT_CODES = new Set(['301', '302', '303', '307', '308']);
const SCHEME = /^(?:https?:\/\/|\$scheme|\$\{DOLLAR\}scheme)/;

/** The argument that holds a Host header value or a redirect target, and which of the two it is. */
function target(d: NginxDirective): { arg: NginxArg; what: 'host' | 'redirect' } | undefined {
  if (d.name === 'proxy_set_header' && d.args.length >= 2 && d.args[0].value.toLowerCase() === 'host') return { arg: d.args[1], what: 'host' };
  if (d.name === 'return') {
    if (d.args.length === 2 && REDIRECT_CODES.has(d.args[0].value)) return { arg: d.args[1], what: 'redirect' };
    // `return URL;` is a 302 when the URL starts with a scheme (or $scheme).
    if (d.args.length === 1 && SCHEME.test(d.args[0].value)) return { arg: d.args[0], what: 'redirect' };
  }
  // A rewrite redirects when its target has a scheme or its flag says so; an internal rewrite is no redirect.
  if (d.name === 'rewrite' && d.args.length >= 2 && (SCHEME.test(d.args[1].value) || /^(?:redirect|permanent)$/.test(d.args[2]?.value ?? ''))) {
    return { arg: d.args[1], what: 'redirect' };
  }
  return undefined;
}

/**
 * Whether the server listens on a port other than 80/443 (or one set by a template variable): then the
 * client's Host header carries that port and the app needs it back, as `$host:$server_port`.
 */
function listensOnOtherPort(d: NginxDirective): boolean {
  const server = enclosing(d, 'server');
  const listens = (server?.block ?? []).filter((x) => x.name === 'listen' && x.args.length > 0);
  return listens.some((l) => {
    const addr = l.args[0].value;
    if (addr.startsWith('unix:')) return false;
    const port = /^\d+$/.test(addr) ? addr : /:(\d+)$/.exec(addr)?.[1] ?? (/\$/.test(addr) ? '' : '80');
    return port !== '80' && port !== '443';
  });
}

/**
 * `9000:80`, `127.0.0.1:9000:80/tcp`, `{published: 9000, target: 80}`: published and container port differ.
 * `${PORT:-80}:80` counts with its default; a variable without one may be anything, so it counts as remapped.
 */
function remapsPort(p: unknown): boolean {
  if (isMap(p)) {
    const published = scalarText(valueOf(p, 'published'));
    const targetPort = scalarText(valueOf(p, 'target'));
    return !!published && !!targetPort && published !== targetPort;
  }
  if (!isScalar(p) || p.value === null) return false;
  const text = String(p.value)
    .replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, '$1')
    .replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, '?')
    .replace(/\/\w+$/, '')
    .replace(/^\[[^\]]*\]:/, '');
  const parts = text.split(':');
  if (parts.length < 2) return false;
  return parts[parts.length - 2] !== parts[parts.length - 1];
}

/** Whether a compose `volumes` entry or `build` context puts `file` (resolved path `me`) into the container. */
function bringsIn(me: string, composePath: string, source: string | undefined): boolean {
  if (!source || /^[a-z]+:\/\//i.test(source)) return false;
  const abs = resolvePath(dirname(composePath), source);
  return me === abs || me.startsWith(abs + '/');
}

/**
 * Whether a compose nginx service runs this file (a mount of it or its folder, or, for an nginx image, a
 * build context holding it) and publishes the container's port on another one (`9000:80`): the public
 * port then exists only in the client's Host header, and passing $http_host is the way the app learns it.
 * Only nginx services count: the app's own service builds from the repository root, which holds every file.
 */
function runBehindRemappedPort(file: LintFile, ctx: RuleContext): boolean {
  const me = resolvePath(file.path);
  for (const compose of ctx.workspace.files('compose')) {
    let services: ReturnType<typeof composeServices>;
    try {
      services = composeServices(compose);
    } catch {
      continue; // an unreadable compose file proves nothing
    }
    for (const { service } of services) {
      const nginxImage = /nginx|openresty/i.test(scalarText(valueOf(service, 'image')) ?? '');
      const mounts = seqItems(valueOf(service, 'volumes')).map((v) => {
        if (isMap(v)) return { source: scalarText(valueOf(v, 'source')), target: scalarText(valueOf(v, 'target')) };
        const [source, target] = isScalar(v) && typeof v.value === 'string' ? v.value.split(':') : [];
        return { source: source && /^[./]/.test(source) ? source : undefined, target };
      });
      const build = valueOf(service, 'build');
      const context = isMap(build) ? scalarText(valueOf(build, 'context')) : scalarText(build);
      const runs =
        mounts.some((m) => bringsIn(me, compose.path, m.source) && (nginxImage || (m.target ?? '').startsWith('/etc/nginx'))) ||
        (nginxImage && bringsIn(me, compose.path, context));
      if (runs && seqItems(valueOf(service, 'ports')).some(remapsPort)) return true;
    }
  }
  return false;
}

function findings(file: LintFile, d: NginxDirective, remapped: () => boolean): RuleFinding[] {
  const t = target(d);
  if (!t) return [];
  const header = t.what === 'host';
  if (header && remapped()) return [];
  const out: RuleFinding[] = [];
  const base = file.lines.offsetAt(t.arg.range.start);
  for (const m of t.arg.raw.matchAll(HTTP_HOST)) {
    const range = file.lines.range(base + m.index, base + m.index + m[0].length);
    const variable = (name: string) => (m[0].endsWith('}') ? `${m[1]}{${name}}` : `${m[1]}${name}`);
    // On another port the app needs it back: the validated name and the port nginx accepted the request on.
    const replacement = header && listensOnOtherPort(d) ? `${variable('host')}:${variable('server_port')}` : variable('host');
    out.push({
      message: header ? "Host $http_host passes the client's raw Host header: use $host" : "$http_host in a redirect is the client's raw Host header: use $host",
      range,
      hint: header
        ? 'nginx checks only the name part of the Host header: `Host: example.com:@evil.example` reaches this server and goes upstream as sent, so links the app builds from it (password-reset mails, absolute redirects) can point to evil.example. Django refuses such a Host and recent Werkzeug drops it; Starlette (FastAPI) takes it as sent. $host is the name alone, lowercased, the server_name when the header is missing.'
        : 'nginx checks only the name part of the Host header: `Host: example.com:@evil.example` reaches this server and the redirect goes to https://example.com:@evil.example/…, which browsers open at evil.example; with no Host header (HTTP/1.0) it goes to https:///…. $host is the name alone, the server_name when the header is missing.',
      fix: { title: `Use ${replacement}`, edits: [{ file: file.path, edits: [{ range, newText: replacement }] }] },
    });
  }
  return out;
}

registerRule({
  id: 'CW507',
  severity: 'warning',
  kinds: ['nginx'],
  // A development proxy on localhost:8080 passes $http_host on purpose: $host would drop the port.
  silentInDevelopment: true,
  summary: '$http_host (the raw Host header) in proxy_set_header Host or a redirect target instead of $host',
  check(file, ctx) {
    const config = file.parse(nginxConfigOf);
    let remapped: boolean | undefined;
    const isRemapped = () => (remapped ??= runBehindRemappedPort(file, ctx));
    return allDirectives(config).flatMap((d) => findings(file, d, isRemapped));
  },
});
