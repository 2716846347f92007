// Platform files from the same plan as the others: fly.toml (Fly.io), render.yaml (a Render Blueprint) and
// app.json (Heroku). Each names the same start command, port, migrations and worker as the Procfile and the
// Dockerfile, and only keys the platform documents (the unit tests hold each file to that list).
import { stringify as toToml } from 'smol-toml';
import { stringify as toYaml } from './yamlText';
import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { CONTAINER_APP_DIR, SQLITE_DATA_DIR, celeryArgs, gunicornArgs, header, inContainer, managePy, primaryDomain, settingsFlag, sqliteInContainer } from './common';
import { containerStart } from './dockerfile';

/** The hosts the app answers to on a platform: its own domain (if given) and the platform's name for it. */
function platformHosts(plan: DeployPlan, platformHost: string): string {
  const own = plan.domain === 'example.com' ? [] : plan.domain.split(' ');
  return [platformHost, ...own].join(',');
}

const secretKeyName = (plan: DeployPlan) => (plan.framework === 'django' ? 'DJANGO_SECRET_KEY' : 'SECRET_KEY');

/** `manage.py migrate` for a platform's release step, or null (not Django). */
function migrateCommand(plan: DeployPlan): string | null {
  return plan.migrate ? ['python', managePy(plan), 'migrate', '--noinput', ...settingsFlag(plan)].join(' ') : null;
}

// --- Fly.io ------------------------------------------------------------------------------------------

/**
 * `fly.toml`: the image from the Dockerfile on `internal_port` (= the plan's port, which the image binds when
 * Fly sets no $PORT), HTTPS forced, migrations in `release_command`, static files served by Fly's proxy
 * from the image ([[statics]]), the Celery worker as a second process group. SQLite lives on a volume
 * (one machine; Fly runs release_command without volumes, so the app migrates as it starts).
 */
export function renderFlyToml(plan: DeployPlan): GeneratedFile[] {
  const sqlite = sqliteInContainer(plan);
  const host = `${plan.name}.fly.dev`;
  const doc: Record<string, unknown> = {
    app: plan.name,
    console_command: `python ${managePy(plan)} shell`,
    build: { dockerfile: 'Dockerfile' },
    env: { PORT: String(plan.port), DJANGO_ALLOWED_HOSTS: platformHosts(plan, host), WEB_CONCURRENCY: String(plan.workers) },
  };
  const migrate = migrateCommand(plan);
  if (migrate && !sqlite) doc.deploy = { release_command: migrate };
  const web = sqlite && migrate ? `sh -c "${migrate} && exec ${containerStart(plan).replace(/\$\{/g, '${').replace(/"/g, '\\"')}"` : null;
  if (plan.celery || web) {
    doc.processes = { app: web ?? `sh -c "exec ${containerStart(plan).replace(/"/g, '\\"')}"`, ...(plan.celery ? { worker: ['celery', ...celeryArgs(plan)].join(' ') } : {}) };
  }
  doc.http_service = {
    internal_port: plan.port,
    force_https: true,
    auto_stop_machines: 'stop',
    auto_start_machines: true,
    min_machines_running: sqlite ? 1 : 0,
    ...(doc.processes ? { processes: ['app'] } : {}),
    checks: [{ grace_period: '20s', interval: '30s', method: 'GET', path: plan.healthPath, timeout: '5s', headers: { Host: host } }],
  };
  if (plan.collectstatic) doc.statics = [{ guest_path: inContainer(plan, plan.staticRoot), url_prefix: plan.staticUrl }];
  if (sqlite) doc.mounts = [{ source: `${plan.name.replace(/-/g, '_')}_data`, destination: SQLITE_DATA_DIR, ...(doc.processes ? { processes: ['app'] } : {}) }];
  doc.vm = [{ size: 'shared-cpu-1x', memory: '512mb' }];
  const text = header(
    `fly.toml of ${plan.name}: the image from the Dockerfile on Fly.io, HTTPS forced, migrations before each release.`,
    'flyio',
    `the region (fly launch asks), the machine size; secrets with \`fly secrets set ${secretKeyName(plan)}=…\`, never here.`,
  ) + (sqlite ? `# SQLite: the database sits on the volume at ${SQLITE_DATA_DIR} (one machine); the app migrates as it starts, since\n# release_command runs without volumes. To run more machines, move to Postgres (fly postgres attach).\n` : '')
    + `# The app: ${CONTAINER_APP_DIR} in the image; Fly sets no $PORT, so the image's default (${plan.port}) is internal_port.\n`
    + toToml(doc) + '\n';
  return [{ kind: 'flyio', path: 'fly.toml', content: text }];
}

// --- Render -------------------------------------------------------------------------------------------

/** `render.yaml`: a Blueprint with the web service (native Python runtime), PostgreSQL, Redis and the worker. */
export function renderRenderYaml(plan: DeployPlan): GeneratedFile[] {
  const install = plan.requirementsFile ? `pip install -r ${plan.requirementsFile}` : 'pip install .';
  const extra = plan.extraPackages.length ? ` ${plan.extraPackages.join(' ')}` : '';
  const build = [
    `${install}${plan.requirementsFile ? extra : extra}`,
    ...(plan.collectstatic ? [['python', managePy(plan), 'collectstatic', '--noinput', ...settingsFlag(plan)].join(' ')] : []),
    ...(plan.compressOffline ? [['python', managePy(plan), 'compress', ...settingsFlag(plan)].join(' ')] : []),
  ].join(' && ');
  const start = plan.server === 'uwsgi'
    ? `uwsgi --http-socket 0.0.0.0:$PORT --master --processes $WEB_CONCURRENCY --die-on-term --module ${plan.appTarget}`
    : ['gunicorn', ...gunicornArgs(plan, '0.0.0.0:$PORT')].join(' ');
  const db = `${plan.name}-db`;
  const kv = `${plan.name}-redis`;
  const env: Record<string, unknown>[] = [
    { key: secretKeyName(plan), generateValue: true },
    { key: 'DJANGO_ALLOWED_HOSTS', value: platformHosts(plan, `${plan.name}.onrender.com`) },
    { key: 'WEB_CONCURRENCY', value: String(plan.workers) },
  ];
  if (plan.settingsModule) env.push({ key: 'DJANGO_SETTINGS_MODULE', value: plan.settingsModule });
  const withDb = plan.database !== null && plan.database !== 'mysql';
  if (withDb) env.push({ key: 'DATABASE_URL', fromDatabase: { name: db, property: 'connectionString' } });
  if (plan.redis || plan.celery) env.push({ key: 'REDIS_URL', fromService: { type: 'keyvalue', name: kv, property: 'connectionString' } });
  const services: Record<string, unknown>[] = [{
    type: 'web',
    name: plan.name,
    runtime: 'python',
    plan: 'starter',
    buildCommand: build,
    ...(migrateCommand(plan) ? { preDeployCommand: migrateCommand(plan) } : {}),
    startCommand: start,
    healthCheckPath: plan.healthPath,
    envVars: env,
  }];
  if (plan.celery) {
    services.push({ type: 'worker', name: `${plan.name}-worker`, runtime: 'python', plan: 'starter', buildCommand: `${install}${extra}`, startCommand: ['celery', ...celeryArgs(plan)].join(' '), envVars: env.filter((e) => e.key !== 'WEB_CONCURRENCY').map((e) => (e.generateValue
      // One secret key for both: the worker reads the web service's generated value.
      ? { key: e.key, fromService: { type: 'web', name: plan.name, envVarKey: e.key } }
      : e)) });
  }
  if (plan.redis || plan.celery) services.push({ type: 'keyvalue', name: kv, plan: 'starter', ipAllowList: [] });
  const doc: Record<string, unknown> = { services };
  if (withDb) doc.databases = [{ name: db, plan: 'basic-256mb', databaseName: plan.name.replace(/-/g, '_'), user: plan.name.replace(/-/g, '_') }];
  const text = header(
    `render.yaml of ${plan.name}: a Render Blueprint (web service, ${withDb ? 'PostgreSQL, ' : ''}migrations before each deploy). Render builds it on every push.`,
    'render',
    'plans and region for your needs (render.com/pricing); Render generates the secret key and sets DATABASE_URL.',
  ) + (plan.database === 'sqlite' ? '# SQLite would be lost at every deploy on Render: the settings must read DATABASE_URL (lint rule CW607 has the fix).\n' : '')
    + (plan.database === 'mysql' ? '# Render offers no managed MySQL: set DATABASE_URL to your MySQL server in the dashboard (sync: false).\n' : '')
    + '# Static files: collected by the build, served by WhiteNoise (lint rule CW606). Python: from .python-version.\n'
    + toYaml(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  return [{ kind: 'render', path: 'render.yaml', content: text }];
}

// --- Heroku -------------------------------------------------------------------------------------------

/** `app.json`: Heroku's app manifest (the Procfile holds the processes): buildpack, config vars, add-ons, dynos. */
export function renderAppJson(plan: DeployPlan): GeneratedFile[] {
  const addons: Record<string, unknown>[] = [];
  if (plan.database === 'postgresql' || plan.database === 'sqlite') addons.push({ plan: 'heroku-postgresql:essential-0', as: 'DATABASE' });
  if (plan.redis || plan.celery) addons.push({ plan: 'heroku-redis:mini', as: 'REDIS' });
  const doc = {
    name: plan.name,
    // JSON has no comments: the description says where the file came from.
    description: `${plan.name}. Made by \`cloudward generate appjson\` from the project's deploy plan; the Procfile holds the processes.`,
    buildpacks: [{ url: 'heroku/python' }],
    env: {
      [secretKeyName(plan)]: { description: 'The secret key: generated once for this app, never in the code.', generator: 'secret' },
      DJANGO_ALLOWED_HOSTS: { description: 'Host names the site answers to (comma-separated): the app\'s herokuapp.com name and your domain.', value: platformHosts(plan, '.herokuapp.com') },
      ...(plan.settingsModule ? { DJANGO_SETTINGS_MODULE: { description: 'The production settings module.', value: plan.settingsModule } } : {}),
    },
    formation: { web: { quantity: 1, size: 'basic' }, ...(plan.celery ? { worker: { quantity: 1, size: 'basic' } } : {}) },
    addons,
  };
  return [{ kind: 'appjson', path: 'app.json', content: JSON.stringify(doc, null, 2) + '\n' }];
}

/** The main host of a platform for the plan (what `cloudward verify` should fetch after the deploy). */
export function platformUrl(plan: DeployPlan, platform: 'heroku' | 'render' | 'fly' | 'cloudrun'): string {
  if (plan.domain !== 'example.com') return `https://${primaryDomain(plan)}/`;
  switch (platform) {
    case 'fly': return `https://${plan.name}.fly.dev/`;
    case 'render': return `https://${plan.name}.onrender.com/`;
    default: return '';
  }
}
