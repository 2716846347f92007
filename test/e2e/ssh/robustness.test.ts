import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { Client as Ssh2Client } from 'ssh2';
import { CommandTimeoutError, ConnectionLostError, UnreachableError, type ConnectionState } from '../../../src/core/ssh';
import { freePort, TestSshd } from '../../support/sshd';
import { makeClient, makePool, recordingCallbacks, specFor, waitUntil, type Client } from './helpers';

function userProcesses(user: string, pattern: string): string[] {
  const r = spawnSync('pgrep', ['-u', user, '-a', '-f', pattern], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean);
}

describe('ssh e2e: MaxSessions 1, time limits, drops', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let client: Client;

  before(async () => {
    sshd = await TestSshd.start({ maxSessions: 1 });
    client = makeClient();
    sshd.authorize(client.key.publicKey);
  });
  after(async () => {
    await sshd?.stop();
    client?.cleanup();
  });

  it('the daemon really allows one channel at a time (two raw exec channels at once: one refused)', async () => {
    const c = new Ssh2Client();
    await new Promise<void>((resolve, reject) => {
      c.on('ready', resolve).on('error', reject);
      c.connect({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: fs.readFileSync(client.key.privateKey) });
    });
    const open = () =>
      new Promise<string>((resolve) =>
        c.exec('sleep 1', (err, ch) => {
          if (err) return resolve(`failed: ${err.message}`);
          ch.on('close', () => resolve('ok')).resume();
        }),
      );
    const results = await Promise.all([open(), open()]);
    c.end();
    assert.ok(results.includes('ok') && results.some((r) => /Channel open failure/i.test(r)), results.join(' | '));
  });

  it('queues a full refresh and parallel actions on one connection without a channel failure', async () => {
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      const conn = pool.get(specFor(sshd, client));
      const [snap1, restart, logs, nginx, snap2, fp] = await Promise.all([
        conn.snapshot(),
        conn.unitAction('gunicorn.service', 'restart'),
        conn.logs('nginx.service', 5),
        conn.nginxTest(),
        conn.snapshot(),
        conn.fingerprint(),
      ]);
      assert.deepStrictEqual(snap1.errors, []);
      assert.strictEqual(restart.code, 0);
      assert.strictEqual(logs.trim().split('\n').length, 5);
      assert.ok(nginx.ok);
      assert.strictEqual(snap2.services.length, 3);
      assert.strictEqual(fp, sshd.fingerprint);
      assert.strictEqual(sshd.sessionPids().length, 1, 'all of it over one connection');
    } finally {
      pool.dispose();
    }
  });

  it('kills a command that outlives its limit, and the connection stays usable', async () => {
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      const conn = pool.get(specFor(sshd, client));
      const started = Date.now();
      await assert.rejects(conn.exec('sleep 37', { timeoutMs: 1500 }), (e: Error) => {
        assert.ok(e instanceof CommandTimeoutError, String(e));
        assert.match(e.message, /took longer than 1\.5 s and was killed/);
        return true;
      });
      assert.ok(Date.now() - started < 10_000, 'rejected soon after the limit, not after the sleep');
      await waitUntil('the remote sleep to be gone', () => userProcesses(sshd.user, 'sleep 37').length === 0, 5000);
      const r = await conn.exec('echo still-here');
      assert.strictEqual(r.stdout.trim(), 'still-here');
    } finally {
      pool.dispose();
    }
  });

  it('notices a dropped connection, fails the command in flight, and reconnects on the next use', async () => {
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      const conn = pool.get(specFor(sshd, client));
      const states: ConnectionState[] = [];
      conn.onStateChange((s) => states.push(s));
      await conn.snapshot();
      const inflight = conn.exec('sleep 20; echo never');
      await waitUntil('the command to start', () => userProcesses(sshd.user, 'sleep 20').length > 0);
      assert.ok(sshd.dropConnections() >= 1);
      await assert.rejects(inflight, ConnectionLostError);
      await waitUntil('the disconnected state', () => conn.state === 'disconnected');
      const snap = await conn.snapshot();
      assert.deepStrictEqual(snap.errors, []);
      assert.strictEqual(conn.state, 'connected');
      assert.deepStrictEqual(states, ['connecting', 'connected', 'disconnected', 'reconnecting', 'connected']);
    } finally {
      pool.dispose();
    }
  });

  it('retries a read-only command on a fresh connection when the connection drops under it', async () => {
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      const conn = pool.get(specFor(sshd, client));
      await conn.connect();
      const reading = conn.exec('sleep 2; echo read-ok', { idempotent: true });
      await waitUntil('the command to start', () => userProcesses(sshd.user, 'sleep 2').length > 0);
      sshd.dropConnections();
      assert.strictEqual((await reading).stdout.trim(), 'read-ok');
    } finally {
      pool.dispose();
    }
  });

  it('reconnects with backoff while the daemon restarts', async () => {
    const pool = makePool(client, { callbacks: recordingCallbacks(), reconnectAttempts: 4 });
    try {
      const conn = pool.get(specFor(sshd, client));
      await conn.connect();
      const restarting = sshd.restart(); // stops (dropping us) and starts again a moment later
      await waitUntil('the disconnected state', () => conn.state === 'disconnected');
      const r = conn.exec('echo back');
      await restarting;
      assert.strictEqual((await r).stdout.trim(), 'back');
    } finally {
      pool.dispose();
    }
  });

  it('says unreachable, quickly, when nothing listens', async () => {
    const port = await freePort();
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      await assert.rejects(pool.get(specFor(sshd, client, { port })).connect(), (e: Error) => {
        assert.ok(e instanceof UnreachableError, String(e));
        assert.match(e.message, /connection refused/);
        return true;
      });
    } finally {
      pool.dispose();
    }
  });

  it('says unreachable when the server never answers within the connect timeout', async () => {
    // a TCP listener that accepts and stays silent (no SSH banner)
    const net = await import('net');
    const sockets: import('net').Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as import('net').AddressInfo).port;
    const pool = makePool(client, { callbacks: recordingCallbacks(), connectTimeoutMs: 1000 });
    try {
      await assert.rejects(pool.get(specFor(sshd, client, { port })).connect(), /no answer within 1 s/);
    } finally {
      pool.dispose();
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});
