// Cloudward: Generate … inside the real VS Code, driven through the commands' argument object (no UI):
// files land with the plan's values, an existing file is never touched without "overwrite", Undo works,
// and the files of `generate.all` agree with each other.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

interface Result {
  plan: Record<string, unknown> & { socket: string; appTarget: string; name: string };
  projectRoot: vscode.Uri;
  files: { kind: string; path: string }[];
  written: vscode.Uri[];
  overwritten: vscode.Uri[];
  kept: vscode.Uri[];
  unchanged: vscode.Uri[];
  skipped: vscode.Uri[];
  previews: vscode.Uri[];
  cancelled: boolean;
}

const wsPath = () => vscode.workspace.workspaceFolders![0].uri.fsPath;
const read = (f: string) => fs.readFileSync(f, 'utf8');

/** A fresh copy of the test workspace, so tests that write do not disturb each other (or other suites). */
function copyOfWorkspace(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cloudward-gen-')), 'django-polls');
  fs.cpSync(wsPath(), dir, { recursive: true, filter: (p) => !/[\\/](\.vscode|__pycache__)$/.test(p) });
  return dir;
}

async function run(command: string, args: object): Promise<Result> {
  const r = (await vscode.commands.executeCommand(command, { open: false, ...args })) as Result | undefined;
  assert.ok(r, `${command} returned nothing (it failed or was cancelled; see the Cloudward log)`);
  return r;
}

async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

describe('Generate deployment files (cloudward.generate.*)', function () {
  this.timeout(60_000);
  const made: string[] = [];

  before(async () => {
    await vscode.extensions.getExtension('cloudward.cloudward')!.activate();
  });

  afterEach(closeAll);

  after(() => {
    for (const d of made) fs.rmSync(path.dirname(d), { recursive: true, force: true });
  });

  it('writes gunicorn.conf.py into the example workspace with the plan\'s values', async () => {
    const target = path.join(wsPath(), 'gunicorn.conf.py');
    assert.ok(!fs.existsSync(target), 'the example should not have a gunicorn.conf.py yet');
    try {
      const r = await run('cloudward.generate.gunicorn', { choice: 'skip', overrides: { workers: '3' } });
      assert.deepStrictEqual(r.written.map((u) => u.fsPath), [target]);
      const text = read(target);
      assert.match(text, /workers\s*=\s*(3\b|int\(os\.environ\.get\("WEB_CONCURRENCY", "3"\)\))/);
      assert.ok(text.includes(`unix:${r.plan.socket}`), `bind to the plan's socket ${r.plan.socket}`);
      assert.match(text, /^#/, 'starts with a comment saying what it is');
      assert.match(text, /cloudward|Cloudward/);
      assert.strictEqual(r.plan.appTarget, 'mysite.wsgi:application');
    } finally {
      // The workspace is shared with other suites: leave it as it was.
      fs.rmSync(target, { force: true });
    }
  });

  it('leaves an existing Procfile untouched when the choice is skip', async () => {
    const procfile = path.join(wsPath(), 'Procfile');
    const before = read(procfile);
    const r = await run('cloudward.generate.procfile', { choice: 'skip' });
    assert.strictEqual(read(procfile), before, 'the Procfile changed');
    assert.ok(r.kept.some((u) => u.fsPath === procfile), 'the Procfile is reported as kept');
    assert.ok(!r.written.some((u) => u.fsPath === procfile));
    assert.ok(!fs.existsSync(procfile + '.new'));
  });

  it('writes the proposal next to an existing file as <name>.new when asked, keeping the file', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const procfile = path.join(dir, 'Procfile');
    const before = read(procfile);
    const r = await run('cloudward.generate.procfile', { folder: vscode.Uri.file(dir), choice: 'new' });
    assert.strictEqual(read(procfile), before);
    assert.ok(fs.existsSync(procfile + '.new'), 'Procfile.new was not written');
    assert.match(read(procfile + '.new'), /^web:\s*gunicorn /m);
    assert.ok(r.written.some((u) => u.fsPath === procfile + '.new'));
  });

  it('overwrites only with the overwrite choice, and Undo restores the old content', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const procfile = path.join(dir, 'Procfile');
    const before = read(procfile);
    const r = await run('cloudward.generate.procfile', { folder: vscode.Uri.file(dir), choice: 'overwrite' });
    assert.ok(r.overwritten.some((u) => u.fsPath === procfile));
    const after = read(procfile);
    assert.notStrictEqual(after, before);
    assert.match(after, /^web:\s*gunicorn .*mysite\.wsgi:application/m);
    assert.match(after, /^release:.*migrate/m);

    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(procfile));
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    assert.strictEqual(doc.getText(), before, 'Undo should bring back the previous Procfile');
    await doc.save();
  });

  it('Undo takes a newly created file back', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const target = path.join(dir, 'gunicorn.conf.py');
    await run('cloudward.generate.gunicorn', { folder: vscode.Uri.file(dir), choice: 'skip' });
    assert.ok(fs.existsSync(target));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    // The create and its text were one edit: Undo removes the file (the workbench does it asynchronously).
    for (let i = 0; i < 150 && fs.existsSync(target); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!fs.existsSync(target), 'Undo should remove the created gunicorn.conf.py');
  });

  it('creates nothing and touches nothing in preview mode, showing a diff for the existing file', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const before = read(path.join(dir, 'Procfile'));
    const r = await run('cloudward.generate.all', { folder: vscode.Uri.file(dir), kinds: ['procfile', 'nginx'], choice: 'preview', overrides: { domain: 'polls.example.com' } });
    assert.deepStrictEqual(r.written, []);
    assert.strictEqual(read(path.join(dir, 'Procfile')), before);
    for (const f of r.files) {
      if (f.path !== 'Procfile' && f.path !== '.python-version') assert.ok(!fs.existsSync(path.join(dir, f.path)), `${f.path} was written`);
    }
    assert.ok(r.previews.length >= 2, 'the proposals are open');
    assert.ok(r.previews.every((u) => u.scheme === 'cloudward-proposed'));
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const diff = tabs.find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.original.fsPath === path.join(dir, 'Procfile'));
    assert.ok(diff, `no diff editor for the Procfile among: ${tabs.map((t) => t.label).join(', ')}`);
    const proposed = await vscode.workspace.openTextDocument((diff.input as vscode.TabInputTextDiff).modified);
    assert.match(proposed.getText(), /^web:\s*gunicorn /m);
  });

  it('generate.all writes files that agree: nginx upstream = systemd ListenStream = gunicorn bind', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const socket = '/run/polls-site/gunicorn.sock';
    const r = await run('cloudward.generate.all', {
      folder: vscode.Uri.file(dir),
      kinds: ['gunicorn', 'nginx', 'systemd', 'procfile', 'uwsgi', 'dockerfile', 'compose', 'kubernetes'],
      choice: 'skip',
      overrides: { name: 'polls-site', socket, domain: 'polls.example.com' },
    });
    assert.strictEqual(r.plan.socket, socket);
    const byKind = (kind: string, re?: RegExp) => {
      const f = r.files.find((x) => x.kind === kind && (!re || re.test(x.path)));
      assert.ok(f, `no ${kind} file among ${r.files.map((x) => x.path).join(', ')}`);
      const abs = path.join(dir, f.path);
      assert.ok(fs.existsSync(abs), `${f.path} was not written`);
      return read(abs);
    };
    const nginx = byKind('nginx');
    const socketUnit = byKind('systemd', /\.socket$/);
    const service = byKind('systemd', /\.service$/);
    const gunicorn = byKind('gunicorn', /gunicorn\.conf\.py$/);
    assert.match(nginx, new RegExp(`server\\s+unix:${esc(socket)}`), 'nginx upstream');
    assert.match(socketUnit, new RegExp(`^ListenStream=${esc(socket)}$`, 'm'), 'systemd socket');
    assert.ok(gunicorn.includes(`unix:${socket}`), 'gunicorn bind');
    assert.match(nginx, /server_name\s+polls\.example\.com/);
    assert.match(service, /mysite\.wsgi:application/);
    // Every file of every kind was written (the Procfile existed and was kept).
    for (const f of r.files) {
      const abs = path.join(dir, f.path);
      assert.ok(fs.existsSync(abs), `${f.path} missing`);
      if (f.path !== 'Procfile') assert.ok(r.written.some((u) => u.fsPath === abs) || r.unchanged.some((u) => u.fsPath === abs), `${f.path} not reported`);
    }
    assert.ok(r.kept.some((u) => u.fsPath === path.join(dir, 'Procfile')));
  });

  it('running the same generator twice reports the files as up to date and writes nothing', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const overrides = { domain: 'polls.example.com' };
    const first = await run('cloudward.generate.nginx', { folder: vscode.Uri.file(dir), choice: 'skip', overrides });
    assert.ok(first.written.length > 0);
    const again = await run('cloudward.generate.nginx', { folder: vscode.Uri.file(dir), choice: 'overwrite', overrides });
    assert.deepStrictEqual(again.written, []);
    assert.strictEqual(again.unchanged.length, first.written.length);
  });

  it('Escape on the values list cancels cleanly: nothing written, no error', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const result = await settle(vscode.commands.executeCommand('cloudward.generate.nginx', { folder: vscode.Uri.file(dir) }), 'workbench.action.closeQuickOpen');
    assert.strictEqual(result, undefined);
    const written = fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /nginx|\.conf$/.test(f));
    assert.deepStrictEqual(written, []);
  });

  it('asks for a detection gap instead of guessing: the nginx site needs a domain', async () => {
    const dir = copyOfWorkspace();
    made.push(dir);
    const before = fs.readdirSync(dir).sort();
    const r = await settle(vscode.commands.executeCommand('cloudward.generate.nginx', { folder: vscode.Uri.file(dir), choice: 'skip', open: false }), 'notifications.clearAll');
    assert.strictEqual(r, undefined, 'without a domain the scripted command must fail, not invent one');
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), before);
  });

  it('refuses an unknown choice or kind with a clear error instead of guessing', async () => {
    // The error reaches the user as a notification; closing it lets the command settle.
    const r1 = await settle(vscode.commands.executeCommand('cloudward.generate.all', { kinds: ['helm'], choice: 'skip', open: false }), 'notifications.clearAll');
    assert.strictEqual(r1, undefined);
    const r2 = await settle(vscode.commands.executeCommand('cloudward.generate.procfile', { choice: 'clobber', open: false }), 'notifications.clearAll');
    assert.strictEqual(r2, undefined);
    assert.ok(!fs.existsSync(path.join(wsPath(), 'Procfile.new')));
  });
});

/** Waits for a command that shows UI, running `dismiss` (Escape-like) until it settles. */
async function settle<T>(pending: Thenable<T>, dismiss: string): Promise<T> {
  let settled = false;
  const result = Promise.resolve(pending).finally(() => (settled = true));
  for (let i = 0; i < 100 && !settled; i++) {
    await new Promise((r) => setTimeout(r, 200));
    if (!settled) await vscode.commands.executeCommand(dismiss);
  }
  return result;
}

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
