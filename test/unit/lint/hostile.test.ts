// Hostile input: the linter runs on every keystroke in the editor and on whatever CI hands it, so no
// input may crash it or make it hang. Property tests (fast-check) plus large and pathological files.
// No timed assertions (the bench measures speed); every regex in the engine and rules is linear.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { LineIndex, LintFile, lintText, LintWorkspace } from '../../../src/core/lint';
import { parseNginx } from '../../../src/core/lint/parse/nginx';
import { tokenizePython } from '../../../src/core/lint/parse/python';
import { parseSuppressions } from '../../../src/core/lint/suppress';
import type { Finding } from '../../../src/core/lint';

/** Single lines that once made a reader superlinear (shared with `npm run bench`, which times them). */
const PATHOLOGICAL_LINES = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../test/fixtures/lint/pathological-lines.json'), 'utf8')) as {
    lines: { prefix: string; unit: string; times: number; suffix: string }[];
  }
).lines.map((l) => l.prefix + l.unit.repeat(l.times) + l.suffix);

const PATHS = [
  'Procfile', 'Dockerfile', 'compose.yaml', 'k8s/app.yaml', 'app.service', 'nginx.conf', 'gunicorn.conf.py', 'uwsgi.ini',
  'mysite/settings.py', 'app.py', 'entrypoint.sh', 'fly.toml', 'render.yaml', 'railway.json', 'nixpacks.toml', 'app.yaml', '.dockerignore',
];

/** Findings must stay inside the text, start before end. */
function checkRanges(text: string, findings: Finding[]): void {
  const lines = new LineIndex(text);
  for (const f of findings) {
    const s = f.range.start;
    const e = f.range.end;
    assert.ok(s.line >= 0 && s.line < lines.lineCount && e.line < lines.lineCount, `${f.rule} range inside the text`);
    assert.ok(s.line < e.line || (s.line === e.line && s.character <= e.character), `${f.rule} range ordered`);
  }
}

function lintEverywhere(text: string): void {
  for (const p of PATHS) checkRanges(text, lintText(p, text, {}, () => undefined));
}

// Pieces that mean something to the tokenisers and parsers, so random mixes reach deep code paths.
const TOKENS = [
  'web: ', 'python manage.py runserver', ' 0.0.0.0:$PORT', ' --bind ', '127.0.0.1:8000', ' --reload', ' --log-level debug', 'gunicorn x', 'uvicorn a:b',
  'CMD ', 'ENTRYPOINT ', '["', '", "', '"]', 'FROM python', ' AS dev', 'USER root', 'ENV DEBUG=1', 'ARG X_PASSWORD=a', 'COPY . .', '\\\n',
  'services:\n', '  web:\n', '    command: ', '    environment:\n', '      - ', 'SECRET_KEY=', 'apiVersion: v1\nkind: Pod\n', 'spec:\n', '  containers:\n', '    - name: w\n',
  '---\n', '{', '}', '[', ']', ':', '- ', '"', "'", '`', '$(', '${', ')', '&&', '|', ';', '&', '#', ' # cloudward: ignore=CW101', '# cloudward: ignore-file=CW', '; ',
  '[Service]\n', 'ExecStart=', 'Environment=', '[processes]\n', 'app = "', '[uwsgi]\n', 'py-autoreload = 1\n', 'reload = True\n', 'uvicorn.run(app, reload=True',
  'if __name__ == "__main__":\n', 'INSTALLED_APPS = [', 'DEBUG = True\n', 'server {', 'location / {', 'proxy_pass http://127.0.0.1:8000;', '\n', '\r\n', '\t', ' ', '\u0000', '\uffff', '😀',
];

describe('lint on hostile input', function () {
  this.timeout(120000);

  it('random bytes never crash any file kind', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => lintEverywhere(Buffer.from(bytes).toString('utf8'))),
      { numRuns: 150 },
    );
  });

  it('random mixes of meaningful tokens never crash, ranges stay in the text', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }), (parts) => lintEverywhere(parts.join(''))),
      { numRuns: 300 },
    );
  });

  it('random unicode strings never crash', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 500 }), (s) => lintEverywhere(s)), { numRuns: 100 });
  });

  it('5 MB files: Procfile, shell script, Dockerfile, compose, settings', () => {
    const FIVE_MB = 5 * 1024 * 1024;
    const fill = (head: string, line: string, tail = '') => head + line.repeat(Math.ceil((FIVE_MB - head.length) / line.length)) + tail;
    const procfile = fill('web: python manage.py runserver\n', 'worker: celery -A mysite worker --loglevel info --concurrency 4  # background jobs\n');
    assert.strictEqual(lintText('Procfile', procfile).filter((f) => f.rule === 'CW101').length, 1);
    lintText('entrypoint.sh', fill('#!/bin/sh\n', 'echo "hello $(date)" && test -f /tmp/x || python manage.py check\n', 'gunicorn x\n'));
    const docker = fill('FROM python:3.12\n', 'RUN echo hello world && apt-get install -y curl\n', 'USER root\n');
    assert.ok(lintText('Dockerfile', docker).some((f) => f.rule === 'CW401'));
    lintText('compose.yaml', fill('services:\n', '  s:\n    image: x:1\n    command: gunicorn a --bind 0.0.0.0:8000\n'));
    lintText('mysite/settings.py', fill('INSTALLED_APPS = []\n', 'X_SETTING = "value"  # comment\n'));
  });

  it('10,000 YAML documents', () => {
    const doc = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      image: web\n';
    const text = (doc + '---\n').repeat(10000);
    const findings = lintText('k8s/pods.yaml', text);
    // CW401, CW404, CW406, CW407 on every document.
    assert.strictEqual(findings.filter((f) => f.rule === 'CW404').length, 10000);
  });

  it('deeply nested YAML (flow and block)', () => {
    lintText('k8s/deep.yaml', 'apiVersion: v1\nkind: Pod\nspec: ' + '['.repeat(20000) + ']'.repeat(20000) + '\n');
    lintText('k8s/deep2.yaml', 'apiVersion: v1\nkind: Pod\nspec:\n' + Array.from({ length: 3000 }, (_, i) => ' '.repeat(i + 1) + 'a:').join('\n') + ' 1\n');
    lintText('compose.yaml', 'services: ' + '{a: '.repeat(10000) + '}'.repeat(10000) + '\n');
  });

  it('extremely long lines', () => {
    const long = 'x'.repeat(2_000_000);
    for (const p of PATHS) lintText(p, `web: gunicorn ${long} --bind 127.0.0.1:8000\n`);
    lintText('Procfile', 'web: ' + '"'.repeat(1_000_000) + '\n');
    lintText('Procfile', 'web: ' + "a'".repeat(500_000) + '\n');
    lintText('Dockerfile', 'FROM python:3.12\nCMD ["' + 'a", "'.repeat(200_000) + '"]\n');
  });

  it('patterns that make naive regexes backtrack', () => {
    const cases = [
      '# cloudward: ignore=' + 'CW1,'.repeat(100_000) + '!',
      'INSTALLED_APPS' + ' '.repeat(200_000) + '\n',
      'upstream ' + ' '.repeat(200_000) + 'x\n',
      '#!' + ' '.repeat(200_000) + '/bin/sh\n',
      'web: gunicorn x --bind=' + ':'.repeat(200_000) + '\n',
      'DJANGO_SETTINGS_MODULE=' + 'a.'.repeat(200_000) + '!\n',
      'reload' + ' '.repeat(200_000) + '= Tru\n',
      'uvicorn.run(' + '('.repeat(100_000) + 'reload=True\n',
      '[processes]\napp = "' + '\\"'.repeat(200_000) + '\n',
      'ENV ' + 'A=1 '.repeat(100_000) + '\n',
      '- ' + '-'.repeat(200_000) + '\n',
      'DATABASE_URL=postgres://' + 'a:'.repeat(100_000) + '\n',
      '# noqa: ' + 'S'.repeat(200_000) + '\n',
      '# hadolint ignore=' + 'DL3002,'.repeat(50_000) + '\n',
    ];
    for (const c of cases) lintEverywhere(c);
  });

  it('one enormous line costs bounded work: tokens, words and suppression ids kept are capped', () => {
    // Before the caps, each of these cost seconds (hundreds of thousands of tokens and nodes, 100,000
    // CW001 findings). The caps are far above anything a real file holds.
    assert.ok(tokenizePython('DJANGO_SETTINGS_MODULE=' + 'a.'.repeat(200_000) + '!\nX = 1\n').tokens.length <= 10_000 + 5);
    const py = tokenizePython('A = [' + '1, '.repeat(100_000) + ']\nDEBUG = True\n');
    assert.deepStrictEqual(py.tokens.slice(-4).map((t) => t.text), ['DEBUG', '=', 'True', '\n'], 'the next line is read in full');
    const nginx = parseNginx('env ' + 'A=1 '.repeat(100_000) + ';\nserver { listen 80; }\n');
    assert.ok(nginx.directives[0].args.length < 5000);
    assert.strictEqual(nginx.directives[1].name, 'server');
    const dashes = parseNginx('- ' + '-'.repeat(200_000) + ';\n');
    assert.strictEqual(dashes.directives[0].args[0].value.length, 200_000);
    const ignore = new LintFile('gunicorn.conf.py', '# cloudward: ignore=' + 'CW1,'.repeat(100_000) + '!\n', 'gunicorn', false);
    assert.strictEqual(parseSuppressions(ignore).length, 1, 'one id written 100,000 times is one suppression');
    const f = lintText('gunicorn.conf.py', '# cloudward: ignore=' + 'CW1,'.repeat(100_000) + '!');
    assert.strictEqual(f.filter((x) => x.rule === 'CW001').length, 1);
  });

  it('pathological single lines lint for every file kind without a crash or a stall', function () {
    // The stall guard only: the time each takes is a figure of `npm run bench` (lint: pathological lines).
    this.timeout(120_000);
    for (const c of PATHOLOGICAL_LINES) for (const p of PATHS) assert.ok(Array.isArray(lintText(p, c)));
  });

  it('a workspace of hostile files lints as a whole without throwing', () => {
    const ws = new LintWorkspace({});
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...PATHS), fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 })), { maxLength: 12 }), (files) => {
        for (const [p, parts] of files) ws.setFile(`/w/${p}`, parts.join(''));
        ws.lintAll();
      }),
      { numRuns: 60 },
    );
  });
});
