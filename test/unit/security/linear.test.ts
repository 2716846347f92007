// Security review R-L1, R-L2, R-L5, R-L6 (and R-S5 in knownHosts.test.ts): ordinary-looking input that
// made a regex or a recursion explode. The stall guard is mocha's timeout (generous: the machine is
// shared); no timing is asserted here, `npm run bench` measures.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { detectProjectSync } from '../../../src/core/detect';
import { lintText } from '../../../src/core/lint';
import { parsePython } from '../../../src/core/lint/parse/python';

/** The value when `expr` is exactly one complete string literal, as the Python reader reads it; else null. */
function stringLiteral(expr: string): string | null {
  const t = parsePython(`x = ${expr}`).tokens;
  return t.length === 4 && t[2].kind === 'string' && !t[2].unterminated ? (t[2].value ?? null) : null;
}

const repo = path.resolve(__dirname, '../../../..');

describe('security: linear time on hostile project files', function () {
  this.timeout(60_000);
  let tmp: string;
  let proj: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-linear-'));
    proj = path.join(tmp, 'proj');
    fs.cpSync(path.join(repo, 'examples/django-polls'), proj, { recursive: true });
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('R-L1: a #### or "# # #" banner at the top of a YAML file (58 s at 30 # before; hours at 40)', () => {
    for (const banner of ['#'.repeat(5000), '# '.repeat(5000), '#'.repeat(40)]) {
      lintText('k8s/cm.yaml', `${banner}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n`);
      lintText('compose.yaml', `${banner}\nservices:\n  web:\n    image: x:1\n`);
      lintText('compose.yaml', `---\n${banner}\n---\nservices:\n  web:\n    image: x:1\n`);
    }
  });

  it('R-L2: a backslash-heavy settings string (minutes at 20 \\\\d before)', () => {
    const settings = path.join(proj, 'mysite', 'settings.py');
    const s = fs.readFileSync(settings, 'utf8').replace(/^STATIC_URL = .*$/m, `STATIC_URL = '${'\\\\d'.repeat(3000)}' + ''`);
    fs.writeFileSync(settings, s);
    assert.strictEqual(detectProjectSync(proj).framework, 'django');
    lintText('mysite/settings.py', s);
    assert.strictEqual(stringLiteral(`'${'\\\\d'.repeat(50_000)}' + ''`), null);
  });

  it('stringLiteral is linear and agrees with a reference on random literals', () => {
    const ch = fc.constantFrom('a', '\\', "'", '"', ' ', '+', 'r', '\n');
    fc.assert(
      fc.property(fc.array(ch, { maxLength: 30 }), fc.constantFrom("'", '"'), (cs, q) => {
        const body = cs.join('');
        const expr = `${q}${body}${q}`;
        fc.pre(!body.startsWith(q + q)); // three quotes open a triple-quoted string, which the reference does not model
        // reference: a literal when every quote and line break inside is escaped and it does not end inside an escape
        let ok = true;
        for (let i = 0; i < body.length; i++) {
          if (body[i] === '\\') i++;
          else if (body[i] === q || body[i] === '\n') ok = false;
        }
        if (body.length && /(^|[^\\])(\\\\)*\\$/.test(body)) ok = false;
        return (stringLiteral(expr) !== null) === (ok && expr.trim() === expr);
      }),
      { numRuns: 3000 },
    );
  });

  it('R-L5: a 250 KB app.py of "l:\\r" lines (33 s before: quadratic)', () => {
    const q = path.join(tmp, 'q');
    fs.mkdirSync(q);
    fs.writeFileSync(path.join(q, 'app.py'), 'from flask import Flask\n' + 'l:\r'.repeat(83_000) + '\n');
    detectProjectSync(q);
    fs.writeFileSync(path.join(q, 'app.py'), 'from flask import Flask\n' + 'def create_app(\n'.repeat(15_000) + 'a\n'.repeat(10) + 'app\n' + ' \n'.repeat(40_000));
    detectProjectSync(q);
  });

  it('R-L6: a settings star-import chain of 5,000 modules is cut with a note, no stack overflow', () => {
    const d = path.join(proj, 'mysite');
    const s = fs.readFileSync(path.join(d, 'settings.py'), 'utf8');
    fs.writeFileSync(path.join(d, 'settings.py'), 'from .s1 import *\n' + s);
    for (let i = 1; i < 5000; i++) fs.writeFileSync(path.join(d, `s${i}.py`), `from .s${i + 1} import *\n`);
    fs.writeFileSync(path.join(d, 's5000.py'), 'X = 1\n');
    const det = detectProjectSync(proj);
    assert.strictEqual(det.framework, 'django');
    assert.ok(det.notes.some((n) => /star imports deeper than/.test(n)), det.notes.join('\n'));
  });

  it('fuzz: random text of regex-hostile characters through every file kind (stall guard)', () => {
    const alphabet = fc.constantFrom('#', ' ', '\\', '\n', '\r', "'", '"', '*', ':', '=', '(', ')', '-', '.', 'a', '{', '}', ';', '$', '\t', '[', ']', ',', '/', '\u2028');
    const names = ['compose.yaml', 'k8s/app.yaml', 'Dockerfile', 'deploy/nginx/site.conf', 'Procfile', 'mysite/settings.py', 'deploy/systemd/app.service', 'uwsgi.ini', 'gunicorn.conf.py', 'app.py'];
    fc.assert(
      fc.property(fc.array(alphabet, { minLength: 1000, maxLength: 4000 }), fc.constantFrom(...names), (cs, name) => {
        lintText(name, cs.join(''));
        stringLiteral(cs.join(''));
      }),
      { numRuns: 200 },
    );
  });
});
