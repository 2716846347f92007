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
    for (const id of ['security.W004', 'security.W008', 'security.W009', 'security.W012', 'security.W016', 'security.W018', 'security.W020']) {
      assert.ok(byId.has(id), `${id} missing from ${[...byId.keys()].join(', ')}`);
    }
    // At the assignment of the setting when the file has one, else on line 1.
    assert.strictEqual(doc.getText(byId.get('security.W018')!.range), 'DEBUG');
    assert.match(doc.lineAt(byId.get('security.W018')!.range.start.line).text, /^DEBUG = True/);
    assert.strictEqual(doc.getText(byId.get('security.W020')!.range), 'ALLOWED_HOSTS');
    assert.strictEqual(doc.getText(byId.get('security.W009')!.range), 'SECRET_KEY');
    assert.strictEqual(byId.get('security.W004')!.range.start.line, 0);
    const w018 = byId.get('security.W018')!;
    assert.strictEqual(w018.severity, vscode.DiagnosticSeverity.Warning);
    assert.strictEqual(w018.message, 'You should not have DEBUG set to True in deployment.');
    assert.strictEqual(String((w018.code as { target: vscode.Uri }).target), 'https://docs.djangoproject.com/en/stable/ref/checks/#security');
    // A separate collection: the lint's own findings on the same file stay.
    assert.ok(vscode.languages.getDiagnostics(settingsUri()).some((d) => d.source === 'Cloudward'));
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
