// The Servers view in the real VS Code against a real OpenSSH daemon on loopback, started by
// test/integration/setup/sshd.mjs (which also wrote the `cloudward.servers` workspace setting).
import * as assert from 'assert';
import * as childProcess from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ServersModel } from '../../src/views/servers/model';
import type { ServersTreeProvider } from '../../src/views/servers/tree';
import type { ServersView } from '../../src/views/servers';
import type { LeafNode, Node, SectionNode, ServerNode } from '../../src/views/servers/nodes';

interface TestApi {
  model: ServersModel;
  provider: ServersTreeProvider;
  view: ServersView;
}

const env = process.env;
const SERVER = env.CLOUDWARD_TEST_SSHD_SERVER ?? 'loopback';
const GROUP = env.CLOUDWARD_TEST_SSHD_GROUP ?? 'Loopback';
/** The same daemon, logging in with a passphrase-protected key. */
const LOCKED = 'loopback-passphrase';

async function api(): Promise<TestApi> {
  await vscode.extensions.getExtension('cloudward.cloudward')!.activate();
  const a = await vscode.commands.executeCommand<TestApi>('cloudward.servers.testApi');
  assert.ok(a?.provider, 'the servers test API is not registered (CLOUDWARD_TEST unset?)');
  return a;
}

function label(provider: ServersTreeProvider, node: Node): string {
  const l = provider.getTreeItem(node).label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

function sha256(keyBase64: string): string {
  return `SHA256:${crypto.createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

async function waitFor<T>(what: string, f: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Servers view (loopback sshd)', function () {
  this.timeout(90_000);
  before(function () {
    if (!env.CLOUDWARD_TEST_SSHD_PORT) {
      // The setup hook says why (not root, no sshd): never pass silently.
      throw new Error(`the loopback sshd did not start: ${env.CLOUDWARD_TEST_SSHD_ERROR ?? 'unknown reason'}`);
    }
  });

  let a: TestApi;
  let server: ServerNode;

  before(async () => {
    a = await api();
    // User settings, as "Add Server…" writes them (the test folder is untrusted: its settings may not name servers).
    const entry = JSON.parse(env.CLOUDWARD_TEST_SSHD_SERVER_SETTING!);
    const config = vscode.workspace.getConfiguration('cloudward');
    const locked = { name: LOCKED, host: entry.host, port: entry.port, user: entry.user, identityFile: env.CLOUDWARD_TEST_SSHD_LOCKED_KEY };
    await config.update('servers', [entry, locked], vscode.ConfigurationTarget.Global);
    await waitFor('the setting to reach the view', () => (a.model.servers().some((s) => s.spec.name === SERVER) ? true : undefined), 10_000);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('cloudward').update('servers', undefined, vscode.ConfigurationTarget.Global);
  });

  it('lists the server from the cloudward.servers setting, in its group', async () => {
    const root = a.provider.getChildren();
    const group = root.find((n) => n.kind === 'group' && label(a.provider, n) === GROUP);
    assert.ok(group, `no "${GROUP}" folder; root: [${root.map((n) => label(a.provider, n)).join(', ')}]; setting problems: [${a.model.problems.join(' ')}]; setting: ${JSON.stringify(vscode.workspace.getConfiguration('cloudward').inspect('servers'))} trusted=${vscode.workspace.isTrusted} folder=${vscode.workspace.workspaceFolders?.[0]?.uri.fsPath}`);
    server = a.provider.getChildren(group).find((n): n is ServerNode => n.kind === 'server' && label(a.provider, n) === SERVER)!;
    assert.ok(server, `no server "${SERVER}" in the folder`);
    assert.strictEqual(a.provider.getParent(server), group);
    // The real view renders it: reveal goes through VS Code's tree.
    await vscode.commands.executeCommand('workbench.view.extension.cloudward');
    await a.view.treeView.reveal(server, { select: true, focus: false, expand: false });
  });

  it('trusts the host key only through the trust store, then expands to the shimmed services', async () => {
    // Trusted in advance through the extension's own store (no modal in a test); known_hosts is untouched.
    const [keyType, keyBase64] = env.CLOUDWARD_TEST_SSHD_HOSTKEY!.trim().split(/\s+/);
    await a.model.trust.trust(`[127.0.0.1]:${env.CLOUDWARD_TEST_SSHD_PORT}`, keyType, keyBase64);

    const state = a.model.get(server.serverId)!;
    // Expanding never waits for the network: it shows "loading…" or, here, why the background refresh
    // that started when the view opened could not connect (the key was not trusted then, and a
    // background refresh never prompts).
    const first = a.provider.getChildren(server);
    assert.ok(first.length > 0);
    await vscode.commands.executeCommand('cloudward.servers.refreshServer', server);
    await waitFor('the snapshot', () => (state.snapshot || (state.problem && !state.loading) ? true : undefined));
    assert.strictEqual(state.problem, undefined, `refresh failed: ${state.problem?.message}`);
    assert.strictEqual(a.provider.getTreeItem(server).description, state.snapshot!.host);

    const sections = a.provider.getChildren(server) as SectionNode[];
    assert.deepStrictEqual(
      sections.map((s) => label(a.provider, s)),
      ['System', 'Services', 'Ports', 'App', 'nginx', 'TLS'],
    );
    const system = a.provider.getChildren(sections[0]).map((n) => label(a.provider, n));
    for (const row of ['Kernel', 'Uptime', 'Load', 'Memory']) assert.ok(system.includes(row), `System lacks ${row}: ${system.join(', ')}`);

    const services = a.provider.getChildren(sections[1]) as LeafNode[];
    const units = services.map((n) => n.unit).filter(Boolean);
    for (const unit of (env.CLOUDWARD_TEST_SSHD_UNITS ?? 'gunicorn.service,nginx.service').split(',')) {
      assert.ok(units.includes(unit), `Services lacks ${unit}: ${units.join(', ')}`);
    }
    const gunicorn = services.find((n) => n.unit === 'gunicorn.service')!;
    const item = a.provider.getTreeItem(gunicorn);
    assert.match(String(item.contextValue), /^unit:/);
    assert.ok(item.iconPath instanceof vscode.ThemeIcon);
  });

  it('restarts a unit on the server (the shim records it)', async () => {
    const state = a.model.get(server.serverId)!;
    const services = a.provider.getChildren(a.provider.getChildren(server).find((n) => n.kind === 'section' && n.section === 'services')!) as LeafNode[];
    const gunicorn = services.find((n) => n.unit === 'gunicorn.service')!;
    const record = env.CLOUDWARD_TEST_SSHD_RECORD!;
    const before = fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '';
    await vscode.commands.executeCommand('cloudward.servers.restartUnit', gunicorn);
    const after = fs.readFileSync(record, 'utf8').slice(before.length);
    assert.match(after, /restart\s+'?gunicorn\.service'?/, `the shim recorded: ${JSON.stringify(after)}`);
    // Through `sudo -n` (the test user is not root): never a password prompt on the server.
    assert.match(after, /^sudo systemctl restart gunicorn\.service$/m);
    // The action refreshes the server afterwards; the data is current, not stale.
    assert.strictEqual(state.stale, false);
  });

  it('does nothing on the server when sudo wants a password (and does not hang)', async () => {
    const services = a.provider.getChildren(a.provider.getChildren(server).find((n) => n.kind === 'section' && n.section === 'services')!) as LeafNode[];
    const nginx = services.find((n) => n.unit === 'nginx.service')!;
    const record = env.CLOUDWARD_TEST_SSHD_RECORD!;
    const flag = path.join(path.dirname(record), 'sudo-needs-password');
    fs.writeFileSync(flag, '');
    try {
      const before = fs.readFileSync(record, 'utf8');
      await vscode.commands.executeCommand('cloudward.servers.reloadUnit', nginx);
      assert.strictEqual(fs.readFileSync(record, 'utf8'), before, 'something ran on the server');
    } finally {
      fs.rmSync(flag, { force: true });
    }
  });

  it('opens an SSH terminal whose input reaches a shell on the server', async () => {
    const marker = path.join(os.tmpdir(), `cw-terminal-${process.pid}-${Date.now()}`);
    await vscode.commands.executeCommand('cloudward.servers.openTerminal', server);
    const terminal = await waitFor('the terminal', () => vscode.window.terminals.find((t) => t.name === `SSH: ${SERVER}`));
    try {
      // Typed into the Pseudoterminal, sent over the shell channel, run by the server's shell as the test user.
      terminal.sendText(`echo "$(id -un)" > '${marker}'`, true);
      await waitFor('the command to run on the server', () => (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() ? true : undefined), 20_000);
      assert.strictEqual(fs.readFileSync(marker, 'utf8').trim(), env.CLOUDWARD_TEST_SSHD_USER);
    } finally {
      terminal.dispose();
      fs.rmSync(marker, { force: true });
    }
  });

  it('follows a unit\'s journal in a terminal, and closing it ends journalctl on the server', async () => {
    const services = a.provider.getChildren(a.provider.getChildren(server).find((n) => n.kind === 'section' && n.section === 'services')!) as LeafNode[];
    const gunicorn = services.find((n) => n.unit === 'gunicorn.service')!;
    const record = env.CLOUDWARD_TEST_SSHD_RECORD!;
    const followers = () =>
      fs
        .readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
            return cmd.some((c) => c.endsWith('/journalctl')) && cmd.includes('-f') && cmd.includes('gunicorn.service');
          } catch {
            return false;
          }
        });
    const before = followers().length;
    await vscode.commands.executeCommand('cloudward.servers.followLogs', gunicorn);
    const terminal = await waitFor('the terminal', () => vscode.window.terminals.find((t) => t.name === `gunicorn.service — ${SERVER}`));
    await waitFor('journalctl -f on the server', () => (fs.readFileSync(record, 'utf8').includes('follow gunicorn.service') && followers().length > before ? true : undefined), 20_000);
    terminal.dispose();
    await waitFor('journalctl to end', () => (followers().length === before ? true : undefined), 15_000);
  });

  it('copies the host key fingerprint', async () => {
    await vscode.commands.executeCommand('cloudward.servers.copyFingerprint', server);
    assert.strictEqual(await vscode.env.clipboard.readText(), env.CLOUDWARD_TEST_SSHD_FINGERPRINT);
  });

  it('shows a failing nginx -t and a certificate that expires soon', async () => {
    const stateDir = path.dirname(env.CLOUDWARD_TEST_SSHD_RECORD!);
    const certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cert-'));
    fs.chmodSync(certDir, 0o755);
    const cert = path.join(certDir, 'cw.example.pem');
    childProcess.execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(certDir, 'key.pem'), '-out', cert, '-days', '10', '-subj', '/CN=cw.example'], { stdio: 'ignore' });
    fs.chmodSync(cert, 0o644);
    fs.writeFileSync(path.join(stateDir, 'nginx.conf'), `server {\n  listen 443 ssl;\n  server_name cw.example;\n  ssl_certificate ${cert};\n}\n`, { mode: 0o666 });
    try {
      await vscode.commands.executeCommand('cloudward.servers.refreshServer', server);
      let sections = a.provider.getChildren(server) as SectionNode[];
      const tls = a.provider.getChildren(sections.find((x) => x.section === 'tls')!) as LeafNode[];
      const row = tls.find((r) => r.label === 'cw.example');
      assert.ok(row, `no certificate row: ${tls.map((r) => `${r.label} ${r.description}`).join('; ')}`);
      assert.match(String(row.description), /expires in (9|10) days/);
      assert.strictEqual(row.icon?.id, 'warning');

      // A broken configuration (nginx -T then dumps nothing, as the real one).
      fs.writeFileSync(path.join(stateDir, 'nginx-broken'), 'nginx: [emerg] unknown directive "proxy_passs" in /etc/nginx/sites-enabled/cw:12\n', { mode: 0o666 });
      await vscode.commands.executeCommand('cloudward.servers.refreshServer', server);
      sections = a.provider.getChildren(server) as SectionNode[];
      const nginx = a.provider.getChildren(sections.find((x) => x.section === 'nginx')!)[0];
      assert.strictEqual(label(a.provider, nginx), 'Configuration has errors');
      assert.match(String(a.provider.getTreeItem(nginx).tooltip), /unknown directive "proxy_passs"/);
      assert.strictEqual(a.provider.getTreeItem(nginx).contextValue, 'nginx', 'no Test nginx Configuration action on the row');
    } finally {
      fs.rmSync(path.join(stateDir, 'nginx-broken'), { force: true });
      fs.rmSync(path.join(stateDir, 'nginx.conf'), { force: true });
      fs.rmSync(certDir, { recursive: true, force: true });
    }
  });

  it("sizes a linked project's workers from the server's cores (2 × cores + 1); the documented default when none is linked", async () => {
    const state = a.model.get(server.serverId)!;
    const cpus = await waitFor('the CPU count', () => state.snapshot?.cpus ?? undefined);
    const folder = vscode.workspace.workspaceFolders![0].uri;
    type Plan = { workers: number; workersSource: string };
    const generate = async () => ((await vscode.commands.executeCommand('cloudward.generate.gunicorn', { folder, choice: 'preview', open: false })) as { plan: Plan }).plan;
    const unlinked = await generate();
    assert.deepStrictEqual([unlinked.workers, unlinked.workersSource], [3, 'default']);
    const config = vscode.workspace.getConfiguration('cloudward');
    const servers = config.inspect<Array<{ name: string }>>('servers')!.globalValue!;
    await config.update('servers', servers.map((s) => (s.name === SERVER ? { ...s, project: folder.fsPath } : s)), vscode.ConfigurationTarget.Global);
    try {
      const linked = await generate();
      assert.deepStrictEqual([linked.workers, linked.workersSource], [2 * cpus + 1, 'server']);
      // The same plan reaches the files: gunicorn's default worker count.
    } finally {
      // The settings change reloads the list: bring the server's facts back for the tests that follow.
      await config.update('servers', servers, vscode.ConfigurationTarget.Global);
      const again = await waitFor('the unlinked server', () => a.model.servers().find((s) => s.spec.name === SERVER && !s.spec.project));
      await a.model.refresh(again.id, true);
    }
  });

  it('shows the data as stale after the connection drops, and current again after a refresh', async function () {
    const daemonPid = Number(env.CLOUDWARD_TEST_SSHD_PID);
    assert.ok(daemonPid, 'the sshd set-up (test/integration/setup) did not pass CLOUDWARD_TEST_SSHD_PID');
    const state = a.model.get(server.serverId)!;
    assert.ok(state.snapshot && !state.stale);
    // Kill the daemon's per-connection processes (monitor and session): what a network drop looks like.
    const parentOf = new Map<number, number>();
    for (const d of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        parentOf.set(Number(d), Number(fs.readFileSync(`/proc/${d}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]));
      } catch {
        // gone meanwhile
      }
    }
    const descends = (pid: number): boolean => {
      for (let p = parentOf.get(pid); p; p = parentOf.get(p)) if (p === daemonPid) return true;
      return false;
    };
    const sessions = [...parentOf.keys()].filter(descends);
    assert.ok(sessions.length > 0, 'no sshd session to drop');
    for (const pid of sessions) process.kill(pid, 'SIGKILL');
    await waitFor('the stale mark', () => (state.stale ? true : undefined));
    // Says why and since when; nothing under it stays green (the services may be down by now).
    assert.match(String(a.provider.getTreeItem(server).description), /^stale since \d\d?:\d\d:\d\d.*: (connection lost|could not reconnect)/);
    const icon = a.provider.getTreeItem(server).iconPath as vscode.ThemeIcon;
    // ThemeColor's id is public at run time, not in the 1.90 typings.
    const colorOf = (n: Node) => ((a.provider.getTreeItem(n).iconPath as vscode.ThemeIcon | undefined)?.color as unknown as { id: string } | undefined)?.id;
    assert.strictEqual((icon.color as unknown as { id: string } | undefined)?.id, 'disabledForeground');
    const staleRows = a.provider.getChildren(server).flatMap((sec) => [sec, ...a.provider.getChildren(sec)]);
    assert.ok(staleRows.some((n) => label(a.provider, n) === 'gunicorn.service'), 'the services are still listed');
    assert.deepStrictEqual(staleRows.filter((n) => colorOf(n) === 'testing.iconPassed').map((n) => label(a.provider, n)), [], 'green rows on a stale server');

    await a.model.refresh(server.serverId, true);
    assert.strictEqual(state.problem, undefined, `refresh after the drop failed: ${state.problem?.message}`);
    assert.strictEqual(state.stale, false);
  });

  it('refuses a changed host key, shows both fingerprints, and offers no "connect anyway"', async () => {
    const state = a.model.get(server.serverId)!;
    const hostPort = `[127.0.0.1]:${env.CLOUDWARD_TEST_SSHD_PORT}`;
    const [keyType, realKey] = env.CLOUDWARD_TEST_SSHD_HOSTKEY!.trim().split(/\s+/);
    // What the store would hold had the server been someone else before: another ed25519 key.
    const otherKey = Buffer.concat([Buffer.from(realKey, 'base64').subarray(0, 19), Buffer.alloc(32, 7)]).toString('base64');
    await a.model.trust.trust(hostPort, keyType, otherKey);
    a.model.connection(server.serverId).disconnect();
    await vscode.commands.executeCommand('cloudward.servers.refreshServer', server);

    assert.strictEqual(state.problem?.code, 'HOST_KEY_CHANGED', state.problem?.message);
    assert.ok(state.problem!.message.includes(env.CLOUDWARD_TEST_SSHD_FINGERPRINT!), 'the offered fingerprint is missing');
    assert.ok(state.problem!.message.includes(sha256(otherKey)), 'the recorded fingerprint is missing');
    assert.deepStrictEqual(state.problem!.actions.map((x) => x.command), ['cloudward.servers.showHostKeyProblem']);
    assert.strictEqual(state.stale, true, 'the old facts must show as stale');
    const row = a.provider.getChildren(server)[0];
    assert.strictEqual(a.provider.getTreeItem(row).command?.command, 'cloudward.servers.showHostKeyProblem');
    // The store still holds the other key: nothing was trusted behind the user's back.
    assert.deepStrictEqual(a.model.trust.lookup(hostPort).map((k) => k.keyBase64), [otherKey]);

    await a.model.trust.trust(hostPort, keyType, realKey);
    await vscode.commands.executeCommand('cloudward.servers.refreshServer', server);
    assert.strictEqual(state.problem, undefined, state.problem?.message);
    assert.strictEqual(state.stale, false);
  });

  it('uses a kept passphrase silently, and asks again (never in the background) once it is forgotten', async () => {
    const state = a.model.byName(LOCKED)!;
    assert.ok(state, `no server ${LOCKED}`);
    const keyFile = env.CLOUDWARD_TEST_SSHD_LOCKED_KEY!;
    // What "Keep" after a successful prompt stores (SecretStorage, never settings).
    const entry = JSON.parse(env.CLOUDWARD_TEST_SSHD_SERVER_SETTING!) as { host: string; port: number; user: string };
    // Kept under what it opens (user@host:port and the key file), not under the display name (S8).
    const target = `${entry.user}@${entry.host}:${entry.port}`;
    await a.model.secrets.store(LOCKED, target, 'passphrase', env.CLOUDWARD_TEST_SSHD_PASSPHRASE!, keyFile);
    await a.model.refresh(state.id, false);
    assert.strictEqual(state.problem, undefined, `the kept passphrase was not used: ${state.problem?.message}`);
    assert.ok(state.snapshot);
    const settingsText = JSON.stringify(vscode.workspace.getConfiguration('cloudward').inspect('servers'));
    assert.ok(!settingsText.includes(env.CLOUDWARD_TEST_SSHD_PASSPHRASE!), 'a secret reached the settings');

    const serverNode = a.provider.getChildren().find((n) => n.kind === 'server' && n.serverId === state.id)!;
    await vscode.commands.executeCommand('cloudward.servers.forgetSecrets', serverNode);
    assert.strictEqual(await a.model.secrets.get(LOCKED, target, 'passphrase', keyFile), undefined);
    assert.strictEqual(a.model.secrets.has(LOCKED), false);

    a.model.connection(state.id).disconnect();
    await a.model.refresh(state.id, false);
    assert.ok(state.problem, 'logged in without the passphrase?');
    assert.strictEqual(state.stale, true);
  });

  it('a server linked to the workspace folder shows that project\'s units, nginx site and socket first; Ports lists the socket', async () => {
    const wsPath = vscode.workspace.workspaceFolders![0].uri.fsPath;
    // What the generated units look like once installed: the socket listening, the service started on demand.
    const unitsDir = path.join(path.dirname(env.CLOUDWARD_TEST_SSHD_RECORD!), 'units');
    const unit = (name: string, props: Record<string, string | number>) =>
      fs.writeFileSync(path.join(unitsDir, name), Object.entries({ LoadState: 'loaded', ...props }).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o666 });
    unit('mysite.socket', { ActiveState: 'active', SubState: 'listening', Description: 'mysite app server socket' });
    unit('mysite.service', { ActiveState: 'inactive', SubState: 'dead', Description: 'mysite (gunicorn)' });
    // The plan's socket (/run/<name>/<name>.sock), where gunicorn would listen.
    const sockDir = '/run/mysite';
    const sockPath = path.join(sockDir, 'mysite.sock');
    const madeDir = !fs.existsSync(sockDir);
    fs.mkdirSync(sockDir, { recursive: true });
    fs.rmSync(sockPath, { force: true });
    const listener = net.createServer().listen(sockPath);
    await new Promise((r) => listener.once('listening', r));
    const config = vscode.workspace.getConfiguration('cloudward');
    const before = config.inspect<unknown[]>('servers')?.globalValue;
    try {
      const entry = { ...JSON.parse(env.CLOUDWARD_TEST_SSHD_SERVER_SETTING!), project: wsPath };
      await config.update('servers', [entry], vscode.ConfigurationTarget.Global);
      const state = await waitFor('the linked server', () => a.model.servers().find((s) => s.spec.name === SERVER && s.spec.project === wsPath));
      await a.model.refresh(state.id, true);
      assert.strictEqual(state.problem, undefined, state.problem?.message);
      const node = a.provider.getChildren().flatMap((n) => (n.kind === 'group' ? a.provider.getChildren(n) : [n])).find((n) => n.kind === 'server' && n.serverId === state.id)!;
      const sections = a.provider.getChildren(node) as SectionNode[];
      assert.strictEqual(sections[0].section, 'project', `first section: ${sections.map((x) => x.label).join(', ')}`);
      assert.strictEqual(sections[0].label, 'mysite');
      const rows = a.provider.getChildren(sections[0]).map((n) => [label(a.provider, n), String(a.provider.getTreeItem(n).description)]);
      assert.deepStrictEqual(rows.map((r) => r[0]), ['mysite.service', 'mysite.socket', '/etc/nginx/sites-enabled/mysite', sockPath]);
      assert.strictEqual(rows[0][1], 'inactive: starts on the first request');
      assert.match(rows[1][1], /^active \(listening\)/);
      assert.match(rows[3][1], /^listening/);
      // The rest follows, without the project's units repeated.
      const services = sections.find((x) => x.section === 'services')!;
      assert.ok(!a.provider.getChildren(services).some((n) => label(a.provider, n).startsWith('mysite.')));
      const ports = sections.find((x) => x.section === 'ports')!;
      assert.ok(a.provider.getChildren(ports).some((n) => label(a.provider, n) === sockPath), 'Ports lists the unix socket');
      // Its actions are the unit actions: restart works from the project's row.
      const serviceRow = a.provider.getChildren(sections[0])[0] as LeafNode;
      assert.strictEqual(serviceRow.unit, 'mysite.service');
    } finally {
      listener.close();
      fs.rmSync(madeDir ? sockDir : sockPath, { recursive: true, force: true });
      fs.rmSync(path.join(unitsDir, 'mysite.socket'), { force: true });
      fs.rmSync(path.join(unitsDir, 'mysite.service'), { force: true });
      await config.update('servers', before, vscode.ConfigurationTarget.Global);
    }
  });
});
