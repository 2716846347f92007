// What the generated files must keep from the project instead of guessing: the variables the production
// settings require (collectstatic at image build), django-compressor's offline step, the system packages of
// the project's own Dockerfile, and a STATIC_ROOT that cannot be read (warned, asked, never silently replaced).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import { DockerfileParser } from 'dockerfile-ast';
import { detectProjectSync } from '../../../src/core/detect';
import { buildPlan, planGaps, planWarnings } from '../../../src/core/plan';
import type { DeployPlan, PlanOverrides } from '../../../src/core/plan';
import { renderFiles } from '../../../src/core/generate';
import type { GeneratorKindId } from '../../../src/core/generate';
import { LintWorkspace } from '../../../src/core/lint';
import { fieldsForKinds, relevantGaps } from '../../../src/commands/generate/fields';

const temps: string[] = [];
after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A Django project (manage.py, mysite/settings.py with `settings`, wsgi.py, requirements.txt) plus `extra` files. */
function project(settings: string, extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-needs-'));
  temps.push(dir);
  const files: Record<string, string> = {
    'manage.py': 'import os, sys\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n',
    'mysite/__init__.py': '',
    'mysite/wsgi.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\nfrom django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n',
    'mysite/settings.py': settings,
    'requirements.txt': 'Django==5.1\ngunicorn\npsycopg[binary]\n',
    '.python-version': '3.12\n',
    ...extra,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const BASE_SETTINGS = [
  'from pathlib import Path',
  'BASE_DIR = Path(__file__).resolve().parent.parent',
  'INSTALLED_APPS = ["django.contrib.admin", "django.contrib.staticfiles"]',
  'STATIC_URL = "static/"',
];
const settingsOf = (...lines: string[]) => [...BASE_SETTINGS, ...lines].join('\n') + '\n';

const planOf = (dir: string, overrides: PlanOverrides = {}): DeployPlan => buildPlan(detectProjectSync(dir), { domain: 'example.org', ...overrides });
const filesOf = (plan: DeployPlan, kinds: GeneratorKindId[]) => new Map(renderFiles(plan, kinds).map((f) => [f.path, f.content]));

/** Our own linter's findings on the generated files, beside the project's files. */
function lintFindings(dir: string, generated: Map<string, string>): string[] {
  const ws = new LintWorkspace({});
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (!generated.has(r)) ws.setFile(r, fs.readFileSync(path.join(dir, r), 'utf8'));
    }
  };
  walk('');
  for (const [p, text] of generated) ws.setFile(p, text);
  return [...generated.keys()].flatMap((p) => ws.lintFile(p).map((x) => `${p}: ${x.rule} ${x.message}`));
}

/** The RUN instruction that runs collectstatic, as one shell line (continuations joined). */
function collectstaticRun(dockerfile: string): string {
  const run = DockerfileParser.parse(dockerfile).getInstructions().find((i) => i.getKeyword() === 'RUN' && /collectstatic/.test(i.getArgumentsContent() ?? ''));
  assert.ok(run, 'a RUN runs collectstatic');
  return run.getArgumentsContent()!.replace(/\\\n/g, ' ');
}

describe('collectstatic at image build: a throwaway value for every variable the production settings require', () => {
  const dir = project(settingsOf(
    'import os, environ',
    'env = environ.Env()',
    'SECRET_KEY = os.environ["APP_SECRET_KEY"]',
    'DEBUG = os.environ.get("APP_DEBUG", "0") == "1"',
    'FEATURE = env.bool("FEATURE_X")',
    'WORKERS = int(os.environ["APP_WORKERS"])',
    'SENTRY_DSN = os.environ.get("SENTRY_DSN")',
    'STATIC_ROOT = BASE_DIR / "staticfiles"',
  ));
  const plan = planOf(dir);
  const dockerfile = filesOf(plan, ['dockerfile']).get('Dockerfile')!;

  it('the plan carries them, DEBUG off, the optional ones left out', () => {
    const env = Object.fromEntries(plan.buildEnv.map((e) => [e.name, e.value]));
    assert.strictEqual(env.APP_SECRET_KEY, 'build-time-only-not-a-secret');
    assert.strictEqual(env.APP_DEBUG, '0');
    assert.strictEqual(env.FEATURE_X, 'False');
    assert.strictEqual(env.APP_WORKERS, '1');
    assert.ok(!('SENTRY_DSN' in env), 'an optional variable keeps its default');
    for (const name of ['DJANGO_SECRET_KEY', 'SECRET_KEY', 'DATABASE_URL']) assert.ok(name in env, `${name}: the names it always had`);
  });

  it('the Dockerfile gives them to collectstatic only (no ENV, no ARG), and a real shell reads the values back', () => {
    const line = collectstaticRun(dockerfile);
    assert.match(line, /^export .*APP_SECRET_KEY=build-time-only-not-a-secret/);
    assert.ok(!/^(ENV|ARG) .*(SECRET|APP_)/m.test(dockerfile), 'nothing in ENV or ARG');
    const exported = line.replace(/&&\s*python manage\.py collectstatic --noinput\s*$/, '');
    const out = execFileSync('sh', ['-c', `${exported} && echo "$APP_SECRET_KEY|$APP_DEBUG|$FEATURE_X|$APP_WORKERS|$DATABASE_URL"`], { encoding: 'utf8', env: {} });
    assert.strictEqual(out.trim(), 'build-time-only-not-a-secret|0|False|1|sqlite:///:memory:');
  });

  it('the same project gives the same Dockerfile every time (no random values)', () => {
    assert.strictEqual(filesOf(planOf(dir), ['dockerfile']).get('Dockerfile'), dockerfile);
  });
});

describe('django-compressor offline: compress runs after collectstatic wherever collectstatic runs at build', () => {
  const compressing = settingsOf('INSTALLED_APPS += ["compressor"]', 'STATIC_ROOT = BASE_DIR / "staticfiles"', 'COMPRESS_OFFLINE = True');
  const dir = project(compressing);
  const plan = planOf(dir);

  it('the plan says where the settings turn it on', () => {
    assert.deepStrictEqual(plan.compressOffline, { file: 'mysite/settings.py', line: 7 });
  });

  it('Dockerfile, compose, Render and the Procfile (a TODO and a warning) agree', () => {
    const files = filesOf(plan, ['dockerfile', 'compose', 'render', 'procfile']);
    assert.match(collectstaticRun(files.get('Dockerfile')!), /&& python manage\.py collectstatic --noinput\s+&& python manage\.py compress$/);
    const compose = parseYaml(files.get('compose.yaml')!);
    assert.deepStrictEqual(compose.services.collectstatic.command, ['sh', '-c', 'python manage.py collectstatic --noinput --clear && python manage.py compress']);
    const render = parseYaml(files.get('render.yaml')!);
    assert.match(render.services[0].buildCommand, /collectstatic --noinput && python manage\.py compress$/);
    assert.match(files.get('Procfile')!, /^# TODO: COMPRESS_OFFLINE is on \(mysite\/settings\.py:7\): the build must run `python manage\.py compress`/m);
    assert.ok(planWarnings(plan, ['procfile']).some((w) => w.key === 'compressOffline' && w.message.includes('mysite/settings.py:7')));
    assert.ok(!planWarnings(plan, ['dockerfile', 'compose']).some((w) => w.key === 'compressOffline'), 'the image runs it itself: nothing to warn');
  });

  it('not without compressor, with COMPRESS_OFFLINE off, or with COMPRESS_ENABLED = False (compress would refuse to run)', () => {
    for (const settings of [
      settingsOf('STATIC_ROOT = BASE_DIR / "staticfiles"', 'COMPRESS_OFFLINE = True'),
      settingsOf('INSTALLED_APPS += ["compressor"]', 'STATIC_ROOT = BASE_DIR / "staticfiles"', 'COMPRESS_OFFLINE = False'),
      settingsOf('INSTALLED_APPS += ["compressor"]', 'STATIC_ROOT = BASE_DIR / "staticfiles"', 'COMPRESS_OFFLINE = True', 'COMPRESS_ENABLED = False'),
    ]) {
      const p = planOf(project(settings));
      assert.strictEqual(p.compressOffline, null, settings);
      assert.ok(!/manage\.py compress/.test(filesOf(p, ['dockerfile']).get('Dockerfile')!));
    }
  });

  it('an environment read whose default is True counts (the build has no value for it)', () => {
    const p = planOf(project(settingsOf('import environ', 'env = environ.Env()', 'INSTALLED_APPS += ["compressor"]', 'STATIC_ROOT = BASE_DIR / "staticfiles"', 'COMPRESS_OFFLINE = env.bool("COMPRESS_OFFLINE", default=True)')));
    assert.ok(p.compressOffline);
  });

  it('the generated files pass our own linter', () => {
    assert.deepStrictEqual(lintFindings(dir, filesOf(plan, ['dockerfile', 'compose', 'procfile'])), []);
  });
});

describe("system packages of the project's own production Dockerfile", () => {
  const settings = settingsOf('STATIC_ROOT = BASE_DIR / "staticfiles"');

  it('multi-stage: the builder\'s compilers and headers in the builder, the runtime stage\'s libraries in the runtime stage; development Dockerfiles ignored', () => {
    const dir = project(settings, {
      'docker/Dockerfile': [
        'FROM python:3.12-slim AS build',
        'RUN apt-get update && apt-get install -y build-essential libpq-dev gcc gettext',
        'FROM python:3.12-slim',
        'RUN apt-get update \\',
        '    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\',
        '        # libmagic for python-magic',
        '        libmagic1 \\',
        '        libpq5=15.* gettext python3 \\',
        '    && rm -rf /var/lib/apt/lists/*',
        'CMD ["gunicorn", "mysite.wsgi"]',
        '',
      ].join('\n'),
      'Dockerfile.dev': 'FROM python:3.12\nRUN apt-get update && apt-get install -y vim\n',
    });
    const plan = planOf(dir);
    assert.deepStrictEqual(plan.systemPackages && { runtime: plan.systemPackages.runtime, build: plan.systemPackages.build, sources: plan.systemPackages.sources },
      { runtime: ['libmagic1', 'libpq5', 'gettext'], build: ['build-essential', 'libpq-dev', 'gcc'], sources: { runtime: ['docker/Dockerfile:4'], build: ['docker/Dockerfile:2'] } });
    const dockerfile = filesOf(plan, ['dockerfile']).get('Dockerfile')!;
    const stages = dockerfile.split(/^FROM /m);
    assert.match(stages[1], /apt-get install -y --no-install-recommends build-essential libpq-dev gcc \\\n\s+&& rm -rf \/var\/lib\/apt\/lists\/\*/);
    assert.ok(stages[1].indexOf('apt-get install') < stages[1].indexOf('pip install'), 'before the dependencies are built');
    assert.match(stages[2], /apt-get install -y --no-install-recommends libmagic1 libpq5 gettext \\\n\s+&& rm -rf \/var\/lib\/apt\/lists\/\*/);
    assert.ok(stages[2].indexOf('apt-get install') < stages[2].indexOf('\nUSER '), 'installed as root, before USER');
    assert.ok(!/vim/.test(dockerfile), 'Dockerfile.dev is a development file');
    assert.ok(!/build-essential|gcc/.test(stages[2]), 'no compiler in the runtime image');
    assert.deepStrictEqual(lintFindings(dir, filesOf(plan, ['dockerfile'])).filter((f) => f.startsWith('Dockerfile')), []);
  });

  it('one stage that purges what it built with (shell variables as bakerydemo writes them): those are build-time, their libraries run-time', () => {
    const dir = project(settings, {
      Dockerfile: [
        'FROM python:3.12-slim',
        'ARG EXTRA=curl',
        'RUN set -ex \\',
        '    && BUILD_DEPS=" \\',
        '        build-essential \\',
        '        libpq-dev \\',
        '    " \\',
        '    && apt-get update && apt-get install -y --no-install-recommends $BUILD_DEPS ${EXTRA} git \\',
        '    && pip install -r requirements.txt \\',
        '    && apt-get purge -y --auto-remove $BUILD_DEPS git \\',
        '    && rm -rf /var/lib/apt/lists/*',
        '',
      ].join('\n'),
    });
    const sp = planOf(dir).systemPackages!;
    assert.deepStrictEqual(sp.runtime, ['curl', 'libpq5'], 'curl stays; libpq-dev was purged, so its library is what the app needs');
    assert.deepStrictEqual(sp.build, ['build-essential', 'libpq-dev', 'git']);
    assert.deepStrictEqual(sp.sources, { runtime: ['Dockerfile:3'], build: ['Dockerfile:3'] });
  });

  it('Alpine packages are named otherwise on Debian: reported in a TODO and a warning, not installed', () => {
    const dir = project(settings, {
      Dockerfile: 'FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && apk add --no-cache libmagic postgresql-libs && pip install -r requirements.txt && apk del .build-deps\n',
    });
    const plan = planOf(dir);
    assert.deepStrictEqual(plan.systemPackages?.foreign, ['gcc', 'musl-dev', 'libmagic', 'postgresql-libs']);
    const dockerfile = filesOf(plan, ['dockerfile']).get('Dockerfile')!;
    assert.ok(!/apt-get install/.test(dockerfile));
    assert.match(dockerfile, /^# TODO: the project's image on python:3\.12-alpine \(Dockerfile:2\) installs$/m);
    assert.ok(planWarnings(plan, ['dockerfile']).some((w) => w.key === 'systemPackages' && /Dockerfile:2/.test(w.message)));
  });

  it('packages installed after the Dockerfile adds an apt source of its own (PGDG, NodeSource) are reported, not installed', () => {
    // As Netflix/dispatch writes it: Debian's archive has no postgresql-client-14 for the generated image.
    const dir = project(settings, {
      Dockerfile: [
        'FROM python:3.11-slim',
        'RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates wget gnupg',
        'RUN echo "deb http://apt.postgresql.org/pub/repos/apt bullseye-pgdg main" > /etc/apt/sources.list.d/pgdg.list && wget -qO - https://www.postgresql.org/media/keys/ACCC4CF8.asc | apt-key add -',
        'RUN wget -qO - https://deb.nodesource.com/setup_20.x | bash -',
        'RUN apt-get update && apt-get install -y postgresql-client-14 nodejs libpq5',
        '',
      ].join('\n'),
    });
    const sp = planOf(dir).systemPackages!;
    assert.deepStrictEqual(sp.runtime, ['ca-certificates', 'wget', 'gnupg']);
    assert.deepStrictEqual(sp.foreign, ['postgresql-client-14', 'nodejs', 'libpq5']);
    assert.deepStrictEqual(sp.foreignSources, ['Dockerfile:5']);
    for (const [name, line] of [['apt-key', 2], ['a setup script piped into bash', 3]] as const) {
      const one = project(settings, {
        Dockerfile: ['FROM python:3.11-slim', line === 2 ? 'RUN curl -fsSL https://example.org/key.asc | apt-key add -' : 'RUN curl -fsSL https://deb.nodesource.com/setup_20.x | bash -', 'RUN apt-get install -y nodejs', ''].join('\n'),
      });
      assert.deepStrictEqual(planOf(one).systemPackages?.foreign, ['nodejs'], name);
    }
  });

  it('no production Dockerfile, or one that installs nothing: no apt-get line', () => {
    for (const extra of [{} as Record<string, string>, { Dockerfile: 'FROM python:3.12-slim\nRUN pip install -r requirements.txt\n' }]) {
      const plan = planOf(project(settings, extra));
      assert.strictEqual(plan.systemPackages, null);
      assert.ok(!/apt-get/.test(filesOf(plan, ['dockerfile']).get('Dockerfile')!));
    }
  });

  it('the generated Dockerfile read back as the project\'s own gives the same packages in the same stages', () => {
    const dir = project(settings, { 'docker/Dockerfile': 'FROM python:3.12-slim AS build\nRUN apt-get install -y gcc libpq-dev\nFROM python:3.12-slim\nRUN apt-get install -y libpq5\n' });
    const first = planOf(dir);
    fs.rmSync(path.join(dir, 'docker'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Dockerfile'), filesOf(first, ['dockerfile']).get('Dockerfile')!);
    const again = planOf(dir).systemPackages!;
    assert.deepStrictEqual([again.runtime, again.build], [first.systemPackages!.runtime, first.systemPackages!.build]);
  });
});

describe('a STATIC_ROOT the settings compute in a way that cannot be read', () => {
  const dir = project(settingsOf('def static_dir():', '    return "/var/www/static"', 'STATIC_ROOT = static_dir()'));
  const detection = detectProjectSync(dir);

  it('the plan says which file and line, warns for every file that uses the folder, and the files carry a TODO', () => {
    const plan = planOf(dir);
    assert.deepStrictEqual(plan.staticRootUnread, { file: 'mysite/settings.py', line: 7, expression: 'static_dir()' });
    for (const kind of ['nginx', 'dockerfile', 'compose'] as const) {
      const w = planWarnings(plan, [kind]).find((x) => x.key === 'staticRoot');
      assert.ok(w && w.message.includes('mysite/settings.py:7') && w.message.includes('--set staticRoot='), kind);
    }
    const files = filesOf(plan, ['nginx', 'dockerfile']);
    assert.match(files.get('deploy/nginx/mysite.conf')!, /# TODO: STATIC_ROOT in mysite\/settings\.py:7 could not be read: this folder is a guess/);
    assert.match(files.get('Dockerfile')!, /# TODO: STATIC_ROOT in mysite\/settings\.py:7 could not be read: \/app\/staticfiles is a guess/);
  });

  it('--set staticRoot=... answers it: the folder is used and nothing is warned', () => {
    const plan = planOf(dir, { staticRoot: '/var/www/static' });
    assert.strictEqual(plan.staticRootUnread, null);
    assert.ok(!planWarnings(plan, ['nginx', 'dockerfile', 'compose']).some((w) => w.key === 'staticRoot'));
    assert.match(filesOf(plan, ['nginx']).get('deploy/nginx/mysite.conf')!, /alias \/var\/www\/static\/;/);
  });

  it('the editor asks it (a gap naming the line) for the nginx site, the Dockerfile and compose', () => {
    const gap = planGaps(detection).find((g) => g.key === 'staticRoot');
    assert.ok(gap && gap.reason.includes('mysite/settings.py:7'));
    for (const kind of ['nginx', 'dockerfile', 'compose']) {
      assert.ok(fieldsForKinds([kind]).includes('staticRoot'), kind);
      assert.ok(relevantGaps(planGaps(detection), [kind]).some((g) => g.key === 'staticRoot'), kind);
    }
  });

  it('a STATIC_ROOT that is read gives no warning', () => {
    const plan = planOf(project(settingsOf('STATIC_ROOT = BASE_DIR / "collected"')));
    assert.strictEqual(plan.staticRootUnread, null);
    assert.strictEqual(plan.staticRoot, '/srv/mysite/collected');
  });
});
