// Deploy-lint diagnostics inside the real VS Code, on the test workspace (a copy of examples/django-polls,
// whose Procfile runs `python manage.py runserver 0.0.0.0:$PORT`).
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'cloudward.cloudward';

function folder(): vscode.Uri {
  return vscode.workspace.workspaceFolders![0].uri;
}

function file(...parts: string[]): vscode.Uri {
  return vscode.Uri.joinPath(folder(), ...parts);
}

function cloudward(uri: vscode.Uri, rule?: string): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.source === 'Cloudward' && (!rule || (typeof d.code === 'object' && d.code.value === rule)));
}

/** Waits until `check` returns a value (not undefined/false), re-checking on every diagnostics change. */
async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const first = check();
  if (first) return first;
  return new Promise<T>((resolve, reject) => {
    const done = (fn: () => void) => {
      clearTimeout(timer);
      clearInterval(poll);
      sub.dispose();
      fn();
    };
    const attempt = () => {
      const v = check();
      if (v) done(() => resolve(v));
    };
    const sub = vscode.languages.onDidChangeDiagnostics(attempt);
    const poll = setInterval(attempt, 100);
    const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${what}`))), timeoutMs);
  });
}

async function codeActions(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  // Code actions are computed on the workbench's model of the file: keep it open in an editor.
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  const ask = async () => (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value)) ?? [];
  // Right after another test restored the file, a re-lint may be pending (its debounce): ask again
  // for a few seconds before taking "no actions" for an answer.
  const until = Date.now() + 5000;
  let actions = await ask();
  while (actions.length === 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    actions = await ask();
  }
  return actions;
}

/** Puts a document back to what it held (the tests share one workspace) and saves it. */
async function restore(doc: vscode.TextDocument, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(0, 0, doc.lineCount, 0), text);
  await vscode.workspace.applyEdit(edit);
  await doc.save();
}

async function setRules(rules: Record<string, string> | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('cloudward').update('lint.rules', rules, vscode.ConfigurationTarget.Workspace);
}

describe('Deploy diagnostics', function () {
  this.timeout(60_000);
  let extensionUri: vscode.Uri;

  before(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    extensionUri = ext.extensionUri;
  });

  it('lints the workspace after start-up, before any file is opened', async () => {
    // The Procfile is not open: its diagnostic comes from the index built after start-up.
    const procfile = file('Procfile');
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === procfile.toString()), 'an earlier test opened the Procfile: this test must run before any test opens it');
    const [d] = await waitFor('CW101 on the unopened Procfile', () => cloudward(procfile, 'CW101').length > 0 && cloudward(procfile, 'CW101'));
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
  });

  it('shows CW101 on the Procfile with its docs link and the exact range of runserver', async () => {
    const doc = await vscode.workspace.openTextDocument(file('Procfile'));
    await vscode.window.showTextDocument(doc);
    const [d] = await waitFor('CW101 on the Procfile', () => cloudward(doc.uri, 'CW101').length === 1 && cloudward(doc.uri, 'CW101'));
    const line = doc.lineAt(0).text;
    assert.strictEqual(line, 'web: python manage.py runserver 0.0.0.0:$PORT');
    const start = line.indexOf('runserver');
    assert.deepStrictEqual([d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character], [0, start, 0, start + 'runserver'.length]);
    assert.strictEqual(doc.getText(d.range), 'runserver');
    assert.strictEqual(d.source, 'Cloudward');
    const code = d.code as { value: string; target: vscode.Uri };
    assert.strictEqual(code.value, 'CW101');
    assert.strictEqual(code.target.toString(), vscode.Uri.joinPath(extensionUri, 'docs', 'rules', 'CW101.md').toString());
    // The page is there (docs/rules ships with the extension, see .vscodeignore).
    assert.ok((await vscode.workspace.fs.stat(code.target)).size > 0);
    assert.ok(d.message.length > 0 && d.message.length <= 100, `message: ${d.message}`);
  });

  it('offers the fix first (preferred), then ignore for the line, ignore in the file, and the docs', async () => {
    const doc = await vscode.workspace.openTextDocument(file('Procfile'));
    const [d] = await waitFor('CW101', () => cloudward(doc.uri, 'CW101').length === 1 && cloudward(doc.uri, 'CW101'));
    const actions = await codeActions(doc.uri, d.range);
    const titles = actions.map((a) => a.title);
    assert.ok(actions[0]?.isPreferred, `first action is not the preferred fix: ${titles.join(' | ')}`);
    assert.deepStrictEqual(titles.slice(1), ['Ignore CW101 for this line', 'Ignore CW101 in this file', 'Show documentation for CW101']);
    assert.deepStrictEqual(actions.map((a) => a.kind?.value), actions.map(() => 'quickfix'));
    assert.deepStrictEqual(actions[3].command?.command, 'cloudward.lint.showRuleDocs');
    assert.deepStrictEqual(actions[3].command?.arguments, ['CW101']);
  });

  it('"Show documentation" opens the rule page as a Markdown preview', async () => {
    await vscode.commands.executeCommand('cloudward.lint.showRuleDocs', 'CW101');
    const labels = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
    const deadline = Date.now() + 10_000;
    while (!labels().some((l) => l.includes('CW101.md')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(labels().some((l) => /Preview.*CW101\.md/.test(l)), `tabs: ${labels().join(', ')}`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('the quick fix writes gunicorn on the detected app and the diagnostic goes away', async () => {
    const doc = await vscode.workspace.openTextDocument(file('Procfile'));
    const original = doc.getText();
    const [d] = await waitFor('CW101', () => cloudward(doc.uri, 'CW101').length === 1 && cloudward(doc.uri, 'CW101'));
    const actions = await codeActions(doc.uri, d.range);
    const fix = actions.find((a) => a.isPreferred);
    assert.ok(fix?.edit, `no preferred fix with an edit among: ${actions.map((a) => a.title).join(' | ')}`);
    try {
      assert.ok(await vscode.workspace.applyEdit(fix.edit));
      const text = doc.getText();
      assert.match(text, /^web: gunicorn .*mysite\.wsgi(:application)?\b/m, text);
      assert.match(text, /--bind[ =]0\.0\.0\.0:\$PORT|-b 0\.0\.0\.0:\$PORT/, text);
      assert.doesNotMatch(text, /runserver/);
      await waitFor('CW101 gone after the fix', () => cloudward(doc.uri, 'CW101').length === 0);
      // The fixed command is clean: no other dev-server or bind finding replaces it.
      await new Promise((r) => setTimeout(r, 400));
      assert.deepStrictEqual(cloudward(doc.uri).map((x) => x.code && (x.code as { value: string }).value), []);
    } finally {
      await restore(doc, original);
    }
    await waitFor('CW101 back after restoring', () => cloudward(doc.uri, 'CW101').length === 1);
  });

  it('"Ignore CW101 for this line" writes a comment above that silences it', async () => {
    const doc = await vscode.workspace.openTextDocument(file('Procfile'));
    const original = doc.getText();
    const [d] = await waitFor('CW101', () => cloudward(doc.uri, 'CW101').length === 1 && cloudward(doc.uri, 'CW101'));
    const ignore = (await codeActions(doc.uri, d.range)).find((a) => a.title === 'Ignore CW101 for this line');
    assert.ok(ignore?.edit);
    try {
      assert.ok(await vscode.workspace.applyEdit(ignore.edit));
      assert.strictEqual(doc.lineAt(0).text, '# cloudward: ignore=CW101');
      assert.strictEqual(doc.lineAt(1).text, 'web: python manage.py runserver 0.0.0.0:$PORT');
      await waitFor('CW101 silenced', () => cloudward(doc.uri, 'CW101').length === 0);
      // The suppression is used, so it is not reported as stale.
      await new Promise((r) => setTimeout(r, 400));
      assert.strictEqual(cloudward(doc.uri, 'CW001').length, 0);
    } finally {
      await restore(doc, original);
    }
  });

  it('"Ignore in this file" writes an ignore-file comment at the top, after a shebang', async () => {
    const uri = file('bin', 'start');
    const text = '#!/bin/sh\nset -e\nexec python manage.py runserver 0.0.0.0:8000\n';
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      const [d] = await waitFor('CW101 in bin/start', () => cloudward(uri, 'CW101').length > 0 && cloudward(uri, 'CW101'));
      const action = (await codeActions(uri, d.range)).find((a) => a.title === 'Ignore CW101 in this file');
      assert.ok(action?.edit);
      assert.ok(await vscode.workspace.applyEdit(action.edit));
      assert.deepStrictEqual(doc.getText().split('\n').slice(0, 2), ['#!/bin/sh', '# cloudward: ignore-file=CW101']);
      await waitFor('CW101 silenced in the file', () => cloudward(uri, 'CW101').length === 0);
      await doc.save();
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await vscode.workspace.fs.delete(uri);
      await vscode.workspace.fs.delete(file('bin'), { recursive: true });
    }
    await waitFor('diagnostics of the deleted file cleared', () => cloudward(uri).length === 0);
  });

  it('flags DEBUG = True in the settings (CW201) and honours a severity override', async () => {
    const doc = await vscode.workspace.openTextDocument(file('mysite', 'settings.py'));
    await vscode.window.showTextDocument(doc);
    const debugLine = doc.getText().split('\n').findIndex((l) => l.startsWith('DEBUG = True'));
    const [d] = await waitFor('CW201', () => cloudward(doc.uri, 'CW201').length === 1 && cloudward(doc.uri, 'CW201'));
    assert.strictEqual(d.range.start.line, debugLine);
    assert.strictEqual(d.severity, vscode.DiagnosticSeverity.Error);
    try {
      await setRules({ CW201: 'info' });
      await waitFor('CW201 as information', () => cloudward(doc.uri, 'CW201')[0]?.severity === vscode.DiagnosticSeverity.Information);
      await setRules({ CW201: 'off' });
      await waitFor('CW201 off', () => cloudward(doc.uri, 'CW201').length === 0);
    } finally {
      await setRules(undefined);
    }
    await waitFor('CW201 back as an error', () => cloudward(doc.uri, 'CW201')[0]?.severity === vscode.DiagnosticSeverity.Error);
  });

  it('re-lints on every edit from the editor text, without saving', async () => {
    const doc = await vscode.workspace.openTextDocument(file('mysite', 'settings.py'));
    const original = doc.getText();
    await waitFor('CW201', () => cloudward(doc.uri, 'CW201').length === 1);
    const line = original.split('\n').findIndex((l) => l.startsWith('DEBUG = True'));
    try {
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(line, 0, line, 'DEBUG = True'.length), "DEBUG = os.environ.get('DJANGO_DEBUG') == '1'");
      await vscode.workspace.applyEdit(edit);
      assert.ok(doc.isDirty);
      await waitFor('CW201 gone while typing', () => cloudward(doc.uri, 'CW201').length === 0);
    } finally {
      await restore(doc, original);
    }
    await waitFor('CW201 back', () => cloudward(doc.uri, 'CW201').length === 1);
  });

  it('keeps the index current: a new deploy file on disk is linted, a deleted one cleared', async () => {
    const uri = file('Procfile.staging');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('web: flask run --host 0.0.0.0\n'));
    try {
      await waitFor('CW102 on a new file never opened', () => cloudward(uri, 'CW102').length === 1);
    } finally {
      await vscode.workspace.fs.delete(uri);
    }
    await waitFor('diagnostics of the deleted file cleared', () => cloudward(uri).length === 0);
  });

  it('a deploy file written into a virtualenv under a name of its own is left out, as the CLI leaves it out', async () => {
    // A file added to a folder that exists already is reported alone (a new folder's files come as one folder
    // event, listed with the pyvenv.cfg among them): the folder is a virtualenv only by the marker beside it.
    const venv = file('pyenv-watch');
    const inside = vscode.Uri.joinPath(venv, 'Procfile');
    const outside = file('Procfile.watch');
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(venv, 'pyvenv.cfg'), new TextEncoder().encode('home = /usr/bin\n'));
    await new Promise((r) => setTimeout(r, 1500));
    await vscode.workspace.fs.writeFile(inside, new TextEncoder().encode('web: python manage.py runserver 0.0.0.0:$PORT\n'));
    // Written last: once its finding is shown, the watcher has had the virtualenv's file too.
    await vscode.workspace.fs.writeFile(outside, new TextEncoder().encode('web: python manage.py runserver 0.0.0.0:$PORT\n'));
    try {
      await waitFor('CW101 on the file outside the virtualenv', () => cloudward(outside, 'CW101').length === 1);
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepStrictEqual(cloudward(inside).map((d) => String((d.code as { value: string }).value)), []);
    } finally {
      await vscode.workspace.fs.delete(venv, { recursive: true });
      await vscode.workspace.fs.delete(outside);
    }
  });

  it('cross-file findings carry the other file and follow edits to it', async () => {
    // An nginx site (never opened) serving /static/ from a folder that is not STATIC_ROOT.
    const site = file('deploy', 'nginx', 'polls.conf');
    const conf = 'server {\n    listen 80;\n    server_name polls.example.com;\n\n    location /static/ {\n        alias /srv/polls/static/;\n    }\n}\n';
    await vscode.workspace.fs.writeFile(site, new TextEncoder().encode(conf));
    const settings = await vscode.workspace.openTextDocument(file('mysite', 'settings.py'));
    const original = settings.getText();
    try {
      const [d] = await waitFor('CW602 on the nginx site', () => cloudward(site, 'CW602').length === 1 && cloudward(site, 'CW602'));
      assert.deepStrictEqual([d.range.start.line, d.range.start.character], [5, 14]);
      const rootLine = original.split('\n').findIndex((l) => l.startsWith('STATIC_ROOT'));
      assert.strictEqual(d.relatedInformation?.length, 1);
      assert.strictEqual(d.relatedInformation[0].location.uri.fsPath, settings.uri.fsPath);
      assert.strictEqual(d.relatedInformation[0].location.range.start.line, rootLine);
      // Typing in the settings (unsaved) re-lints the nginx site: the folders now agree.
      const edit = new vscode.WorkspaceEdit();
      edit.replace(settings.uri, new vscode.Range(rootLine, 0, rootLine, settings.lineAt(rootLine).text.length), "STATIC_ROOT = '/srv/polls/static'");
      await vscode.workspace.applyEdit(edit);
      await waitFor('CW602 gone after editing STATIC_ROOT', () => cloudward(site, 'CW602').length === 0);
    } finally {
      await restore(settings, original);
      await vscode.workspace.fs.delete(file('deploy'), { recursive: true });
    }
    await waitFor('diagnostics of the deleted folder cleared', () => cloudward(site).length === 0);
  });

  it('CW604: the start-up index knows the project\'s Python modules by path (a missing start module is reported)', async () => {
    // Written to disk, then indexed the way start-up does it (Lint Deployment Files re-runs that walk).
    const uri = file('Procfile.prod');
    const text = 'web: gunicorn nosuchmodule.wsgi --bind 0.0.0.0:$PORT\nworker: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n';
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    try {
      await vscode.commands.executeCommand('cloudward.lint.workspace');
      const found = await waitFor('CW604 on Procfile.prod', () => cloudward(uri, 'CW604').length > 0 && cloudward(uri, 'CW604'));
      // nosuchmodule.wsgi is missing; mysite/wsgi.py (application code, not a deploy file) is known.
      assert.deepStrictEqual(
        found.map((d) => [d.range.start.line, d.range.start.character, d.range.end.character]),
        [[0, 14, 31]],
      );
    } finally {
      await vscode.workspace.fs.delete(uri);
    }
    await waitFor('diagnostics of the deleted file cleared', () => cloudward(uri).length === 0);
  });

  it('a Kubernetes YAML document with a syntax error gets no invented findings; the valid documents are linted', async () => {
    const uri = file('k8s', 'app.yaml');
    const workload = (name: string, extra = '') =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n      - name: ${name}\n        image: example/${name}:1.0\n${extra}`;
    // Document 1 (lines 0-9) is broken: an unclosed flow sequence; document 2 (from line 11) is fine.
    const text = `${workload('broken', '          bad: [\n')}---\n${workload('good')}`;
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    try {
      await vscode.commands.executeCommand('cloudward.lint.workspace');
      await waitFor('CW407 on the valid document', () => cloudward(uri, 'CW407').length > 0);
      const all = cloudward(uri).filter((d) => d.severity !== vscode.DiagnosticSeverity.Information);
      assert.ok(all.length > 0 && all.every((d) => d.range.start.line >= 12), JSON.stringify(all.map((d) => [d.code, d.range.start.line, d.message])));
      assert.ok(!all.some((d) => d.message.includes('broken')), 'nothing about the container of the broken document');
      // One info diagnostic, without a rule, says the broken document was skipped (where the parser stopped).
      const skipped = cloudward(uri).filter((d) => d.code === undefined);
      assert.strictEqual(skipped.length, 1, JSON.stringify(skipped.map((d) => d.message)));
      assert.strictEqual(skipped[0].severity, vscode.DiagnosticSeverity.Information);
      assert.match(skipped[0].message, /YAML syntax error, document skipped/);
      assert.ok(skipped[0].range.start.line <= 10, `at line ${skipped[0].range.start.line}`);
    } finally {
      await vscode.workspace.fs.delete(file('k8s'), { recursive: true });
    }
    await waitFor('diagnostics of the deleted file cleared', () => cloudward(uri).length === 0);
  });

  it('Lint Deployment Files re-indexes and reports what it found', async () => {
    const summary = (await vscode.commands.executeCommand('cloudward.lint.workspace')) as { files: number; errors: number } | undefined;
    assert.ok(summary, 'the command returned nothing');
    assert.ok(summary.files >= 2, `indexed ${summary.files} files`);
    assert.ok(summary.errors >= 2, `found ${summary.errors} errors`);
    assert.strictEqual(cloudward(file('Procfile'), 'CW101').length, 1);
  });

  it('clears everything when turned off and comes back when turned on', async () => {
    const config = vscode.workspace.getConfiguration('cloudward');
    try {
      await config.update('lint.enable', false, vscode.ConfigurationTarget.Workspace);
      await waitFor('no Cloudward diagnostics', () => cloudward(file('Procfile')).length === 0 && cloudward(file('mysite', 'settings.py')).length === 0);
    } finally {
      await config.update('lint.enable', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('CW101 back', () => cloudward(file('Procfile'), 'CW101').length === 1);
  });
});
