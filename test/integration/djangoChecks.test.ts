// Cloudward: Run Django Deployment Checks, inside the real VS Code, on the test workspace (a copy of
// examples/django-polls), with Debian's Python that has Django 3.2.
import * as assert from 'assert';
import * as vscode from 'vscode';

const DJANGO_PYTHON = '/usr/bin/python3';

interface Result {
  run: { problem?: string; detail?: string; messages: Array<{ id: string }> };
  interpreter: { python: string; from: string };
  settingsFile?: string;
  passed: boolean;
}

function settingsUri(): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'mysite', 'settings.py');
}

function django(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Django');
}

function codeOf(d: vscode.Diagnostic): string {
  return String((d.code as { value: string }).value);
}

async function setInterpreter(value: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('cloudward').update('python.interpreter', value, vscode.ConfigurationTarget.Workspace);
}

// `manage.py check` imports the project's settings (it runs the project's code): only in a trusted
// workspace. The launcher decides whether the test folder is trusted (the VS Code server's
// --disable-workspace-trust); each mode has its tests, the other mode's are skipped.
function requireTrust(ctx: Mocha.Context): void {
  assert.ok(vscode.workspace.isTrusted, 'this test needs a trusted folder (the VS Code server with --disable-workspace-trust); the Restricted Mode pass runs only tests named "untrusted workspace"');
  void ctx;
}

describe('Run Django Deployment Checks in an untrusted workspace', function () {
  this.timeout(30_000);
  after(() => setInterpreter(undefined));

  it("refuses to run the project's Python", async function () {
    assert.ok(!vscode.workspace.isTrusted, 'this test belongs to the Restricted Mode pass (scripts/test-vscode.mjs --untrusted)');
    await vscode.extensions.getExtension('cloudward.cloudward')!.activate();
    await setInterpreter(DJANGO_PYTHON);
    const result = await vscode.commands.executeCommand('cloudward.django.checkDeploy');
    assert.strictEqual(result, undefined);
    assert.deepStrictEqual(django(settingsUri()), []);
  });
});

describe('Run Django Deployment Checks (cloudward.django.checkDeploy)', function () {
  this.timeout(90_000);

  before(async () => {
    await vscode.extensions.getExtension('cloudward.cloudward')!.activate();
  });
  beforeEach(function () {
    requireTrust(this);
  });
  after(() => setInterpreter(undefined));

  it('runs manage.py check --deploy and puts each security warning on its setting', async () => {
    await setInterpreter(DJANGO_PYTHON);
    const result = (await vscode.commands.executeCommand('cloudward.django.checkDeploy')) as Result;
    assert.ok(result, 'the command returned nothing');
    assert.strictEqual(result.run.problem, undefined, result.run.detail);
    assert.deepStrictEqual(result.interpreter, { python: DJANGO_PYTHON, from: 'setting' });
    assert.strictEqual(result.settingsFile, settingsUri().fsPath);
    assert.strictEqual(result.passed, false);

    const doc = await vscode.workspace.openTextDocument(settingsUri());
    const diagnostics = django(settingsUri());
    const byId = new Map(diagnostics.map((d) => [codeOf(d), d]));
    const ours = new Set(vscode.languages.getDiagnostics(settingsUri()).filter((d) => d.source === 'Cloudward').map(codeOf));
    // One finding per problem: what our rules report (with a fix) is not repeated by Django's check...
    for (const [id, rule] of [['security.W018', 'CW201'], ['security.W009', 'CW202'], ['security.W004', 'CW206'], ['security.W008', 'CW206'], ['security.W012', 'CW206'], ['security.W016', 'CW206']]) {
      assert.ok(ours.has(rule), `${rule} is not reported (ours: ${[...ours].join(', ')})`);
      assert.ok(!byId.has(id), `${id} repeats ${rule}`);
    }
    // ...and what only Django says stays, on its setting: an empty ALLOWED_HOSTS while DEBUG is on (CW204 waits for DEBUG off).
    const w020 = byId.get('security.W020');
    assert.ok(w020, `security.W020 missing from ${[...byId.keys()].join(', ')}`);
    assert.strictEqual(doc.getText(w020.range), 'ALLOWED_HOSTS');
    assert.strictEqual(w020.severity, vscode.DiagnosticSeverity.Warning);
    assert.strictEqual(String((w020.code as { target: vscode.Uri }).target), 'https://docs.djangoproject.com/en/stable/ref/checks/#security');

    // An edit makes them stale: cleared at once (ours are re-linted), back with the next run.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(settingsUri(), new vscode.Position(0, 0), '# edited\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.deepStrictEqual(django(settingsUri()), []);
    const back = new vscode.WorkspaceEdit();
    back.delete(settingsUri(), new vscode.Range(0, 0, 1, 0));
    assert.ok(await vscode.workspace.applyEdit(back));
    const again = await vscode.workspace.openTextDocument(settingsUri());
    if (again.isDirty) await again.save();
  });

  it('says which interpreter was missing and keeps the earlier diagnostics out', async () => {
    await setInterpreter('/nonexistent/bin/python3');
    const result = (await vscode.commands.executeCommand('cloudward.django.checkDeploy')) as Result;
    assert.strictEqual(result.run.problem, 'python-missing');
    assert.match(result.run.detail!, /\/nonexistent\/bin\/python3/);
    assert.strictEqual(result.passed, false);
    assert.deepStrictEqual(django(settingsUri()), []);
  });
});

describe('Run Django Deployment Checks without Django', function () {
  this.timeout(60_000);
  beforeEach(function () {
    requireTrust(this);
  });
  after(() => setInterpreter(undefined));

  it('says Django is missing for the interpreter used', async () => {
    // A Python without site-packages, like a fresh virtualenv: -S leaves Debian's Django out.
    const os = await import('os');
    const fs = await import('fs');
    const path = await import('path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudward-bare-'));
    const bare = path.join(dir, 'python3');
    fs.writeFileSync(bare, `#!/bin/sh\nexec ${DJANGO_PYTHON} -S "$@"\n`, { mode: 0o755 });
    try {
      await setInterpreter(bare);
      const result = (await vscode.commands.executeCommand('cloudward.django.checkDeploy')) as Result;
      assert.strictEqual(result.run.problem, 'django-missing', result.run.detail);
      assert.strictEqual(result.interpreter.python, bare);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
