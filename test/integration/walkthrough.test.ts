import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'cloudward.cloudward';
const STATE = '_cloudward.walkthroughs.projectState';

type State = Record<string, boolean>;

async function state(): Promise<State> {
  return (await vscode.commands.executeCommand(STATE)) as State;
}

/** Polls the walkthroughs' context-key state until `key` has `value` (file watchers are asynchronous). */
async function waitFor(key: string, value: boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: State = {};
  while (Date.now() < deadline) {
    last = await state();
    if (last[key] === value) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  assert.fail(`${key} stayed ${String(last[key])}, expected ${String(value)}; state: ${JSON.stringify(last)}`);
}

function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder');
  return folder.uri;
}

async function write(rel: string, text: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.joinPath(workspaceRoot(), rel);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

/** The open tabs' labels: the walkthrough editor shows the walkthrough's title (or "Welcome"). */
function tabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
}

async function waitForTab(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const hit = tabLabels().find((l) => pattern.test(l));
    if (hit) return hit;
    await new Promise((r) => setTimeout(r, 100));
  }
  return assert.fail(`no tab matching ${pattern}; tabs: ${JSON.stringify(tabLabels())}`);
}

describe('Walkthroughs', () => {
  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens each walkthrough through the workbench and through Cloudward: Open Walkthrough', async () => {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', 'cloudward.cloudward#cloudward.localhostToCloud', false);
    const first = await waitForTab(/localhost to the cloud|Welcome|Walkthrough/i);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('cloudward.openWalkthrough', 'paasOrIaas');
    const second = await waitForTab(/PaaS or IaaS|Welcome|Walkthrough/i);
    console.log(`      (walkthrough tabs: ${JSON.stringify(first)}, ${JSON.stringify(second)})`);
  });

  it('reports the example project as it is: a Procfile and a .python-version', async () => {
    const s = await state();
    for (const key of ['cloudward.hasProcfile', 'cloudward.hasNginxSite', 'cloudward.hasKubernetes', 'cloudward.hasPythonVersionFile']) {
      assert.strictEqual(typeof s[key], 'boolean', `${key} missing from ${JSON.stringify(s)}`);
    }
    assert.strictEqual(s['cloudward.hasPythonVersionFile'], true);
  });

  it('turns the Procfile step\'s key off when the Procfile goes, and on again when the Procfile generator writes one', async () => {
    for (const uri of await vscode.workspace.findFiles('**/Procfile', '**/node_modules/**')) await vscode.workspace.fs.delete(uri);
    await waitFor('cloudward.hasProcfile', false);

    const result = (await vscode.commands.executeCommand('cloudward.generate.procfile', { choice: 'overwrite', open: false })) as
      | { files: Array<{ path: string }> }
      | undefined;
    assert.ok(result, 'the Procfile generator did not run (see the notification / log)');
    assert.ok(result.files.some((f) => /(^|\/)Procfile$/.test(f.path)), `generated: ${JSON.stringify(result.files)}`);
    await waitFor('cloudward.hasProcfile', true);
  });

  it('notices files written outside VS Code (a git pull, a terminal)', async () => {
    const before = (await state())['cloudward.hasDockerfile'];
    const dir = path.join(workspaceRoot().fsPath, 'cw-walkthrough-docker');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM python:3.12-slim\nUSER nobody\nCMD ["gunicorn", "mysite.wsgi"]\n');
    try {
      await waitFor('cloudward.hasDockerfile', true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await waitFor('cloudward.hasDockerfile', before);
  });

  it('recognises an nginx site by its content, and forgets it when its folder is deleted', async () => {
    const folder = vscode.Uri.joinPath(workspaceRoot(), 'cw-walkthrough-test');
    const before = (await state())['cloudward.hasNginxSite'];
    // A .conf outside an nginx folder counts only when it holds a server block.
    await write('cw-walkthrough-test/app.conf', '[logging]\nlevel = info\n');
    await new Promise((r) => setTimeout(r, 1000));
    assert.strictEqual((await state())['cloudward.hasNginxSite'], before, 'a non-nginx .conf counted as an nginx site');
    await write('cw-walkthrough-test/app.conf', 'server {\n    listen 80;\n    server_name example.com;\n}\n');
    await waitFor('cloudward.hasNginxSite', true);
    await vscode.workspace.fs.delete(folder, { recursive: true });
    await waitFor('cloudward.hasNginxSite', before);
  });

  it('recognises Kubernetes manifests by apiVersion and kind, not by the .yaml extension', async () => {
    const folder = vscode.Uri.joinPath(workspaceRoot(), 'cw-walkthrough-k8s');
    const before = (await state())['cloudward.hasKubernetes'];
    await write('cw-walkthrough-k8s/ci.yaml', 'name: ci\non: [push]\njobs: {}\n');
    await new Promise((r) => setTimeout(r, 1000));
    assert.strictEqual((await state())['cloudward.hasKubernetes'], before, 'a CI workflow counted as a Kubernetes manifest');
    const manifest = await write('cw-walkthrough-k8s/service.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: mysite\nspec:\n  ports:\n    - port: 80\n');
    await waitFor('cloudward.hasKubernetes', true);
    await vscode.workspace.fs.delete(manifest);
    await waitFor('cloudward.hasKubernetes', before);
    await vscode.workspace.fs.delete(folder, { recursive: true });
  });

  it('says which walkthrough names it knows when given an unknown one', async () => {
    // ctx.command shows the error and resolves once the notification is dismissed: dismiss it.
    const pending = vscode.commands.executeCommand('cloudward.openWalkthrough', 'nope');
    await new Promise((r) => setTimeout(r, 500));
    await vscode.commands.executeCommand('notifications.clearAll');
    assert.strictEqual(await pending, undefined);
  });
});
