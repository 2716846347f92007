// Every quick fix leaves the workspace with no new finding: each fix offered on a newcomer's projects is
// applied alone to a fresh copy, and the whole workspace is linted again (as the editor does after an edit).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lintPaths } from '../../../src/cli/lint';
import { detectProjectSync } from '../../../src/core/detect';
import { buildPlan } from '../../../src/core/plan';
import { GENERATOR_KIND_IDS, renderFiles } from '../../../src/core/generate';
import { LineIndex } from '../../../src/core/lint';
import type { Finding, LintOptions, TextEdit } from '../../../src/core/lint';

const repo = path.resolve(__dirname, '../../../..');

function applyEdits(text: string, edits: TextEdit[]): string {
  const index = new LineIndex(text);
  const offset = (p: { line: number; character: number }) => (p.line < index.starts.length ? index.starts[p.line] + p.character : text.length);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

const key = (f: Finding) => `${f.file} ${f.rule} ${f.message}`;

function lint(dir: string): Finding[] {
  const d = detectProjectSync(dir);
  const options: LintOptions = { appTarget: d.appTarget ?? undefined, interface: d.interface ?? undefined };
  return lintPaths(['.'], dir, options).findings;
}

/** Workspaces a newcomer has: the tutorial app as cloned, and the same with every generated file added. */
function workspaces(tmp: string): Record<string, string> {
  const plain = path.join(tmp, 'polls');
  fs.cpSync(path.join(repo, 'examples/django-polls'), plain, { recursive: true });
  const generated = path.join(tmp, 'polls-generated');
  fs.cpSync(plain, generated, { recursive: true });
  const plan = buildPlan(detectProjectSync(generated), { domain: 'polls.example.com' });
  for (const f of renderFiles(plan, [...GENERATOR_KIND_IDS])) {
    const target = path.join(generated, f.path);
    if (fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content);
  }
  const startproject = path.join(tmp, 'startproject');
  fs.cpSync(plain, startproject, { recursive: true });
  fs.copyFileSync(path.join(repo, 'test/fixtures/lint/startproject_settings.py'), path.join(startproject, 'mysite/settings.py'));
  fs.writeFileSync(path.join(startproject, 'Dockerfile'), 'FROM python:3.12\nCOPY . /app\nWORKDIR /app\nRUN pip install -r requirements.txt\nCMD python manage.py runserver 0.0.0.0:8000\n');
  return { polls: plain, 'polls with generated files': generated, 'startproject settings': startproject };
}

describe('quick fixes create no next problem (apply each, re-lint the whole workspace)', function () {
  this.timeout(120000);
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-fixes-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('every fix offered on the newcomer workspaces', () => {
    const problems: string[] = [];
    let applied = 0;
    for (const [name, dir] of Object.entries(workspaces(tmp))) {
      const before = lint(dir);
      const keys = new Set(before.map(key));
      for (const [i, f] of before.entries()) {
        if (!f.fix) continue;
        const copy = path.join(tmp, `fix-${name.replace(/\W+/g, '-')}-${i}`);
        fs.cpSync(dir, copy, { recursive: true });
        for (const fe of f.fix.edits) {
          const target = path.join(copy, path.relative(dir, path.resolve(dir, fe.file)));
          const text = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.writeFileSync(target, applyEdits(text, fe.edits));
        }
        applied++;
        const after = lint(copy);
        const fresh = after.filter((a) => !keys.has(key(a)));
        for (const n of fresh) problems.push(`${name}: "${f.fix.title}" (${f.rule}) -> new ${n.rule} in ${n.file}: ${n.message}`);
        if (after.some((a) => key(a) === key(f) && a.range.start.line === f.range.start.line && a.fix?.title === f.fix?.title)) {
          problems.push(`${name}: "${f.fix.title}" (${f.rule}) did not fix ${f.file}: ${f.message}`);
        }
        fs.rmSync(copy, { recursive: true, force: true });
      }
    }
    assert.ok(applied >= 5, `fixes applied: ${applied}`);
    assert.deepStrictEqual(problems, []);
  });
});
