import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'cloudward.cloudward';

describe('Activation', () => {
  it('activates without error in the real extension host', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    assert.strictEqual(ext.isActive, true);
    console.log(`    (VS Code ${vscode.version}, extension host Node ${process.versions.node})`);
  });

  it('registers every command it contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    const manifest = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8'));
    const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((id) => !registered.has(id));
    assert.deepStrictEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  it('keeps ssh2 out of the activation path', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    const main = path.join(ext.extensionPath, 'dist', 'extension.js');
    const text = fs.readFileSync(main, 'utf8');
    assert.ok(!/require\(["']ssh2["']\)/.test(text) && !text.includes('SSH_MSG_'), 'dist/extension.js bundles ssh2');
  });
});

describe('In an untrusted workspace', () => {
  it('activates and still lints (untrusted workspace)', async function () {
    assert.ok(!vscode.workspace.isTrusted, 'this test belongs to the Restricted Mode pass (scripts/test-vscode.mjs --untrusted)');
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    const procfile = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'Procfile');
    await vscode.window.showTextDocument(procfile);
    const deadline = Date.now() + 20_000;
    let codes: string[] = [];
    while (Date.now() < deadline) {
      codes = vscode.languages.getDiagnostics(procfile).map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code)));
      if (codes.includes('CW101')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(codes.includes('CW101'), `no CW101 on the Procfile in Restricted Mode (got ${codes.join(', ') || 'nothing'})`);
  });
});
