import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { main } from '../../../src/cli/index';
import { lintPaths } from '../../../src/cli/lint';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function run(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await main(['lint', ...args], { out: out.stream, err: err.stream, cwd, env: {} });
  return { code, out: out.text(), err: err.text() };
}

function write(root: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
}

describe('cloudward lint (CLI)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-lint-'));
    write(root, {
      'Procfile': 'web: python manage.py runserver 0.0.0.0:$PORT\n',
      'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
      'mysite/__init__.py': '',
      'mysite/wsgi.py': 'from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n',
      'Dockerfile': 'FROM python:3.12-slim\nCOPY . /app\nUSER app\nHEALTHCHECK CMD true\nCMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n',
      'node_modules/pkg/Procfile': 'web: python manage.py runserver\n',
      '.venv/lib/Procfile': 'web: python manage.py runserver\n',
      'env/pyvenv.cfg': 'home = /usr/bin\n',
      'env/bin/Procfile': 'web: python manage.py runserver\n',
    });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('text: file:line:col: severity id message; exit 1 on errors; skips node_modules and virtualenvs', async () => {
    const r = await run([], root);
    assert.strictEqual(r.code, 1);
    const lines = r.out.trim().split('\n');
    assert.ok(lines.includes('Procfile:1:23: error CW101 runserver is a development server: run gunicorn in production'), r.out);
    assert.ok(lines.some((l) => l.startsWith('Dockerfile:2:6: warning CW405 ')), r.out);
    assert.ok(!r.out.includes('node_modules') && !r.out.includes('.venv') && !r.out.includes('env/bin'), r.out);
  });

  it('json: 1-based lines and columns, paths relative to the current folder', async () => {
    const r = await run(['--format', 'json', '.'], root);
    const items = JSON.parse(r.out);
    const cw101 = items.find((i: { rule: string }) => i.rule === 'CW101');
    assert.deepStrictEqual(cw101, { file: 'Procfile', rule: 'CW101', severity: 'error', line: 1, column: 23, endLine: 1, endColumn: 32, message: 'runserver is a development server: run gunicorn in production' });
    const sub = await run(['--format=json', path.join(root, 'Procfile')], path.dirname(root));
    assert.strictEqual(JSON.parse(sub.out)[0].file, `${path.basename(root)}/Procfile`);
  });

  it('sarif: 2.1.0 with rules, helpUri, 1-based regions', async () => {
    const r = await run(['--format', 'sarif'], root);
    const sarif = JSON.parse(r.out);
    assert.strictEqual(sarif.version, '2.1.0');
    const run0 = sarif.runs[0];
    const rule = run0.tool.driver.rules.find((x: { id: string }) => x.id === 'CW101');
    assert.match(rule.helpUri, /docs\/rules\/CW101\.md$/);
    assert.strictEqual(rule.defaultConfiguration.level, 'error');
    const res = run0.results.find((x: { ruleId: string }) => x.ruleId === 'CW101');
    assert.strictEqual(run0.tool.driver.rules[res.ruleIndex].id, 'CW101');
    assert.deepStrictEqual(res.locations[0].physicalLocation.artifactLocation, { uri: 'Procfile', uriBaseId: '%SRCROOT%' });
    assert.deepStrictEqual(res.locations[0].physicalLocation.region, { startLine: 1, startColumn: 23, endLine: 1, endColumn: 32 });
    assert.strictEqual(run0.results.find((x: { ruleId: string }) => x.ruleId === 'CW405').level, 'warning');
  });

  it('--fail-on and --rule decide the exit code', async () => {
    assert.strictEqual((await run(['--rule', 'CW101=warning'], root)).code, 0);
    assert.strictEqual((await run(['--rule', 'CW101=off', '--fail-on', 'warning'], root)).code, 1);
    assert.strictEqual((await run(['--rule', 'CW101=off', '--rule=CW405=off', '--fail-on', 'warning'], root)).code, 0);
    assert.strictEqual((await run(['--fail-on', 'never'], root)).code, 0);
    const off = await run(['--rule', 'CW101=off', '--format', 'json'], root);
    assert.ok(!JSON.parse(off.out).some((f: { rule: string }) => f.rule === 'CW101'));
  });

  it('usage errors exit 2', async () => {
    for (const args of [['--format', 'xml'], ['--fail-on', 'fatal'], ['--rule', 'CW101'], ['--rule', 'CW999=off'], ['--bogus']]) {
      const r = await run(args, root);
      assert.strictEqual(r.code, 2, args.join(' '));
      assert.match(r.err, /cloudward lint: /);
    }
  });

  it('unreadable or unparsable files are reported and skipped; the run goes on', async () => {
    write(root, { 'fly.toml': '[processes\napp = "python manage.py runserver"\n' });
    const r = await run(['--format', 'json', '.', 'missing/Procfile'], root);
    assert.match(r.err, /fly\.toml: invalid TOML/);
    assert.match(r.err, /missing\/Procfile: cannot read: no such file or folder/);
    assert.ok(JSON.parse(r.out).some((f: { rule: string }) => f.rule === 'CW101'));
    assert.strictEqual(r.code, 1);
  });

  it('the index holds every walked file: the runserver fix names the project module', () => {
    const { findings } = lintPaths(['.'], root, {});
    const f = findings.find((x) => x.rule === 'CW101');
    assert.strictEqual(f?.fix?.edits[0].edits[0].newText, 'gunicorn mysite.wsgi --bind 0.0.0.0:$PORT');
  });
});
