import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Writable } from 'stream';
import { fileURLToPath, pathToFileURL } from 'url';
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

  it('text: ends with a one-line summary of what was linted and found', async () => {
    const r = await run([], root);
    const lines = r.out.trim().split('\n');
    assert.match(lines[lines.length - 1], /^cloudward lint: linted 2 files: 1 error, 1 warning in 2 of them$/);
    assert.strictEqual(r.out.split('linted ').length - 1, 1, 'said once');
    const clean = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-lint-clean-'));
    try {
      write(clean, { 'notes.txt': 'hello\n' });
      assert.strictEqual((await run([], clean)).out.trim(), 'cloudward lint: no deployment files (Procfile, Dockerfile, settings, nginx, systemd, compose, Kubernetes) found to lint');
      write(clean, { 'Procfile': 'web: gunicorn mysite.wsgi\n' });
      assert.strictEqual((await run(['--rule', 'CW102=off'], clean)).out.trim().split('\n').pop(), 'cloudward lint: linted 1 file: no problems found');
    } finally {
      fs.rmSync(clean, { recursive: true, force: true });
    }
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
    // The docs page in the installed package: a file: URI that exists, never an invented host.
    assert.match(rule.helpUri, /^file:\/\/.*\/docs\/rules\/CW101\.md$/);
    assert.ok(fs.existsSync(fileURLToPath(rule.helpUri)), rule.helpUri);
    assert.ok(!r.out.includes('example.invalid'), 'no invalid host in the SARIF');
    assert.strictEqual(new URL(rule.properties.docs.uri, run0.originalUriBaseIds[rule.properties.docs.uriBaseId].uri).href, rule.helpUri);
    assert.strictEqual(run0.originalUriBaseIds['%SRCROOT%'].uri, pathToFileURL(root + path.sep).href);
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
    const r = await run(['--format', 'json', '.'], root);
    assert.match(r.err, /fly\.toml: invalid TOML/);
    assert.ok(JSON.parse(r.out).some((f: { rule: string }) => f.rule === 'CW101'));
    assert.strictEqual(r.code, 1);
  });

  it('a path that does not exist is a usage error (exit 2), not a green run', async () => {
    const r = await run(['nonexistent'], root);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /no such file or folder: nonexistent/);
    const r2 = await run(['Procfile', 'missing/Procfile'], root);
    assert.strictEqual(r2.code, 2);
    assert.strictEqual(r2.out, '');
  });

  it('a YAML document with a syntax error is reported with line:col and skipped; no findings invented from it', async () => {
    write(root, {
      'k8s/deploy.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: ok',
        '---',
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '      - name: web',
        '        image: x:1',
        '          bad: [',
        '---',
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: worker',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '      - name: worker',
        '        image: y:1',
        '',
      ].join('\n'),
      'compose.yaml': 'services:\n  web:\n    image: [x\n    user: root\n',
    });
    const r = await run(['--format', 'json', '.'], root);
    const found = JSON.parse(r.out) as { file: string; rule: string; line: number; message: string }[];
    // Nothing from the broken document (lines 6-16), nothing from the broken compose file...
    assert.ok(!found.some((f) => f.file === 'k8s/deploy.yaml' && f.line >= 6 && f.line <= 17), r.out);
    assert.ok(!found.some((f) => f.file === 'compose.yaml'), r.out);
    // ...the document after it is still linted...
    assert.ok(found.some((f) => f.file === 'k8s/deploy.yaml' && f.rule === 'CW407' && f.message.includes('worker')), r.out);
    // ...and each skipped part is named on stderr with where the parser stopped.
    assert.match(r.err, /^k8s\/deploy\.yaml:\d+:\d+: YAML syntax error, document skipped: /m);
    assert.match(r.err, /^compose\.yaml:\d+:\d+: YAML syntax error, file skipped: /m);
    assert.strictEqual(r.code, 1); // the Procfile's runserver: parse problems leave the exit code alone
  });

  it('CW604: every walked Python module is known by path, so a start module that does not exist is reported', async () => {
    write(root, { 'Procfile': 'web: gunicorn nosuchmodule.wsgi --bind 0.0.0.0:$PORT\nworker: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n' });
    const r = await run(['--format', 'json', '.'], root);
    const cw604 = (JSON.parse(r.out) as { file: string; rule: string; line: number; column: number; endColumn: number }[]).filter((f) => f.rule === 'CW604');
    // nosuchmodule.wsgi is missing; mysite/wsgi.py (not a deploy file, known by its path) is found.
    assert.deepStrictEqual(cw604.map((f) => [f.file, f.line, f.column, f.endColumn]), [['Procfile', 1, 15, 32]]);
    assert.strictEqual(r.code, 1);
  });

  it('the index holds every walked file: the runserver fix names the project module', () => {
    const { findings } = lintPaths(['.'], root, {});
    const f = findings.find((x) => x.rule === 'CW101');
    assert.strictEqual(f?.fix?.edits[0].edits[0].newText, 'gunicorn mysite.wsgi --bind 0.0.0.0:$PORT');
  });
});
