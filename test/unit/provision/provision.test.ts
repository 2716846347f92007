// The provision plan from facts (no server): what changes, what is already fine, that a server already in the
// wanted state gives an empty plan, that secrets never show in a preview, and the pieces it is made of.
import * as assert from 'assert';
import * as path from 'path';
import { createHmac } from 'crypto';
import { detectProjectSync } from '../../../src/core/detect';
import { buildPlan } from '../../../src/core/plan';
import type { DeployPlan } from '../../../src/core/plan';
import { HARDENING, releaseLayout, renderReleaseUnits } from '../../../src/core/generate';
import { firewallRuleset, liveSshPort, parseEnvFile, planProvision, unifiedDiff, type ServerFacts } from '../../../src/core/provision';
import { agentCommand, agentInput } from '../../../src/core/remote/agent';

const repo = path.resolve(__dirname, '../../../..');
const plan: DeployPlan = buildPlan(detectProjectSync(path.join(repo, 'examples/django-polls')), { domain: 'polls.example.com', name: 'polls' }, { cores: 1 });
const NONCE = 'n0nce';
const SECRET = 'very-secret-value-123';

function freshFacts(): ServerFacts {
  return {
    sshConnection: '127.0.0.1 5000 127.0.0.1 22', osRelease: { ID: 'debian', VERSION_ID: '12', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' },
    arch: 'x86_64', uid: 0, memoryBytes: 2 * 1024 ** 3, diskFreeBytes: 20 * 1024 ** 3, pid1: 'systemd', python: '3.11.2',
    tools: { systemctl: '/usr/bin/systemctl', nginx: '/usr/sbin/nginx', 'apt-get': '/usr/bin/apt-get' },
    installed: ['sudo'], users: { deploy: null, polls: null }, groups: { polls: null }, files: {},
    env: { exists: false, keys: {} }, units: {},
  };
}

/** Facts of a server on which the plan was applied (what the agent would read back). */
function convergedFacts(): ServerFacts {
  const f = freshFacts();
  const first = planProvision({ plan, secrets: { API_TOKEN: SECRET } }, f, NONCE);
  f.installed = ['nginx', 'python3-venv', 'sudo'];
  f.users = { deploy: { uid: 1000, home: '/home/deploy', shell: '/bin/bash', groups: ['deploy', 'polls', 'systemd-journal', 'www-data'] }, polls: { uid: 999, home: '/srv/polls', shell: '/usr/sbin/nologin', groups: ['polls'] } };
  f.groups = { polls: ['deploy'] };
  for (const [, acts] of first.actions) {
    for (const a of acts) {
      const args = a.args as { dirs?: { path: string; owner: string; group: string; mode: number }[]; files?: { path: string; content: string; mode: number; owner: string; group: string }[]; links?: { path: string; target: string }[] };
      for (const d of args.dirs ?? []) f.files[d.path] = { type: 'dir', mode: d.mode, owner: d.owner, group: d.group };
      for (const x of args.files ?? []) f.files[x.path] = { type: 'file', mode: x.mode, owner: x.owner, group: x.group, content: x.content };
      for (const l of args.links ?? []) f.files[l.path] = { type: 'link', mode: 0o777, owner: 'root', group: 'root', target: l.target };
    }
  }
  f.env = { exists: true, keys: { API_TOKEN: createHmac('sha256', NONCE).update(SECRET).digest('hex'), SECRET_KEY: 'x' }, mode: 0o640, owner: 'deploy', group: 'polls' };
  return f;
}

describe('provision plan', () => {
  it('a fresh server: every step but packages already installed changes, with a diff per file', () => {
    const f = freshFacts();
    const p = planProvision({ plan, secrets: { API_TOKEN: SECRET } }, f, NONCE);
    assert.deepStrictEqual(p.blockers, []);
    assert.deepStrictEqual(p.steps.map((s) => [s.id, s.status]), [
      ['packages', 'change'], ['users', 'change'], ['directories', 'change'], ['units', 'change'], ['nginx', 'change'], ['env', 'change'], ['sudoers', 'change'],
    ]);
    assert.match(p.steps[0].details[0], /install nginx, python3-venv/);
    const units = p.steps.find((s) => s.id === 'units')!;
    assert.ok(units.files.every((x) => x.status === 'create' && x.diff.startsWith('--- /dev/null')));
    const env = p.steps.find((s) => s.id === 'env')!;
    assert.deepStrictEqual(env.details, ['add API_TOKEN', 'generate SECRET_KEY on the server (never sent or shown)']);
  });

  it('installs the system libraries the project\'s production Dockerfile installs, best effort (a name this server lacks is skipped)', () => {
    const withLibs: DeployPlan = { ...plan, systemPackages: { runtime: ['libpq5'], build: ['gcc', 'libpq-dev', 'sudo'], sources: { runtime: ['Dockerfile:9'], build: ['Dockerfile:4'] }, foreign: [], foreignSources: [], foreignImages: [] } };
    const p = planProvision({ plan: withLibs, secrets: { API_TOKEN: SECRET } }, freshFacts(), NONCE);
    const step = p.steps.find((s) => s.id === 'packages')!;
    assert.match(step.details[1], /^install libpq5, gcc, libpq-dev \(the project's Dockerfile:9, Dockerfile:4 installs them; a name this server's archive lacks is skipped\)$/);
    // sudo is a package the server needs anyway: it stays in the strict list, not twice.
    assert.deepStrictEqual(p.actions.get('packages')![0].args, { install: ['nginx', 'python3-venv'], optional: ['libpq5', 'gcc', 'libpq-dev'] });
    const done = freshFacts();
    done.installed = ['nginx', 'python3-venv', 'sudo', 'libpq5', 'gcc', 'libpq-dev'];
    const again = planProvision({ plan: withLibs, secrets: { API_TOKEN: SECRET } }, done, NONCE);
    assert.strictEqual(again.steps.find((s) => s.id === 'packages')!.status, 'ok');
    assert.ok(!again.actions.has('packages'));
  });

  it('never shows a secret value in the preview', () => {
    const p = planProvision({ plan, secrets: { API_TOKEN: SECRET } }, freshFacts(), NONCE);
    const text = JSON.stringify(p.steps);
    assert.ok(!text.includes(SECRET));
  });

  it('a server already provisioned: nothing to change', () => {
    const p = planProvision({ plan, secrets: { API_TOKEN: SECRET } }, convergedFacts(), NONCE);
    assert.deepStrictEqual(p.steps.filter((s) => s.status !== 'ok').map((s) => s.id), []);
    assert.strictEqual(p.actions.size, 0);
  });

  it('a changed secret or a hand-edited unit is a change, shown as a diff (names only for secrets)', () => {
    const f = convergedFacts();
    const unit = releaseLayout(plan).unitService;
    f.files[unit] = { ...f.files[unit]!, content: f.files[unit]!.content!.replace('Restart=on-failure', 'Restart=always') };
    const p = planProvision({ plan, secrets: { API_TOKEN: 'another' } }, f, NONCE);
    assert.deepStrictEqual(p.steps.filter((s) => s.status !== 'ok').map((s) => s.id), ['units', 'env']);
    const d = p.steps.find((s) => s.id === 'units')!.files.find((x) => x.path === unit)!.diff;
    assert.match(d, /^-Restart=always$/m);
    assert.match(d, /^\+Restart=on-failure$/m);
    assert.deepStrictEqual(p.steps.find((s) => s.id === 'env')!.details, ['change API_TOKEN']);
  });

  it('refuses a server without systemd as PID 1 before touching anything; warns on an untested OS', () => {
    const f = freshFacts();
    f.pid1 = 'init';
    f.osRelease = { ID: 'centos', VERSION_ID: '9' };
    const p = planProvision({ plan }, f, NONCE);
    assert.match(p.blockers.join(' '), /systemd is not running as PID 1/);
    assert.match(p.warnings.join(' '), /not one of Debian 12\/13 or Ubuntu/);
  });

  it('the sudoers drop-in lists exact commands for the two colours and nginx, nothing else', () => {
    const p = planProvision({ plan }, freshFacts(), NONCE);
    const s = p.steps.find((x) => x.id === 'sudoers')!.files[0].diff;
    assert.match(s, /\+deploy ALL=\(root\) NOPASSWD: CLOUDWARD_POLLS$/m);
    assert.match(s, /\/usr\/bin\/systemctl start polls@green\.service/);
    assert.ok(!/\*/.test(s.replace(/^[^+].*$/gm, '')), 'no wildcard in the rules');
  });
});

describe('release-layout units', () => {
  it('run the colour through its folder, preload the app, never reload by HUP, and carry the hardening', () => {
    const [socket, service] = renderReleaseUnits(plan);
    assert.strictEqual(socket.path, '/etc/systemd/system/polls@.socket');
    assert.match(socket.content, /^ListenStream=\/run\/polls\/%i\.sock$/m);
    assert.match(service.content, /^ExecStart=\/srv\/polls\/colors\/%i\/\.venv\/bin\/python -m gunicorn .* --preload /m);
    assert.ok(!/ExecReload/.test(service.content));
    for (const h of HARDENING) assert.ok(service.content.includes(`\n${h}\n`), h);
  });
});

describe('unifiedDiff', () => {
  it('is empty for equal texts and shows hunks with context', () => {
    assert.strictEqual(unifiedDiff('a\nb\n', 'a\nb\n', 'x', 'x'), '');
    const d = unifiedDiff('1\n2\n3\n4\n5\n6\n7\n8\n9\n', '1\n2\n3\n4\nfive\n6\n7\n8\n9\n', 'a', 'b');
    assert.strictEqual(d, '--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n');
    assert.strictEqual(unifiedDiff('', 'x\n', '/dev/null', 'f'), '--- /dev/null\n+++ f\n@@ -0,0 +1,1 @@\n+x\n');
  });
});

describe('parseEnvFile', () => {
  it('reads KEY=value lines, quotes and export, and reports bad lines without their values', () => {
    const r = parseEnvFile('# c\nA=1\nexport B="two words"\nC=\'x\'\nD=plain # note\nbad line here\nE="zzhidden\n');
    assert.deepStrictEqual(r.values, { A: '1', B: 'two words', C: 'x', D: 'plain' });
    assert.strictEqual(r.errors.length, 2);
    assert.ok(!r.errors.join(' ').includes('zzhidden'), 'an error quoted a value');
  });
});

describe('provision plan: HTTPS, firewall, sshd', () => {
  const httpsPlan: DeployPlan = { ...plan, https: true };
  const withDns = (addresses: string[]): ServerFacts => ({
    ...freshFacts(), sshConnection: '198.51.100.9 50000 10.0.0.5 2222', addresses: ['127.0.0.1', '10.0.0.5', '::1'],
    resolved: { 'polls.example.com': { addresses, error: null } }, certs: { 'polls.example.com': { exists: false, renewalConf: false } },
  });

  it('DNS pointing elsewhere blocks everything, naming the addresses; pointing here (or at the address SSH reached) does not', () => {
    const away = planProvision({ plan: httpsPlan }, withDns(['203.0.113.7']), NONCE);
    assert.strictEqual(away.blockers.length, 1);
    assert.match(away.blockers[0], /^DNS points elsewhere: polls\.example\.com resolves to 203\.0\.113\.7, which is not this server \(10\.0\.0\.5\)/);
    assert.deepStrictEqual(planProvision({ plan: httpsPlan }, withDns(['10.0.0.5']), NONCE).blockers, []);
    // behind 1:1 NAT the public address is on no interface: the address the client connected to counts
    assert.deepStrictEqual(planProvision({ plan: httpsPlan }, withDns(['192.0.2.44']), NONCE, ['192.0.2.44']).blockers, []);
    const f = withDns([]);
    f.resolved = { 'polls.example.com': { addresses: [], error: 'Name or service not known' } };
    assert.match(planProvision({ plan: httpsPlan }, f, NONCE).blockers[0], /^DNS: polls\.example\.com does not resolve \(Name or service not known\)/);
  });

  it('HTTPS before the certificate: nginx gets the HTTP phase with the ACME webroot; the https step runs preflight, certbot, the HTTPS site', () => {
    const p = planProvision({ plan: httpsPlan, acme: { server: 'https://acme.test/dir' } }, withDns(['10.0.0.5']), NONCE);
    const site = (p.actions.get('nginx')![0].args.files as { content: string }[])[0].content;
    assert.match(site, /location \/\.well-known\/acme-challenge\/ \{\n\s+root \/var\/www\/letsencrypt;/);
    assert.doesNotMatch(site, /ssl_certificate/);
    assert.deepStrictEqual(p.actions.get('https')!.map((a) => a.op), ['acme_preflight', 'certbot', 'files', 'files', 'systemctl']);
    const full = (p.actions.get('https')![2].args.files as { content: string }[])[0].content;
    assert.match(full, /ssl_certificate \/etc\/letsencrypt\/live\/polls\.example\.com\/fullchain\.pem;/);
    assert.match(full, /add_header Strict-Transport-Security "max-age=31536000" always;/);
    assert.match(full, /return 301 https:\/\/\$host\$request_uri;/);
    assert.ok(p.steps.find((s) => s.id === 'packages')!.details[0].includes('certbot'));
  });

  it('the firewall lets the live SSH port in (not just 22), and refuses to fight an active ufw', () => {
    const f = freshFacts();
    f.sshConnection = '198.51.100.9 50000 10.0.0.5 2222';
    f.firewall = { ufwActive: false, nft: true, table: null };
    assert.strictEqual(liveSshPort(f), 2222);
    assert.match(firewallRuleset(2222, plan), /tcp dport \{ 2222, 80 \} accept/);
    assert.match(firewallRuleset(22, httpsPlan), /tcp dport \{ 22, 80, 443 \} accept/);
    const p = planProvision({ plan, firewall: true, revertAfterSeconds: 30 }, f, NONCE);
    const fw = p.steps.find((s) => s.id === 'firewall')!;
    assert.match(fw.details.join(' '), /allow SSH on port 2222 .* reverts itself after 30 s unless a new SSH connection/);
    assert.ok(p.actions.get('firewall')![0].confirm, 'the firewall is not guarded');
    f.firewall.ufwActive = true;
    assert.match(planProvision({ plan, firewall: true }, f, NONCE).blockers.join(' '), /ufw is active/);
  });

  it('sshd keys-only is refused when nobody has an authorized key (it would lock everyone out)', () => {
    const f = freshFacts();
    f.authorizedKeys = { root: 0, deploy: 0 };
    f.sshd = { passwordauthentication: 'yes' };
    assert.match(planProvision({ plan, sshKeysOnly: true }, f, NONCE).blockers.join(' '), /would lock everyone out/);
    f.authorizedKeys.root = 1;
    const p = planProvision({ plan, sshKeysOnly: true }, f, NONCE);
    assert.deepStrictEqual(p.blockers, []);
    assert.strictEqual(p.steps.find((s) => s.id === 'sshd')!.status, 'change');
  });
});

describe('agent call', () => {
  it('puts no data on the command line: only the bootstrap and $SSH_CONNECTION', () => {
    const cmd = agentCommand(true);
    assert.ok(!cmd.includes(SECRET));
    const input = agentInput({ op: 'env', set: { API_TOKEN: SECRET } });
    assert.ok(input.includes(Buffer.from(SECRET)), 'the secret travels on stdin');
    assert.match(cmd, /sudo -n python3 -c/);
  });
});
