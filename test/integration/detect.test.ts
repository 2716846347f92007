// Cloudward: Detect Project, inside the real VS Code, on the test workspace (a copy of examples/django-polls).
import * as assert from 'assert';
import * as vscode from 'vscode';

describe('Detect Project (cloudward.detect)', () => {
  const ws = () => vscode.workspace.workspaceFolders![0].uri;

  before(async () => {
    await vscode.extensions.getExtension('cloudward.cloudward')!.activate();
  });

  it('finds the Django app, its WSGI target, settings and Python version', async () => {
    const d = (await vscode.commands.executeCommand('cloudward.detect', { quiet: true })) as Record<string, unknown>;
    assert.ok(d, 'the command returned nothing');
    assert.strictEqual(d.framework, 'django');
    assert.strictEqual(d.interface, 'wsgi');
    assert.strictEqual(d.appTarget, 'mysite.wsgi:application');
    assert.strictEqual(d.settingsModule, 'mysite.settings');
    assert.strictEqual(d.projectRoot, '.');
    assert.match(String(d.pythonVersion), /^3\.\d+$/);
    assert.strictEqual(d.database, 'sqlite');
  });

  it('takes the folder as an argument (Uri), as from the Explorer', async () => {
    const d = (await vscode.commands.executeCommand('cloudward.detect', { folder: ws(), quiet: true })) as Record<string, unknown>;
    assert.strictEqual(d.framework, 'django');
  });
});
