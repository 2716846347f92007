/* eslint-disable no-control-regex -- looking for raw control characters is the point */
// Security review R-G1..R-G3, G4, G5, and the class behind them: every plan value, typed (--set) or
// detected (read from a cloned project), passes one validator, and every generated file parses to exactly
// the intended structure whatever the value holds.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DockerfileParser } from 'dockerfile-ast';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { detectProjectSync } from '../../../src/core/detect';
import type { Detection } from '../../../src/core/detect';
import { GENERATOR_KIND_IDS, renderFiles, unsupportedKinds } from '../../../src/core/generate';
import type { GeneratedFile } from '../../../src/core/generate';
import { parseIni } from '../../../src/core/lint/parse/ini';
import { allDirectives, parseNginx } from '../../../src/core/lint/parse/nginx';
import { PLAN_FIELDS, PlanError, buildPlan } from '../../../src/core/plan';
import type { DeployPlan, PlanOverrides } from '../../../src/core/plan';
import { runCli } from './cli';

const repo = path.resolve(__dirname, '../../../..');
const polls = (): Detection => detectProjectSync(path.join(repo, 'examples/django-polls'));

/** Characters that end a line for some parser of a generated file, or end a word for a shell or config. */
const TERMINATORS = ['\n', '\u000b', '\u000c', '\r', '\u0085', '\u2028', '\u2029'];
const HOSTILE = [...TERMINATORS, '\u0000', '"', "'", '$', '`', ';', '$(id)', '#', '{', '}', ' ', '\\', '---', '..', '/', ':', '*', '\t', '\u001b[2J'];
const FORBIDDEN_IN_FILES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** A value with at least one hostile piece in the middle (so trimming cannot remove it). */
const hostileValue = fc
  .tuple(fc.stringMatching(/^[a-z0-9./_-]{0,12}$/), fc.array(fc.constantFrom(...HOSTILE), { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-z0-9./_-]{1,12}$/))
  .map(([a, h, b]) => `${a || 'x'}${h.join('')}${b}`);

/** The shape of a generated file as its real consumer parses it: what a value must never change. */
function shape(f: GeneratedFile): unknown {
  const base = path.posix.basename(f.path);
  if (/\.ya?ml$/.test(base)) {
    const docs = parseAllDocuments(f.content, { version: '1.1' });
    const list = Array.isArray(docs) ? docs : [docs];
    for (const d of list) assert.deepStrictEqual(d.errors.map((e) => e.message), [], `${f.path} parses`);
    return list.map((d) => {
      const v = d.toJS() as Record<string, unknown> | null;
      return v && typeof v === 'object' ? { kind: v.kind ?? null, keys: Object.keys(v).sort() } : v;
    });
  }
  if (base === 'Dockerfile') return DockerfileParser.parse(f.content).getInstructions().map((i) => i.getKeyword());
  if (base.endsWith('.conf') && f.path.includes('nginx')) return allDirectives(parseNginx(f.content)).map((d) => d.name);
  if (/\.(ini|service|socket|timer)$/.test(base)) return parseIni(f.content).sections.map((s) => `${s.name}:${s.entries.map((e) => e.key).join(',')}`);
  if (base === 'Procfile') return f.content.split('\n').filter((l) => /^[A-Za-z0-9_-]+:/.test(l)).map((l) => l.split(':')[0]);
  if (base.endsWith('.py')) return f.content.split('\n').filter((l) => /^[A-Za-z_]\w*\s*=/.test(l)).map((l) => l.split('=')[0].trim());
  return f.content.split('\n').length;
}

function render(plan: DeployPlan): GeneratedFile[] {
  const kinds = GENERATOR_KIND_IDS.filter((k) => !unsupportedKinds(plan, [k]).length);
  return renderFiles(plan, kinds);
}

function shapes(files: GeneratedFile[]): Record<string, unknown> {
  return Object.fromEntries(files.map((f) => [f.path, shape(f)]));
}

/** Either a clear PlanError, or files with no stray line break whose shapes are the baseline's. */
function checkOutcome(build: () => DeployPlan, baseline: Record<string, unknown>, what: string): 'refused' | 'accepted' {
  let plan: DeployPlan;
  try {
    plan = build();
  } catch (e) {
    assert.ok(e instanceof PlanError, `${what}: ${String(e)}`);
    return 'refused';
  }
  let files: GeneratedFile[];
  try {
    files = render(plan);
  } catch (e) {
    // A generator's own guard (configWord, shWord, the final control-character check) is a refusal too.
    assert.ok(e instanceof PlanError || /refusing/.test(String(e)), `${what}: ${String(e)}`);
    return 'refused';
  }
  for (const f of files) assert.ok(!FORBIDDEN_IN_FILES.test(f.content), `${what}: ${f.path} holds a control character`);
  const got = shapes(files);
  for (const [p, s] of Object.entries(baseline)) if (p in got) assert.deepStrictEqual(got[p], s, `${what}: ${p} changed shape`);
  return 'accepted';
}

describe('security: plan values from the project or the user never change a generated file\'s structure', function () {
  this.timeout(120_000);
  const detection = polls();
  const sqliteDetection: Detection = { ...detection, database: 'sqlite', sqliteFile: 'db.sqlite3' };
  const baseline = shapes(render(buildPlan(sqliteDetection, { domain: 'example.com' })));
  // A field whose ordinary values change the structure (an import root adds gunicorn's pythonpath line):
  // compared with an ordinary value of the same kind.
  const baselineFor = (key: string) => (key === 'pythonPath' ? shapes(render(buildPlan({ ...sqliteDetection, pythonPath: 'src' }, { domain: 'example.com' }))) : baseline);

  it('every typed field (--set): hostile strings are refused or harmless', () => {
    let accepted = 0;
    for (const f of PLAN_FIELDS) {
      fc.assert(
        fc.property(hostileValue, (v) => {
          if (checkOutcome(() => buildPlan(sqliteDetection, { domain: 'example.com', [f.key]: v } as PlanOverrides), baselineFor(f.key), `--set ${f.key}=${JSON.stringify(v)}`) === 'accepted') accepted++;
        }),
        { numRuns: Number(process.env.CW_FUZZ_RUNS ?? 40) },
      );
    }
    // the domain accepts separators (spaces, commas) between hosts; nothing else with a hostile piece passes
    assert.ok(accepted < 40 * 3, `${accepted} accepted`);
  });

  const DETECTED: (keyof Detection)[] = [
    'name', 'appTarget', 'settingsModule', 'staticUrl', 'staticRoot', 'mediaUrl', 'mediaRoot', 'pythonVersion',
    'lockFile', 'requirementsFile', 'sqliteFile', 'wsgiModule', 'pythonPath', 'djangoProjectPackage',
  ];
  it('every detected field (read from a cloned project): hostile strings are refused or harmless', () => {
    for (const key of DETECTED) {
      fc.assert(
        fc.property(hostileValue, (v) => {
          const d: Detection = { ...sqliteDetection, [key]: v, ...(key === 'wsgiModule' ? { interface: 'asgi' as const } : {}) };
          checkOutcome(() => buildPlan(d, { domain: 'example.com' }), key === 'wsgiModule' ? shapes(render(buildPlan({ ...d, wsgiModule: 'mysite.wsgi' }, { domain: 'example.com' }))) : baselineFor(key), `detected ${key}=${JSON.stringify(v)}`);
        }),
        { numRuns: Number(process.env.CW_FUZZ_RUNS ?? 40) },
      );
    }
  });

  it('very long values are refused with a clear message, typed or detected', () => {
    const long = 'a'.repeat(100_000);
    for (const f of PLAN_FIELDS) checkOutcome(() => buildPlan(sqliteDetection, { domain: 'example.com', [f.key]: long } as PlanOverrides), baseline, `--set ${f.key}=<100k>`);
    for (const key of DETECTED) checkOutcome(() => buildPlan({ ...sqliteDetection, [key]: `/${long}` }, { domain: 'example.com' }), baseline, `detected ${key}=<100k>`);
    assert.throws(() => buildPlan(detection, { appDir: '/' + 'a'.repeat(5000) }), /at most 4095/);
  });

  describe('the reproductions of the review', () => {
    let tmp: string;
    let proj: string;
    beforeEach(() => {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-plan-'));
      proj = path.join(tmp, 'proj');
      fs.cpSync(path.join(repo, 'examples/django-polls'), proj, { recursive: true });
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const settings = () => path.join(proj, 'mysite', 'settings.py');
    const setName = (name: string) => {
      const s = fs.readFileSync(settings(), 'utf8');
      assert.ok(s.includes("'NAME': BASE_DIR / 'db.sqlite3'"));
      fs.writeFileSync(settings(), s.replace("'NAME': BASE_DIR / 'db.sqlite3'", `'NAME': BASE_DIR / '${name}'`));
    };
    const gen = (...args: string[]) => runCli(['generate', ...args, '--project', 'proj', '--out', 'out', '--set', 'domain=example.com'], tmp);

    it('R-G1: a SQLite NAME holding U+2028 or CR cannot add a Kubernetes object (exit 2, nothing written)', async () => {
      const payload = ['db', '---', 'apiVersion: rbac.authorization.k8s.io/v1', 'kind: ClusterRoleBinding', 'metadata:', '  name: injected', 'roleRef:', '  kind: ClusterRole', '  name: cluster-admin', '---', '#.sqlite3'];
      for (const sep of ['\u2028', '\r']) {
        fs.cpSync(path.join(repo, 'examples/django-polls/mysite/settings.py'), settings());
        setName(payload.join(sep));
        for (const kind of ['kubernetes', 'compose']) {
          const r = await gen(kind);
          assert.strictEqual(r.code, 2, r.err);
          assert.match(r.err, /sqliteFile .*found .* in the project/);
          assert.ok(!fs.existsSync(path.join(tmp, 'out')) || fs.readdirSync(path.join(tmp, 'out')).length === 0);
        }
      }
    });

    it('R-G2: a requirements file name or a SQLite NAME with ; $() and backticks never reaches a RUN line (exit 2)', async () => {
      fs.renameSync(path.join(proj, 'requirements.txt'), path.join(proj, 'requirements;touch${IFS}PWNED2;`id`$(id).txt'));
      let r = await gen('dockerfile');
      assert.strictEqual(r.code, 2, r.err);
      assert.match(r.err, /requirementsFile/);
      fs.renameSync(path.join(proj, 'requirements;touch${IFS}PWNED2;`id`$(id).txt'), path.join(proj, 'requirements.txt'));
      setName('db;touch /tmp/PWNED_$(id -u);x.sqlite3');
      r = await gen('dockerfile');
      assert.strictEqual(r.code, 2, r.err);
      assert.match(r.err, /sqliteFile/);
    });

    it('R-G2: an absolute SQLite NAME (/etc/passwd) is not linked over a system file in the image', () => {
      const plan = buildPlan({ ...sqliteDetection, sqliteFile: '/etc/passwd' }, { domain: 'example.com' });
      const docker = render(plan).find((f) => f.path === 'Dockerfile')!.content;
      assert.ok(!docker.includes('/etc/passwd'), docker);
    });

    it('G4: a WSGI_APPLICATION with spaces, ; and $() never reaches uwsgi.ini (exit 2)', async () => {
      const s = fs.readFileSync(settings(), 'utf8').replace(/^WSGI_APPLICATION = .*$/m, "WSGI_APPLICATION = 'mysite.wsgi; $(id) x.application'");
      fs.writeFileSync(settings(), s);
      const d = detectProjectSync(proj);
      assert.throws(() => {
        const plan = buildPlan({ ...d, interface: 'asgi', wsgiModule: 'mysite.wsgi; $(id) x' }, { domain: 'example.com' });
        render(plan);
      }, PlanError);
    });

    it('R-G3: /, system folders and .. are refused as app paths, typed or from the project', async () => {
      for (const set of ['mediaRoot=/', 'staticRoot=/etc', 'staticRoot=/etc/', 'appDir=/srv/../..', 'appDir=/srv', 'venv=/etc', 'venv=/', 'appDir=/srv//x', 'appDir=/srv/./x']) {
        const r = await gen('all', '--set', set);
        assert.strictEqual(r.code, 2, `${set}: ${r.err}`);
      }
      const s = fs.readFileSync(settings(), 'utf8');
      fs.writeFileSync(settings(), s.replace(/^STATIC_ROOT = .*$/m, "STATIC_ROOT = '/'") + (/^STATIC_ROOT/m.test(s) ? '' : "\nSTATIC_ROOT = '/'\n"));
      const r = await gen('nginx');
      assert.strictEqual(r.code, 2, r.err);
      assert.match(r.err, /staticRoot .*found '\/' in the project/);
      // ordinary folders still pass
      assert.strictEqual((await gen('nginx', '--set', 'staticRoot=/srv/mysite/static', '--force')).code, 0);
    });

    it('G5: a wildcard cannot be the main domain (certificate path, probe Host); it may follow one', () => {
      assert.throws(() => buildPlan(detection, { domain: '*.example.com' }), /plain host name/);
      const plan = buildPlan(detection, { domain: 'example.com *.example.com' });
      assert.ok(render(plan).find((f) => f.path.includes('nginx'))!.content.includes('server_name example.com *.example.com;'));
    });
  });
});
