import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listSshConfigHosts, parseHop, resolveSshHost } from '../../../src/core/ssh/sshConfig';
import { listServers, resolveServer, validateServer } from '../../../src/core/ssh/servers';

describe('SSH config', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const write = (rel: string, text: string) => {
    const f = path.join(home, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
    return f;
  };

  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-sshcfg-'));
    env = { ...process.env, HOME: home };
    write('.ssh/id_ed25519', 'not really a key');
    write('.ssh/deploy_key', 'not really a key');
    write(
      '.ssh/config',
      [
        `Include ${home}/.ssh/conf.d/*.conf`,
        'Include extra',
        'Include /nonexistent/file',
        '',
        'Host web db',
        '  HostName 10.0.0.5',
        '  Port 2222',
        '  User deploy',
        '  IdentityFile ~/.ssh/deploy_key',
        '  StrictHostKeyChecking accept-new',
        `  UserKnownHostsFile ${home}/.ssh/known_hosts.d/%h`,
        '',
        'Host app',
        '  HostName app.internal',
        '  ProxyJump deploy@bastion:2200,web',
        '',
        'Host *.example.com web? !skip',
        '  User nobody',
        '',
        'Host *',
        '  ServerAliveInterval 30',
        '',
      ].join('\n'),
    );
    write('.ssh/conf.d/b.conf', 'Host beta\n  HostName beta.example.org\n');
    write('.ssh/conf.d/a.conf', 'Host alpha\n  HostName alpha.example.org\n  Include nested\n');
    write('.ssh/conf.d/ignored.txt', 'Host notincluded\n');
    write('.ssh/nested', 'Host nested-host\n  HostName 192.0.2.1\n');
    write('.ssh/extra', 'Host extra\n');
  });
  afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

  it('lists hosts, following Include (globs in order, ~, relative to ~/.ssh), without patterns', () => {
    const hosts = listSshConfigHosts(undefined, env).map((h) => h.alias);
    assert.deepStrictEqual(hosts, ['alpha', 'nested-host', 'beta', 'extra', 'web', 'db', 'app']);
  });

  it('records which file holds each host', () => {
    const alpha = listSshConfigHosts(undefined, env).find((h) => h.alias === 'alpha')!;
    assert.strictEqual(alpha.file, path.join(home, '.ssh/conf.d/a.conf'));
  });

  it('survives an Include loop and relative includes under ~/.ssh', () => {
    write('.ssh/loop', 'Host looped\n  Include loop\nInclude ~/.ssh/loop\n');
    const f = write('top', 'Include loop\nHost top\n');
    assert.deepStrictEqual(listSshConfigHosts(f, env).map((h) => h.alias), ['looped', 'top']);
  });

  it('returns nothing for a missing config', () => {
    assert.deepStrictEqual(listSshConfigHosts(path.join(home, 'nope'), env), []);
  });

  for (const mode of ['ssh -G', 'ssh-config fallback'] as const) {
    it(`resolves effective settings with ${mode}`, async function () {
      const sshBinary = mode === 'ssh -G' ? 'ssh' : null;
      const configFile = path.join(home, '.ssh/config');
      const web = await resolveSshHost('web', { configFile, env, sshBinary });
      assert.strictEqual(web.host, '10.0.0.5');
      assert.strictEqual(web.port, 2222);
      assert.strictEqual(web.user, 'deploy');
      assert.deepStrictEqual(web.identityFiles, [path.join(home, '.ssh/deploy_key')]);
      assert.strictEqual(web.strictHostKeyChecking, 'accept-new');
      assert.strictEqual(web.hostKeyAlias, '[10.0.0.5]:2222');
      assert.ok(web.knownHostsFiles.includes(path.join(home, '.ssh/known_hosts.d/10.0.0.5')), web.knownHostsFiles.join(' '));
      assert.ok(web.knownHostsFiles.includes(path.join(home, '.ssh/known_hosts')));
      const app = await resolveSshHost('app', { configFile, env, sshBinary });
      assert.strictEqual(app.proxyJump, 'deploy@bastion:2200,web');
      const beta = await resolveSshHost('beta', { configFile, env, sshBinary });
      assert.strictEqual(beta.host, 'beta.example.org', 'settings from an included file apply');
      // command-line style overrides win
      const over = await resolveSshHost('web', { configFile, env, sshBinary, port: 22, user: 'root' });
      assert.strictEqual(over.port, 22);
      assert.strictEqual(over.user, 'root');
    });
  }

  it('splits ProxyJump hops', () => {
    assert.deepStrictEqual(parseHop('deploy@bastion:2200'), { user: 'deploy', host: 'bastion', port: 2200 });
    assert.deepStrictEqual(parseHop('bastion'), { user: undefined, host: 'bastion', port: undefined });
    assert.deepStrictEqual(parseHop('[::1]:22'), { user: undefined, host: '::1', port: 22 });
  });

  it('resolves a ProxyJump chain, each hop through the config', async () => {
    const r = await resolveServer({ name: 'app', host: 'app' }, { sshConfigFile: path.join(home, '.ssh/config'), env });
    assert.deepStrictEqual(
      r.jumps.map((j) => `${j.user}@${j.host}:${j.port}`),
      ['deploy@bastion:2200', 'deploy@10.0.0.5:2222'],
    );
    assert.strictEqual(r.host, 'app.internal');
  });

  it('resolves a jump host that names another server', async () => {
    const servers = [{ name: 'gate', host: '192.0.2.9', port: 2201, user: 'ops' }];
    const r = await resolveServer(
      { name: 'inner', host: '10.1.1.1', jumpHost: 'gate' },
      { sshConfigFile: path.join(home, 'none'), env, lookupServer: (n) => servers.find((s) => s.name === n) },
    );
    assert.deepStrictEqual(r.jumps.map((j) => `${j.user}@${j.host}:${j.port}`), ['ops@192.0.2.9:2201']);
  });

  it('lists settings servers first, then config hosts not already there, and reports bad entries', () => {
    const { servers, problems } = listServers({
      settings: [
        { name: 'prod', host: 'web', units: ['gunicorn.service'] },
        { name: 'bad', host: 'x', units: ['x; reboot'] },
        { name: 'prod', host: 'other' },
        { name: 'evil', host: '-oProxyCommand=touch /tmp/PWNED' },
      ],
      env,
    });
    assert.deepStrictEqual(servers.map((s) => `${s.name}:${s.source}`), ['prod:settings', 'alpha:ssh-config', 'nested-host:ssh-config', 'beta:ssh-config', 'extra:ssh-config', 'db:ssh-config', 'app:ssh-config']);
    assert.strictEqual(problems.length, 3, problems.join('\n'));
    assert.match(problems.join('\n'), /unit "x; reboot" is not a valid systemd unit name/);
    assert.match(problems.join('\n'), /listed twice/);
    assert.match(problems.join('\n'), /not a valid host name/);
  });

  it('validates ports and users', () => {
    assert.match(validateServer({ name: 'a', host: 'h', port: 70000 }).join(), /port/);
    assert.match(validateServer({ name: 'a', host: 'h', user: 'a b' }).join(), /user/);
    assert.deepStrictEqual(validateServer({ name: 'a', host: 'h', port: 22, user: 'deploy' }), []);
  });
});

describe('SSH config when $HOME is not the passwd home (security review S7)', function () {
  this.timeout(30_000);
  it('the real ssh -G resolves from the same ~/.ssh/config the list read ($HOME), and known_hosts comes from there too', async function () {
    const { spawnSync } = await import('child_process');
    const { needTool } = await import('../../support/need');
    needTool(this, spawnSync('ssh', ['-V']).status === 0, 'the OpenSSH client (ssh)', 'apt-get install openssh-client');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-home-'));
    try {
      assert.notStrictEqual(home, os.userInfo().homedir);
      fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
      fs.writeFileSync(path.join(home, '.ssh', 'config'), 'Host cw-s7-elsewhere\n  HostName 192.0.2.77\n  Port 2277\n  User deployer\n', { mode: 0o600 });
      const env = { ...process.env, HOME: home };
      const listed = listSshConfigHosts(undefined, env).map((h) => h.alias);
      assert.ok(listed.includes('cw-s7-elsewhere'), `listed: ${listed.join(', ')}`);
      // Without -F, ssh would read the passwd home's config and resolve the alias as a bare host name.
      const r = await resolveSshHost('cw-s7-elsewhere', { env });
      assert.deepStrictEqual([r.host, r.port, r.user], ['192.0.2.77', 2277, 'deployer']);
      assert.ok(r.knownHostsFiles.includes(path.join(home, '.ssh', 'known_hosts')), r.knownHostsFiles.join(', '));
      assert.ok(!r.knownHostsFiles.some((f) => f.startsWith(path.join(os.userInfo().homedir, '.ssh'))), r.knownHostsFiles.join(', '));
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('a path the config spells out in full stays where it says, even under the passwd home; ~ paths move to $HOME', async function () {
    const { spawnSync } = await import('child_process');
    const { needTool } = await import('../../support/need');
    needTool(this, spawnSync('ssh', ['-V']).status === 0, 'the OpenSSH client (ssh)', 'apt-get install openssh-client');
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-home-'));
    // A file under the passwd home, named in full (a test server's known_hosts under ~/.cache, a key in /root/keys).
    const pw = os.userInfo().homedir;
    const spelled = fs.mkdtempSync(path.join(pw, '.cw-s7-'));
    try {
      const known = path.join(spelled, 'known_hosts');
      const key = path.join(spelled, 'id_test');
      fs.writeFileSync(known, '');
      fs.writeFileSync(key, '', { mode: 0o600 });
      const file = path.join(home, 'ssh_config');
      fs.writeFileSync(file, `Host spelled\n  HostName 192.0.2.78\n  UserKnownHostsFile ${known}\n  IdentityFile ${key}\nHost tilde\n  HostName 192.0.2.79\n  UserKnownHostsFile ~/kh\n`);
      const env = { ...process.env, HOME: home };
      const a = await resolveSshHost('spelled', { env, configFile: file });
      assert.ok(a.knownHostsFiles.includes(known), a.knownHostsFiles.join(', '));
      assert.deepStrictEqual(a.identityFiles, [key]);
      const b = await resolveSshHost('tilde', { env, configFile: file });
      assert.ok(b.knownHostsFiles.includes(path.join(home, 'kh')), b.knownHostsFiles.join(', '));
      assert.ok(!b.knownHostsFiles.some((f) => f.startsWith(`${pw}/`)), b.knownHostsFiles.join(', '));
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(spelled, { recursive: true, force: true });
    }
  });
});
