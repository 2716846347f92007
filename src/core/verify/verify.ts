// "Verify the live site": fetch the real URL and check what a visitor and an attacker would see. Plain Node
// http/https, no dependency: a page answers, a static file loads with the right type, plain HTTP redirects
// to HTTPS, HSTS is on, cookies are Secure, DEBUG is off (a 404 is not Django's debug page), the certificate
// is not about to expire, and (when asked) the admin is not at /admin/. Each check says what it saw.
import * as http from 'http';
import * as https from 'https';
import type { TLSSocket } from 'tls';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface SiteCheck {
  id: 'page' | 'static' | 'httpsRedirect' | 'hsts' | 'secureCookies' | 'debugOff' | 'certificate' | 'adminPath';
  title: string;
  status: CheckStatus;
  /** What was seen, in one sentence (the URL, the status, the header). */
  detail: string;
  /** What to do when it did not pass, with the rule that fixes it when there is one. */
  fix?: string;
}

export interface VerifyOptions {
  /** Host name → IP address to connect to (like curl --resolve), e.g. for a server whose DNS is not set yet. */
  resolve?: Record<string, string>;
  /** Extra trusted CA certificates (PEM), e.g. a test certificate. */
  ca?: string | Buffer;
  /** The plain-HTTP address whose redirect is checked (default: the URL with http: and the default port). */
  httpUrl?: string;
  /** Also warn when the admin answers at the guessable /admin/. */
  checkAdminPath?: boolean;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** Days of certificate validity below which the check warns (default 14). */
  minCertDays?: number;
}

export interface VerifyReport {
  url: string;
  checks: SiteCheck[];
  /** True when no check failed (warnings and skips allowed). */
  ok: boolean;
}

interface Fetched {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  certValidTo?: Date;
}

const MAX_BODY = 512 * 1024;

function fetchOnce(url: URL, opts: VerifyOptions): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const address = opts.resolve?.[url.hostname];
    const req = lib.request(
      {
        protocol: url.protocol,
        host: address ?? url.hostname,
        port: url.port || (url.protocol === 'https:' ? 443 : 80),
        path: url.pathname + url.search,
        method: 'GET',
        headers: { Host: url.host, 'User-Agent': 'cloudward-verify', Accept: 'text/html,*/*' },
        servername: url.hostname,
        ...(opts.ca ? { ca: opts.ca } : {}),
        timeout: opts.timeoutMs ?? 10_000,
        agent: false,
      } as https.RequestOptions,
      (res) => {
        let body = '';
        let certValidTo: Date | undefined;
        const sock = res.socket as TLSSocket;
        if (typeof sock.getPeerCertificate === 'function') {
          const c = sock.getPeerCertificate();
          if (c && c.valid_to) certValidTo = new Date(c.valid_to);
        }
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (body.length < MAX_BODY) body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, certValidTo }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${(opts.timeoutMs ?? 10_000) / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

/** GET, following redirects on the same host (at most 5); returns the last response and its URL. */
async function fetchFollow(url: URL, opts: VerifyOptions): Promise<{ res: Fetched; url: URL }> {
  let current = url;
  for (let i = 0; i < 6; i++) {
    const res = await fetchOnce(current, opts);
    const loc = res.headers.location;
    if (res.status >= 300 && res.status < 400 && loc) {
      const next = new URL(loc, current);
      if (next.hostname !== current.hostname) return { res, url: current };
      current = next;
      continue;
    }
    return { res, url: current };
  }
  throw new Error(`more than 5 redirects from ${url.href}`);
}

function errorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOTFOUND') return `the name ${err.message.split(' ').pop()} does not resolve (DNS not set up yet?)`;
  if (err?.code === 'ECONNREFUSED') return 'the connection was refused (nothing listens there)';
  if (err?.code === 'ECONNRESET' || err?.message === 'socket hang up') return 'the server closed the connection without an answer';
  return err?.message ?? String(e);
}

/** Django's technical 404/500 pages, shown only with DEBUG = True. */
const DEBUG_PAGE = /You.re seeing this error because you have <code>DEBUG = True<\/code>|<title>Page not found at \/|Using the URLconf defined in/;

/** The first stylesheet or script the page links under the same host, else Django admin's stylesheet. */
function staticCandidates(page: string, base: URL): URL[] {
  const out: URL[] = [];
  const re = /<(?:link[^>]+href|script[^>]+src)=["']([^"']+\.(?:css|js)(?:\?[^"']*)?)["']/gi;
  for (let m = re.exec(page); m && out.length < 3; m = re.exec(page)) {
    try {
      const u = new URL(m[1], base);
      if (u.host === base.host) out.push(u);
    } catch {
      /* not a URL */
    }
  }
  out.push(new URL('/static/admin/css/base.css', base));
  return out;
}

/** Checks the live site at `url` (https:// preferably); never throws for what the site does, only for a bad URL. */
export async function verifySite(rawUrl: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(rawUrl) ? rawUrl : `https://${rawUrl}`);
  } catch {
    throw new Error(`not a URL: ${rawUrl}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`only http:// and https:// URLs can be verified, not ${url.protocol}`);
  const checks: SiteCheck[] = [];
  const add = (c: SiteCheck) => checks.push(c);
  const isHttps = url.protocol === 'https:';

  // 1. The page.
  let page: Fetched | undefined;
  let pageUrl = url;
  try {
    const r = await fetchFollow(url, opts);
    page = r.res;
    pageUrl = r.url;
    const ok = page.status >= 200 && page.status < 400;
    add({
      id: 'page', title: 'A page answers', status: ok ? 'pass' : 'fail',
      detail: `${pageUrl.href} answered ${page.status}${page.headers['content-type'] ? ` (${String(page.headers['content-type']).split(';')[0]})` : ''}.`,
      ...(ok ? {} : { fix: page.status === 400 ? 'Django answers 400 to a Host it does not allow: add the domain to DJANGO_ALLOWED_HOSTS (CW203).' : page.status === 502 ? 'The proxy cannot reach the app: is the app server running, on the socket or port the proxy names (CW601)?' : 'Read the app\'s logs for the error.' }),
    });
  } catch (e) {
    add({ id: 'page', title: 'A page answers', status: 'fail', detail: `${url.href}: ${errorText(e)}.`, fix: 'Check DNS, that the site is deployed, and the firewall (ports 80 and 443).' });
  }

  // 2. A static file.
  if (page) {
    let found: { u: URL; r: Fetched } | undefined;
    let lastSeen = '';
    for (const u of staticCandidates(page.body, pageUrl)) {
      try {
        const r = (await fetchFollow(u, opts)).res;
        lastSeen = `${u.pathname} answered ${r.status}`;
        if (r.status === 200) {
          found = { u, r };
          break;
        }
      } catch (e) {
        lastSeen = `${u.pathname}: ${errorText(e)}`;
      }
    }
    if (found) {
      const type = String(found.r.headers['content-type'] ?? '');
      const right = /\.css(\?|$)/.test(found.u.pathname) ? /text\/css/.test(type) : /javascript/.test(type);
      add({ id: 'static', title: 'Static files load', status: right ? 'pass' : 'warn', detail: `${found.u.pathname} answered 200 as ${type || 'no content type'}.`, ...(right ? {} : { fix: 'Serve static files with their MIME types (nginx include mime.types; WhiteNoise does it).' }) });
    } else {
      add({ id: 'static', title: 'Static files load', status: 'fail', detail: `No stylesheet or script loaded: ${lastSeen}.`, fix: 'Run collectstatic and serve STATIC_ROOT: nginx (CW602) or WhiteNoise on a platform (CW606).' });
    }
  }

  // 3. HTTP → HTTPS.
  const httpUrl = new URL(opts.httpUrl ?? (() => {
    const u = new URL(url.href);
    u.protocol = 'http:';
    u.port = '';
    return u.href;
  })());
  if (isHttps || opts.httpUrl) {
    try {
      const r = await fetchOnce(httpUrl, opts);
      const loc = r.headers.location ? new URL(r.headers.location, httpUrl) : undefined;
      const ok = r.status >= 300 && r.status < 400 && loc?.protocol === 'https:' && loc.hostname === httpUrl.hostname;
      add({
        id: 'httpsRedirect', title: 'HTTP redirects to HTTPS', status: ok ? (r.status === 301 || r.status === 308 ? 'pass' : 'warn') : 'fail',
        detail: `${httpUrl.href} answered ${r.status}${loc ? ` → ${loc.href}` : ''}.`,
        ...(ok ? {} : { fix: 'Redirect port 80 to HTTPS: the nginx site with https=true, or SECURE_SSL_REDIRECT (CW206) behind a platform.' }),
      });
    } catch (e) {
      add({ id: 'httpsRedirect', title: 'HTTP redirects to HTTPS', status: 'fail', detail: `${httpUrl.href}: ${errorText(e)}.`, fix: 'Listen on port 80 and redirect to HTTPS (browsers try http:// first).' });
    }
  } else {
    add({ id: 'httpsRedirect', title: 'HTTP redirects to HTTPS', status: 'fail', detail: `${url.href} is plain HTTP.`, fix: 'Get a certificate and serve the site over HTTPS (the path\'s HTTPS step).' });
  }

  // 4. HSTS (on the HTTPS answer).
  if (page && isHttps) {
    const hsts = String(page.headers['strict-transport-security'] ?? '');
    const age = Number(/max-age=(\d+)/i.exec(hsts)?.[1] ?? 0);
    add({ id: 'hsts', title: 'HSTS is on', status: age > 0 ? 'pass' : 'fail', detail: hsts ? `Strict-Transport-Security: ${hsts}.` : 'No Strict-Transport-Security header.', ...(age > 0 ? {} : { fix: 'Set SECURE_HSTS_SECONDS (CW206), starting small (3600) and raising it once HTTPS works everywhere.' }) });
  } else if (page) {
    add({ id: 'hsts', title: 'HSTS is on', status: 'skip', detail: 'Only an HTTPS answer can carry HSTS.' });
  }

  // 5. Cookies: the login page sets the CSRF cookie (and a session after login).
  if (page) {
    const cookies: string[] = [];
    const collect = (r: Fetched) => cookies.push(...([] as string[]).concat(r.headers['set-cookie'] ?? []));
    collect(page);
    if (!cookies.length) {
      try {
        collect((await fetchFollow(new URL('/admin/login/', pageUrl), opts)).res);
      } catch {
        /* no admin: nothing to see */
      }
    }
    if (!cookies.length) add({ id: 'secureCookies', title: 'Cookies are Secure', status: 'skip', detail: 'No page seen set a cookie.' });
    else {
      const insecure = cookies.filter((c) => !/;\s*secure/i.test(c)).map((c) => c.split('=')[0]);
      add({
        id: 'secureCookies', title: 'Cookies are Secure', status: insecure.length ? 'fail' : 'pass',
        detail: insecure.length ? `Sent without Secure: ${insecure.join(', ')}.` : `${cookies.map((c) => c.split('=')[0]).join(', ')} ${cookies.length === 1 ? 'is' : 'are'} Secure.`,
        ...(insecure.length ? { fix: 'Set SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE (CW206).' } : {}),
      });
    }
  }

  // 6. DEBUG off: a page that cannot exist.
  const probe = new URL(`/cloudward-verify-${Math.random().toString(36).slice(2, 10)}/`, pageUrl);
  try {
    const r = await fetchOnce(probe, opts);
    const debug = DEBUG_PAGE.test(r.body);
    add({
      id: 'debugOff', title: 'DEBUG is off', status: debug ? 'fail' : r.status === 404 ? 'pass' : 'warn',
      detail: debug ? `${probe.pathname} shows Django's debug page (URL patterns, settings).` : `${probe.pathname} answered ${r.status} without a debug page.`,
      ...(debug ? { fix: 'Turn DEBUG off in production (CW201): it shows your code, settings and URL patterns to anyone.' } : {}),
    });
  } catch (e) {
    add({ id: 'debugOff', title: 'DEBUG is off', status: 'skip', detail: `${probe.pathname}: ${errorText(e)}.` });
  }

  // 7. The certificate's remaining days.
  if (page?.certValidTo) {
    const days = Math.floor((page.certValidTo.getTime() - Date.now()) / 86_400_000);
    const min = opts.minCertDays ?? 14;
    add({ id: 'certificate', title: 'The certificate is valid', status: days >= min ? 'pass' : days >= 0 ? 'warn' : 'fail', detail: `Expires in ${days} days (${page.certValidTo.toISOString().slice(0, 10)}).`, ...(days >= min ? {} : { fix: 'Renew it (certbot renew; check the timer with certbot renew --dry-run).' }) });
  }

  // 8. The admin's address, when asked.
  if (opts.checkAdminPath && page) {
    try {
      const r = await fetchFollow(new URL('/admin/', pageUrl), opts);
      const there = /csrfmiddlewaretoken|Django administration|id="login-form"/.test(r.res.body);
      add({ id: 'adminPath', title: 'The admin is not at /admin/', status: there ? 'warn' : 'pass', detail: there ? '/admin/ shows the Django admin login.' : `/admin/ answered ${r.res.status} without the admin.`, ...(there ? { fix: 'Mount the admin at a path of your own in urls.py (path("<something>/", admin.site.urls)).' } : {}) });
    } catch (e) {
      add({ id: 'adminPath', title: 'The admin is not at /admin/', status: 'skip', detail: errorText(e) });
    }
  }

  return { url: url.href, checks, ok: !checks.some((c) => c.status === 'fail') };
}

/** The report as text lines (CLI and the editor's output channel). */
export function formatVerifyReport(r: VerifyReport): string {
  const mark: Record<CheckStatus, string> = { pass: 'ok  ', fail: 'FAIL', warn: 'warn', skip: 'skip' };
  const lines = [`Verify ${r.url}`];
  for (const c of r.checks) {
    lines.push(`  ${mark[c.status]}  ${c.title}: ${c.detail}`);
    if (c.fix && c.status !== 'pass') lines.push(`        fix: ${c.fix}`);
  }
  const failed = r.checks.filter((c) => c.status === 'fail').length;
  lines.push(failed ? `${failed} check${failed === 1 ? '' : 's'} failed.` : 'The site is live and its production basics are on.');
  return lines.join('\n');
}
