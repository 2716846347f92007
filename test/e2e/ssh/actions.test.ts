import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import { CommandFailedError, SudoPasswordRequiredError } from '../../../src/core/ssh';
import { TestSshd } from '../../support/sshd';
import { makeClient, makePool, recordingCallbacks, specFor, waitUntil, type Client } from './helpers';
import type { SshPool } from '../../../src/core/ssh';

describe('ssh e2e: actions on a server', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let client: Client;
  let pool: SshPool;

  before(async () => {
    sshd = await TestSshd.start({ maxSessions: 1 });
    client = makeClient();
    sshd.authorize(client.key.publicKey);
    pool = makePool(client, { callbacks: recordingCallbacks() });
  });
  after(async () => {
    pool?.dispose();
    await sshd?.stop();
    client?.cleanup();
  });

  const conn = () => pool.get(specFor(sshd, client, { units: ['worker.service'] }));

  it('restart reaches the server through sudo -n systemctl, and the next snapshot shows it', async () => {
    const before = sshd.unitState('gunicorn.service').MainPID;
    await conn().unitAction('gunicorn.service', 'restart');
    assert.ok(sshd.actions().includes('sudo systemctl restart gunicorn.service'), sshd.actions().join('\n'));
    assert.ok(sshd.actions().includes('restart gunicorn.service'));
    assert.notStrictEqual(sshd.unitState('gunicorn.service').MainPID, before, 'a new main process');
    await conn().unitAction('nginx.service', 'stop');
    const snap = await conn().snapshot();
    const nginx = snap.services.find((s) => s.unit === 'nginx.service')!;
    assert.deepStrictEqual([nginx.active, nginx.sub], ['inactive', 'dead']);
    await conn().unitAction('nginx.service', 'start');
    await conn().unitAction('nginx.service', 'reload');
    assert.deepStrictEqual(sshd.actions().filter((a) => !a.startsWith('sudo')).slice(-3), ['stop nginx.service', 'start nginx.service', 'reload nginx.service']);
  });

  it('shows watched units (even when missing) and failed units in the snapshot', async () => {
    sshd.setUnit('celery.service', { ActiveState: 'failed', SubState: 'failed', Description: 'Celery workers' });
    const snap = await conn().snapshot();
    const byUnit = new Map(snap.services.map((s) => [s.unit, s]));
    assert.strictEqual(byUnit.get('worker.service')?.load, 'not-found');
    assert.strictEqual(byUnit.get('worker.service')?.kind, 'watched');
    assert.strictEqual(byUnit.get('celery.service')?.failed, true);
    sshd.setUnit('celery.service', { ActiveState: 'active', SubState: 'running' });
  });

  it('says clearly when sudo wants a password', async () => {
    sshd.sudoNeedsPassword(true);
    try {
      await assert.rejects(conn().unitAction('gunicorn.service', 'restart'), (e: Error) => {
        assert.ok(e instanceof SudoPasswordRequiredError, String(e));
        assert.match(e.message, /needs sudo, and sudo asks this user for a password/);
        return true;
      });
    } finally {
      sshd.sudoNeedsPassword(false);
    }
  });

  it('reports a failing systemctl with its message', async () => {
    await assert.rejects(conn().unitAction('nosuch.service', 'restart'), (e: Error) => {
      assert.ok(e instanceof CommandFailedError);
      assert.match(e.message, /Unit nosuch\.service not found/);
      return true;
    });
  });

  it('fetches the last N journal lines', async () => {
    const text = await conn().logs('gunicorn.service', 7);
    const lines = text.trim().split('\n');
    assert.strictEqual(lines.length, 7);
    assert.match(lines[6], /gunicorn\[4242\]: log line 7 of gunicorn\.service/);
  });

  it('follows a journal on its own connection, and closing it ends the remote process', async () => {
    const follow = await conn().followLogs('gunicorn.service', 2);
    let text = '';
    follow.onData((t) => (text += t));
    let exited = false;
    follow.onExit(() => (exited = true));
    await waitUntil('followed lines', () => /followed line 3/.test(text));
    // meanwhile the cached connection still serves refreshes (MaxSessions 1 per connection)
    assert.strictEqual((await conn().exec('echo parallel')).stdout.trim(), 'parallel');
    follow.close();
    await waitUntil('the follow to end', () => exited);
    await waitUntil('the remote journalctl to be gone', () => spawnSync('pgrep', ['-u', sshd.user, '-f', 'journalctl']).status !== 0, 5000);
  });

  it('opens an interactive shell with a pty', async () => {
    const shell = await conn().shell({ cols: 100, rows: 30 });
    let text = '';
    shell.onData((t) => (text += t));
    let code: number | null | undefined;
    shell.onExit((c) => (code = c));
    shell.write('stty size; echo "answer-$((6*7))"\n');
    await waitUntil('the shell to answer', () => /answer-42/.test(text) && /30 100/.test(text));
    shell.write('exit 3\n');
    await waitUntil('the shell to exit', () => code !== undefined);
    assert.strictEqual(code, 3);
  });

  it('tests the nginx configuration', async () => {
    assert.deepStrictEqual((await conn().nginxTest()).ok, true);
    sshd.setNginxBroken('nginx: [emerg] unknown directive "sever" in /etc/nginx/sites-enabled/mysite:3');
    try {
      const r = await conn().nginxTest();
      assert.strictEqual(r.ok, false);
      assert.match(r.output, /unknown directive "sever"/);
      const snap = await conn().snapshot();
      assert.strictEqual(snap.nginx?.ok, false);
    } finally {
      sshd.setNginxBroken(null);
    }
  });

  it('reads the expiry of the certificates nginx names', async () => {
    const cert = path.join(sshd.stateDir, 'example.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(sshd.stateDir, 'example.key'), '-out', cert, '-days', '30', '-subj', '/CN=example.com'], { stdio: 'ignore' });
    execFileSync('chmod', ['644', cert]);
    sshd.setNginxConf(`server {\n    listen 443 ssl;\n    server_name example.com;\n    ssl_certificate ${cert};\n    ssl_certificate_key ${sshd.stateDir}/example.key;\n}\n`);
    const snap = await conn().snapshot();
    assert.strictEqual(snap.tls.length, 1, JSON.stringify(snap.tls));
    assert.match(snap.tls[0].subject ?? '', /CN ?= ?example\.com/);
    assert.ok(snap.tls[0].daysLeft === 29 || snap.tls[0].daysLeft === 30, String(snap.tls[0].daysLeft));
  });

  it('reports the current release of the app directory', async () => {
    const app = path.join(sshd.stateDir, 'app');
    execFileSync('sh', ['-c', 'mkdir -p "$1/releases/r1" && ln -sfn "$1/releases/r1" "$1/current"', 'sh', app]);
    const snap = await pool.get(specFor(sshd, client, { name: 'with-app', appDir: app })).snapshot();
    assert.strictEqual(snap.app?.exists, true);
    assert.strictEqual(snap.app?.currentRelease, `${app}/releases/r1`);
    assert.ok(snap.app?.lastDeploy && Math.abs(Date.parse(snap.app.lastDeploy) - Date.now()) < 120_000);
  });

  it('copies the host fingerprint', async () => {
    assert.strictEqual(await conn().fingerprint(), sshd.fingerprint);
  });
});
