import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
describe('cw6 watch probe', () => {
  it('probe', async () => {
    const root = vscode.workspace.workspaceFolders![0];
    const seen: string[] = [];
    const w1 = vscode.workspace.createFileSystemWatcher('**/*.probe1');
    w1.onDidCreate((u) => seen.push('glob:' + u.path));
    const w2 = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(root, '**/*.probe1'));
    w2.onDidCreate((u) => seen.push('rel:' + u.path));
    const w3 = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root.uri.fsPath + '/sub'), '*.probe1'));
    w3.onDidCreate((u) => seen.push('relsub:' + u.path));
    fs.mkdirSync(path.join(root.uri.fsPath, 'sub'), { recursive: true });
    await new Promise((r) => setTimeout(r, 1500));
    fs.writeFileSync(path.join(root.uri.fsPath, 'sub', 'a.probe1'), 'x');
    fs.writeFileSync(path.join(root.uri.fsPath, 'b.probe1'), 'x');
    await new Promise((r) => setTimeout(r, 5000));
    console.log('SEEN', JSON.stringify(seen));
    w1.dispose(); w2.dispose(); w3.dispose();
  });
});
