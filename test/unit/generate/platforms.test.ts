// fly.toml, render.yaml and app.json: each parses, uses only the keys its platform documents, and agrees
// with the Procfile and the Dockerfile made from the same plan (start command, port, migrations, worker).
import * as assert from 'assert';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { detectProjectSync } from '../../../src/core/detect';
import { buildPlan, type PlanOverrides } from '../../../src/core/plan';
import { GENERATOR_KIND_IDS, renderFiles } from '../../../src/core/generate';
import { lintFiles } from '../lint/helpers';

const repo = path.resolve(__dirname, '../../../..');
const POLLS = path.join(repo, 'examples/django-polls');
const CHANNELS = path.join(repo, 'test/fixtures/projects/django-channels');
const SPLIT = path.join(repo, 'test/fixtures/projects/django-split');
const planFor = (dir: string, o: PlanOverrides = {}) => buildPlan(detectProjectSync(dir), o);
const text = (dir: string, kind: 'flyio' | 'render' | 'appjson' | 'procfile' | 'dockerfile', file: string, o: PlanOverrides = {}) =>
  renderFiles(planFor(dir, o), [kind]).find((f) => f.path === file)!.content;

type Doc = Record<string, unknown>;
/** Fails naming every key of `obj` that the platform's reference does not document. */
function onlyDocumented(obj: unknown, allowed: readonly string[], where: string): void {
  assert.ok(obj && typeof obj === 'object' && !Array.isArray(obj), `${where} is a table`);
  const unknown = Object.keys(obj as Doc).filter((k) => !allowed.includes(k));
  assert.deepStrictEqual(unknown, [], `${where}: keys the platform does not document`);
}

// Fly.io, "App configuration (fly.toml)" reference.
const FLY = {
  top: ['app', 'primary_region', 'kill_signal', 'kill_timeout', 'swap_size_mb', 'console_command', 'build', 'deploy', 'env', 'http_service', 'services', 'checks', 'mounts', 'statics', 'processes', 'vm', 'metrics', 'files', 'restart', 'experimental'],
  build: ['builder', 'buildpacks', 'args', 'image', 'dockerfile', 'ignorefile', 'build-target'],
  deploy: ['release_command', 'release_command_timeout', 'release_command_vm', 'strategy', 'max_unavailable', 'wait_timeout'],
  http_service: ['internal_port', 'force_https', 'auto_stop_machines', 'auto_start_machines', 'min_machines_running', 'processes', 'concurrency', 'checks', 'machine_checks', 'tls_options', 'http_options'],
  check: ['grace_period', 'interval', 'method', 'timeout', 'path', 'protocol', 'tls_server_name', 'tls_skip_verify', 'headers'],
  statics: ['guest_path', 'url_prefix', 'tigris_bucket', 'index_document'],
  mounts: ['source', 'destination', 'processes', 'initial_size', 'snapshot_retention', 'auto_extend_size_threshold', 'auto_extend_size_increment', 'auto_extend_size_limit'],
  vm: ['size', 'memory', 'cpus', 'cpu_kind', 'gpus', 'gpu_kind', 'kernel_args', 'host_dedication_id', 'persist_rootfs', 'processes', 'memory_mb'],
};
// Render, "Blueprint YAML Reference".
const RENDER = {
  top: ['services', 'databases', 'envVarGroups', 'previews'],
  service: ['type', 'name', 'runtime', 'plan', 'region', 'repo', 'branch', 'rootDir', 'buildCommand', 'startCommand', 'preDeployCommand', 'healthCheckPath', 'envVars', 'autoDeploy', 'autoDeployTrigger', 'numInstances', 'scaling', 'disk', 'domains', 'ipAllowList', 'maxmemoryPolicy', 'buildFilter', 'dockerfilePath', 'dockerContext', 'dockerCommand', 'image', 'schedule', 'previews', 'maxShutdownDelaySeconds'],
  types: ['web', 'pserv', 'worker', 'cron', 'keyvalue', 'redis'],
  envVar: ['key', 'value', 'generateValue', 'sync', 'fromDatabase', 'fromService', 'fromGroup', 'previewValue'],
  fromService: ['type', 'name', 'property', 'envVarKey'],
  fromDatabase: ['name', 'property'],
  database: ['name', 'plan', 'databaseName', 'user', 'region', 'postgresMajorVersion', 'ipAllowList', 'readReplicas', 'diskSizeGB', 'highAvailability', 'previewPlan'],
};
// Heroku, "app.json Schema".
const APP_JSON = {
  top: ['name', 'description', 'keywords', 'website', 'repository', 'logo', 'success_url', 'scripts', 'env', 'formation', 'image', 'addons', 'buildpacks', 'environments', 'stack'],
  env: ['description', 'value', 'required', 'generator'],
  formation: ['quantity', 'size'],
  addon: ['plan', 'as', 'options'],
};

describe('platform files', () => {
  describe('fly.toml', () => {
    for (const [label, dir] of [['polls (SQLite)', POLLS], ['channels (Celery, ASGI)', CHANNELS], ['split settings (PostgreSQL)', SPLIT]] as const) {
      it(`${label}: parses as TOML with only documented keys`, () => {
        const doc = parseToml(text(dir, 'flyio', 'fly.toml')) as Doc;
        onlyDocumented(doc, FLY.top, 'fly.toml');
        onlyDocumented(doc.build, FLY.build, '[build]');
        if (doc.deploy) onlyDocumented(doc.deploy, FLY.deploy, '[deploy]');
        onlyDocumented(doc.http_service, FLY.http_service, '[http_service]');
        for (const c of (doc.http_service as Doc).checks as Doc[]) onlyDocumented(c, FLY.check, '[[http_service.checks]]');
        for (const s of (doc.statics ?? []) as Doc[]) onlyDocumented(s, FLY.statics, '[[statics]]');
        for (const m of (doc.mounts ?? []) as Doc[]) onlyDocumented(m, FLY.mounts, '[[mounts]]');
        for (const v of doc.vm as Doc[]) onlyDocumented(v, FLY.vm, '[[vm]]');
        for (const v of Object.values(doc.env as Doc)) assert.strictEqual(typeof v, 'string', '[env] values are strings');
      });
    }

    it('agrees with the Dockerfile: internal_port is the port the image binds, statics the collected folder', () => {
      const doc = parseToml(text(SPLIT, 'flyio', 'fly.toml')) as Doc;
      const docker = text(SPLIT, 'dockerfile', 'Dockerfile');
      const port = (doc.http_service as Doc).internal_port;
      assert.match(docker, new RegExp(`^ENV PORT=${port}$`, 'm'));
      assert.strictEqual((doc.env as Doc).PORT, String(port));
      assert.strictEqual((doc.deploy as Doc).release_command, 'python manage.py migrate --noinput --settings=config.settings.production');
      assert.match(docker, new RegExp(`collectstatic`));
      assert.deepStrictEqual(JSON.parse(JSON.stringify(doc.statics)), [{ guest_path: '/app/staticfiles', url_prefix: '/assets/' }], 'STATIC_URL of the settings');
      assert.strictEqual((doc.http_service as Doc).force_https, true);
    });

    it('SQLite: a volume where the image keeps the database, one machine, migrations as the app starts', () => {
      const doc = parseToml(text(POLLS, 'flyio', 'fly.toml')) as Doc;
      assert.strictEqual((doc.mounts as Doc[])[0].destination, '/app/data');
      assert.strictEqual((doc.http_service as Doc).min_machines_running, 1);
      assert.strictEqual(doc.deploy, undefined, 'release_command runs without volumes');
      assert.match((doc.processes as Doc).app as string, /^sh -c "python manage\.py migrate --noinput && exec gunicorn --bind 0\.0\.0\.0:\$\{PORT:-8000\}/);
      // And CW607 has nothing to say about SQLite on a Fly volume; CW606 nothing about static files Fly serves.
      const settings = require('fs').readFileSync(path.join(POLLS, 'mysite/settings.py'), 'utf8');
      assert.deepStrictEqual(lintFiles({ 'mysite/settings.py': settings, 'fly.toml': text(POLLS, 'flyio', 'fly.toml') }, 'CW607'), []);
      assert.deepStrictEqual(lintFiles({ 'mysite/settings.py': settings, 'fly.toml': text(POLLS, 'flyio', 'fly.toml') }, 'CW606'), []);
    });

    it('Celery: a worker process group; the HTTP service only on app', () => {
      const doc = parseToml(text(CHANNELS, 'flyio', 'fly.toml')) as Doc;
      assert.strictEqual((doc.processes as Doc).worker, 'celery -A chat worker --loglevel=info');
      assert.deepStrictEqual((doc.http_service as Doc).processes, ['app']);
    });
  });

  describe('render.yaml', () => {
    for (const [label, dir] of [['polls (SQLite)', POLLS], ['channels (Celery)', CHANNELS], ['split settings (PostgreSQL)', SPLIT]] as const) {
      it(`${label}: a Blueprint with only documented keys, no YAML aliases`, () => {
        const raw = text(dir, 'render', 'render.yaml');
        assert.doesNotMatch(raw, /[&*]a\d/, 'aliases are hard to read and edit');
        const doc = parseYaml(raw) as Doc;
        onlyDocumented(doc, RENDER.top, 'render.yaml');
        for (const s of doc.services as Doc[]) {
          onlyDocumented(s, RENDER.service, `service ${s.name}`);
          assert.ok(RENDER.types.includes(s.type as string), `service type ${s.type}`);
          for (const e of (s.envVars ?? []) as Doc[]) {
            onlyDocumented(e, RENDER.envVar, `${s.name} envVars ${e.key}`);
            if (e.fromService) onlyDocumented(e.fromService, RENDER.fromService, 'fromService');
            if (e.fromDatabase) onlyDocumented(e.fromDatabase, RENDER.fromDatabase, 'fromDatabase');
          }
        }
        for (const d of (doc.databases ?? []) as Doc[]) onlyDocumented(d, RENDER.database, `database ${d.name}`);
      });
    }

    it('agrees with the Procfile: the same web command on $PORT and the same migrations; collectstatic in the build', () => {
      const doc = parseYaml(text(SPLIT, 'render', 'render.yaml')) as Doc;
      const web = (doc.services as Doc[])[0];
      const procfile = text(SPLIT, 'procfile', 'Procfile');
      assert.strictEqual(`web: ${web.startCommand}`, procfile.split('\n').find((l) => l.startsWith('web:')));
      assert.strictEqual(`release: ${web.preDeployCommand}`, procfile.split('\n').find((l) => l.startsWith('release:')));
      assert.match(web.buildCommand as string, /collectstatic --noinput/);
      const dbUrl = (web.envVars as Doc[]).find((e) => e.key === 'DATABASE_URL')!;
      assert.deepStrictEqual(dbUrl.fromDatabase, { name: `${web.name}-db`, property: 'connectionString' });
      assert.strictEqual((doc.databases as Doc[])[0].name, `${web.name}-db`);
      assert.deepStrictEqual((web.envVars as Doc[]).find((e) => e.key === 'DJANGO_SECRET_KEY'), { key: 'DJANGO_SECRET_KEY', generateValue: true });
    });

    it('Celery: a worker service sharing the web service\'s generated key, and Redis', () => {
      const doc = parseYaml(text(CHANNELS, 'render', 'render.yaml')) as Doc;
      const worker = (doc.services as Doc[]).find((s) => s.type === 'worker')!;
      assert.strictEqual(worker.startCommand, 'celery -A chat worker --loglevel=info');
      assert.deepStrictEqual((worker.envVars as Doc[]).find((e) => e.key === 'DJANGO_SECRET_KEY')!.fromService, { type: 'web', name: 'chat', envVarKey: 'DJANGO_SECRET_KEY' });
      assert.ok((doc.services as Doc[]).some((s) => s.type === 'keyvalue'));
    });
  });

  describe('app.json', () => {
    for (const [label, dir] of [['polls (SQLite)', POLLS], ['channels (Celery)', CHANNELS], ['split settings (PostgreSQL)', SPLIT]] as const) {
      it(`${label}: JSON with only the keys of Heroku's app.json schema`, () => {
        const doc = JSON.parse(text(dir, 'appjson', 'app.json')) as Doc;
        onlyDocumented(doc, APP_JSON.top, 'app.json');
        for (const [k, v] of Object.entries(doc.env as Doc)) onlyDocumented(v, APP_JSON.env, `env ${k}`);
        for (const [k, v] of Object.entries(doc.formation as Doc)) onlyDocumented(v, APP_JSON.formation, `formation ${k}`);
        for (const a of doc.addons as Doc[]) onlyDocumented(a, APP_JSON.addon, `addon ${a.plan}`);
      });
    }

    it('a generated secret key, Postgres for a SQLite or PostgreSQL project, a worker dyno for each Procfile process', () => {
      const polls = JSON.parse(text(POLLS, 'appjson', 'app.json')) as Doc;
      assert.deepStrictEqual((polls.env as Doc).DJANGO_SECRET_KEY, { description: 'The secret key: generated once for this app, never in the code.', generator: 'secret' });
      assert.deepStrictEqual((polls.addons as Doc[]).map((a) => a.plan), ['heroku-postgresql:essential-0']);
      const chat = JSON.parse(text(CHANNELS, 'appjson', 'app.json')) as Doc;
      const procfile = text(CHANNELS, 'procfile', 'Procfile');
      for (const type of Object.keys(chat.formation as Doc)) assert.match(procfile, new RegExp(`^${type}: `, 'm'), `formation ${type} is a Procfile process`);
    });
  });

  it('`all` still means the server and container files: platform files are asked for by name', () => {
    assert.ok(!GENERATOR_KIND_IDS.includes('flyio') && !GENERATOR_KIND_IDS.includes('render') && !GENERATOR_KIND_IDS.includes('appjson'));
  });
});
