// localhost → "cloud" on loopback: deploy a Django project with the generated gunicorn config and nginx
// site (plan paths in a temp dir, nginx on a free port), then talk HTTP to nginx as a browser would.
// Plain mocha on Node; Debian's nginx, gunicorn and Django. Every process is stopped by pid in after().
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  freePort,
  httpGet,
  manage,
  missingTools,
  nginxSandbox,
  nginxTest,
  removeDir,
  Server,
  startNginx,
  startServer,
  waitForListening,
} from '../../support/realtools';
import { DOMAIN, DeployedProject, deployToTemp, examplePath, startproject, UNKNOWN_HOST, unitValues } from './projects';
import { needTool } from '../../support/need';

interface Case {
  title: string;
  /** Makes the project; returns its folder and a dir to remove afterwards (if any). */
  source(): Promise<{ dir: string; cleanupRoot?: string }>;
  /** A page of the app that answers 200 for an anonymous visitor. */
  page: string;
  /** A static file (URL below STATIC_URL, and its path below STATIC_ROOT). */
  staticFile: string;
}

const cases: Case[] = [
  { title: 'examples/django-polls', source: async () => ({ dir: examplePath('django-polls') }), page: '/polls/', staticFile: 'polls/style.css' },
  { title: 'a project made by django-admin startproject', source: () => startproject('cwshop'), page: '/admin/login/', staticFile: 'admin/css/base.css' },
];

for (const c of cases) {
  describe(`Served for real through nginx and gunicorn: ${c.title}`, function () {
    this.timeout(120_000);
    let p: DeployedProject | undefined;
    let cleanupRoot: string | undefined;
    let gunicorn: Server | undefined;
    let nginx: Server | undefined;
    let port = 0;

    before(async function () {
      const missing = missingTools('nginx', 'gunicorn', 'python');
      needTool(this, missing.length === 0, missing.join(', '));
      const src = await c.source();
      cleanupRoot = src.cleanupRoot;
      port = await freePort();
      p = await deployToTemp(src.dir, ['gunicorn', 'nginx', 'systemd'], { listenPort: port });

      await manage(p.appDir, ['migrate', '--noinput'], p.env);
      await manage(p.appDir, ['collectstatic', '--noinput'], p.env);

      // gunicorn as the generated systemd unit starts it: its ExecStart, in its WorkingDirectory.
      const service = fs.readFileSync(p.file('systemd', /\.service$/), 'utf8');
      const [execStart] = unitValues(service, 'ExecStart');
      const [workDir] = unitValues(service, 'WorkingDirectory');
      assert.ok(execStart, 'the service has no ExecStart=');
      const [cmd, ...args] = execStart.split(/\s+/);
      assert.ok(fs.existsSync(cmd), `ExecStart names ${cmd}, which does not exist`);
      gunicorn = startServer('gunicorn', cmd, args, { cwd: workDir ?? p.appDir, env: p.env });
      await waitForListening(gunicorn, { path: p.plan.socket });

      const sb = nginxSandbox(path.join(p.root, 'nginx'), [p.file('nginx')]);
      const t = await nginxTest(sb);
      assert.strictEqual(t.code, 0, t.report);
      nginx = startNginx(sb);
      await waitForListening(nginx, { port });
    });

    after(async function () {
      // Stopped by pid even when a test (or before) failed; their output helps explain a failure.
      await nginx?.stop();
      await gunicorn?.stop();
      if (this.currentTest?.state === 'failed' || process.env.CLOUDWARD_E2E_VERBOSE) {
        for (const s of [gunicorn, nginx]) if (s) console.log(s.output());
      }
      removeDir(p?.root);
      removeDir(cleanupRoot);
    });

    it(`a page of the app (${c.page}) answers 200 through nginx`, async () => {
      const r = await httpGet(port, c.page, DOMAIN);
      assert.ok(!r.closed, `no answer: ${r.closed && r.error}`);
      assert.strictEqual(r.status, 200, `${c.page}: ${r.status} ${r.body.toString().slice(0, 500)}`);
      assert.match(String(r.headers['content-type']), /text\/html/);
    });

    it('/admin/login/ answers 200 (DEBUG off, ALLOWED_HOSTS and the proxy headers right)', async () => {
      const r = await httpGet(port, '/admin/login/', DOMAIN);
      assert.ok(!r.closed, 'no answer');
      assert.strictEqual(r.status, 200, r.body.toString().slice(0, 500));
      assert.match(r.body.toString(), /csrfmiddlewaretoken/);
    });

    it('a request with an unknown Host gets no response (444: connection closed)', async () => {
      const r = await httpGet(port, '/', UNKNOWN_HOST);
      assert.ok(r.closed, `expected the connection to be closed, got HTTP ${!r.closed && r.status}`);
    });

    it('a static file is served by nginx from STATIC_ROOT, not by Django (still served with gunicorn stopped)', async () => {
      const onDisk = fs.readFileSync(path.join(p!.plan.staticRoot, ...c.staticFile.split('/')));
      const url = `${p!.plan.staticUrl.replace(/\/?$/, '/')}${c.staticFile}`;
      const before = await httpGet(port, url, DOMAIN);
      assert.ok(!before.closed && before.status === 200, `${url}: ${!before.closed && before.status}`);
      assert.ok(before.body.equals(onDisk), 'the body is the collected file');
      // nginx's static module answers with an ETag and byte ranges; Django (DEBUG off) would not serve it at all.
      assert.ok(before.headers.etag && before.headers['accept-ranges'] === 'bytes', JSON.stringify(before.headers));

      await gunicorn!.stop();
      const page = await httpGet(port, c.page, DOMAIN);
      assert.ok(!page.closed && page.status === 502, `with gunicorn stopped the app should be gone (502), got ${!page.closed && page.status}`);
      const after = await httpGet(port, url, DOMAIN);
      assert.ok(!after.closed && after.status === 200 && after.body.equals(onDisk), 'nginx alone serves the static file');
    });
  });
}

