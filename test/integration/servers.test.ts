// The Servers view in the real VS Code against a real OpenSSH daemon on loopback, started by
// test/integration/setup/sshd.mjs (which also wrote the `cloudward.servers` workspace setting).
import * as assert from 'assert';
import * as fs from 'fs';
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
    await config.update('servers', [entry], vscode.ConfigurationTarget.Global);
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
    // The action refreshes the server afterwards; the data is current, not stale.
    assert.strictEqual(state.stale, false);
  });

  it('shows the data as stale after the connection drops, and current again after a refresh', async function () {
    const daemonPid = Number(env.CLOUDWARD_TEST_SSHD_PID);
    if (!daemonPid) this.skip();
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
    assert.match(String(a.provider.getTreeItem(server).description), /^stale — /);
    const icon = a.provider.getTreeItem(server).iconPath as vscode.ThemeIcon;
    // ThemeColor's id is public at run time, not in the 1.90 typings.
    assert.strictEqual((icon.color as unknown as { id: string } | undefined)?.id, 'disabledForeground');

    await a.model.refresh(server.serverId, true);
    assert.strictEqual(state.problem, undefined, `refresh after the drop failed: ${state.problem?.message}`);
    assert.strictEqual(state.stale, false);
  });
});
