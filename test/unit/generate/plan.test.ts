// The deploy plan: defaults from detection, --set values validated, gaps asked rather than guessed.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { detectProjectSync } from '../../../src/core/detect';
import { PLAN_FIELDS, PlanError, buildPlan, parseSetArgument, planField, planGaps } from '../../../src/core/plan';

const repo = path.resolve(__dirname, '../../../..');
const polls = () => detectProjectSync(path.join(repo, 'examples/django-polls'));
const fixture = (name: string) => detectProjectSync(path.join(repo, 'test/fixtures/projects', name));

describe('deploy plan', () => {
  it('derives every value of the example project from detection', () => {
    const p = buildPlan(polls(), {}, { cores: 4 });
    assert.strictEqual(p.name, 'mysite');
    assert.strictEqual(p.appTarget, 'mysite.wsgi:application');
    assert.strictEqual(p.workers, 9, '2 x the server\'s cores + 1');
    assert.strictEqual(buildPlan(polls()).workers, 3, 'no server known: a small default, not this machine\'s cores');
    assert.strictEqual(p.appDir, '/srv/mysite');
    assert.strictEqual(p.venv, '/srv/mysite/.venv');
    assert.strictEqual(p.socket, '/run/mysite/mysite.sock');
    assert.strictEqual(p.user, 'mysite');
    assert.strictEqual(p.staticRoot, '/srv/mysite/staticfiles', 'STATIC_ROOT = BASE_DIR / "staticfiles" under appDir');
    assert.strictEqual(p.mediaRoot, '/srv/mysite/media');
    assert.strictEqual(p.pythonVersion, '3.11');
    assert.strictEqual(p.writePythonVersion, false, 'the project has a .python-version');
    assert.strictEqual(p.image, 'mysite:0.1.0');
    assert.strictEqual(p.migrate, true);
    assert.strictEqual(p.collectstatic, true);
    assert.deepStrictEqual(p.extraPackages, [], 'gunicorn is in requirements.txt');
  });

  it('paths follow appDir and names follow name unless set themselves', () => {
    const p = buildPlan(polls(), { name: 'polls', appDir: '/opt/polls', venv: '/opt/venvs/polls' });
    assert.strictEqual(p.socket, '/run/polls/polls.sock');
    assert.strictEqual(p.staticRoot, '/opt/polls/staticfiles');
    assert.strictEqual(p.venv, '/opt/venvs/polls');
    assert.strictEqual(p.envFile, '/etc/polls/env');
    assert.strictEqual(p.image, 'polls:0.1.0');
  });

  it('ASGI without uvicorn adds uvicorn-worker to what the image installs', () => {
    const p = buildPlan(fixture('fastapi-entrypoint'));
    assert.strictEqual(p.interface, 'asgi');
    assert.strictEqual(p.workerClass, 'uvicorn_worker.UvicornWorker');
    assert.deepStrictEqual(p.extraPackages, ['gunicorn', 'uvicorn-worker']);
    const q = buildPlan(fixture('django-channels'));
    assert.strictEqual(q.workerClass, 'uvicorn_worker.UvicornWorker', 'uvicorn.workers is deprecated even when uvicorn is a dependency');
  });

  it('parses --set values by type and rejects bad ones with the field named', () => {
    assert.deepStrictEqual(parseSetArgument('workers=3'), { key: 'workers', value: 3 });
    assert.deepStrictEqual(parseSetArgument('https=yes'), { key: 'https', value: true });
    assert.deepStrictEqual(parseSetArgument('domain=example.org, www.example.org'), { key: 'domain', value: 'example.org www.example.org' });
    const bad: Array<[string, RegExp]> = [
      ['port=http', /port must be a whole number/],
      ['port=70000', /port must be a whole number from 1 to 65535/],
      ['user=root', /must not be root/],
      ['appDir=srv/app', /absolute path/],
      ['staticRoot=/srv/my app', /no spaces/],
      ['image=mysite:latest', /latest/],
      ['image=mysite', /with a tag/],
      ['name=My App', /lowercase/],
      ['domain=exa mple.com!', /not a host name/],
      ['colour=blue', /unknown plan field 'colour'/],
      ['workers', /key=value/],
    ];
    for (const [arg, message] of bad) assert.throws(() => parseSetArgument(arg), (e: unknown) => e instanceof PlanError && message.test(e.message), arg);
  });

  it('every field validates its own default-like example and has a description', () => {
    for (const f of PLAN_FIELDS) {
      assert.ok(f.title && f.description && f.default, f.key);
      assert.strictEqual(typeof f.validate(''), f.key === 'workerClass' ? 'undefined' : 'string', `${f.key}: empty is rejected`);
    }
    assert.strictEqual(planField('socket')?.validate('/run/x/x.sock'), undefined);
  });

  it('refuses a plan without an application, naming what to pass', () => {
    assert.throws(() => buildPlan(fixture('not-python')), (e: unknown) => e instanceof PlanError && e.key === 'appTarget' && /--set appTarget=/.test(e.message));
    const p = buildPlan(fixture('not-python'), { appTarget: 'srv:app' });
    assert.strictEqual(p.appTarget, 'srv:app');
    assert.strictEqual(p.interface, 'wsgi');
  });

  it('rejects inconsistent values', () => {
    assert.throws(() => buildPlan(polls(), { replicas: '6', maxReplicas: '3' }), /maxReplicas/);
    assert.throws(() => buildPlan(polls(), { workers: 0 }), /workers/);
  });

  it('lists what must be asked: the domain always, and what detection did not find', () => {
    assert.deepStrictEqual(planGaps(polls()).map((g) => g.key), ['domain']);
    const gaps = planGaps(fixture('django-subfolder')).map((g) => g.key);
    assert.deepStrictEqual(gaps, ['staticRoot', 'pythonVersion', 'domain']);
    const none = planGaps(fixture('not-python')).map((g) => g.key);
    assert.ok(['appTarget', 'interface', 'pythonVersion', 'packageManager', 'domain'].every((k) => none.includes(k as never)));
  });
});

describe('deploy plan: detected values are checked like typed ones', () => {
  it('a WSGI_APPLICATION that is not module.attribute stops the plan, naming the field to set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-plan-'));
    try {
      fs.mkdirSync(path.join(dir, 'web'));
      fs.writeFileSync(path.join(dir, 'manage.py'), "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'web.settings')\n");
      fs.writeFileSync(path.join(dir, 'web/settings.py'), "WSGI_APPLICATION = 'web.wsgi.app; rm -rf ~'\n");
      fs.writeFileSync(path.join(dir, 'requirements.txt'), 'django\n');
      const d = detectProjectSync(dir);
      assert.throws(() => buildPlan(d), (e: unknown) => e instanceof PlanError && e.key === 'appTarget' && /--set appTarget=/.test(e.message));
      assert.strictEqual(buildPlan(d, { appTarget: 'web.wsgi:application' }).appTarget, 'web.wsgi:application');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
