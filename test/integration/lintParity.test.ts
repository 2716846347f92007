// The editor and the CLI read the workspace by one file policy (src/core/workspaceFiles.ts) and lint it
// with one engine: on the same folder they report the same findings. The test adds deploy files the two
// used to disagree on (a per-environment `env/` folder of manifests, a virtualenv under another name, a
// `Dockerfile-prod`), waits for the editor's diagnostics of the whole workspace, runs the built CLI
// (dist/cli.js) on the same folder, and compares every finding: file, rule, line and column.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'cloudward.cloudward';

interface Seen {
  file: string;
  rule: string;
  line: number;
  column: number;
}

const key = (f: Seen) => `${f.file}:${f.line}:${f.column} ${f.rule}`;

const FILES: Record<string, string> = {
  // Read by both (the editor used to skip any env/ folder).
  'parity/deploy/env/production/deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: polls:latest\n          command: ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n',
  'parity/Dockerfile-prod': 'FROM python:latest\nCOPY . /app\nCMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n',
  // A virtualenv under a name of its own: skipped by both (it holds pyvenv.cfg).
  'parity/pyenv311/pyvenv.cfg': 'home = /usr/bin\n',
  'parity/pyenv311/Procfile': 'web: python manage.py runserver 0.0.0.0:$PORT\n',
  // A dependency folder: skipped by both.
  'parity/node_modules/pkg/Procfile': 'web: python manage.py runserver\n',
};

describe('Lint parity: the editor and the CLI on one workspace', function () {
  this.timeout(120_000);

  it('report the same findings (file, rule, line, column) on the same folder', async function () {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    await ext.activate();
    const root = vscode.workspace.workspaceFolders![0].uri;
    for (const [rel, text] of Object.entries(FILES)) await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, ...rel.split('/')), new TextEncoder().encode(text));
    try {
      // The editor's view: re-index (the command the user runs), then every Cloudward diagnostic.
      await vscode.commands.executeCommand('cloudward.lint.workspace');
      const editor = (): Seen[] =>
        vscode.languages
          .getDiagnostics()
          .flatMap(([uri, ds]) =>
            ds
              .filter((d) => d.source === 'Cloudward' && typeof d.code === 'object')
              .map((d) => ({ file: path.relative(root.fsPath, uri.fsPath).split(path.sep).join('/'), rule: String((d.code as { value: string }).value), line: d.range.start.line + 1, column: d.range.start.character + 1 })),
          );
      const manifest = 'parity/deploy/env/production/deployment.yaml';
      const deadline = Date.now() + 30_000;
      while (!editor().some((f) => f.file === manifest && f.rule === 'CW101') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));

      // The CLI's view of the same folder.
      const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
      let out: string;
      try {
        out = execFileSync('node', [cli, 'lint', '.', '--format', 'json', '--fail-on', 'never'], { cwd: root.fsPath, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      } catch (e) {
        out = String((e as { stdout?: string }).stdout ?? '');
      }
      const fromCli = (JSON.parse(out) as Array<{ file: string; rule: string; line: number; column: number }>).map((f) => ({ file: f.file, rule: f.rule, line: f.line, column: f.column }));

      const a = new Set(editor().map(key));
      const b = new Set(fromCli.map(key));
      const onlyEditor = [...a].filter((k) => !b.has(k)).sort();
      const onlyCli = [...b].filter((k) => !a.has(k)).sort();
      assert.deepStrictEqual({ onlyEditor, onlyCli }, { onlyEditor: [], onlyCli: [] });
      // And the files the policy settles were read (or not) by both.
      assert.ok(b.has(`${manifest}:11:36 CW101`) || [...b].some((k) => k.startsWith(`${manifest}:`) && k.endsWith('CW101')), `the CLI read ${manifest}: ${[...b].join(', ')}`);
      assert.ok([...a].some((k) => k.startsWith('parity/Dockerfile-prod:')), 'Dockerfile-prod linted');
      assert.ok(![...a, ...b].some((k) => k.startsWith('parity/pyenv311/') || k.startsWith('parity/node_modules/')), 'a virtualenv or node_modules linted');
    } finally {
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(root, 'parity'), { recursive: true });
    }
  });
});
