import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { UnreachableError } from '../../../src/core/ssh';
import { freePort, TestSshd } from '../../support/sshd';
import { makeClient, makePool, recordingCallbacks, type Client } from './helpers';

describe('ssh e2e: jump hosts', function () {
  this.timeout(60_000);
  let bastion: TestSshd;
  let target: TestSshd;
  let client: Client;

  before(async () => {
    bastion = await TestSshd.start();
    target = await TestSshd.start({ maxSessions: 1 });
    client = makeClient();
    bastion.authorize(client.key.publicKey);
    target.authorize(client.key.publicKey);
  });
  after(async () => {
    await target?.stop();
    await bastion?.stop();
    client?.cleanup();
  });

  it('reaches a server through a ProxyJump of the SSH config, verifying both host keys', async () => {
    const cfg = path.join(client.home, 'jump_config');
    fs.writeFileSync(
      cfg,
      [
        'Host bastion',
        '  HostName 127.0.0.1',
        `  Port ${bastion.port}`,
        `  User ${bastion.user}`,
        `  IdentityFile ${client.key.privateKey}`,
        'Host app',
        '  HostName 127.0.0.1',
        `  Port ${target.port}`,
        `  User ${target.user}`,
        `  IdentityFile ${client.key.privateKey}`,
        '  ProxyJump bastion',
      ].join('\n') + '\n',
    );
    const cb = recordingCallbacks();
    const pool = makePool(client, { sshConfigFile: cfg, callbacks: cb });
    try {
      const conn = pool.get({ name: 'app', host: 'app' });
      const snap = await conn.snapshot();
      assert.deepStrictEqual(snap.errors, []);
      assert.deepStrictEqual(cb.asked, [`hostkey ${bastion.hostPort} ${bastion.fingerprint}`, `hostkey ${target.hostPort} ${target.fingerprint}`]);
      assert.strictEqual(await conn.fingerprint(), target.fingerprint);
      // the bastion carries the connection: one session there, one on the target
      assert.strictEqual(bastion.sessionPids().length, 1);
      assert.strictEqual(target.sessionPids().length, 1);
    } finally {
      pool.dispose();
    }
  });

  it('chains jump hosts given as user@host:port (default identity files), and names the hop that fails', async () => {
    // the hops have no IdentityFile of their own: OpenSSH's default ~/.ssh/id_ed25519 logs in
    fs.copyFileSync(client.key.privateKey, path.join(client.home, '.ssh', 'id_ed25519'));
    fs.chmodSync(path.join(client.home, '.ssh', 'id_ed25519'), 0o600);
    const cb = recordingCallbacks();
    const pool = makePool(client, { callbacks: cb });
    try {
      const hop = `${bastion.user}@127.0.0.1:${bastion.port}`;
      const r = await pool
        .get({ name: 'chained', host: '127.0.0.1', port: target.port, user: target.user, identityFile: client.key.privateKey, jumpHost: `${hop},${hop}` })
        .exec('echo through-two-hops');
      assert.strictEqual(r.stdout.trim(), 'through-two-hops');
      const closed = await freePort();
      await assert.rejects(
        pool.get({ name: 'dead-end', host: '127.0.0.1', port: closed, user: target.user, identityFile: client.key.privateKey, jumpHost: hop }).connect(),
        (e: Error) => {
          assert.ok(e instanceof UnreachableError, String(e));
          assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${closed}.*jump host could not open`));
          return true;
        },
      );
    } finally {
      pool.dispose();
    }
  });
});
