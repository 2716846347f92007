// CW506 (add_header in an inner level drops the outer ones) and CW507 ($http_host where $host belongs):
// the two gixy checks, with the lessons from real projects' nginx files as minimal fixtures.
import * as assert from 'assert';
import { applyFix, covered, expectAt, lintFiles, lintRule, rangeOf } from './helpers';
import type { Finding } from '../../../src/core/lint';
import { hasTool, nginxAccepts } from './nginxCheck';
import { needTool } from '../../support/need';

const SITE = 'deploy/nginx/polls.conf';

const lines = (...l: string[]) => l.join('\n') + '\n';

/** One finding, on the directive name (`add_header`) of the line that starts with `directive`. */
function expectOnName(findings: Finding[], text: string, directive: string): Finding {
  assert.strictEqual(findings.length, 1, JSON.stringify(findings.map((f) => [f.message, f.range])));
  const at = rangeOf(text, directive).start;
  const name = directive.split(' ')[0];
  assert.deepStrictEqual(findings[0].range, { start: at, end: { line: at.line, character: at.character + name.length } });
  return findings[0];
}

describe('CW506: add_header in an inner level drops the enclosing level’s headers', () => {
  const site = lines(
    'server {',
    '    listen 80;',
    '    server_name polls.example.com;',
    '    add_header Strict-Transport-Security "max-age=31536000" always;',
    '    add_header X-Request-ID $request_id;',
    '    location /static/ {',
    '        alias /srv/polls/staticfiles/;',
    '        add_header Cache-Control "public, max-age=2592000";',
    '    }',
    '    location / {',
    '        proxy_pass http://127.0.0.1:8000;',
    '    }',
    '}',
  );

  it('points at the location’s first add_header, a warning naming the lost security header, related information on each lost one', () => {
    const f = expectAt(lintRule(SITE, site, 'CW506'), site, 'add_header', 2);
    assert.strictEqual(f.severity, 'warning');
    assert.strictEqual(f.message, 'add_header here drops Strict-Transport-Security and X-Request-ID, set in server');
    assert.deepStrictEqual(
      f.related!.map((r) => [covered(site, r.range), r.message]),
      [
        ['add_header Strict-Transport-Security "max-age=31536000" always;', 'Strict-Transport-Security (server) is not sent from location /static/'],
        ['add_header X-Request-ID $request_id;', 'X-Request-ID (server) is not sent from location /static/'],
      ],
    );
  });

  it('the fix repeats the lost lines in the location; the result is clean and nginx accepts it', function () {
    const f = lintRule(SITE, site, 'CW506')[0];
    assert.strictEqual(f.fix!.title, 'Repeat the add_header lines of server here');
    const fixed = applyFix(site, f);
    assert.strictEqual(
      fixed,
      site.replace(
        '        add_header Cache-Control',
        '        add_header Strict-Transport-Security "max-age=31536000" always;\n        add_header X-Request-ID $request_id;\n        add_header Cache-Control',
      ),
    );
    assert.deepStrictEqual(lintRule(SITE, fixed, 'CW506'), []);
    needTool(this, hasTool('nginx'), 'nginx');
    const r = nginxAccepts(fixed);
    assert.ok(r.ok, r.output);
  });

  it('is info when no security header is lost', () => {
    const plain = site.replace('    add_header Strict-Transport-Security "max-age=31536000" always;\n', '');
    const f = expectAt(lintRule(SITE, plain, 'CW506'), plain, 'add_header', 1);
    assert.strictEqual(f.severity, 'info');
    assert.strictEqual(f.message, 'add_header here drops X-Request-ID, set in server');
  });

  it('is silent when the location repeats every outer name (any case), or add_header_inherit merge/off is in effect', () => {
    const repeated = site.replace(
      '        add_header Cache-Control',
      '        add_header strict-transport-security "max-age=31536000" always;\n        add_header X-Request-Id $request_id;\n        add_header Cache-Control',
    );
    assert.deepStrictEqual(lintRule(SITE, repeated, 'CW506'), []);
    // nginx 1.29.3+: in the location, or inherited from the server or the http level.
    for (const [at, line] of [
      ['        add_header Cache-Control', '        add_header_inherit merge;\n'],
      ['    add_header Strict', '    add_header_inherit merge;\n'],
      ['        add_header Cache-Control', '        add_header_inherit off;\n'],
    ]) {
      assert.deepStrictEqual(lintRule(SITE, site.replace(at, line + at), 'CW506'), [], line);
    }
    assert.deepStrictEqual(lintRule(SITE, 'add_header_inherit merge;\n' + site, 'CW506'), []);
    // An inner `on` undoes an outer merge.
    const undone = 'add_header_inherit merge;\n' + site.replace('        add_header Cache-Control', '        add_header_inherit on;\n        add_header Cache-Control');
    expectOnName(lintRule(SITE, undone, 'CW506'), undone, 'add_header Cache-Control');
  });

  it('ignores what nginx does not inherit: an outer add_header with an empty value, a location without add_header', () => {
    const empty = site.replace('add_header Strict-Transport-Security "max-age=31536000" always;', 'add_header Strict-Transport-Security "";').replace('    add_header X-Request-ID $request_id;\n', '');
    assert.deepStrictEqual(lintRule(SITE, empty, 'CW506'), []);
    const none = site.replace('        add_header Cache-Control "public, max-age=2592000";\n', '');
    assert.deepStrictEqual(lintRule(SITE, none, 'CW506'), []);
  });

  it('follows every level: http → server, a nested location, an if in a location', () => {
    // A conf.d file's top level is the http context.
    const http = lines('add_header X-Frame-Options DENY;', 'server {', '    listen 80;', '    add_header X-Request-ID $request_id;', '}');
    const f = expectAt(lintRule('nginx/conf.d/polls.conf', http, 'CW506'), http, 'add_header', 1);
    assert.strictEqual(f.message, 'add_header here drops X-Frame-Options, set in the http level');
    assert.strictEqual(f.severity, 'warning');

    const nested = lines(
      'server {',
      '    add_header X-Frame-Options DENY;',
      '    location /static/ {',
      '        add_header X-Frame-Options DENY;',
      '        add_header Access-Control-Allow-Origin *;',
      '        location /static/bundles/ {',
      '            add_header Cache-Control immutable;',
      '        }',
      '    }',
      '}',
    );
    const g = expectOnName(lintRule(SITE, nested, 'CW506'), nested, 'add_header Cache-Control');
    assert.strictEqual(g.message, 'add_header here drops X-Frame-Options and Access-Control-Allow-Origin, set in location /static/');

    const inIf = lines('server {', '    add_header X-Content-Type-Options nosniff;', '    location / {', '        if ($request_method = OPTIONS) {', '            add_header Allow "GET, POST";', '            return 204;', '        }', '    }', '}');
    const h = expectOnName(lintRule(SITE, inIf, 'CW506'), inIf, 'add_header Allow');
    assert.match(h.hint!, /responses from if \(\$request_method = OPTIONS\)/);
  });

  it('on a one-line location the fix goes in front of the add_header on that line', function () {
    const oneLine = lines('server {', '    listen 80;', '    add_header X-Frame-Options DENY;', '    location /media/ { alias /srv/media/; add_header Cache-Control public; }', '}');
    const f = expectAt(lintRule(SITE, oneLine, 'CW506'), oneLine, 'add_header', 1);
    const fixed = applyFix(oneLine, f);
    assert.match(fixed, /location \/media\/ \{ alias \/srv\/media\/; add_header X-Frame-Options DENY; add_header Cache-Control public; \}/);
    assert.deepStrictEqual(lintRule(SITE, fixed, 'CW506'), []);
    needTool(this, hasTool('nginx'), 'nginx');
    const r = nginxAccepts(fixed);
    assert.ok(r.ok, r.output);
  });

  it('is silenced by a comment on the line above', () => {
    const silenced = site.replace('        add_header Cache-Control', '        # cloudward: ignore=CW506 -- hashed files, HSTS comes from the CDN\n        add_header Cache-Control');
    assert.deepStrictEqual(lintRule(SITE, silenced, 'CW506'), []);
  });

  describe('lessons from real projects', () => {
    // zulip: a location that includes a shared headers file next to its own add_header repeats the outer
    // headers through it; we cannot read the include, so we say nothing rather than guess.
    it('an inner level with an include we cannot read is silent; parameter files (uwsgi_params, mime.types) do not count', () => {
      const withInclude = site.replace('        add_header Cache-Control', '        include /etc/nginx/snippets/headers.conf;\n        add_header Cache-Control');
      assert.deepStrictEqual(lintRule(SITE, withInclude, 'CW506'), []);
      const params = site.replace('        add_header Cache-Control', '        include uwsgi_params;\n        include /etc/nginx/mime.types;\n        add_header Cache-Control');
      assert.strictEqual(lintRule(SITE, params, 'CW506').length, 1);
    });

    // zulip: the nested /static/webpack-bundles location adds Cache-Control only, dropping the CORS header it
    // sees and the headers the enclosing location includes from a file: the hint names that include.
    it('an outer level’s include is named in the hint: what it sets is dropped too', () => {
      const zulipLike = lines(
        'location /static/ {',
        '    include /etc/nginx/app/headers;',
        '    add_header Access-Control-Allow-Origin *;',
        '    location /static/webpack-bundles {',
        '        add_header Cache-Control "public, max-age=31536000, immutable";',
        '    }',
        '}',
      );
      const f = expectOnName(lintRule('nginx/app.conf', zulipLike, 'CW506'), zulipLike, 'add_header Cache-Control');
      assert.strictEqual(f.severity, 'info');
      assert.match(f.hint!, /It also drops any add_header that `include \/etc\/nginx\/app\/headers` sets in location \/static\/\./);
    });

    // label-studio: an internal download location adds Content-Disposition and drops seven server headers
    // (request id, CORS, HSTS, X-Frame-Options); the security ones must not hide behind "and 5 more".
    it('lists the lost security headers first', () => {
      const many = lines(
        'server {',
        '    add_header X-Request-ID $request_id;',
        '    add_header Access-Control-Allow-Origin *;',
        '    add_header Access-Control-Max-Age 3600;',
        '    add_header Strict-Transport-Security "max-age=31536000";',
        '    add_header X-Frame-Options "SAMEORIGIN" always;',
        '    location ~ ^/file_download/(.*) {',
        '        internal;',
        '        add_header Content-Disposition $upstream_http_content_disposition;',
        '    }',
        '}',
      );
      const f = expectOnName(lintRule(SITE, many, 'CW506'), many, 'add_header Content-Disposition');
      assert.strictEqual(f.message, 'add_header here drops Strict-Transport-Security, X-Frame-Options and 3 more, set in server');
      assert.strictEqual(f.related!.length, 5);
    });
  });
});

describe('CW507: $http_host where $host belongs', () => {
  const site = lines(
    'server {',
    '    listen 80;',
    '    server_name polls.example.com;',
    '    location / {',
    '        proxy_set_header Host $http_host;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_pass http://127.0.0.1:8000;',
    '    }',
    '}',
  );

  it('points at $http_host in proxy_set_header Host; the fix writes $host and nginx accepts it', function () {
    const f = expectAt(lintRule(SITE, site, 'CW507'), site, '$http_host');
    assert.strictEqual(f.severity, 'warning');
    assert.strictEqual(f.message, "Host $http_host passes the client's raw Host header: use $host");
    assert.strictEqual(f.fix!.title, 'Use $host');
    const fixed = applyFix(site, f);
    assert.match(fixed, / {8}proxy_set_header Host \$host;\n/);
    assert.deepStrictEqual(lintRule(SITE, fixed, 'CW507'), []);
    needTool(this, hasTool('nginx'), 'nginx');
    const r = nginxAccepts(fixed);
    assert.ok(r.ok, r.output);
  });

  it('flags $http_host in redirect targets: return with a code or a bare URL, rewrite with a scheme or redirect flag', () => {
    const redirects = lines(
      'server {',
      '    listen 80;',
      '    location /a { return 301 https://$http_host$request_uri; }',
      '    location /b { return "https://${http_host}/b/"; }',
      '    location /c { rewrite ^ $scheme://$http_host/c/ permanent; }',
      '    location /d { rewrite ^/d(.*)$ /x/$http_host$1 redirect; }',
      '}',
    );
    const found = lintRule(SITE, redirects, 'CW507');
    assert.deepStrictEqual(
      found.map((f) => f.range),
      [rangeOf(redirects, '$http_host'), rangeOf(redirects, '${http_host}'), rangeOf(redirects, '$http_host', 1), rangeOf(redirects, '$http_host', 2)],
    );
    assert.strictEqual(found[0].message, "$http_host in a redirect is the client's raw Host header: use $host");
    assert.deepStrictEqual(found.map((f) => f.fix!.edits[0].edits[0].newText), ['$host', '${host}', '$host', '$host']);
  });

  it('leaves other uses alone: X-Forwarded-Host, conditions, other variables, internal rewrites, response bodies', () => {
    const other = lines(
      'server {',
      '    listen 80;',
      '    if ($http_host != "polls.example.com") { return 444; }',
      '    location / {',
      '        proxy_set_header Host $host;',
      '        proxy_set_header X-Forwarded-Host $http_host;',
      '        proxy_set_header X-Original-Host $http_hostname;',
      '        proxy_pass http://127.0.0.1:8000;',
      '    }',
      '    location /sites/ { rewrite ^ /vhosts/$http_host$uri last; }',
      '    location /echo { return 200 "$http_host"; }',
      '}',
    );
    assert.deepStrictEqual(lintRule(SITE, other, 'CW507'), []);
  });

  it('is silent in development files (a proxy on localhost:8080 keeps the port on purpose)', () => {
    assert.deepStrictEqual(lintRule('deploy/nginx/polls.dev.conf', site, 'CW507'), []);
  });

  describe('lessons from real projects', () => {
    // openwisp: the server listens on a configurable port; the app needs the port back, so the fix keeps it
    // the safe way. Its templates (envsubst) write `${DOLLAR}http_host` for a literal `$http_host`.
    it('on a port other than 80/443 the fix writes $host:$server_port', () => {
      const odd = site.replace('listen 80;', 'listen 8443;');
      const f = expectAt(lintRule(SITE, odd, 'CW507'), odd, '$http_host');
      assert.strictEqual(applyFix(odd, f).includes('proxy_set_header Host $host:$server_port;'), true);
      const variablePort = site.replace('listen 80;', 'listen ${NGINX_PORT};');
      assert.strictEqual(lintRule(SITE, variablePort, 'CW507')[0].fix!.edits[0].edits[0].newText, '$host:$server_port');
    });

    it('reads envsubst templates: ${DOLLAR}http_host, fixed as ${DOLLAR}host', () => {
      const template = site.replace('Host $http_host', 'Host ${DOLLAR}http_host');
      const f = expectAt(lintRule(SITE, template, 'CW507'), template, '${DOLLAR}http_host');
      assert.strictEqual(f.fix!.edits[0].edits[0].newText, '${DOLLAR}host');
    });

    // taiga-docker: the gateway listens on 80 in its container, published as 9000:80; the public port is
    // only in the client's Host header, so $http_host is how the app learns it. Redirects are still flagged.
    it('is silent on proxy_set_header Host when a compose service runs the file (mount or build) and publishes another port', () => {
      const gateway = site.replace('    location / {', '    location /r { return 301 https://$http_host$request_uri; }\n    location / {');
      const compose = (ports: string) => `services:\n  gateway:\n    image: nginx:1.27-alpine\n    ports:\n      - "${ports}"\n    volumes:\n      - ./deploy/nginx/polls.conf:/etc/nginx/conf.d/default.conf\n`;
      const remapped = lintFiles({ 'compose.yaml': compose('9000:80'), [SITE]: gateway }, 'CW507');
      assert.deepStrictEqual(remapped.map((f) => f.range), [rangeOf(gateway, '$http_host')]);
      const folder = lintFiles({ 'compose.yaml': compose('9000:80').replace('./deploy/nginx/polls.conf:/etc/nginx/conf.d/default.conf', './deploy/nginx:/etc/nginx/conf.d:ro'), [SITE]: gateway }, 'CW507');
      assert.strictEqual(folder.length, 1);
      // Built into an nginx image: the build context holds the file.
      const built = `services:\n  gateway:\n    image: polls-nginx:1\n    build:\n      context: ./deploy\n    ports:\n      - "9000:80"\n`;
      assert.strictEqual(lintFiles({ 'compose.yaml': built, [SITE]: gateway }, 'CW507').length, 1);
      // gunicorn's examples: the app's service builds from the repository root (which holds every file) and
      // publishes 8001:8000; that says nothing about the nginx file.
      const app = `services:\n  web:\n    build:\n      context: .\n    ports:\n      - "8001:8000"\n    volumes:\n      - .:/app\n`;
      assert.strictEqual(lintFiles({ 'compose.yaml': app, [SITE]: gateway }, 'CW507').length, 2);
      // Same port outside and inside (openwisp: "${NGINX_PORT:-80}:80"): $host loses nothing.
      assert.strictEqual(lintFiles({ 'compose.yaml': compose('80:80'), [SITE]: gateway }, 'CW507').length, 2);
      assert.strictEqual(lintFiles({ 'compose.yaml': compose('${NGINX_PORT:-80}:80'), [SITE]: gateway }, 'CW507').length, 2);
      const long = compose('9000:80').replace('      - "9000:80"\n', '      - target: 80\n        published: "9000"\n');
      assert.strictEqual(lintFiles({ 'compose.yaml': long, [SITE]: gateway }, 'CW507').length, 1);
      // A published port the user picks (no default) may be anything: silent.
      assert.strictEqual(lintFiles({ 'compose.yaml': compose('${NGINX_PORT}:80'), [SITE]: gateway }, 'CW507').length, 1);
    });

    // gunicorn's example nginx.conf (copied into many projects): a named location proxying with $http_host.
    it('flags the named-location proxy of gunicorn’s example configuration', () => {
      const example = lines(
        'server {',
        '    listen 80;',
        '    location / { try_files $uri @proxy_to_app; }',
        '    location @proxy_to_app {',
        '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
        '        proxy_set_header Host $http_host;',
        '        proxy_redirect off;',
        '        proxy_pass http://app_server;',
        '    }',
        '}',
      );
      expectAt(lintRule(SITE, example, 'CW507'), example, '$http_host');
    });
  });
});
