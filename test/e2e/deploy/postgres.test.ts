// Provision with PostgreSQL, then deploy, on a REAL Debian 12 server (scripts/real-server.sh) with the postgresql
// package baked into the image (the server has no network; the image is the HTTPS test's, built once). The project is `django-admin startproject` reading
// DATABASE_URL with dj-database-url and declaring psycopg[binary] (both from this machine's local package index),
// so detection turns PostgreSQL on by itself. One server for every assertion: the step, the second run that
// changes nothing, the deploy migrating into PostgreSQL and a page reading it through nginx, and the password
// (made on the server) in no output, log, journal or process list.
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { deployServerUp, needDeployServer, type CliRun, type DeployServer } from '../../support/deployServer';
import { LOCAL_INDEX as INDEX, git, localIndexReady } from '../../support/djangoProject';
import { SERVICES_PACKAGES, type RealServer } from '../../support/realServer';

const HOST = 'mysite.test';

describe('provision PostgreSQL and deploy against it on a real Debian server (e2e)', function () {
  this.timeout(20 * 60_000);
  let fx: DeployServer | undefined;
  let srv: RealServer | undefined;
  let project = '';
  let sshConfig = '';
  let httpPort = 0;
  let outputs: string[] = [];
  const cli = (...args: string[]): Promise<CliRun> => fx!.cli(...args);
  const common = () => ['--project', project, '--ssh-config', sshConfig, '--set', `domain=${HOST}`, '--set', 'healthPath=/db/'];
  const sh = (script: string) => srv!.exec('sh', ['-c', script]);
  const psql = (sql: string, db = 'postgres') => sh(`runuser -u postgres -- psql -X -At -d ${db} -c "${sql}"`);
  function get(p: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: httpPort, path: p, headers: { Host: HOST }, timeout: 15_000, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
    });
  }
  /** The password in DATABASE_URL of the env file, read from the host side of the server's disk. */
  function password(): string {
    const text = fs.readFileSync(path.join(srv!.root, 'etc', 'mysite', 'env'), 'utf8');
    const m = /^DATABASE_URL=postgresql:\/\/mysite:([^@]+)@localhost:5432\/mysite$/m.exec(text);
    assert.ok(m, `no local DATABASE_URL in /etc/mysite/env (keys: ${text.split('\n').map((l) => l.split('=')[0]).join(', ')})`);
    return m[1];
  }

  before(async function () {
    this.timeout(30 * 60_000);
    const has = (p: string) => fs.existsSync(path.join(INDEX, 'simple', p));
    needDeployServer(this, {
      ready: localIndexReady() && has('psycopg') && has('psycopg-binary') && has('dj-database-url') && has('typing-extensions'),
      what: `a local package index at ${INDEX} with Django, gunicorn, psycopg, psycopg-binary (its wheel for the server's Python 3.11), typing-extensions and dj-database-url ` +
        '(the server has no network: without them it could not install a PostgreSQL driver, and this test cannot show a deploy against PostgreSQL)',
    });
    fx = await deployServerUp('cw-pg-e2e', HOST, {
      packages: SERVICES_PACKAGES,
      prepare: (project) => {
        // startproject, then the database from DATABASE_URL (SQLite when it is unset, as on a laptop) and a page that reads it
        const settings = path.join(project, 'mysite', 'settings.py');
        fs.writeFileSync(settings, fs.readFileSync(settings, 'utf8')
          .replace('import os\n', 'import os\nimport dj_database_url\n')
          .replace(/DATABASES = \{[\s\S]*?\n\}\n/, "DATABASES = {'default': dj_database_url.config(default='sqlite:///' + str(BASE_DIR / 'db.sqlite3'))}\n"));
        const urls = path.join(project, 'mysite', 'urls.py');
        fs.writeFileSync(urls, fs.readFileSync(urls, 'utf8').replace('from django.urls import path', [
          'from django.urls import path',
          'from django.contrib.auth.models import User',
          'from django.db import connection',
          'from django.http import HttpResponse',
          '',
          'def db(request):',
          '    with connection.cursor() as c:',
          "        c.execute('SELECT current_database(), current_user, version()')",
          '        name, user, version = c.fetchone()',
          "    return HttpResponse(f'{connection.vendor} {name} {user} users={User.objects.count()} {version}', content_type='text/plain')",
        ].join('\n')).replace('urlpatterns = [', "urlpatterns = [\n    path('db/', db),"));
        fs.appendFileSync(path.join(project, 'requirements.txt'), 'psycopg[binary]\ndj-database-url\n');
        git(project, 'commit', '-qam', 'database from DATABASE_URL, PostgreSQL driver, a page reading the database');
      },
    });
    ({ srv, project, sshConfig, httpPort, outputs } = fx);
  });

  after(() => fx?.down());

  it('detection turns PostgreSQL on: the plan shows the step, no driver warning', async () => {
    const r = await cli('provision', 'srv', ...common(), '--dry-run');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /change\s+PostgreSQL database\s+.*create the role mysite \(login; no superuser.*create the database mysite owned by mysite \(UTF-8\); make mysite's password on the server and add DATABASE_URL=postgresql:\/\/mysite:…@localhost:5432\/mysite to \/etc\/mysite\/env/);
    assert.doesNotMatch(r.stdout, /no PostgreSQL driver/);
  });

  it('provisions it: role (no superuser) and UTF-8 database, DATABASE_URL that logs in; the password never on a command line', async () => {
    // every process's command line, sampled on the server while provisioning runs
    await sh("systemd-run --unit cw-ps-sampler sh -c 'while :; do ps -eo args; sleep 0.05; done > /root/ps.log'");
    let r: CliRun;
    try {
      r = await cli('provision', 'srv', ...common(), '--yes', '--json');
    } finally {
      await sh('systemctl stop cw-ps-sampler');
    }
    assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).changed.includes('postgres'), r.stdout);
    const pw = password();
    assert.ok(pw.length >= 40, 'a long random password');
    const st = fs.statSync(path.join(srv!.root, 'etc', 'mysite', 'env'));
    assert.strictEqual(st.mode & 0o777, 0o640);
    assert.deepStrictEqual((await psql("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'mysite'")).stdout.trim(), 'f|f|f');
    assert.strictEqual((await psql("SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'mysite'")).stdout.trim(), 'mysite|UTF8');
    assert.strictEqual((await srv!.exec('systemctl', ['is-enabled', 'postgresql'])).stdout.trim(), 'enabled');
    const ps = fs.readFileSync(path.join(srv!.root, 'root', 'ps.log'), 'utf8');
    assert.match(ps, /psql/, 'the sampler saw psql run');
    assert.ok(!ps.includes(pw), 'the password was on a command line');
  });

  it('a second provision changes nothing and says so', async () => {
    const r = await cli('provision', 'srv', ...common(), '--dry-run');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok\s+PostgreSQL database\s+PostgreSQL 15\/main on port 5432: database mysite owned by mysite, DATABASE_URL in \/etc\/mysite\/env logs in/);
    assert.match(r.stdout, /Nothing to change: the server is already provisioned\./);
    const j = await cli('provision', 'srv', ...common(), '--yes', '--json');
    assert.strictEqual(j.code, 0, j.stderr);
    assert.deepStrictEqual(JSON.parse(j.stdout).changed, []);
  });

  it('deploy migrates into PostgreSQL and a page reading it answers through nginx', async () => {
    const r = await cli('deploy', 'srv', ...common(), '--yes');
    assert.strictEqual(r.code, 0, r.stderr);
    const page = await get('/db/');
    assert.strictEqual(page.status, 200, page.body);
    assert.match(page.body, /^postgresql mysite mysite users=0 PostgreSQL 15/);
    const migrated = await psql("SELECT count(*) > 10 FROM django_migrations WHERE app IN ('auth', 'admin', 'contenttypes', 'sessions')", 'mysite');
    assert.strictEqual(migrated.stdout.trim(), 't', `the migrations are not in PostgreSQL: ${migrated.stdout}${migrated.stderr}`);
  });

  it('the password appears in no output, log, journal or deploy log', async () => {
    const pw = password();
    for (const o of outputs) assert.ok(!o.includes(pw), 'a CLI output holds the password');
    const hits = await sh(`{ journalctl --no-pager -o cat; cat /var/log/postgresql/*.log /srv/mysite/.cloudward/deploys/*.jsonl; } | grep -c -F -- "${pw}" || true`);
    assert.strictEqual(hits.stdout.trim(), '0', 'the journal, the PostgreSQL log or a deploy log holds the password');
  });
});
