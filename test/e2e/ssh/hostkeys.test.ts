import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HostKeyChangedError, HostKeyRevokedError, HostKeyUnknownError, MemoryTrustStore } from '../../../src/core/ssh';
import { TestSshd } from '../../support/sshd';
import { makeClient, makePool, recordingCallbacks, specFor, type Client } from './helpers';

describe('ssh e2e: host keys', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let client: Client;
  let knownHosts: string;

  before(async () => {
    sshd = await TestSshd.start();
    client = makeClient();
    sshd.authorize(client.key.publicKey);
    knownHosts = path.join(client.home, '.ssh', 'known_hosts');
  });
  after(async () => {
    await sshd?.stop();
    client?.cleanup();
  });
  afterEach(() => fs.rmSync(knownHosts, { force: true }));

  it('unknown → asks with the SHA256 fingerprint; declined → refused; trusted → remembered in the trust store only', async () => {
    const store = new MemoryTrustStore();
    const declined = recordingCallbacks({ trust: false });
    let pool = makePool(client, { trustStore: store, callbacks: declined });
    await assert.rejects(pool.get(specFor(sshd, client)).connect(), (e: Error) => {
      assert.ok(e instanceof HostKeyUnknownError);
      assert.strictEqual(e.fingerprint, sshd.fingerprint);
      return true;
    });
    assert.deepStrictEqual(declined.asked, [`hostkey ${sshd.hostPort} ${sshd.fingerprint}`]);
    pool.dispose();

    const accepted = recordingCallbacks({ trust: true });
    pool = makePool(client, { trustStore: store, callbacks: accepted });
    const conn = pool.get(specFor(sshd, client));
    assert.strictEqual(await conn.fingerprint(), sshd.fingerprint);
    assert.deepStrictEqual(store.lookup(sshd.hostPort), [sshd.hostPublicKey]);
    assert.ok(!fs.existsSync(knownHosts), 'known_hosts is never written');
    pool.dispose();

    // known now: nobody is asked
    const later = recordingCallbacks();
    pool = makePool(client, { trustStore: store, callbacks: later });
    await pool.get(specFor(sshd, client)).connect();
    assert.deepStrictEqual(later.asked, []);
    pool.dispose();

    // changed: refused with both fingerprints, and nobody is asked ("connect anyway" is not offered)
    const oldFingerprint = sshd.fingerprint;
    await sshd.restart({ newHostKey: true });
    const changed = recordingCallbacks();
    pool = makePool(client, { trustStore: store, callbacks: changed });
    await assert.rejects(pool.get(specFor(sshd, client)).connect(), (e: Error) => {
      assert.ok(e instanceof HostKeyChangedError, String(e));
      assert.strictEqual(e.fingerprint, sshd.fingerprint);
      assert.deepStrictEqual(e.expectedFingerprints, [oldFingerprint]);
      assert.match(e.message, /CHANGED/);
      assert.ok(e.message.includes(oldFingerprint) && e.message.includes(sshd.fingerprint));
      return true;
    });
    assert.deepStrictEqual(changed.asked, []);
    pool.dispose();
  });

  it('trusts a key in ~/.ssh/known_hosts (as ssh-keyscan writes it), plain and hashed', async () => {
    const scanned = execFileSync('ssh-keyscan', ['-t', 'ed25519', '-p', String(sshd.port), '127.0.0.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.ok(scanned.startsWith(`[127.0.0.1]:${sshd.port} ssh-ed25519 `), scanned);
    for (const hashed of [false, true]) {
      fs.writeFileSync(knownHosts, scanned);
      if (hashed) execFileSync('ssh-keygen', ['-q', '-H', '-f', knownHosts], { stdio: 'ignore' });
      assert.strictEqual(fs.readFileSync(knownHosts, 'utf8').startsWith('|1|'), hashed);
      const cb = recordingCallbacks({ trust: false });
      const pool = makePool(client, { callbacks: cb });
      try {
        const r = await pool.get(specFor(sshd, client)).exec('echo known');
        assert.strictEqual(r.stdout.trim(), 'known');
        assert.deepStrictEqual(cb.asked, []);
      } finally {
        pool.dispose();
      }
    }
  });

  it('refuses a key that known_hosts has as another key of the host (changed)', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(client.home, 'other_host')]);
    const other = fs.readFileSync(path.join(client.home, 'other_host.pub'), 'utf8');
    fs.writeFileSync(knownHosts, `${sshd.hostPort} ${other.split(' ').slice(0, 2).join(' ')}\n`);
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      await assert.rejects(pool.get(specFor(sshd, client)).connect(), (e: Error) => {
        assert.ok(e instanceof HostKeyChangedError);
        assert.deepStrictEqual(e.recordedIn, [`${knownHosts}:1`]);
        return true;
      });
    } finally {
      pool.dispose();
    }
  });

  it('refuses a @revoked key', async () => {
    const k = sshd.hostPublicKey;
    fs.writeFileSync(knownHosts, `${sshd.knownHostsLine()}\n@revoked * ${k.keyType} ${k.keyBase64}\n`);
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      await assert.rejects(pool.get(specFor(sshd, client)).connect(), HostKeyRevokedError);
    } finally {
      pool.dispose();
    }
  });

  it('honours StrictHostKeyChecking and UserKnownHostsFile of the SSH config', async () => {
    const userKnown = path.join(client.home, 'team_known_hosts');
    fs.writeFileSync(userKnown, sshd.knownHostsLine() + '\n');
    const cfg = path.join(client.home, 'cfg');
    fs.writeFileSync(
      cfg,
      [
        `Host teamhost`,
        `  HostName 127.0.0.1`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${client.key.privateKey}`,
        `  UserKnownHostsFile ${userKnown}`,
        `  StrictHostKeyChecking yes`,
        `Host newhost`,
        `  HostName 127.0.0.1`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${client.key.privateKey}`,
        `  StrictHostKeyChecking accept-new`,
        `Host stricthost`,
        `  HostName 127.0.0.1`,
        `  Port ${sshd.port}`,
        `  User ${sshd.user}`,
        `  IdentityFile ${client.key.privateKey}`,
        `  StrictHostKeyChecking yes`,
      ].join('\n') + '\n',
    );
    const cb = recordingCallbacks();
    const store = new MemoryTrustStore();
    const pool = makePool(client, { sshConfigFile: cfg, callbacks: cb, trustStore: store });
    try {
      await pool.get({ name: 'teamhost', host: 'teamhost' }).connect();
      await assert.rejects(pool.get({ name: 'stricthost', host: 'stricthost' }).connect(), /StrictHostKeyChecking is yes/);
      await pool.get({ name: 'newhost', host: 'newhost' }).connect();
      assert.deepStrictEqual(cb.asked, [], 'accept-new and known keys need no question');
      assert.strictEqual(store.lookup(sshd.hostPort).length, 1, 'accept-new remembered the key');
    } finally {
      pool.dispose();
    }
  });
});
