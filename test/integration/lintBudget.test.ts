// The editor's budget around lint and detection (issue 12): the rules run in a worker_thread, so a file
// whose checks never finish cannot freeze the extension host. The slow file is a real endless loop in
// the worker (the test marker set through cloudward.lint.testApi, which exists only under CLOUDWARD_TEST):
// every known slow input was made linear, so the test plants one that is slow by construction.
// Nothing here is timed: the test checks that the host answered while the worker was stuck, that the
// slow file is named, and that other files still get their findings and quick fixes.
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'cloudward.cloudward';
const MARKER = '# cloudward-test: this file never finishes linting';

function file(...parts: string[]): vscode.Uri {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, ...parts);
}

function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Cloudward');
}

function rule(d: vscode.Diagnostic): string | undefined {
  return typeof d.code === 'object' ? String(d.code.value) : d.code === undefined ? undefined : String(d.code);
}

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) {
      const api = await vscode.commands.executeCommand<TestApi>('cloudward.lint.testApi');
      throw new Error(`timed out waiting for ${what} (worker: ${JSON.stringify(api)}; diagnostics: ${JSON.stringify(vscode.languages.getDiagnostics().filter(([, l]) => l.length).map(([u, l]) => [vscode.workspace.asRelativePath(u), l.map((x) => x.message.slice(0, 60))]))})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface TestApi {
  budgetMs: number;
  restarts: number;
  ping: number;
}

describe('Deploy lint budget (the lint worker)', function () {
  this.timeout(180_000);
  const slow = file('budget', 'compose.yaml');
  const other = file('budget', 'Procfile');

  before(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
  });

  after(async () => {
    await vscode.commands.executeCommand('cloudward.lint.testApi', { budgetMs: 5000, stallOn: null });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(file('budget'), { recursive: true, useTrash: false }).then(undefined, () => undefined);
    // The tests after this one see the workspace as it was.
    await waitFor('the budget/ files forgotten', () => ours(slow).length === 0 && ours(other).length === 0);
  });

  it('a file whose checks never finish: the host still answers, the file is named, other files keep their findings and fixes', async () => {
    const before = (await vscode.commands.executeCommand<TestApi>('cloudward.lint.testApi', { budgetMs: 3000, stallOn: MARKER }))!;
    const compose = `${MARKER}\nservices:\n  web:\n    image: example/web:1.0\n    command: python manage.py runserver 0.0.0.0:8000\n`;
    await vscode.workspace.fs.writeFile(slow, new TextEncoder().encode(compose));
    await vscode.workspace.fs.writeFile(other, new TextEncoder().encode('web: python manage.py runserver 0.0.0.0:$PORT\n'));

    // Opening the slow file sends it to the worker, which never comes back from it.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(slow));
    // Meanwhile the extension host answers a command (with the rules on the host thread, it could not
    // until the lint finished, here never).
    const answer = await vscode.commands.executeCommand<TestApi>('cloudward.lint.testApi');
    assert.strictEqual(typeof answer?.ping, 'number', 'the extension host answered');

    // The budget runs out: one diagnostic on the slow file says why it has no findings.
    const [d] = await waitFor('the too-slow diagnostic on budget/compose.yaml', () => {
      const list = ours(slow).filter((x) => /stopped linting this file/.test(x.message));
      return list.length > 0 && list;
    });
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Warning);
    assert.strictEqual(ours(slow).length, 1, ours(slow).map((x) => x.message).join(' | '));
    const after = (await vscode.commands.executeCommand<TestApi>('cloudward.lint.testApi'))!;
    assert.ok(after.restarts > before.restarts, 'the worker was restarted');

    // Another file still gets its findings from the new worker, and its quick fix works.
    const doc = await vscode.workspace.openTextDocument(other);
    await vscode.window.showTextDocument(doc);
    const [cw101] = await waitFor('CW101 on budget/Procfile', () => {
      const list = ours(other).filter((x) => rule(x) === 'CW101');
      return list.length > 0 && list;
    });
    const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', other, cw101.range, vscode.CodeActionKind.QuickFix.value)) ?? [];
    const fix = actions.find((a) => a.isPreferred);
    assert.ok(fix?.edit, `no preferred fix among: ${actions.map((a) => a.title).join(' | ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(doc.getText(), /gunicorn/);
    await waitFor('CW101 gone after the fix', () => ours(other).every((x) => rule(x) !== 'CW101'));

    // Once the slow file changes (the marker removed), it is linted again.
    const slowDoc = await vscode.workspace.openTextDocument(slow);
    const edit = new vscode.WorkspaceEdit();
    edit.delete(slow, new vscode.Range(0, 0, 1, 0));
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(!slowDoc.getText().includes(MARKER));
    await waitFor('the compose file linted again (CW101, no too-slow notice)', () => {
      const list = ours(slow);
      return list.some((x) => rule(x) === 'CW101') && list.every((x) => !/stopped linting/.test(x.message));
    });
    await slowDoc.save();
    await doc.save();
  });
});
