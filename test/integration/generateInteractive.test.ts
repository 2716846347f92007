// The interactive generate flow in the real VS Code, answered the way a user who presses Enter does:
// Enter in the questions, then on each proposal (asked on the proposal itself, nothing covering it) the
// answer of its title bar: Create for a new file, Skip for an existing one. Never an overwrite without
// that very answer (the diff stays visible), closing the proposal or Escape writes nothing, earlier answers
// and the existing nginx site are the defaults next time, warnings are returned, and requirement lines
// can be appended (Undo works).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { appendRequirements, parseNginxSite } from '../../src/commands/generate';

interface Result {
  plan: Record<string, unknown>;
  written: vscode.Uri[];
  kept: vscode.Uri[];
  warnings: string[];
}

const wsPath = () => vscode.workspace.workspaceFolders![0].uri.fsPath;

function copyOfWorkspace(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cloudward-geni-')), 'django-polls');
  fs.cpSync(wsPath(), dir, { recursive: true, filter: (p) => !/[\\/](\.vscode|__pycache__|deploy)$/.test(p) });
  return dir;
}

/** The proposal waiting for an answer in the active tab: a new file, an existing one (a diff), or none. */
function activeProposal(): 'new' | 'existing' | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputTextDiff && input.modified.scheme === 'cloudward-proposed') return 'existing';
  if (input instanceof vscode.TabInputText && input.uri.scheme === 'cloudward-proposed') return 'new';
  return undefined;
}

/**
 * Runs a command and presses Enter in every quick pick and input box it opens (the first item, the value
 * shown), and answers each proposal (`answer`: by default Create for a new file, Skip for an existing one),
 * until it finishes. `onOpen` looks at what is open each time (tabs with a diff).
 */
async function pressEnterThrough(
  command: string,
  args: object,
  onOpen?: () => void,
  answer: (kind: 'new' | 'existing') => string = (kind) => (kind === 'new' ? 'cloudward.proposal.create' : 'cloudward.proposal.skip'),
): Promise<Result | undefined> {
  let done = false;
  const p = Promise.resolve(vscode.commands.executeCommand(command, args)).finally(() => (done = true));
  for (let i = 0; i < 200 && !done; i++) {
    await new Promise((r) => setTimeout(r, 250));
    if (done) break;
    onOpen?.();
    const proposal = activeProposal();
    await vscode.commands.executeCommand(proposal ? answer(proposal) : 'workbench.action.acceptSelectedQuickOpenItem');
  }
  return (await p) as Result | undefined;
}

async function enterThrough(command: string, args: object, onOpen?: () => void): Promise<Result> {
  const r = await pressEnterThrough(command, args, onOpen);
  assert.ok(r, `${command} returned nothing`);
  return r;
}

describe('Generate, answered with Enter (interactive flow)', function () {
  this.timeout(90_000);
  const made: string[] = [];

  before(async () => {
    await vscode.extensions.getExtension('cloudward.cloudward')!.activate();
  });
  afterEach(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));
  after(() => {
    for (const d of made) fs.rmSync(path.dirname(d), { recursive: true, force: true });
  });

  it('Skip on an existing, different file keeps it; the diff is visible while asking and closed after', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const procfile = path.join(dir, 'Procfile');
    const before = fs.readFileSync(procfile, 'utf8');
    let sawDiff = false;
    const r = await enterThrough('cloudward.generate.procfile', { folder: vscode.Uri.file(dir) }, () => {
      sawDiff ||= vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.input instanceof vscode.TabInputTextDiff && t.input.original.fsPath === procfile);
    });
    assert.strictEqual(fs.readFileSync(procfile, 'utf8'), before, 'Skip must not overwrite');
    assert.ok(r.kept.some((u) => u.fsPath === procfile));
    assert.ok(sawDiff, 'the diff was shown while asking');
    const left = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff);
    assert.deepStrictEqual(left.map((t) => t.label), [], 'the preview tabs are closed');
  });

  it('closing the proposal or Escape in it writes nothing; Overwrite on the diff replaces the file', async function () {
    this.timeout(180_000);
    const dir = copyOfWorkspace();
    made.push(dir);
    const procfile = path.join(dir, 'Procfile');
    const before = fs.readFileSync(procfile, 'utf8');
    // Closing the diff's tab is declining: the command ends with nothing written.
    const closed = await pressEnterThrough('cloudward.generate.procfile', { folder: vscode.Uri.file(dir) }, undefined, () => 'workbench.action.closeActiveEditor');
    assert.strictEqual(closed, undefined, 'closing the proposal did not cancel');
    assert.strictEqual(fs.readFileSync(procfile, 'utf8'), before);
    // The proposal's Escape (Cancel: Write Nothing).
    const escaped = await pressEnterThrough('cloudward.generate.procfile', { folder: vscode.Uri.file(dir) }, undefined, () => 'cloudward.proposal.cancel');
    assert.strictEqual(escaped, undefined, 'Escape did not cancel');
    assert.strictEqual(fs.readFileSync(procfile, 'utf8'), before);
    assert.ok(!fs.existsSync(`${procfile}.new`));
    // The yes for this very file.
    const r = await pressEnterThrough('cloudward.generate.procfile', { folder: vscode.Uri.file(dir), open: false }, undefined, () => 'cloudward.proposal.overwrite');
    assert.ok(r?.written.some((u) => u.fsPath === procfile), 'Overwrite did not write');
    assert.notStrictEqual(fs.readFileSync(procfile, 'utf8'), before);
    assert.match(fs.readFileSync(procfile, 'utf8'), /gunicorn/);
  });

  it('remembers the answers per folder: domain and HTTPS stay as given last time', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const first = await enterThrough('cloudward.generate.nginx', { folder: vscode.Uri.file(dir), overrides: { domain: 'shop.example.com', https: true }, open: false });
    assert.strictEqual(first.plan.domain, 'shop.example.com');
    fs.rmSync(path.join(dir, 'deploy'), { recursive: true, force: true });
    // Nothing given this time: the remembered values are the defaults (not asked again, not reset).
    const again = await enterThrough('cloudward.generate.kubernetes', { folder: vscode.Uri.file(dir), open: false });
    assert.strictEqual(again.plan.domain, 'shop.example.com');
    assert.strictEqual(again.plan.https, true);
  });

  it('reads server_name and HTTPS back from an existing nginx site', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    fs.mkdirSync(path.join(dir, 'deploy/nginx'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'deploy/nginx/mysite.conf'), [
      'server {', '    listen 80 default_server;', '    server_name _;', '    return 444;', '}',
      'server {', '    listen 443 ssl;', '    server_name polls.example.net www.polls.example.net;', '}', '',
    ].join('\n'));
    const r = await enterThrough('cloudward.generate.compose', { folder: vscode.Uri.file(dir), open: false });
    assert.strictEqual(r.plan.domain, 'polls.example.net www.polls.example.net');
    assert.strictEqual(r.plan.https, true);
    assert.deepStrictEqual(parseNginxSite('server {\n    listen 80;\n    server_name a.example;\n}\n'), { domain: 'a.example', https: false });
  });

  it('returns the warnings (no dependency file, no STATIC_ROOT) and appends requirement lines with Undo', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    fs.rmSync(path.join(dir, 'requirements.txt'));
    const settings = path.join(dir, 'mysite/settings.py');
    fs.writeFileSync(settings, fs.readFileSync(settings, 'utf8').replace(/^STATIC_ROOT = .*$/m, ''));
    const r = (await vscode.commands.executeCommand('cloudward.generate.procfile', { folder: vscode.Uri.file(dir), choice: 'skip', open: false })) as Result;
    assert.ok(r.warnings.some((w) => /declares no dependencies/.test(w)), r.warnings.join('\n'));
    assert.ok(r.warnings.some((w) => /STATIC_ROOT is not set/.test(w)));

    const req = vscode.Uri.file(path.join(dir, 'requirements.txt'));
    fs.writeFileSync(req.fsPath, 'Django>=4.2');
    assert.deepStrictEqual(await appendRequirements(req, ['django', 'gunicorn', 'uvicorn-worker']), ['gunicorn', 'uvicorn-worker']);
    assert.strictEqual(fs.readFileSync(req.fsPath, 'utf8'), 'Django>=4.2\ngunicorn\nuvicorn-worker\n');
    assert.deepStrictEqual(await appendRequirements(req, ['gunicorn']), [], 'nothing twice');
  });
});
