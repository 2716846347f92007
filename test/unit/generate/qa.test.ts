// What QA found trying the product as a new user: a fresh startproject, SQLite in containers, undeclared
// server packages, uWSGI for apps it cannot serve, and the small things (nginx headers, worker counts).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { detectProjectSync } from '../../../src/core/detect';
import { PlanError, buildPlan, parseSetArgument, planGaps, planWarnings } from '../../../src/core/plan';
import type { DeployPlan, PlanOverrides } from '../../../src/core/plan';
import { GENERATOR_KIND_IDS, renderFiles, unsupportedKinds } from '../../../src/core/generate';
import type { GeneratorKindId } from '../../../src/core/generate';

const repo = path.resolve(__dirname, '../../../..');
const POLLS = path.join(repo, 'examples/django-polls');
const fixture = (name: string) => path.join(repo, 'test/fixtures/projects', name);

function planFor(dir: string, overrides: PlanOverrides = {}): DeployPlan {
  return buildPlan(detectProjectSync(dir), { domain: 'example.org', ...overrides }, { cores: 2 });
}

function file(plan: DeployPlan, kinds: GeneratorKindId[], p: string): string {
  const f = renderFiles(plan, kinds).find((x) => x.path === p);
  assert.ok(f, `${p} was generated`);
  return f.content;
}

/** What `django-admin startproject mysite .` writes (Django 4/5): no dependency file, no STATIC_ROOT, SQLite. */
export function startprojectLike(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-startproject-'));
  fs.mkdirSync(path.join(dir, 'mysite'));
  fs.writeFileSync(path.join(dir, 'manage.py'), "import os\nimport sys\n\ndef main():\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n");
  fs.writeFileSync(path.join(dir, 'mysite/__init__.py'), '');
  fs.writeFileSync(path.join(dir, 'mysite/wsgi.py'), "import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\napplication = get_wsgi_application()\n");
  fs.writeFileSync(path.join(dir, 'mysite/settings.py'), [
    'from pathlib import Path',
    'BASE_DIR = Path(__file__).resolve().parent.parent',
    "SECRET_KEY = 'django-insecure-x'",
    'DEBUG = True',
    "INSTALLED_APPS = ['django.contrib.admin', 'django.contrib.auth', 'django.contrib.contenttypes', 'django.contrib.staticfiles']",
    "ROOT_URLCONF = 'mysite.urls'",
    "WSGI_APPLICATION = 'mysite.wsgi.application'",
    "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'db.sqlite3'}}",
    "STATIC_URL = 'static/'",
    '',
  ].join('\n'));
  return dir;
}

describe('QA: a fresh startproject project', () => {
  const dir = startprojectLike();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const plan = planFor(dir);

  it('knows what is missing: no dependency file, no STATIC_ROOT, a guessed Python version', () => {
    assert.strictEqual(plan.dependenciesDeclared, false);
    assert.strictEqual(plan.staticRootMissing, true);
    assert.strictEqual(plan.collectstatic, false, 'collectstatic would raise ImproperlyConfigured');
    assert.strictEqual(plan.pythonVersionGuessed, true);
    assert.strictEqual(buildPlan(detectProjectSync(dir), { pythonVersion: '3.11' }).pythonVersionGuessed, false);
    const warnings = planWarnings(plan, GENERATOR_KIND_IDS);
    assert.deepStrictEqual(warnings.map((w) => w.key).slice(0, 3), ['dependencies', 'staticRoot', 'pythonVersion']);
    assert.match(warnings[0].message, /no requirements\.txt, pyproject\.toml or Pipfile/);
    assert.match(warnings[0].message, /Django, gunicorn/);
    assert.match(warnings[1].message, /CW205/);
    assert.match(warnings[2].message, /3\.13 is a guess/);
    // Asked in VS Code: a gap, with the guess only as a suggestion.
    const gap = planGaps(detectProjectSync(dir)).find((g) => g.key === 'pythonVersion');
    assert.ok(gap && gap.suggestion === '3.13' && /only a suggestion/.test(gap.reason));
  });

  it('the Dockerfile stops with a message instead of installing nothing, and runs no collectstatic', () => {
    const docker = file(plan, ['dockerfile'], 'Dockerfile');
    assert.doesNotMatch(docker, /pip install \./);
    assert.match(docker, /^RUN echo "No requirements\.txt, pyproject\.toml or Pipfile[^\n]*>&2 && exit 1$/m);
    assert.doesNotMatch(docker, /^\s*python manage\.py collectstatic/m);
    assert.match(docker, /# TODO: no collectstatic: STATIC_ROOT is not set/);
    assert.match(docker, /# Python 3\.13 is a guess/);
  });

  it('the Procfile runs no collectstatic and says why, next to the lines', () => {
    const procfile = file(plan, ['procfile'], 'Procfile');
    assert.match(procfile, /^release: python manage\.py migrate --noinput$/m);
    assert.doesNotMatch(procfile, /collectstatic --noinput/);
    assert.match(procfile, /# TODO: the project declares no dependencies/);
    assert.match(procfile, /# TODO: \.python-version says 3\.13, a guess/);
  });

  it('with STATIC_ROOT and requirements.txt the files are complete again', () => {
    const fixed = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-fixed-'));
    try {
      fs.cpSync(dir, fixed, { recursive: true });
      fs.appendFileSync(path.join(fixed, 'mysite/settings.py'), "STATIC_ROOT = BASE_DIR / 'staticfiles'\n");
      fs.writeFileSync(path.join(fixed, 'requirements.txt'), 'Django>=4.2\ngunicorn>=22\n');
      const p = planFor(fixed, { pythonVersion: '3.12' });
      // Still SQLite and no WhiteNoise: on a platform those two break the site, and both are said.
      assert.deepStrictEqual(planWarnings(p, ['procfile', 'dockerfile']).map((w) => w.key), ['database', 'whitenoise', 'allowedHosts']);
      assert.deepStrictEqual(planWarnings(p, ['nginx', 'systemd', 'gunicorn']), [], 'a VPS keeps its disk and has nginx');
      assert.match(file(p, ['procfile'], 'Procfile'), /# Static files: the build runs collectstatic/);
      assert.match(file(p, ['dockerfile'], 'Dockerfile'), /collectstatic --noinput/);
      assert.match(file(p, ['dockerfile'], 'Dockerfile'), /pip install -r requirements\.txt/);
    } finally {
      fs.rmSync(fixed, { recursive: true, force: true });
    }
  });
});

describe('QA: SQLite in containers', () => {
  const plan = planFor(POLLS);

  it('the image links the settings\' database path into a folder the app user may write', () => {
    const docker = file(plan, ['dockerfile'], 'Dockerfile');
    assert.match(docker, /^RUN mkdir -p \/app && ln -sfn \/app\/data\/db\.sqlite3 \/app\/db\.sqlite3$/m);
    assert.match(docker, /^RUN mkdir -p [^\n]*\/app\/data && chown -R 10001:10001 [^\n]*\/app\/data$/m);
    assert.ok(docker.indexOf('ln -sfn') < docker.indexOf('USER 10001'), 'made as root, before USER');
  });

  it('compose: migrate, web share the database on a named volume', () => {
    const doc = parseYaml(file(plan, ['compose'], 'compose.yaml'));
    assert.ok(doc.services.migrate.volumes.includes('sqlite:/app/data'));
    assert.ok(doc.services.web.volumes.includes('sqlite:/app/data'));
    assert.deepStrictEqual(doc.volumes.sqlite, {});
    assert.match(file(plan, ['compose'], 'compose.yaml'), /# SQLite: the database/);
  });

  it('Kubernetes: a PersistentVolumeClaim mounted by the Deployment (1 replica, Recreate) and the Job, no autoscaler', () => {
    const p = planFor(POLLS, { replicas: 3, autoscale: true, maxReplicas: 6 });
    const files = renderFiles(p, ['kubernetes']);
    const get = (n: string) => parseYaml(files.find((f) => f.path === n)!.content);
    const pvc = get('k8s/data.yaml');
    assert.strictEqual(pvc.kind, 'PersistentVolumeClaim');
    const dep = get('k8s/deployment.yaml');
    assert.strictEqual(dep.spec.replicas, 1);
    assert.deepStrictEqual(dep.spec.strategy, { type: 'Recreate' });
    for (const pod of [dep.spec.template.spec, get('k8s/jobs/migrate.yaml').spec.template.spec]) {
      assert.ok(pod.volumes.some((v: { persistentVolumeClaim?: { claimName: string } }) => v.persistentVolumeClaim?.claimName === pvc.metadata.name));
      assert.ok(pod.containers[0].volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/app/data'));
    }
    assert.ok(!files.some((f) => f.path === 'k8s/hpa.yaml'));
    assert.ok(planWarnings(p, ['kubernetes']).some((w) => w.key === 'database' && /PostgreSQL/.test(w.message)));
  });

  it('PostgreSQL projects get none of it', () => {
    const p = planFor(fixture('django-split'));
    assert.doesNotMatch(file(p, ['dockerfile'], 'Dockerfile'), /ln -sfn/);
    assert.ok(!renderFiles(p, ['kubernetes']).some((f) => f.path === 'k8s/data.yaml'));
    assert.ok(!planWarnings(p, GENERATOR_KIND_IDS).some((w) => w.key === 'database'));
  });
});

describe('QA: server packages the project does not declare', () => {
  it('an ASGI Procfile names the exact requirement to add, in the manager\'s words', () => {
    const p = planFor(fixture('fastapi-pdm'));
    // uvicorn is declared, but its uvicorn.workers module is deprecated: gunicorn and uvicorn-worker are not declared.
    assert.deepStrictEqual(p.extraPackages, ['gunicorn', 'uvicorn-worker']);
    const w = planWarnings(p, ['procfile']).find((x) => x.key === 'requirements');
    assert.ok(w, 'warned');
    assert.deepStrictEqual(w.requirements, ['gunicorn', 'uvicorn-worker']);
    assert.match(w.message, /`pdm add gunicorn uvicorn-worker`/);
    assert.match(file(p, ['procfile'], 'Procfile'), /# TODO: declare gunicorn and uvicorn-worker in the project's dependencies/);
    // Neither uvicorn nor its worker declared: the uvicorn-worker package is named too.
    const bare = buildPlan({ ...detectProjectSync(fixture('fastapi-pdm')), dependencies: ['fastapi'] }, { domain: 'example.org' });
    assert.deepStrictEqual(bare.extraPackages, ['gunicorn', 'uvicorn-worker']);
    assert.match(planWarnings(bare, ['procfile'])[0].message, /`pdm add gunicorn uvicorn-worker`/);
  });

  it('a pip project is told the requirements file and the line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-nogunicorn-'));
    try {
      fs.cpSync(POLLS, dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'requirements.txt'), 'Django>=4.2\n');
      const w = planWarnings(planFor(dir), ['procfile']).find((x) => x.key === 'requirements');
      assert.ok(w);
      assert.match(w.message, /add this line to requirements\.txt: gunicorn/);
      // Declared: no warning.
      assert.ok(!planWarnings(planFor(POLLS), ['procfile']).some((x) => x.key === 'requirements'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('QA: uWSGI only for apps it can serve', () => {
  it('a Flask factory gets a small module creating the app (uWSGI cannot call a factory)', () => {
    const p = planFor(fixture('flask-factory'));
    const files = renderFiles(p, ['uwsgi']);
    const ini = files.find((f) => f.path === 'uwsgi.ini')!.content;
    assert.match(ini, /^module = uwsgi_app:application$/m);
    assert.doesNotMatch(ini, /create_app/);
    const mod = files.find((f) => f.path === 'uwsgi_app.py')!.content;
    assert.match(mod, /^from todo import create_app$/m);
    assert.match(mod, /^application = create_app\(\)$/m);
  });

  it('a Django ASGI project is served through its WSGI module', () => {
    const p = planFor(fixture('django-channels'));
    assert.strictEqual(p.interface, 'asgi');
    assert.match(file(p, ['uwsgi'], 'uwsgi.ini'), /^module = chat\.wsgi:application$/m);
  });

  it('a pure ASGI app is refused with a clear error', () => {
    const p = planFor(fixture('fastapi-pdm'));
    assert.deepStrictEqual(unsupportedKinds(p, ['gunicorn', 'uwsgi']).map((u) => u.kind), ['uwsgi']);
    assert.throws(() => renderFiles(p, ['uwsgi']), (e: Error) => e instanceof PlanError && /uWSGI serves WSGI apps only/.test(e.message));
  });
});

describe('QA: small things', () => {
  const plan = planFor(POLLS, { https: true });

  it('nginx: one Cache-Control header for static files, HTTPS without deprecated listen … http2', () => {
    const site = file(plan, ['nginx'], 'deploy/nginx/mysite.conf');
    assert.doesNotMatch(site, /^\s*expires /m);
    assert.strictEqual((site.match(/add_header Cache-Control/g) ?? []).length, 1);
    assert.doesNotMatch(site, /^\s*listen [^;]*http2/m);
  });

  it('nginx: the static location, with an add_header of its own, repeats the server\'s HSTS (nginx would drop it there)', () => {
    const site = file(plan, ['nginx'], 'deploy/nginx/mysite.conf');
    const staticLocation = /location \/static\/ \{[^}]*\}/.exec(site)?.[0] ?? '';
    assert.match(staticLocation, /add_header Cache-Control [^\n]*\n\s+add_header Strict-Transport-Security "max-age=31536000" always;/);
    assert.doesNotMatch(file(planFor(POLLS), ['nginx'], 'deploy/nginx/mysite.conf'), /Strict-Transport-Security/);
  });

  it('the worker count agrees in the Dockerfile, gunicorn.conf.py and the ConfigMap', () => {
    const p = planFor(POLLS, { workers: 7 });
    assert.match(file(p, ['dockerfile'], 'Dockerfile'), /^ENV WEB_CONCURRENCY=7$/m);
    assert.match(file(p, ['gunicorn'], 'gunicorn.conf.py'), /"WEB_CONCURRENCY", "7"/);
    assert.strictEqual(parseYaml(file(p, ['kubernetes'], 'k8s/configmap.yaml')).data.WEB_CONCURRENCY, '7');
    // Not given: the pods' count follows their CPU limit (1 CPU: 3), whatever the plan's server has.
    assert.strictEqual(parseYaml(file(planFor(POLLS), ['kubernetes'], 'k8s/configmap.yaml')).data.WEB_CONCURRENCY, '3');
  });

  it('the worker count comes from the server, never from the machine that generates the files', () => {
    const unknown = buildPlan(detectProjectSync(POLLS), { domain: 'example.org' });
    assert.strictEqual(unknown.workers, 3, 'a small documented default: 2 x 1 core + 1');
    assert.strictEqual(unknown.workersSource, 'default');
    assert.match(file(unknown, ['gunicorn'], 'gunicorn.conf.py'), /3 = 2 x 1 core \+ 1, a default/);
    const server = buildPlan(detectProjectSync(POLLS), { domain: 'example.org' }, { cores: 8 });
    assert.strictEqual(server.workers, 17);
    assert.match(file(server, ['gunicorn'], 'gunicorn.conf.py'), /17 = 2 x the server's CPU cores \+ 1/);
    assert.strictEqual(parseYaml(file(server, ['kubernetes'], 'k8s/configmap.yaml')).data.WEB_CONCURRENCY, '3', 'pods: their CPU limit');
  });

  it('an invalid domain is named once, not followed by "(got …)"', () => {
    assert.throws(() => parseSetArgument('domain=a_b'), (e: Error) => e.message === "domain 'a_b' is not a host name");
    assert.throws(() => parseSetArgument('port=x'), (e: Error) => e.message === "port must be a whole number from 1 to 65535 (got 'x')");
  });
});

describe('QA: Celery gets its worker on every path', () => {
  const plan = planFor(fixture('django-channels'));

  it('the plan sees Celery', () => assert.strictEqual(plan.celery, true));

  it('Procfile: a worker: process next to web:', () => {
    assert.match(file(plan, ['procfile'], 'Procfile'), /^worker: celery -A chat worker --loglevel=info$/m);
  });

  it('systemd: a worker unit with the app\'s user, environment file and hardening', () => {
    const unit = file(plan, ['systemd'], 'deploy/systemd/chat-worker.service');
    assert.match(unit, /^ExecStart=\/srv\/chat\/\.venv\/bin\/celery -A chat worker --loglevel=info$/m);
    assert.match(unit, /^User=chat$/m);
    assert.match(unit, /^EnvironmentFile=\/etc\/chat\/env$/m);
    assert.match(unit, /^ProtectSystem=strict$/m);
  });

  it('Kubernetes: a worker Deployment from the same image, with a liveness probe of its own', () => {
    const doc = parseYaml(file(plan, ['kubernetes'], 'k8s/worker.yaml'));
    assert.strictEqual(doc.kind, 'Deployment');
    const c = doc.spec.template.spec.containers[0];
    assert.strictEqual(c.image, plan.image);
    assert.deepStrictEqual(c.command, ['celery', '-A', 'chat', 'worker', '--loglevel=info']);
    assert.ok(c.livenessProbe.exec, 'no HTTP port: the probe pings the worker');
  });

  it('compose: the worker service (as before)', () => {
    assert.deepStrictEqual(parseYaml(file(plan, ['compose'], 'compose.yaml')).services.worker.command, ['celery', '-A', 'chat', 'worker', '--loglevel=info']);
  });
});
