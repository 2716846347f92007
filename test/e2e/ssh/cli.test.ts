import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { freePort, makeKey, TestSshd } from '../../support/sshd';
import { makeClient, type Client } from './helpers';

// The CLI as a user runs it: a separate node process over the compiled entry point.
const CLI = path.resolve(__dirname, '../../../src/cli.js');

describe('ssh e2e: cloudward servers (CLI)', function () {
  this.timeout(60_000);
  let sshd: TestSshd;
  let client: Client;
  let cfg: string;
  let closedPort: number;

  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, 'servers', ...args], { env: client.env, encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  before(async () => {
    sshd = await TestSshd.start();
    client = makeClient();
    sshd.authorize(client.key.publicKey);
    sshd.authorize(makeKey(client.home, 'id_locked', 'a passphrase').publicKey);
    closedPort = await freePort();
    cfg = path.join(client.home, 'ssh_config');
    const host = (alias: string, port: number, extra: string[] = []) =>
      [`Host ${alias}`, '  HostName 127.0.0.1', `  Port ${port}`, `  User ${sshd.user}`, `  IdentityFile ${client.key.privateKey}`, ...extra].join('\n');
    fs.writeFileSync(
      cfg,
      [
        host('web', sshd.port, [`  UserKnownHostsFile ${path.join(client.home, 'team_known_hosts')}`]),
        host('auto', sshd.port, ['  StrictHostKeyChecking accept-new', `  UserKnownHostsFile ${path.join(client.home, 'none')}`, '  HostKeyAlias auto-alias']),
        host('down', closedPort),
        [`Host locked`, '  HostName 127.0.0.1', `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${client.home}/id_locked`, '  StrictHostKeyChecking accept-new', '  HostKeyAlias locked-alias'].join('\n'),
        'Host *.internal',
        '  User nobody',
      ].join('\n') + '\n',
    );
  });
  after(async () => {
    await sshd?.stop();
    client?.cleanup();
  });

  it('lists the hosts of the given SSH config', () => {
    const r = run('list', '--ssh-config', cfg, '--json');
    assert.strictEqual(r.code, 0, r.err);
    const rows = JSON.parse(r.out) as { name: string; host: string; port: number; user: string }[];
    assert.deepStrictEqual(rows.map((x) => `${x.name} ${x.user}@${x.host}:${x.port}`), [
      `web ${sshd.user}@127.0.0.1:${sshd.port}`,
      `auto ${sshd.user}@127.0.0.1:${sshd.port}`,
      `down ${sshd.user}@127.0.0.1:${closedPort}`,
      `locked ${sshd.user}@127.0.0.1:${sshd.port}`,
    ]);
    const text = run('list', '--ssh-config', cfg);
    assert.match(text.out, new RegExp(`^web\\s+${sshd.user}@127\\.0\\.0\\.1:${sshd.port}$`, 'm'));
  });

  it('unknown host key: exit 4 with the fingerprint; --accept-new remembers it in Cloudward\'s own file', () => {
    let r = run('status', 'web', '--ssh-config', cfg, '--json');
    assert.strictEqual(r.code, 4, r.err);
    assert.ok(r.err.includes(sshd.fingerprint), r.err);
    assert.match(r.err, /--accept-new/);
    assert.strictEqual(r.out, '');

    r = run('status', 'web', '--ssh-config', cfg, '--accept-new', '--json');
    assert.strictEqual(r.code, 0, r.err);
    const snap = JSON.parse(r.out);
    for (const k of ['host', 'os', 'uptimeSeconds', 'load', 'cpus', 'memory', 'disks', 'services', 'ports', 'nginx', 'errors']) assert.ok(k in snap, k);
    assert.ok(snap.memory.totalBytes > 0 && snap.memory.availableBytes > 0);
    assert.ok(snap.disks[0].mount && snap.disks[0].totalBytes > 0 && 'usedBytes' in snap.disks[0]);
    assert.deepStrictEqual(snap.services.find((s: { unit: string }) => s.unit === 'gunicorn.service'), {
      unit: 'gunicorn.service', active: 'active', sub: 'running', load: 'loaded', description: 'gunicorn daemon for mysite', mainPid: 4242, kind: 'app', failed: false,
    });
    assert.ok(snap.ports.some((p: { port: number }) => p.port === sshd.port));
    assert.deepStrictEqual(snap.nginx.ok, true);
    const store = path.join(client.home, '.config', 'cloudward', 'known_hosts');
    assert.strictEqual(fs.readFileSync(store, 'utf8'), `${sshd.knownHostsLine()}\n`);
    assert.ok(!fs.existsSync(path.join(client.home, '.ssh', 'known_hosts')), '~/.ssh/known_hosts is never written');
    assert.ok(!fs.existsSync(path.join(client.home, 'team_known_hosts')));

    // remembered: no flag needed now; the text output is readable
    r = run('status', 'web', '--ssh-config', cfg);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /gunicorn\.service\s+active\/running/);
    assert.match(r.out, /nginx -t\s+ok/);
  });

  it('honours StrictHostKeyChecking accept-new from the config', () => {
    const r = run('status', 'auto', '--ssh-config', cfg, '--json');
    assert.strictEqual(r.code, 0, r.err);
  });

  it('a changed host key: exit 4 with both fingerprints, even with --accept-new', async () => {
    const old = sshd.fingerprint;
    await sshd.restart({ newHostKey: true });
    const r = run('status', 'web', '--ssh-config', cfg, '--accept-new', '--json');
    assert.strictEqual(r.code, 4, r.err);
    assert.ok(r.err.includes(old) && r.err.includes(sshd.fingerprint), r.err);
    assert.match(r.err, /CHANGED/);
    assert.ok(r.err.includes(path.join(client.home, '.config', 'cloudward', 'known_hosts')), 'names the file to fix');
  });

  it('an unreachable host: exit 5', () => {
    const r = run('status', 'down', '--ssh-config', cfg, '--json');
    assert.strictEqual(r.code, 5, r.err);
    assert.match(r.err, new RegExp(`Cannot reach ${sshd.user}@127\\.0\\.0\\.1:${closedPort}: connection refused`));
  });

  it('an encrypted key without a terminal to ask on: exit 5, saying why', () => {
    const r = run('status', 'locked', '--ssh-config', cfg, '--json');
    assert.strictEqual(r.code, 5, r.err);
    assert.match(r.err, /Could not log in .*id_locked \(encrypted, and no passphrase could be asked\)/);
  });

  it('usage errors: exit 2', () => {
    assert.strictEqual(run('status').code, 2);
    assert.strictEqual(run('frobnicate').code, 2);
    assert.strictEqual(run('list', '--bogus').code, 2);
  });
});
