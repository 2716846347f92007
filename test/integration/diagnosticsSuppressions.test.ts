// The ignore comments the quick fixes write, and "Remove the suppression" for a stale one (CW001):
// the text rules first (plain functions), then the actions in the real VS Code.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { ignoreFileEdit, ignoreLineEdit, insideYamlBlockScalar, removeSuppressionEdit } from '../../src/diagnostics/suppressions';
import type { TextEdit } from '../../src/core/lint/types';

/** Applies one edit to a text given as lines (what the editor would do). */
function apply(lines: string[], e: TextEdit | undefined): string {
  assert.ok(e, 'no edit');
  const text = lines.join('\n');
  const offset = (p: { line: number; character: number }) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
}

describe('Ignore comments (text)', () => {
  it('inserts the line comment above, with the indentation of the line', () => {
    const lines = ['services:', '  web:', '    image: python:latest'];
    assert.strictEqual(apply(lines, ignoreLineEdit(lines, 2, 'CW404', '\n')), 'services:\n  web:\n    # cloudward: ignore=CW404\n    image: python:latest');
  });

  it('extends a cloudward comment above or on the line, keeping the reason', () => {
    const above = ['# cloudward: ignore=CW403 -- rotated weekly', 'ENV SECRET_KEY=abc DEBUG=1'];
    assert.strictEqual(apply(above, ignoreLineEdit(above, 1, 'CW402', '\n')), '# cloudward: ignore=CW403,CW402 -- rotated weekly\nENV SECRET_KEY=abc DEBUG=1');
    const trailing = ['DEBUG = True  # cloudward: ignore=CW208'];
    assert.strictEqual(apply(trailing, ignoreLineEdit(trailing, 0, 'CW201', '\n')), 'DEBUG = True  # cloudward: ignore=CW208,CW201');
  });

  it('does nothing when the rule is already listed, and inserts when the line above is code', () => {
    const lines = ['# cloudward: ignore=CW101', 'web: python manage.py runserver'];
    assert.strictEqual(ignoreLineEdit(lines, 1, 'CW101', '\n'), undefined);
    const code = ['release: python manage.py migrate  # cloudward: ignore=CW102', 'web: python manage.py runserver'];
    assert.strictEqual(apply(code, ignoreLineEdit(code, 1, 'CW101', '\n')).split('\n')[1], '# cloudward: ignore=CW101');
  });

  it('keeps the document line endings', () => {
    const lines = ['a = 1', 'DEBUG = True'];
    assert.deepStrictEqual(ignoreLineEdit(lines, 1, 'CW201', '\r\n')?.newText, '# cloudward: ignore=CW201\r\n');
  });

  it('offers no line comment inside a YAML block scalar, where it would become text', () => {
    const lines = ['spec:', '  containers:', '    - command:', '        - sh', '        - -c', '        - |', '          python manage.py runserver 0.0.0.0:8000'];
    assert.strictEqual(insideYamlBlockScalar(lines, 6), true);
    assert.strictEqual(ignoreLineEdit(lines, 6, 'CW101', '\n', true), undefined);
    assert.strictEqual(insideYamlBlockScalar(lines, 3), false);
  });

  it('puts the file comment first, after a shebang, an encoding line or Dockerfile parser directives', () => {
    assert.strictEqual(apply(['web: x'], ignoreFileEdit(['web: x'], 'CW101', '\n')), '# cloudward: ignore-file=CW101\nweb: x');
    const sh = ['#!/bin/bash', 'exec gunicorn'];
    assert.strictEqual(apply(sh, ignoreFileEdit(sh, 'CW107', '\n')), '#!/bin/bash\n# cloudward: ignore-file=CW107\nexec gunicorn');
    const py = ['#!/usr/bin/env python', '# -*- coding: utf-8 -*-', 'DEBUG = True'];
    assert.strictEqual(apply(py, ignoreFileEdit(py, 'CW201', '\n')).split('\n')[2], '# cloudward: ignore-file=CW201');
    const docker = ['# syntax=docker/dockerfile:1', '# escape=`', 'FROM python'];
    assert.strictEqual(apply(docker, ignoreFileEdit(docker, 'CW404', '\n')).split('\n')[2], '# cloudward: ignore-file=CW404');
    const only = ['#!/bin/sh'];
    assert.strictEqual(apply(only, ignoreFileEdit(only, 'CW101', '\n')), '#!/bin/sh\n# cloudward: ignore-file=CW101');
  });

  it('extends an existing file comment instead of adding another', () => {
    const lines = ['FROM python:3.12', '# cloudward: ignore-file=CW406 -- probes live in k8s', 'CMD gunicorn'];
    assert.strictEqual(apply(lines, ignoreFileEdit(lines, 'CW107', '\n')).split('\n')[1], '# cloudward: ignore-file=CW406,CW107 -- probes live in k8s');
    assert.strictEqual(ignoreFileEdit(lines, 'CW406', '\n'), undefined);
  });

  it('removes a stale id, or the whole comment when it was the only one', () => {
    const two = ['# cloudward: ignore=CW101,CW404 -- reason', 'web: gunicorn app:app'];
    assert.strictEqual(apply(two, removeSuppressionEdit(two, 0, ['CW404'])), '# cloudward: ignore=CW101 -- reason\nweb: gunicorn app:app');
    const alone = ['# cloudward: ignore=CW404', 'web: gunicorn app:app'];
    assert.strictEqual(apply(alone, removeSuppressionEdit(alone, 0, ['CW404'])), 'web: gunicorn app:app');
    const trailing = ['DEBUG = False  # cloudward: ignore=CW201 -- was on'];
    assert.strictEqual(apply(trailing, removeSuppressionEdit(trailing, 0, ['CW201'])), 'DEBUG = False');
    const last = ['web: gunicorn app:app', '# cloudward: ignore-file=CW404'];
    assert.strictEqual(apply(last, removeSuppressionEdit(last, 1, ['CW404'])), 'web: gunicorn app:app');
  });
});

function cloudward(uri: vscode.Uri, rule: string): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Cloudward' && typeof d.code === 'object' && d.code.value === rule);
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Stale suppressions in the editor (CW001)', function () {
  this.timeout(60_000);

  it('shows a stale suppression faded, and "Remove the suppression" deletes it', async () => {
    await vscode.extensions.getExtension('cloudward.cloudward')!.activate();
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'Procfile.cw001');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('# cloudward: ignore=CW102 -- no longer needed\nweb: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n'));
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      await waitFor('CW001', () => cloudward(uri, 'CW001').length === 1);
      const [d] = cloudward(uri, 'CW001');
      assert.deepStrictEqual(d.tags, [vscode.DiagnosticTag.Unnecessary]);
      assert.strictEqual(doc.getText(d.range), 'CW102');
      await vscode.window.showTextDocument(doc);
      const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, d.range)) ?? [];
      assert.deepStrictEqual(
        actions.map((a) => a.title),
        ['Remove the suppression', 'Show documentation for CW001'],
      );
      assert.ok(actions[0].isPreferred);
      assert.ok(await vscode.workspace.applyEdit(actions[0].edit!));
      assert.strictEqual(doc.getText(), 'web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n');
      await waitFor('CW001 gone', () => cloudward(uri, 'CW001').length === 0);
      await doc.save();
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await vscode.workspace.fs.delete(uri);
    }
  });

  it('the cloudward.lint.ignore command writes the same comments (line, then file)', async () => {
    const uri = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'Procfile.ignorecmd');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('web: python manage.py runserver 0.0.0.0:$PORT\n'));
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.commands.executeCommand('cloudward.lint.ignore', uri, 0, 'CW101', 'line');
      assert.strictEqual(doc.getText(), '# cloudward: ignore=CW101\nweb: python manage.py runserver 0.0.0.0:$PORT\n');
      await vscode.commands.executeCommand('cloudward.lint.ignore', uri, 1, 'CW106', 'file');
      assert.strictEqual(doc.lineAt(0).text, '# cloudward: ignore-file=CW106');
      // CW101 is silenced; the file-wide CW106 silences nothing here (the line binds $PORT): stale.
      await waitFor('CW101 silenced, CW106 stale', () => cloudward(uri, 'CW101').length === 0 && cloudward(uri, 'CW001').length === 1);
      assert.strictEqual(doc.getText(cloudward(uri, 'CW001')[0].range), 'CW106');
      await doc.save();
    } finally {
      await vscode.workspace.fs.delete(uri);
    }
  });

  it('turns a rule off in development files set by cloudward.lint.developmentFiles', async () => {
    const procfile = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'Procfile');
    await waitFor('CW101 on the Procfile', () => cloudward(procfile, 'CW101').length === 1);
    const config = vscode.workspace.getConfiguration('cloudward');
    try {
      await config.update('lint.developmentFiles', ['**/Procfile'], vscode.ConfigurationTarget.Workspace);
      await waitFor('CW101 silent in a development Procfile', () => cloudward(procfile, 'CW101').length === 0);
    } finally {
      await config.update('lint.developmentFiles', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitFor('CW101 back', () => cloudward(procfile, 'CW101').length === 1);
  });
});
