// `verifySite` against a real site: examples/django-polls served by Debian's gunicorn behind nginx with the
// generated HTTPS site (a test certificate in place of certbot's), on loopback ports, the domain resolved
// to 127.0.0.1. With production settings every check passes; with DEBUG on and insecure cookies the report
// says so. Every process is stopped by its pid in after().
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { freePort, manage, missingTools, nginxSandbox, nginxTest, removeDir, runTool, Server, startNginx, startServer, tools, waitForListening } from '../../support/realtools';
import { needTool } from '../../support/need';
import { DOMAIN, DeployedProject, deployToTemp, examplePath, unitValues } from '../generate/projects';
import { formatVerifyReport, verifySite, type VerifyReport } from '../../../src/core/verify';
import { main } from '../../../src/cli/index';
import { PassThrough } from 'stream';

describe('Verify the live site (real gunicorn + nginx with HTTPS on loopback)', function () {
  this.timeout(120_000);
  let p: DeployedProject | undefined;
  let gunicorn: Server | undefined;
  let nginx: Server | undefined;
  let httpPort = 0;
  let httpsPort = 0;
  let cert = '';
  let started: (debug: boolean) => Promise<void>;

  before(async function () {
    const missing = missingTools('nginx', 'gunicorn', 'python', 'openssl');
    needTool(this, missing.length === 0, missing.join(', '));
    httpPort = await freePort();
    httpsPort = await freePort();
    p = await deployToTemp(examplePath('django-polls'), ['gunicorn', 'nginx', 'systemd'], { https: true, listenPort: httpPort, httpsPort });
    // Production HTTPS settings (what CW206's fix writes), with DEBUG switchable for the second case.
    const settingsFile = path.join(p.appDir, `${p.settingsModule}.py`);
    fs.appendFileSync(settingsFile, [
      'import os',
      'DEBUG = os.environ.get("CW_TEST_DEBUG") == "1"',
      'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
      'SECURE_SSL_REDIRECT = True',
      'SESSION_COOKIE_SECURE = not DEBUG',
      'CSRF_COOKIE_SECURE = not DEBUG',
      'SECURE_HSTS_SECONDS = 3600',
      '',
    ].join('\n'));
    await manage(p.appDir, ['migrate', '--noinput'], p.env);
    await manage(p.appDir, ['collectstatic', '--noinput'], p.env);
    // certbot's files stand in for a test certificate with the domain as subjectAltName.
    const certDir = path.join(p.root, 'tls');
    fs.mkdirSync(certDir);
    cert = path.join(certDir, 'fullchain.pem');
    const key = path.join(certDir, 'privkey.pem');
    const r = await runTool(tools.openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '60', '-subj', `/CN=${DOMAIN}`, '-addext', `subjectAltName=DNS:${DOMAIN}`, '-keyout', key, '-out', cert]);
    assert.strictEqual(r.code, 0, r.report);
    const siteFile = p.file('nginx');
    fs.writeFileSync(siteFile, fs.readFileSync(siteFile, 'utf8').replace(/\/etc\/letsencrypt\/live\/[^/\s;]+\/fullchain\.pem/g, cert).replace(/\/etc\/letsencrypt\/live\/[^/\s;]+\/privkey\.pem/g, key).replace(/\s*ssl_trusted_certificate [^;]+;/g, ''));
    const sb = nginxSandbox(path.join(p.root, 'nginx'), [siteFile]);
    const t = await nginxTest(sb);
    assert.strictEqual(t.code, 0, t.report);
    nginx = startNginx(sb);
    await waitForListening(nginx, { port: httpsPort });

    const service = fs.readFileSync(p.file('systemd', /\.service$/), 'utf8');
    const [cmd, ...args] = unitValues(service, 'ExecStart')[0].split(/\s+/);
    started = async (debug: boolean) => {
      await gunicorn?.stop();
      fs.rmSync(p!.plan.socket, { force: true });
      gunicorn = startServer('gunicorn', cmd, args, { cwd: p!.appDir, env: { ...p!.env, ...(debug ? { CW_TEST_DEBUG: '1' } : {}) } });
      await waitForListening(gunicorn, { path: p!.plan.socket });
    };
    await started(false);
  });

  after(async function () {
    await nginx?.stop();
    await gunicorn?.stop();
    if (this.currentTest?.state === 'failed') for (const s of [gunicorn, nginx]) if (s) console.log(s.output());
    removeDir(p?.root);
  });

  const verify = (): Promise<VerifyReport> =>
    verifySite(`https://${DOMAIN}:${httpsPort}/polls/`, { resolve: { [DOMAIN]: '127.0.0.1' }, ca: fs.readFileSync(cert), httpUrl: `http://${DOMAIN}:${httpPort}/polls/`, checkAdminPath: true });

  it('production settings: the page, static files, the redirect, HSTS, Secure cookies and DEBUG off all pass', async () => {
    const r = await verify();
    const by = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    for (const id of ['page', 'static', 'httpsRedirect', 'hsts', 'secureCookies', 'debugOff', 'certificate'] as const) {
      assert.strictEqual(by[id]?.status, 'pass', `${id}: ${formatVerifyReport(r)}`);
    }
    assert.match(by.static.detail, /\/static\/polls\/style\.css answered 200 as text\/css/, 'the stylesheet the page links');
    assert.strictEqual(by.adminPath.status, 'warn', 'the example keeps the admin at /admin/');
    assert.strictEqual(r.ok, true);
  });

  it('DEBUG on and cookies without Secure: the report fails those checks and says how to fix them', async () => {
    await started(true);
    try {
      const r = await verify();
      const by = Object.fromEntries(r.checks.map((c) => [c.id, c]));
      assert.strictEqual(by.debugOff.status, 'fail', formatVerifyReport(r));
      assert.match(by.debugOff.fix!, /CW201/);
      assert.strictEqual(by.secureCookies.status, 'fail');
      assert.match(by.secureCookies.detail, /csrftoken/);
      assert.strictEqual(r.ok, false);
    } finally {
      await started(false);
    }
  });

  it('cloudward verify: the same report on the command line, exit 0; a refused port fails with a reason, exit 1', async () => {
    const run = async (argv: string[]) => {
      const out = new PassThrough();
      const err = new PassThrough();
      let text = '';
      out.on('data', (d) => (text += d));
      err.on('data', (d) => (text += d));
      const code = await main(argv, { out, err, cwd: process.cwd(), env: process.env });
      return { code, text };
    };
    const good = await run(['verify', `https://${DOMAIN}:${httpsPort}/polls/`, '--resolve', `${DOMAIN}:127.0.0.1`, '--cacert', cert, '--http-url', `http://${DOMAIN}:${httpPort}/polls/`]);
    assert.strictEqual(good.code, 0, good.text);
    assert.match(good.text, /The site is live/);
    const closed = await freePort();
    const bad = await run(['verify', `https://${DOMAIN}:${closed}/`, '--resolve', `${DOMAIN}:127.0.0.1`]);
    assert.strictEqual(bad.code, 1, bad.text);
    assert.match(bad.text, /FAIL {2}A page answers: .*refused/);
  });
});
