// Provision → deploy → rollback on a REAL Debian 12 server (systemd, sshd, nginx; scripts/real-server.sh), with a
// Django 5.2 project made by `django-admin startproject`. Django and gunicorn come from this machine's local
// package index (`pip config list`), served to the server through the script's reverse forward.
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { deployServerUp, needDeployServer, type CliRun, type DeployServer } from '../../support/deployServer';
import type { RealServer } from '../../support/realServer';
import { git as gitIn } from '../../support/djangoProject';

const SECRET = 'cw-e2e-secret-' + Math.random().toString(36).slice(2);
const HOST = 'mysite.test';

describe('provision and deploy on a real Debian server (e2e)', function () {
  this.timeout(20 * 60_000);
  let fx: DeployServer | undefined;
  let srv: RealServer | undefined;
  let project = '';
  let sshConfig = '';
  let envFile = '';
  let httpPort = 0;
  let outputs: string[] = [];
  const cli = (...args: string[]): Promise<CliRun> => fx!.cli(...args);
  const common = () => ['--project', project, '--ssh-config', sshConfig, '--set', `domain=${HOST}`, '--set', 'healthPath=/admin/login/'];

  // A new connection per request (agent: false): an idle keep-alive connection that nginx closes at a graceful
  // reload races with a request sent on it, which HTTP clients retry; this loop counts what the server drops.
  function get(p: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: httpPort, path: p, headers: { Host: HOST }, timeout: 15_000, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (e) => resolve({ status: 0, body: String((e as NodeJS.ErrnoException).code ?? e.message) }));
      req.on('timeout', () => req.destroy());
    });
  }
  const git = (...a: string[]) => gitIn(project, ...a);
  const releases = async () => JSON.parse((await cli('releases', 'srv', ...common(), '--json')).stdout) as { live: string; lock: unknown; releases: { id: string; status: string; live: boolean }[] };

  before(async function () {
    this.timeout(30 * 60_000);
    // The server has no network: Django and gunicorn come from this machine's local package index.
    needDeployServer(this);
    fx = await deployServerUp('cw-deploy-e2e', HOST);
    ({ srv, project, sshConfig, httpPort, outputs } = fx);
    envFile = path.join(fx.tmp, 'prod.env');
    fs.writeFileSync(envFile, `SQLITE_PATH=/srv/mysite/shared/data/db.sqlite3\nAPI_TOKEN=${SECRET}\n`);
  });

  after(() => fx?.down());

  it('provision --dry-run shows the plan and changes nothing', async () => {
    const r = await cli('provision', 'srv', ...common(), '--env-file', envFile, '--dry-run');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /change\s+Users/);
    assert.match(r.stdout, /\+\+\+ \/etc\/systemd\/system\/mysite@\.service/);
    assert.match(r.stdout, /generate SECRET_KEY on the server/);
    assert.ok(!fs.existsSync(path.join(srv!.root, 'srv', 'mysite')), 'dry run created /srv/mysite');
  });

  it('refuses to apply without --yes when there is no terminal', async () => {
    const r = await cli('provision', 'srv', ...common());
    assert.strictEqual(r.code, 2);
    assert.match(r.stderr, /no terminal/);
  });

  it('a step that fails (a package that cannot be installed) says which and why, and changes nothing after it', async () => {
    const r = await cli('provision', 'srv', ...common(), '--package', 'cloudward-no-such-package', '--yes');
    assert.strictEqual(r.code, 1, r.stderr);
    assert.match(r.stderr, /step "packages" failed: apt-get could not install cloudward-no-such-package/);
    assert.ok(!fs.existsSync(path.join(srv!.root, 'srv', 'mysite')), 'later steps ran after the failure');
    assert.ok(!fs.existsSync(path.join(srv!.root, 'etc', 'nginx', 'sites-enabled', 'mysite')));
  });

  it('provisions a fresh server: users, units, nginx site, env file 0640 deploy:mysite, sudoers', async () => {
    // The project's production Dockerfile installs two system libraries: libc6, on every Debian server, and one
    // no archive has (an image's Debian may name a library this server's release does not): provisioning installs
    // what it can and says what it skipped. (Removed again: the deploys below build the commit.)
    const dockerfile = path.join(project, 'Dockerfile');
    fs.writeFileSync(dockerfile, 'FROM python:3.11-slim\nRUN apt-get update && apt-get install -y --no-install-recommends libc6 cloudward-no-such-lib && rm -rf /var/lib/apt/lists/*\n');
    const r = await cli('provision', 'srv', ...common(), '--env-file', envFile, '--yes', '--json');
    fs.rmSync(dockerfile);
    assert.strictEqual(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepStrictEqual(j.changed.sort(), ['directories', 'env', 'nginx', 'sudoers', 'units', 'users']);
    assert.deepStrictEqual(j.steps.find((s: { id: string }) => s.id === 'packages')?.what, ["skipped cloudward-no-such-lib: not in this server's package archive"]);
    const st = await srv!.exec('stat', ['-c', '%U:%G %a', '/etc/mysite/env']);
    assert.strictEqual(st.stdout.trim(), 'deploy:mysite 640');
    const shell = await srv!.exec('getent', ['passwd', 'mysite']);
    assert.match(shell.stdout, /:\/usr\/sbin\/nologin$/m);
    const env = await srv!.exec('cat', ['/etc/mysite/env']);
    assert.match(env.stdout, /^SECRET_KEY=\S{40,}$/m, 'SECRET_KEY generated on the server');
    const ngx = await srv!.exec('nginx', ['-t']);
    assert.strictEqual(ngx.code, 0, ngx.stderr);
    const sudo = await srv!.exec('visudo', ['-c']);
    assert.strictEqual(sudo.code, 0, sudo.stdout);
  });

  it('a second provision changes nothing and says so', async () => {
    const r = await cli('provision', 'srv', ...common(), '--env-file', envFile, '--yes', '--json');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout).changed, []);
  });

  it('deploys the commit: pages and static files answer through nginx', async () => {
    const r = await cli('deploy', 'srv', ...common());
    assert.strictEqual(r.code, 0, r.stderr);
    const page = await get('/admin/login/');
    assert.strictEqual(page.status, 200);
    assert.match(page.body, /Django/);
    const css = await get('/static/site.css');
    assert.strictEqual(css.status, 200);
    assert.match(css.body, /teal/);
    assert.strictEqual((await get('/static/admin/css/base.css')).status, 200);
  });

  it('the app unit scores <= 2.0 in systemd-analyze security while it serves, and cannot write its code', async () => {
    const live = (await releases()).live;
    const color = (await srv!.exec('sh', ['-c', 'systemctl is-active mysite@blue.service >/dev/null && echo blue || echo green'])).stdout.trim();
    const sec = await srv!.exec('systemd-analyze', ['security', `mysite@${color}.service`]);
    const score = Number(/Overall exposure level for \S+: ([0-9.]+)/.exec(sec.stdout)?.[1]);
    console.log(`      systemd-analyze security mysite@${color}.service: ${score}`);
    assert.ok(score <= 2.0, `score ${score}`);
    assert.strictEqual((await get('/admin/login/')).status, 200);
    const w = await srv!.exec('runuser', ['-u', 'mysite', '--', 'touch', `/srv/mysite/releases/${live}/manage.py`]);
    assert.notStrictEqual(w.code, 0, 'the app user could write its code');
  });

  it('a second deploy while requests keep coming: zero failed requests, the new release serves', async () => {
    const before = (await releases()).live;
    let stop = false;
    let ok = 0;
    const failed: string[] = [];
    const loop = async () => {
      for (let i = 0; i < 5000 && !stop; i++) {
        const r = await get('/admin/login/');
        if (r.status === 200) ok++;
        else failed.push(`${r.status} ${r.status ? '' : r.body}`);
      }
    };
    const loops = [loop(), loop()];
    const r = await cli('deploy', 'srv', ...common());
    stop = true;
    await Promise.all(loops);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stderr, /reusing the environment/);
    console.log(`      ${ok} requests during the deploy, ${failed.length} failed`);
    assert.deepStrictEqual(failed, []);
    assert.ok(ok > 0);
    const after = (await releases()).live;
    assert.notStrictEqual(after, before);
  });

  /** Resolves once a deploy holds the server's lock (its runner is working). */
  async function lockTaken(): Promise<void> {
    const file = path.join(srv!.root, 'srv', 'mysite', '.cloudward', 'lock.json');
    for (let i = 0; i < 600 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(fs.existsSync(file), 'the deploy never took the lock');
  }

  it('two deploys at once: the second refuses (nothing of it stays) and the first goes live', async () => {
    const first = cli('deploy', 'srv', ...common());
    await lockTaken();
    const second = await cli('deploy', 'srv', ...common());
    assert.strictEqual(second.code, 1, second.stderr);
    assert.match(second.stderr, /another deploy is running on this server \(deploy-/);
    const r = await first;
    assert.strictEqual(r.code, 0, r.stderr);
    const incoming = fs.readdirSync(path.join(srv!.root, 'srv', 'mysite', '.cloudward', 'incoming'));
    assert.deepStrictEqual(incoming, [], 'the refused deploy left files behind');
  });

  it('the SSH connection killed mid-deploy: the deploy finishes on the server, the client re-attaches, the lock is free', async () => {
    const before = (await releases()).live;
    const started = Date.now();
    const run = cli('deploy', 'srv', ...common());
    await lockTaken();
    // wait until the client follows the run (past upload and start), i.e. the runner reached its checks
    const dir = path.join(srv!.root, 'srv', 'mysite', '.cloudward', 'deploys');
    const following = () => fs.readdirSync(dir).some((f) => fs.statSync(path.join(dir, f)).mtimeMs >= started - 1000 && /"step": "import"/.test(fs.readFileSync(path.join(dir, f), 'utf8')));
    for (let i = 0; i < 1200 && !following(); i++) await new Promise((r) => setTimeout(r, 100));
    // kill the server side of the client's connection (sshd's session processes of deploy), by PID
    const ps = await srv!.exec('sh', ['-c', "ps -eo pid,args | awk '/sshd: deploy/ && !/awk/ {print $1}'"]);
    const pids = ps.stdout.split(/\s+/).filter(Boolean);
    assert.ok(pids.length > 0, 'no sshd session found');
    await srv!.exec('kill', ['-KILL', ...pids]);
    const r = await run;
    assert.strictEqual(r.code, 0, r.stderr);
    // a command in flight is re-attached (said on stderr); between commands the next one simply reconnects
    console.log(`      killed ${pids.length} sshd process(es); the client ${/re-attaching/.test(r.stderr) ? 're-attached' : 'reconnected'}`);
    const after = await releases();
    assert.notStrictEqual(after.live, before);
    assert.strictEqual(after.lock, null, 'the lock is still held');
    const unfinished = await srv!.exec('sh', ['-c', 'ls /srv/mysite/releases/*/DEPLOY_UNFINISHED 2>/dev/null || true']);
    assert.strictEqual(unfinished.stdout.trim(), '', 'a half-built release is left');
    const next = await cli('deploy', 'srv', ...common());
    assert.strictEqual(next.code, 0, next.stderr);
  });

  async function failingDeploy(change: () => void, step: RegExp, reason: RegExp): Promise<void> {
    const live = (await releases()).live;
    change();
    git('add', '-A');
    git('commit', '-qm', 'break it');
    try {
      const r = await cli('deploy', 'srv', ...common());
      assert.strictEqual(r.code, 1, r.stderr);
      assert.match(r.stderr, step);
      assert.match(r.stderr + r.stdout, reason);
      assert.match(r.stderr, new RegExp(`${live} still serves`));
      assert.strictEqual((await get('/admin/login/')).status, 200);
      assert.strictEqual((await releases()).live, live);
    } finally {
      git('reset', '-q', '--hard', 'HEAD~1');
    }
  }

  it('a release that fails to import is reported and the previous release still serves', () =>
    failingDeploy(() => fs.appendFileSync(path.join(project, 'mysite', 'settings.py'), '\nimport cloudward_missing_module\n'),
      /import failed/, /ModuleNotFoundError: No module named 'cloudward_missing_module'/));

  it('a release whose health check fails (ALLOWED_HOSTS) is explained and the previous release still serves', () =>
    failingDeploy(() => {
      const f = path.join(project, 'mysite', 'settings.py');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(`ALLOWED_HOSTS = ['${HOST}']`, "ALLOWED_HOSTS = ['wrong.example']"));
    }, /health failed/, /400: ALLOWED_HOSTS lacks mysite\.test/));

  it('a release whose migration fails is reported and the previous release still serves', () =>
    failingDeploy(() => {
      const app = path.join(project, 'shop');
      fs.mkdirSync(path.join(app, 'migrations'), { recursive: true });
      fs.writeFileSync(path.join(app, '__init__.py'), '');
      fs.writeFileSync(path.join(app, 'migrations', '__init__.py'), '');
      fs.writeFileSync(path.join(app, 'migrations', '0001_initial.py'), [
        'from django.db import migrations', '', 'def fail(apps, schema_editor):', "    raise RuntimeError('cloudward test: this migration fails')", '',
        'class Migration(migrations.Migration):', '    dependencies = []', '    operations = [migrations.RunPython(fail)]', '',
      ].join('\n'));
      const f = path.join(project, 'mysite', 'settings.py');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace("'django.contrib.staticfiles',", "'django.contrib.staticfiles',\n    'shop',"));
    }, /migrate failed/, /this migration fails/));

  it('a migration that drops a column the live release uses stops before migrating without --yes; with --yes it goes live', async () => {
    const app = path.join(project, 'catalog');
    const migration = (n: string, deps: string, ops: string) => fs.writeFileSync(path.join(app, 'migrations', `${n}.py`),
      ['from django.db import migrations, models', '', 'class Migration(migrations.Migration):', `    dependencies = [${deps}]`, `    operations = [${ops}]`, ''].join('\n'));
    fs.mkdirSync(path.join(app, 'migrations'), { recursive: true });
    fs.writeFileSync(path.join(app, '__init__.py'), '');
    fs.writeFileSync(path.join(app, 'migrations', '__init__.py'), '');
    // created and dropped in the same deploy: nobody used it, no question
    migration('0001_initial', '', "migrations.CreateModel('Item', [('id', models.AutoField(primary_key=True)), ('note', models.TextField(default=''))]), migrations.RemoveField('item', 'note'), migrations.AddField('item', 'note', models.TextField(default=''))");
    const f = path.join(project, 'mysite', 'settings.py');
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace("'django.contrib.staticfiles',", "'django.contrib.staticfiles',\n    'catalog',"));
    git('add', '-A');
    git('commit', '-qm', 'catalog');
    const first = await cli('deploy', 'srv', ...common());
    assert.strictEqual(first.code, 0, first.stderr);
    const live = (await releases()).live;
    migration('0002_drop_note', "('catalog', '0001_initial')", "migrations.RemoveField('item', 'note')");
    git('add', '-A');
    git('commit', '-qm', 'drop the note');
    const refused = await cli('deploy', 'srv', ...common());
    assert.strictEqual(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /destructive-migrations failed: the migrations drop or rename what the live release .* may still use \(catalog\.0002_drop_note drops the column item\.note\)/);
    assert.strictEqual((await releases()).live, live);
    const cols = await srv!.exec('sh', ['-c', "python3 -c \"import sqlite3; print([r[1] for r in sqlite3.connect('/srv/mysite/shared/data/db.sqlite3').execute('pragma table_info(catalog_item)')])\""]);
    assert.match(cols.stdout, /'note'/, 'the column was dropped by a refused deploy');
    const yes = await cli('deploy', 'srv', ...common(), '--yes');
    assert.strictEqual(yes.code, 0, yes.stderr);
    assert.match(yes.stderr, /warning: destructive migrations accepted: catalog\.0002_drop_note drops the column item\.note/);
    assert.notStrictEqual((await releases()).live, live);
  });

  it('rollback puts the previous good release back; releases lists them in journal order with statuses', async () => {
    const before = await releases();
    const good = before.releases.filter((x) => x.status === 'good').map((x) => x.id);
    assert.ok(good.length >= 2);
    const r = await cli('rollback', 'srv', ...common(), '--yes');
    assert.strictEqual(r.code, 0, r.stderr);
    const after = await releases();
    assert.strictEqual(after.live, good[good.length - 2]);
    assert.strictEqual((await get('/admin/login/')).status, 200);
    const statuses = after.releases.map((x) => x.status);
    assert.ok(statuses.includes('failed') && statuses.includes('rolled-back') && statuses.includes('good'), statuses.join(','));
    const text = await cli('releases', 'srv', ...common());
    assert.match(text.stdout, new RegExp(`^\\* ${after.live}`, 'm'));
  });

  it('the secret value appears in no output, log or journal on the server', async () => {
    for (const o of outputs) assert.ok(!o.includes(SECRET), 'a CLI output holds the secret');
    const j = await srv!.exec('sh', ['-c', `journalctl --no-pager -o cat | grep -c -F -- "${SECRET}" || true`]);
    assert.strictEqual(j.stdout.trim(), '0', 'the journal holds the secret');
    const logs = await srv!.exec('sh', ['-c', `grep -r -l -F -- "${SECRET}" /srv/mysite/.cloudward /var/log || true`]);
    assert.strictEqual(logs.stdout.trim(), '', `files hold the secret: ${logs.stdout}`);
  });
});
