// The compose file read the way Compose reads it: Compose interpolates `$VAR` in every value, the nginx
// site embedded in `configs.nginx_site.content` too, so `$host` unescaped would reach nginx as an empty
// string (`proxy_set_header Host ;`) and nginx would refuse to start. The generated file escapes `$` as
// `$$`; this test runs Compose's own interpolation (Debian's docker-compose package) over it, then nginx -t
// on the site that comes out. With HTTPS on (TLS ending in front of the stack), that site runs for real in
// front of gunicorn and a Django app with SECURE_SSL_REDIRECT and SECURE_PROXY_SSL_HEADER: what the TLS
// front sends (X-Forwarded-Proto: https) reaches the app, which answers instead of redirecting again.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freePort, httpGet, makeTempDir, missingTools, nginxSandbox, nginxTest, removeDir, repoRoot, runTool, Server, startNginx, startServer, tools, waitForListening } from '../../support/realtools';
import { needTool } from '../../support/need';
import { DOMAIN, deployToTemp, examplePath, startproject, type DeployedProject } from './projects';

const INTERPOLATE = path.join(repoRoot, 'test', 'support', 'compose_interpolate.py');

/** Whether Debian's docker-compose (its Python package) is installed for /usr/bin/python3. */
async function haveCompose(): Promise<boolean> {
  const r = await runTool(tools.python, ['-c', 'import compose.config.interpolation']);
  return r.code === 0;
}

async function asComposeReadsIt(composeFile: string): Promise<{ configs: Record<string, { content: string }>; report: string }> {
  const r = await runTool(tools.python, [INTERPOLATE, composeFile], { cwd: path.dirname(composeFile) });
  assert.strictEqual(r.code, 0, r.report);
  return { ...JSON.parse(r.stdout), report: r.report };
}

describe('compose.yaml as Compose reads it (docker-compose interpolation, then nginx -t)', function () {
  this.timeout(120_000);
  const projects: DeployedProject[] = [];

  before(async function () {
    const missing = missingTools('nginx', 'python');
    needTool(this, missing.length === 0, missing.join(', '));
    needTool(this, await haveCompose(), 'docker-compose (Debian package, for its interpolation code)');
  });

  after(() => projects.forEach((p) => removeDir(p.root)));

  for (const [example, overrides] of [['django-polls', {}], ['django-polls', { interface: 'asgi', appTarget: 'mysite.asgi:application' }]] as const) {
    it(`${example}${'interface' in overrides ? ' (ASGI)' : ''}: the embedded nginx site keeps its variables and passes nginx -t`, async () => {
      const p = await deployToTemp(examplePath(example), ['compose'], overrides);
      projects.push(p);
      const composeFile = p.file('compose');
      // The secrets file the header asks for, empty: no variable of the site may depend on it.
      fs.writeFileSync(path.join(path.dirname(composeFile), '.env'), '');
      const { configs, report } = await asComposeReadsIt(composeFile);
      const site = configs.nginx_site.content;
      assert.doesNotMatch(report, /variable is not set/, `Compose found variables to replace:\n${report}`);
      assert.match(site, /proxy_set_header Host \$host;/);
      assert.match(site, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
      assert.match(site, /proxy_set_header X-Forwarded-Proto \$(scheme|visitor_scheme);/);
      assert.doesNotMatch(site, /\$\$/, 'Compose turns $$ into $');
      // nginx resolves upstream hosts at start: the compose service name `web` stands for loopback here.
      const dir = makeTempDir('compose-nginx');
      try {
        const siteFile = path.join(dir, 'site.conf');
        fs.writeFileSync(siteFile, site.replace(/server web:(\d+)/, 'server 127.0.0.1:$1'));
        const r = await nginxTest(nginxSandbox(dir, [siteFile]));
        assert.strictEqual(r.code, 0, `nginx -t rejected the site Compose passes on:\n${r.report}\n--- site ---\n${site}`);
      } finally {
        removeDir(dir);
      }
    });
  }
});

describe('compose.yaml with HTTPS on, behind its TLS front (Compose interpolation, then nginx, gunicorn and Django for real)', function () {
  this.timeout(120_000);
  let p: DeployedProject | undefined;
  let app: { dir: string; cleanupRoot: string } | undefined;
  let gunicorn: Server | undefined;
  let nginx: Server | undefined;
  let sandbox = '';
  let port = 0;

  before(async function () {
    const missing = missingTools('nginx', 'gunicorn', 'python');
    needTool(this, missing.length === 0, missing.join(', '));
    needTool(this, await haveCompose(), 'docker-compose (Debian package, for its interpolation code)');
    p = await deployToTemp(examplePath('django-polls'), ['compose'], { https: true, domain: DOMAIN });
    const composeFile = p.file('compose');
    fs.writeFileSync(path.join(path.dirname(composeFile), '.env'), '');
    const site = (await asComposeReadsIt(composeFile)).configs.nginx_site.content;
    // A Django app with the settings the HTTPS fix writes: redirect HTTP to HTTPS, trust the proxy's header.
    app = await startproject('cwtls');
    const settings = path.join(app.dir, 'cwtls', 'settings.py');
    fs.appendFileSync(settings, `\nDEBUG = False\nALLOWED_HOSTS = ['${DOMAIN}']\nSECURE_SSL_REDIRECT = True\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n`);
    const appPort = await freePort();
    gunicorn = startServer('gunicorn', tools.gunicorn, ['--bind', `127.0.0.1:${appPort}`, '--workers', '1', 'cwtls.wsgi:application'], { cwd: app.dir });
    await waitForListening(gunicorn, { port: appPort });
    // The stack's nginx as Compose hands it its site: the service `web` is loopback, port 80 a free one.
    port = await freePort();
    sandbox = makeTempDir('compose-tls');
    const siteFile = path.join(sandbox, 'site.conf');
    fs.writeFileSync(siteFile, site.replace(/server web:\d+/, `server 127.0.0.1:${appPort}`).replace(/listen 80\b/g, `listen ${port}`));
    const sb = nginxSandbox(sandbox, [siteFile]);
    const t = await nginxTest(sb);
    assert.strictEqual(t.code, 0, `${t.report}\n--- site ---\n${site}`);
    nginx = startNginx(sb);
    await waitForListening(nginx, { port });
  });

  after(async function () {
    await nginx?.stop();
    await gunicorn?.stop();
    if (this.currentTest?.state === 'failed') for (const s of [gunicorn, nginx]) if (s) console.log(s.output());
    removeDir(sandbox || undefined);
    removeDir(app?.cleanupRoot);
    removeDir(p?.root);
  });

  it('a request the TLS front forwards (X-Forwarded-Proto: https) is answered by the app, not redirected again', async () => {
    const r = await httpGet(port, '/admin/login/', DOMAIN, 10_000, { 'X-Forwarded-Proto': 'https' });
    assert.ok(!r.closed, 'no answer');
    assert.strictEqual(r.status, 200, `${r.status} ${String(r.headers.location ?? '')} ${r.body.toString().slice(0, 300)}`);
  });

  it('a plain HTTP request, or one claiming another scheme, is redirected to HTTPS once', async () => {
    const cases: Record<string, string>[] = [{}, { 'X-Forwarded-Proto': 'http' }, { 'X-Forwarded-Proto': 'gopher' }];
    for (const headers of cases) {
      const r = await httpGet(port, '/admin/login/', DOMAIN, 10_000, headers);
      assert.ok(!r.closed, 'no answer');
      assert.strictEqual(r.status, 301, `${JSON.stringify(headers)}: ${r.status}`);
      assert.strictEqual(r.headers.location, `https://${DOMAIN}/admin/login/`);
    }
  });
});
