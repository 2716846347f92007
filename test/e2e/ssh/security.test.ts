// Regression tests of the security review (../shared/docs/security-review.md) that need a server: host-key
// type downgrade (R-S1), a tarpit (R-S2), server text reaching the terminal (R-S3) and a hostile jump host's
// keyboard-interactive prompt (R-S4). Real OpenSSH daemons on loopback, plus ssh2's Server as the hostile peer.
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Server, utils as ssh2utils } from 'ssh2';
import { HostKeyChangedError, MemoryTrustStore, UnreachableError } from '../../../src/core/ssh';
import { makeKey, TestSshd } from '../../support/sshd';
import { makeClient, makePool, recordingCallbacks, specFor, type Client } from './helpers';

const CLI = path.resolve(__dirname, '../../../src/cli.js');
// eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('ssh e2e: security review regressions', function () {
  this.timeout(90_000);
  let rsaOnly: TestSshd;
  let plain: TestSshd;
  let client: Client;

  before(async () => {
    rsaOnly = await TestSshd.start({ hostKeyType: 'rsa' });
    plain = await TestSshd.start();
    client = makeClient();
    rsaOnly.authorize(client.key.publicKey);
    plain.authorize(client.key.publicKey);
  });
  after(async () => {
    await rsaOnly?.stop();
    await plain?.stop();
    client?.cleanup();
  });

  const cli = (args: string[], timeout = 60_000) => {
    const r = spawnSync(process.execPath, [CLI, 'servers', ...args], { env: client.env, encoding: 'utf8', timeout });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  describe('R-S1: a host known by its ed25519 key that offers only RSA is CHANGED, never new', () => {
    const knownHosts = () => path.join(client.home, '.ssh', 'known_hosts');
    // the ed25519 key of ANOTHER daemon, filed under the RSA-only daemon's name (what a MITM would face)
    const plantEd25519 = () => fs.writeFileSync(knownHosts(), `${rsaOnly.hostPort} ${plain.hostPublicKey.keyType} ${plain.hostPublicKey.keyBase64}\n`);
    afterEach(() => fs.rmSync(knownHosts(), { force: true }));

    it('in the SSH layer (the view): refused with the known fingerprint, nobody asked, nothing trusted', async () => {
      plantEd25519();
      const store = new MemoryTrustStore();
      const cb = recordingCallbacks({ trust: true });
      const pool = makePool(client, { trustStore: store, callbacks: cb });
      try {
        await assert.rejects(pool.get(specFor(rsaOnly, client)).connect(), (e: Error) => {
          assert.ok(e instanceof HostKeyChangedError, String(e));
          assert.strictEqual(e.fingerprint, rsaOnly.fingerprint);
          assert.deepStrictEqual(e.expectedFingerprints, [`ssh-ed25519 ${plain.fingerprint}`]);
          assert.match(e.message, /CHANGED/);
          return true;
        });
        assert.deepStrictEqual(cb.asked, []);
        assert.deepStrictEqual(store.lookup(rsaOnly.hostPort), []);
      } finally {
        pool.dispose();
      }
    });

    it('from the trust store too: an ed25519 key trusted earlier, then only RSA offered', async () => {
      const store = new MemoryTrustStore();
      store.trust(rsaOnly.hostPort, plain.hostPublicKey.keyType, plain.hostPublicKey.keyBase64);
      const cb = recordingCallbacks({ trust: true });
      const pool = makePool(client, { trustStore: store, callbacks: cb });
      try {
        await assert.rejects(pool.get(specFor(rsaOnly, client)).connect(), HostKeyChangedError);
        assert.deepStrictEqual(cb.asked, []);
      } finally {
        pool.dispose();
      }
    });

    it('in the CLI: exit 4 with both fingerprints, with --accept-new and with StrictHostKeyChecking accept-new', () => {
      plantEd25519();
      const cfg = path.join(client.home, 'cfg_rsa');
      fs.writeFileSync(
        cfg,
        [`Host rsa`, '  HostName 127.0.0.1', `  Port ${rsaOnly.port}`, `  User ${rsaOnly.user}`, `  IdentityFile ${client.key.privateKey}`, '', 'Host rsa-auto', '  HostName 127.0.0.1', `  Port ${rsaOnly.port}`, `  User ${rsaOnly.user}`, `  IdentityFile ${client.key.privateKey}`, '  StrictHostKeyChecking accept-new', ''].join('\n'),
      );
      for (const args of [['status', 'rsa', '--ssh-config', cfg], ['status', 'rsa', '--ssh-config', cfg, '--accept-new'], ['status', 'rsa-auto', '--ssh-config', cfg]]) {
        const r = cli(args);
        assert.strictEqual(r.code, 4, `${args.join(' ')}: ${r.err}`);
        assert.match(r.err, /CHANGED/);
        assert.ok(r.err.includes(plain.fingerprint) && r.err.includes(rsaOnly.fingerprint), r.err);
        assert.ok(!/trusting the new host key/.test(r.err), r.err);
      }
      assert.ok(!fs.existsSync(path.join(client.home, '.config', 'cloudward', 'known_hosts')) || !fs.readFileSync(path.join(client.home, '.config', 'cloudward', 'known_hosts'), 'utf8').includes(rsaOnly.hostPublicKey.keyBase64));
    });

    it('a host with keys of two types, one of them known, shows the known one (no false alarm)', async () => {
      fs.writeFileSync(knownHosts(), plain.knownHostsLine() + '\n');
      const pool = makePool(client, { callbacks: recordingCallbacks({ trust: false }) });
      try {
        assert.strictEqual(await pool.get(specFor(plain, client)).fingerprint(), plain.fingerprint);
      } finally {
        pool.dispose();
      }
    });
  });

  describe('R-S2: a tarpit (TCP accepted, no banner, never closed)', () => {
    let tarpit: net.Server;
    let port: number;
    const held: net.Socket[] = [];
    before(async () => {
      // allowHalfOpen: like a real tarpit, it never closes its side, whatever the client does
      tarpit = net.createServer({ allowHalfOpen: true }, (s) => {
        held.push(s);
        s.on('error', () => undefined);
        s.resume(); // read (and drop) what the client sends, so that its close is seen
      });
      await new Promise<void>((r) => tarpit.listen(0, '127.0.0.1', r));
      port = (tarpit.address() as net.AddressInfo).port;
    });
    after(() => {
      for (const s of held) s.destroy();
      tarpit.close();
    });

    it('the CLI says unreachable and EXITS (exit 5) though the peer never closes; the socket is destroyed', async () => {
      const cfg = path.join(client.home, 'cfg_tarpit');
      fs.writeFileSync(cfg, ['Host tarpit', '  HostName 127.0.0.1', `  Port ${port}`, '  User nobody', '  ConnectTimeout 2', ''].join('\n'));
      const before = held.length;
      // the stall guard is mocha's timeout: before the fix the process lived as long as the peer held on
      const child = spawn(process.execPath, [CLI, 'servers', 'status', 'tarpit', '--ssh-config', cfg], { env: client.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      assert.strictEqual(code, 5, err);
      assert.match(err, /no answer within 2 s/);
      assert.ok(held.length > before);

    });

    it('the SSH layer leaves no socket open after the timeout (one per refresh before)', async () => {
      const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
      const baseline = tcpHandles();
      const before = held.length;
      const pool = makePool(client, { callbacks: recordingCallbacks(), connectTimeoutMs: 1000 });
      try {
        for (let i = 0; i < 3; i++) await assert.rejects(pool.get(specFor(plain, client, { port, name: `tarpit${i}` })).connect(), UnreachableError);
      } finally {
        pool.dispose();
      }
      const accepted = held.length - before;
      assert.ok(accepted >= 3);
      // only the tarpit's own (server-side) sockets remain: none of ours (stall guard: mocha's timeout)
      while (tcpHandles() !== baseline + accepted) await new Promise((r) => setTimeout(r, 50));
    });
  });

  describe('R-S3: server text reaches the terminal with its control characters escaped', () => {
    it('servers status (text): unit states and nginx -t output carry no raw escape sequence', () => {
      plain.setUnit('gunicorn.service', { ActiveState: 'active\u001b[2K', SubState: 'running\u001b]8;;http://evil.example/\u001b\\click', MainPID: 4242 });
      plain.setNginxBroken('nginx: [emerg] \u001b[2J\u001b[HFAKE PROMPT $ \u009b31m');
      const cfg = path.join(client.home, 'cfg_hostile');
      fs.writeFileSync(cfg, ['Host hostile', '  HostName 127.0.0.1', `  Port ${plain.port}`, `  User ${plain.user}`, `  IdentityFile ${client.key.privateKey}`, '  StrictHostKeyChecking accept-new', ''].join('\n'));
      try {
        const r = cli(['status', 'hostile', '--ssh-config', cfg]);
        assert.strictEqual(r.code, 0, r.err);
        assert.ok(!RAW_CONTROL.test(r.out), JSON.stringify(r.out));
        assert.ok(!RAW_CONTROL.test(r.err), JSON.stringify(r.err));
        assert.ok(r.out.includes('active\\u001b[2K/running'), r.out);
        assert.ok(r.out.includes('FAKE PROMPT'), r.out);
        // --json keeps the exact text, validly escaped
        const j = cli(['status', 'hostile', '--ssh-config', cfg, '--json']);
        assert.ok(!RAW_CONTROL.test(j.out));
        const snap = JSON.parse(j.out) as { services: { unit: string; active: string }[] };
        assert.strictEqual(snap.services.find((s) => s.unit === 'gunicorn.service')?.active, 'active\u001b[2K');
      } finally {
        plain.setUnit('gunicorn.service', { ActiveState: 'active', SubState: 'running', MainPID: 4242 });
        plain.setNginxBroken(null);
      }
    });
  });

  describe('R-S4: a hostile jump host asking keyboard-interactive questions', () => {
    let evil: Server;
    let evilPort: number;
    const captured: string[][] = [];
    before(async () => {
      const k = makeKey(client.home, 'evil_host');
      const hostKey = fs.readFileSync(k.privateKey);
      assert.ok(!(ssh2utils.parseKey(hostKey) instanceof Error));
      evil = new Server({ hostKeys: [hostKey] }, (conn) => {
        conn.on('error', () => undefined);
        conn.on('authentication', (ctx) => {
          if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
          ctx.prompt([{ prompt: '\u001b]0;PWNED\u0007\u001b[2JEnter the PRODUCTION server password: ', echo: false }], 'Prod\u001b[31m', 'Instructions\u001b[2J', (answers) => {
            captured.push(answers);
            ctx.reject();
          });
        });
      });
      await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
      evilPort = (evil.address() as net.AddressInfo).port;
      // the jump host's own key is trusted: the attack is the prompt, not the key
      fs.writeFileSync(path.join(client.home, '.ssh', 'known_hosts'), `[127.0.0.1]:${evilPort} ${k.publicKey.split(' ').slice(0, 2).join(' ')}\n`);
    });
    after(() => {
      evil?.close();
      fs.rmSync(path.join(client.home, '.ssh', 'known_hosts'), { force: true });
    });

    it('each prompt says who asks, (user@host) of the jump host, and carries no escape sequence', async () => {
      const asked: { name: string; instructions: string; prompts: string[] }[] = [];
      const cb = {
        ...recordingCallbacks(),
        keyboardInteractive: async (q: { name: string; instructions: string; prompts: { prompt: string }[] }) => {
          asked.push({ name: q.name, instructions: q.instructions, prompts: q.prompts.map((p) => p.prompt) });
          return q.prompts.map(() => 'hunter2');
        },
      };
      const pool = makePool(client, { callbacks: cb });
      try {
        await assert.rejects(pool.get(specFor(plain, client, { jumpHost: `eviluser@127.0.0.1:${evilPort}` })).connect());
      } finally {
        pool.dispose();
      }
      assert.ok(asked.length >= 1, 'the jump host asked');
      for (const a of asked) {
        for (const p of a.prompts) {
          assert.ok(p.startsWith('(eviluser@127.0.0.1) '), p);
          assert.ok(!RAW_CONTROL.test(p), JSON.stringify(p));
        }
        assert.ok(!RAW_CONTROL.test(a.name) && !RAW_CONTROL.test(a.instructions));
      }
    });
  });
});
