import * as assert from 'assert';
import * as path from 'path';
import { AuthFailedError, HostKeyUnknownError } from '../../../src/core/ssh';
import { makeKey, TestAgent, TestSshd } from '../../support/sshd';
import { makeClient, makePool, recordingCallbacks, specFor, type Client } from './helpers';

describe('ssh e2e: authentication against a loopback sshd', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let client: Client;

  before(async () => {
    sshd = await TestSshd.start();
    client = makeClient();
    sshd.authorize(client.key.publicKey);
  });
  after(async () => {
    await sshd?.stop();
    client?.cleanup();
  });

  it('logs in with an identity file and gathers the snapshot in one go', async () => {
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      const snap = await pool.get(specFor(sshd, client)).snapshot();
      assert.strictEqual(snap.host, `${sshd.user}@127.0.0.1:${sshd.port}`);
      assert.ok(snap.os && snap.cpus && snap.memory, JSON.stringify(snap.errors));
      assert.deepStrictEqual(
        snap.services.map((s) => `${s.unit} ${s.active}/${s.sub}`).sort(),
        ['gunicorn.service active/running', 'nginx.service active/running', 'postgresql.service active/exited'],
      );
      assert.ok(snap.ports.some((p) => p.port === sshd.port), 'the daemon itself is listed as listening');
      assert.deepStrictEqual(snap.nginx?.ok, true);
      assert.deepStrictEqual(snap.errors, []);
    } finally {
      pool.dispose();
    }
  });

  it('logs in through ssh-agent', async () => {
    const agent = await TestAgent.start();
    const agentKey = makeKey(client.home, 'id_agent');
    sshd.authorize(agentKey.publicKey);
    agent.add(agentKey);
    const pool = makePool(client, { agentSocket: agent.socket, callbacks: recordingCallbacks() });
    try {
      // no identity file at all: only the agent can log in (HOME/.ssh has id_test, not a default name)
      const conn = pool.get({ name: 'via-agent', host: sshd.host, port: sshd.port, user: sshd.user });
      const r = await conn.exec("echo agent-ok");
      assert.strictEqual(r.stdout.trim(), 'agent-ok');
    } finally {
      pool.dispose();
      await agent.stop();
    }
  });

  it('asks the passphrase of an encrypted key after the host key check, again when wrong, and reports the outcome', async () => {
    const enc = makeKey(client.home, 'id_encrypted', 'correct horse');
    sshd.authorize(enc.publicKey);
    const cb = recordingCallbacks({ passphrases: ['wrong', 'correct horse'] });
    const pool = makePool(client, { callbacks: cb });
    try {
      const r = await pool.get(specFor(sshd, client, { identityFile: enc.privateKey })).exec('echo pass-ok');
      assert.strictEqual(r.stdout.trim(), 'pass-ok');
      assert.deepStrictEqual(
        cb.asked.map((a) => a.replace(/ SHA256:\S+/, '').replace(/\[127\.0\.0\.1\]:\d+/, 'HOST')),
        ['hostkey HOST', 'passphrase id_encrypted 1', 'result passphrase false', 'passphrase id_encrypted 2', 'result passphrase true'],
      );
    } finally {
      pool.dispose();
    }
  });

  it('never asks for a secret when the host key is refused', async () => {
    const enc = path.join(client.home, 'id_encrypted');
    const cb = recordingCallbacks({ trust: false, passphrases: ['correct horse'] });
    const pool = makePool(client, { callbacks: cb });
    try {
      await assert.rejects(pool.get(specFor(sshd, client, { identityFile: enc })).connect(), HostKeyUnknownError);
      assert.ok(cb.asked.every((a) => !a.startsWith('passphrase')), cb.asked.join('\n'));
    } finally {
      pool.dispose();
    }
  });

  it('fails clearly when no method works', async () => {
    const stranger = makeKey(client.home, 'id_stranger');
    const pool = makePool(client, { callbacks: recordingCallbacks() });
    try {
      await assert.rejects(pool.get(specFor(sshd, client, { identityFile: stranger.privateKey })).connect(), (e: Error) => {
        assert.ok(e instanceof AuthFailedError, String(e));
        assert.match(e.message, /Could not log in to cwtest@127\.0\.0\.1:\d+ \(tried: key .*id_stranger\)/);
        return true;
      });
    } finally {
      pool.dispose();
    }
  });
});

describe('ssh e2e: password authentication', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let client: Client;

  before(async () => {
    // a user of its own: setting a password must not disturb the key-only user of other tests
    sshd = await TestSshd.start({ user: 'cwpass', password: 'open sesame' });
    client = makeClient();
  });
  after(async () => {
    await sshd?.stop();
    client?.cleanup();
  });

  it('asks the password through the callback (again when wrong) and never puts it in an error or log', async () => {
    const asked: string[] = [];
    const logged: string[] = [];
    const answers = ['wrong password', 'open sesame'];
    const pool = makePool(client, {
      log: (l) => logged.push(l),
      callbacks: {
        confirmHostKey: async () => true,
        password: async (p) => (asked.push(`password ${p.target} ${p.attempt}`), answers.shift()),
        secretResult: (p) => asked.push(`result ${p.kind} ${p.ok}`),
      },
    });
    try {
      const r = await pool.get({ name: 'pw', host: sshd.host, port: sshd.port, user: sshd.user }).exec('id -un');
      assert.strictEqual(r.stdout.trim(), 'cwpass');
      const target = `cwpass@127.0.0.1:${sshd.port}`;
      assert.deepStrictEqual(asked, [`password ${target} 1`, 'result password false', `password ${target} 2`, 'result password true']);
      assert.ok(!logged.join('\n').includes('sesame') && !logged.join('\n').includes('wrong password'));
    } finally {
      pool.dispose();
    }
  });

  it('stops asking when the user cancels, with a clear error', async () => {
    const pool = makePool(client, { callbacks: { confirmHostKey: async () => true, password: async () => undefined } });
    try {
      await assert.rejects(pool.get({ name: 'pw', host: sshd.host, port: sshd.port, user: sshd.user }).connect(), AuthFailedError);
    } finally {
      pool.dispose();
    }
  });
});
