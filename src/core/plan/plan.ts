// The deploy plan: detection + the user's choices, validated once, rendered by every generator.
import path = require('path');
import type { Detection } from '../detect/types';
import { DEFAULT_PYTHON } from '../imageTags';
import { buildTimeEnv } from '../project/envVars';
import { DEBIAN_PACKAGE } from '../project/systemPackages';
import type { BuildPlanOptions, DeployPlan, PlanField, PlanGap, PlanOverrides } from './types';

/** A plan value that is missing or invalid; `key` names the field (for `--set key=...` or an input box). */
export class PlanError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;
const POSIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
// Characters that would break out of an nginx, systemd or YAML value.
const SAFE_PATH = /^\/[A-Za-z0-9._@+/-]*$/;
const HOST = /^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const MODULE = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;
const TARGET = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\(\))?$/;
const IMAGE = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$/;
const BOOL_TRUE = ['true', 'yes', 'on', '1'];
const BOOL_FALSE = ['false', 'no', 'off', '0'];

/**
 * Workers when nothing says how many the server has: 2 × 1 + 1, gunicorn's starting point for one core,
 * the smallest common VPS, container and platform instance. Never the cores of the machine running the
 * editor: a 16-core laptop would put 33 workers in a 512 MiB pod.
 */
export const DEFAULT_WORKERS = 3;

/** gunicorn's starting point, 2 × cores + 1, for the cores of the server (undefined: DEFAULT_WORKERS). */
export function workersFor(cores: number | undefined): number {
  return cores && cores > 0 ? Math.min(256, 2 * Math.floor(cores) + 1) : DEFAULT_WORKERS;
}

const integer = (min: number, max: number) => (v: string) =>
  /^\d+$/.test(v.trim()) && Number(v) >= min && Number(v) <= max ? undefined : `must be a whole number from ${min} to ${max}`;
/**
 * Folders an app path must never be: serving, chowning or making writable one of them hands the system
 * to the app (`alias /;`, `chown -R app /etc`, `ReadWritePaths=/usr`).
 */
export const SYSTEM_ROOTS = new Set([
  '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/libx32', '/lost+found', '/media', '/mnt',
  '/opt', '/proc', '/root', '/run', '/sbin', '/snap', '/srv', '/sys', '/tmp', '/usr', '/var',
  '/usr/bin', '/usr/include', '/usr/lib', '/usr/lib32', '/usr/lib64', '/usr/libexec', '/usr/local', '/usr/local/bin',
  '/usr/local/lib', '/usr/local/sbin', '/usr/sbin', '/usr/share', '/usr/src',
  '/var/backups', '/var/cache', '/var/lib', '/var/local', '/var/lock', '/var/log', '/var/mail', '/var/opt', '/var/run',
  '/var/spool', '/var/tmp', '/var/www', '/etc/nginx', '/etc/systemd', '/etc/ssh', '/etc/ssl',
]);
/** PATH_MAX on Linux; a unit file refuses longer paths anyway. */
const PATH_MAX = 4095;

const absPath = (v: string) => absPathExcept(v, []);
/** A virtualenv may be the system Python's prefix (/usr, /usr/local): nothing writes or serves there. */
const venvPath = (v: string) => absPathExcept(v, ['/usr', '/usr/local']);
const absPathExcept = (v: string, allowed: string[]) =>
  !v.startsWith('/') ? 'must be an absolute path (starting with /)'
  : v.length > PATH_MAX ? `must be at most ${PATH_MAX} characters`
  : !SAFE_PATH.test(v) ? 'may only contain letters, digits and . _ - @ + / (no spaces or quotes)'
  : v.split('/').some((s, i, all) => s === '..' || s === '.' || (s === '' && i > 0 && i < all.length - 1)) ? 'must be a normalised path (no . or .. segments, no //)'
  : SYSTEM_ROOTS.has(v.replace(/(.)\/+$/, '$1')) && !allowed.includes(v.replace(/(.)\/+$/, '$1')) ? `must not be ${v.replace(/(.)\/+$/, '$1')}: that is a system folder, give one of the app's own`
  : undefined;

/** A file of the project, relative to its folder (requirements, lock, SQLite files): no way out, nothing a shell or YAML would read. */
const RELATIVE_FILE = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
const relativeFile = (v: string) =>
  v.length > 255 ? 'must be at most 255 characters'
  : !RELATIVE_FILE.test(v) ? 'must be a relative file name of letters, digits and . _ - / (no spaces, quotes, $, ; or ..)'
  : undefined;

/**
 * The drivers a Python web app reaches PostgreSQL with (normalised distribution names): Django needs psycopg
 * (3) or psycopg2; SQLAlchemy takes these and asyncpg/pg8000.
 */
export const POSTGRES_DRIVERS = ['psycopg', 'psycopg-binary', 'psycopg-c', 'psycopg2', 'psycopg2-binary', 'asyncpg', 'pg8000'] as const;

/**
 * Plan values that only detection sets (no --set), held to the same kind of rule as typed ones: every
 * value of the plan is checked by this one validator before any generator sees it.
 */
const DETECTED_RULES: { key: keyof DeployPlan; validate: (v: string) => string | undefined }[] = [
  { key: 'requirementsFile', validate: relativeFile },
  { key: 'lockFile', validate: relativeFile },
  { key: 'sqliteFile', validate: relativeFile },
  { key: 'wsgiTarget', validate: (v) => (TARGET.test(v) ? undefined : 'must look like module:attribute') },
  { key: 'framework', validate: oneOfList(['django', 'flask', 'fastapi', 'wsgi', 'asgi']) },
  { key: 'database', validate: oneOfList(['postgresql', 'mysql', 'sqlite']) },
  { key: 'postgresDriver', validate: oneOfList([...POSTGRES_DRIVERS]) },
];

function oneOfList(values: string[]): (v: string) => string | undefined {
  return (v) => (values.includes(v) ? undefined : `must be one of: ${values.join(', ')}`);
}
const oneOf = (...values: string[]) => (v: string) => (values.includes(v) ? undefined : `must be one of: ${values.join(', ')}`);
const urlPath = (v: string) => (/^\/([A-Za-z0-9._~-]+\/)*$/.test(v) ? undefined : 'must be a URL path starting and ending with /, e.g. /static/');
const asText = (v: string) => v.trim();
const asInt = (v: string) => Number(v.trim());
const asBool = (v: string) => BOOL_TRUE.includes(v.trim().toLowerCase());
/** `key message (got 'value')`, without repeating a value the message already quotes. */
const invalid = (key: string, err: string, v: unknown) => `${key} ${err}${err.includes(`'${String(v).trim()}'`) ? '' : ` (got '${String(v)}')`}`;

function field(
  key: keyof DeployPlan, title: string, type: PlanField['type'], def: string, description: string,
  validate: (v: string) => string | undefined, parse: PlanField['parse'] = type === 'integer' ? asInt : type === 'boolean' ? asBool : asText,
  example?: string,
): PlanField {
  // No plan value is longer than a path may be: a 100 KB value is an attack or a mistake, never a setting.
  const bounded = (v: string) => (v.length > PATH_MAX ? `must be at most ${PATH_MAX} characters` : validate(v.trim()));
  return { key, title, type, default: def, description, validate: bounded, parse, ...(example ? { example } : {}) };
}

/** The plan fields a user may set, in the order a form would ask them. */
export const PLAN_FIELDS: readonly PlanField[] = [
  field('name', 'App name', 'string', 'the Django project package, the pyproject name, or the folder name',
    'Names the systemd units, nginx upstream, image and Kubernetes objects.',
    (v) => (NAME.test(v) ? undefined : 'must start with a lowercase letter and contain only a-z, 0-9 and - (at most 40 characters)')),
  field('domain', 'Domain', 'string', 'none: the files use example.com until you give yours',
    'Host names the site answers to, separated by spaces or commas; the first is the main one.',
    (v) => {
      const hosts = v.split(/[\s,]+/).filter(Boolean);
      if (!hosts.length) return 'must name at least one host, e.g. example.com';
      const bad = hosts.find((h) => !HOST.test(h) || h.length > 253);
      if (bad) return `'${bad}' is not a host name`;
      // The first host names the certificate folder and the probes' Host header: it must be a real name.
      return hosts[0].startsWith('*.') ? `must start with a plain host name, not the wildcard '${hosts[0]}' (put it after, e.g. example.com ${hosts[0]})` : undefined;
    },
    (v) => v.split(/[\s,]+/).filter(Boolean).join(' '), 'example.com www.example.com'),
  field('https', 'HTTPS', 'boolean', 'false', 'Redirect HTTP to HTTPS and add a TLS server with certbot\'s certificate paths.',
    (v) => ([...BOOL_TRUE, ...BOOL_FALSE].includes(v.toLowerCase()) ? undefined : 'must be true or false')),
  field('appTarget', 'Application', 'string', 'detected (e.g. mysite.wsgi:application)',
    'What the server loads: module:attribute, or module:factory() for an app factory.',
    (v) => (TARGET.test(v) ? undefined : 'must look like module:attribute, e.g. mysite.wsgi:application or app:create_app()')),
  field('interface', 'Interface', 'string', 'detected', 'wsgi (gunicorn sync workers) or asgi (uvicorn workers).', oneOf('wsgi', 'asgi')),
  field('settingsModule', 'Django settings module', 'string', 'detected', 'DJANGO_SETTINGS_MODULE in production.',
    (v) => (MODULE.test(v) ? undefined : 'must be a dotted module name, e.g. mysite.settings')),
  field('server', 'App server', 'string', 'gunicorn', 'gunicorn, or uwsgi (nginx then speaks the uwsgi protocol).', oneOf('gunicorn', 'uwsgi')),
  field('port', 'App port', 'integer', '8000', 'Port the app server listens on inside a container.', integer(1, 65535)),
  field('socket', 'Unix socket', 'path', '/run/<name>/<name>.sock', 'Socket between nginx and the app server on a VPS.',
    (v) => absPath(v) ?? (v.length > 100 ? 'must be shorter than 100 characters (a Unix socket path limit)' : undefined)),
  field('user', 'App user', 'string', '<name>', 'Unix user the app runs as (never root).',
    (v) => (v === 'root' ? 'must not be root: the app should not run with full rights' : POSIX_USER.test(v) ? undefined : 'must be a Unix user name (a-z, 0-9, _ and -)')),
  field('group', 'App group', 'string', 'www-data', 'Group of the app and its socket; nginx must be in it to reach the socket.',
    (v) => (POSIX_USER.test(v) ? undefined : 'must be a Unix group name (a-z, 0-9, _ and -)')),
  field('appDir', 'App folder', 'path', '/srv/<name>', 'Where the code lives on the server.', absPath),
  field('venv', 'Virtualenv', 'path', '<appDir>/.venv', 'The virtualenv on the server (or /usr for the system Python).', venvPath),
  field('pythonPath', 'Import root', 'string', 'detected (. or src)', 'Folder of appDir where imports start.',
    (v) => (v.length <= 255 && /^(\.|[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*)$/.test(v) ? undefined : 'must be . or a relative folder such as src (at most 255 characters)')),
  field('envFile', 'Environment file', 'path', '/etc/<name>/env', 'File with the secrets (SECRET_KEY, DATABASE_URL), read by systemd.', absPath),
  field('workers', 'Workers', 'integer', `2 × the server's CPU cores + 1 when the server is known, else ${DEFAULT_WORKERS}`, 'Worker processes of the app server (platforms and Kubernetes size them from WEB_CONCURRENCY and the CPU limit).', integer(1, 256)),
  field('timeout', 'Worker timeout', 'integer', '30', 'Seconds before a silent worker is restarted.', integer(1, 3600)),
  field('listenPort', 'nginx HTTP port', 'integer', '80', 'Port nginx listens on for HTTP.', integer(1, 65535)),
  field('httpsPort', 'nginx HTTPS port', 'integer', '443', 'Port nginx listens on for HTTPS.', integer(1, 65535)),
  field('staticUrl', 'Static URL', 'string', 'STATIC_URL, or /static/', 'URL prefix of static files.', urlPath),
  field('staticRoot', 'Static folder', 'path', '<appDir>/ + STATIC_ROOT', 'Folder collectstatic fills and nginx serves; must equal STATIC_ROOT.', absPath),
  field('mediaUrl', 'Media URL', 'string', 'MEDIA_URL, or /media/', 'URL prefix of uploaded files.', urlPath),
  field('mediaRoot', 'Media folder', 'path', '<appDir>/ + MEDIA_ROOT', 'Folder of uploaded files; must equal MEDIA_ROOT.', absPath),
  field('maxBodySize', 'Largest upload', 'string', '10m', 'nginx client_max_body_size.',
    (v) => (/^\d+[kKmMgG]?$/.test(v) ? undefined : 'must be a size such as 10m or 512k')),
  field('pythonVersion', 'Python version', 'string', 'detected', 'Python major.minor for the image and .python-version.',
    (v) => (/^3\.\d{1,2}$/.test(v) ? undefined : 'must be a Python 3 version as major.minor, e.g. 3.12')),
  field('packageManager', 'Package manager', 'string', 'detected', 'How the image installs dependencies.', oneOf('uv', 'poetry', 'pdm', 'pipenv', 'pip')),
  field('image', 'Image', 'string', '<name>:0.1.0', 'Container image with a pinned tag (never latest).',
    (v) => (/:latest$/.test(v) ? 'must not use the tag latest: pin a version' : IMAGE.test(v) ? undefined : 'must be an image reference with a tag, e.g. registry.example.com/mysite:1.0.0')),
  field('replicas', 'Replicas', 'integer', '2', 'Pods of the Deployment.', integer(1, 100)),
  field('autoscale', 'Autoscale', 'boolean', 'false', 'Add a HorizontalPodAutoscaler.', (v) => ([...BOOL_TRUE, ...BOOL_FALSE].includes(v.toLowerCase()) ? undefined : 'must be true or false')),
  field('maxReplicas', 'Most replicas', 'integer', '5', 'Upper bound of the autoscaler.', integer(1, 1000)),
  field('postgres', 'PostgreSQL server', 'boolean', 'true when the project uses PostgreSQL (its settings, or psycopg in its dependencies)',
    'Provisioning installs PostgreSQL on the server, creates a role and a database for the app (password made on the server) and puts DATABASE_URL in the env file.',
    (v) => ([...BOOL_TRUE, ...BOOL_FALSE].includes(v.toLowerCase()) ? undefined : 'must be true or false')),
  field('healthPath', 'Health check path', 'string', '/', 'Path the probes and HEALTHCHECK request.',
    (v) => (/^\/[A-Za-z0-9._~/-]*$/.test(v) ? undefined : 'must be a URL path starting with /')),
  field('workerClass', 'Worker class', 'string', 'uvicorn worker for ASGI, none for WSGI', 'gunicorn worker class.',
    (v) => (v === '' || MODULE.test(v) ? undefined : 'must be a dotted class path, e.g. uvicorn_worker.UvicornWorker')),
];

export function planField(key: string): PlanField | undefined {
  return PLAN_FIELDS.find((f) => f.key === key);
}

/** `key=value` → the field and its parsed value; throws PlanError for an unknown key or a bad value. */
export function parseSetArgument(arg: string): { key: keyof DeployPlan; value: string | number | boolean } {
  const i = arg.indexOf('=');
  if (i <= 0) throw new PlanError('', `--set needs key=value, got '${arg}'`);
  const key = arg.slice(0, i).trim();
  const raw = arg.slice(i + 1);
  const f = planField(key);
  if (!f) throw new PlanError(key, `unknown plan field '${key}'; known: ${PLAN_FIELDS.map((p) => p.key).join(', ')}`);
  const err = f.validate(raw);
  if (err) throw new PlanError(key, invalid(key, err, raw));
  return { key: f.key, value: f.parse(raw.trim()) };
}

/** What detection could not find and must be asked, not guessed. */
export function planGaps(d: Detection): PlanGap[] {
  const gaps: PlanGap[] = [];
  if (!d.appTarget) gaps.push({ key: 'appTarget', reason: 'The application the server must load was not found.', suggestion: d.framework === 'django' && d.djangoProjectPackage ? `${d.djangoProjectPackage}.wsgi:application` : undefined });
  if (!d.interface) gaps.push({ key: 'interface', reason: 'Whether the app is WSGI or ASGI could not be told.', suggestion: 'wsgi' });
  if (d.framework === 'django' && !d.settingsModule) gaps.push({ key: 'settingsModule', reason: 'No DJANGO_SETTINGS_MODULE default or settings.py was found.' });
  if (d.framework === 'django' && d.usesStaticfiles && !d.staticRoot) {
    gaps.push({
      key: 'staticRoot',
      reason: d.staticRootSet
        ? `STATIC_ROOT${d.staticRootUnread ? ` in ${d.staticRootUnread.file}:${d.staticRootUnread.line}` : ''} could not be read from the settings without running Python: give the folder it names on the server.`
        : 'STATIC_ROOT is not set in the settings, so collectstatic would fail (lint rule CW205 offers the fix). Give the folder you will set it to.',
    });
  }
  if (!d.pythonVersion) gaps.push({ key: 'pythonVersion', reason: `No file names the Python version (.python-version, runtime.txt, requires-python, Pipfile, .tool-versions): choose it (${DEFAULT_PYTHON} is only a suggestion).`, suggestion: DEFAULT_PYTHON });
  if (!d.packageManager) gaps.push({ key: 'packageManager', reason: 'No dependency file was found.', suggestion: 'pip' });
  gaps.push({ key: 'domain', reason: 'The site\'s domain cannot be read from the project.' });
  return gaps;
}

function override<T extends string | number | boolean>(o: PlanOverrides, key: keyof DeployPlan, fallback: T): T {
  const v = o[key];
  if (v === undefined) return fallback;
  const f = planField(key);
  if (!f || typeof v !== 'string') {
    if (f && typeof v !== typeof fallback && typeof fallback !== 'object') throw new PlanError(key, `${key} must be a ${typeof fallback}`);
    if (f && typeof v !== 'string') {
      const err = f.validate(String(v));
      if (err) throw new PlanError(key, invalid(key, err, v));
    }
    return v as T;
  }
  const err = f.validate(v);
  if (err) throw new PlanError(key, invalid(key, err, v));
  return f.parse(v.trim()) as T;
}

/** Where a detected folder (relative to the project, or absolute) lives on the server. */
function onServer(appDir: string, detected: string | null, fallback: string): string {
  if (detected && detected.startsWith('/')) return detected;
  const p = path.posix.normalize(path.posix.join(appDir, detected ?? fallback));
  return p.replace(/\/$/, '');
}

/** The SQLite file relative to the app folder (Django's default db.sqlite3 when NAME could not be read). */
function sqliteOnServer(file: string | null): string {
  if (!file) return 'db.sqlite3';
  // a NAME outside the project folder (../db, /var/db/x) is not shipped with it: the default then
  const n = path.posix.normalize(file);
  return n.startsWith('..') || n.startsWith('/') ? 'db.sqlite3' : n;
}

function slashed(url: string | null, fallback: string): string {
  if (!url || /^[a-z]+:\/\//i.test(url)) return fallback;
  let u = url.startsWith('/') ? url : `/${url}`;
  if (!u.endsWith('/')) u += '/';
  return u;
}

/**
 * Detection + overrides → a complete plan. Throws PlanError when a value is invalid or when something the
 * files need was neither detected nor given (the application target).
 */
export function buildPlan(d: Detection, overrides: PlanOverrides = {}, options: BuildPlanOptions = {}): DeployPlan {
  const o = overrides;
  const name = override(o, 'name', d.name && NAME.test(d.name) ? d.name : 'app');
  const appTarget = override<string>(o, 'appTarget', d.appTarget ?? '');
  if (!appTarget) throw new PlanError('appTarget', 'the application to serve was not detected: give it, e.g. --set appTarget=mysite.wsgi:application');
  const iface = override(o, 'interface', d.interface ?? 'wsgi') as DeployPlan['interface'];
  const framework = d.framework ?? (iface === 'asgi' ? 'asgi' : 'wsgi');
  const settingsModule = framework === 'django' ? override<string>(o, 'settingsModule', d.settingsModule ?? '') || null : null;
  const appDir = override(o, 'appDir', `/srv/${name}`);
  const deps = new Set(d.dependencies);
  const extraPackages: string[] = [];
  const server = override(o, 'server', 'gunicorn') as DeployPlan['server'];
  if (server === 'gunicorn' && !deps.has('gunicorn')) extraPackages.push('gunicorn');
  if (server === 'uwsgi' && !deps.has('uwsgi') && !deps.has('pyuwsgi')) extraPackages.push('uwsgi');
  let workerClass: string | null = null;
  if (iface === 'asgi' && server === 'gunicorn') {
    if (deps.has('uvicorn-worker')) workerClass = 'uvicorn_worker.UvicornWorker';
    else {
      // uvicorn.workers is deprecated since uvicorn 0.30 (May 2024): its successor is the uvicorn-worker package.
      workerClass = 'uvicorn_worker.UvicornWorker';
      extraPackages.push('uvicorn-worker');
    }
  }
  workerClass = override<string>(o, 'workerClass', workerClass ?? '') || null;
  const postgresDriver = POSTGRES_DRIVERS.find((x) => deps.has(x)) ?? null;
  const usesStatic = framework === 'django' && (d.usesStaticfiles || d.staticRoot !== null);
  // collectstatic raises ImproperlyConfigured without STATIC_ROOT: leave it out (and say so) rather than fail the deploy.
  const staticRootMissing = usesStatic && !d.staticRootSet && d.staticRoot === null;
  const wsgiTarget = framework === 'django'
    ? (iface === 'wsgi' ? appTarget : d.wsgiModule ? `${d.wsgiModule}:application` : null)
    : iface === 'wsgi' ? appTarget : null;

  const plan: DeployPlan = {
    name,
    framework,
    interface: iface,
    appTarget,
    settingsModule,
    server,
    port: override(o, 'port', 8000),
    socket: override(o, 'socket', `/run/${name}/${name}.sock`),
    user: override(o, 'user', name),
    group: override(o, 'group', 'www-data'),
    appDir,
    venv: override(o, 'venv', `${appDir}/.venv`),
    pythonPath: override(o, 'pythonPath', d.pythonPath || '.'),
    envFile: override(o, 'envFile', `/etc/${name}/env`),
    workers: override(o, 'workers', workersFor(options.cores)),
    workersSource: o.workers !== undefined ? 'given' : options.cores ? 'server' : 'default',
    timeout: override(o, 'timeout', 30),
    domain: override(o, 'domain', 'example.com'),
    https: override(o, 'https', false),
    listenPort: override(o, 'listenPort', 80),
    httpsPort: override(o, 'httpsPort', 443),
    staticUrl: override(o, 'staticUrl', slashed(d.staticUrl, '/static/')),
    staticRoot: override(o, 'staticRoot', onServer(appDir, d.staticRoot, 'staticfiles')),
    mediaUrl: override(o, 'mediaUrl', slashed(d.mediaUrl, '/media/')),
    mediaRoot: override(o, 'mediaRoot', onServer(appDir, d.mediaRoot, 'media')),
    maxBodySize: override(o, 'maxBodySize', '10m'),
    pythonVersion: override(o, 'pythonVersion', d.pythonVersion ?? DEFAULT_PYTHON),
    writePythonVersion: d.pythonVersionFile !== '.python-version',
    packageManager: override(o, 'packageManager', d.packageManager ?? 'pip') as DeployPlan['packageManager'],
    lockFile: d.lockFile,
    requirementsFile: d.requirementsFile,
    image: override(o, 'image', `${name}:0.1.0`),
    replicas: override(o, 'replicas', 2),
    autoscale: override(o, 'autoscale', false),
    maxReplicas: override(o, 'maxReplicas', 5),
    database: d.database,
    postgres: override(o, 'postgres', d.database === 'postgresql' || postgresDriver !== null),
    postgresSource: o.postgres !== undefined ? 'given' : 'detected',
    postgresDriver,
    redis: d.redis,
    celery: d.celery,
    whitenoise: d.whitenoise,
    healthPath: override(o, 'healthPath', '/'),
    migrate: framework === 'django',
    collectstatic: usesStatic && !staticRootMissing,
    serveMedia: framework === 'django',
    extraPackages,
    workerClass,
    pythonVersionGuessed: !d.pythonVersion && o.pythonVersion === undefined,
    dependenciesDeclared: d.packageManager !== null,
    staticRootMissing,
    wsgiTarget,
    sqliteFile: d.database === 'sqlite' ? sqliteOnServer(d.sqliteFile) : null,
    buildEnv: [],
    compressOffline: null,
    systemPackages: d.systemPackages,
    staticRootUnread: null,
  };
  const collects = plan.collectstatic;
  // The fixed names collectstatic has always had at build, then every one the production settings require.
  const buildEnv = buildTimeEnv([
    { name: 'DJANGO_SECRET_KEY', role: 'secret-key', required: true },
    { name: 'SECRET_KEY', role: 'secret-key', required: true },
    { name: 'DATABASE_URL', role: 'database', required: true },
    ...d.settingsEnv,
  ]);
  const byName = new Map(buildEnv.map((e) => [e.name, e]));
  plan.buildEnv = collects ? [...byName.values()] : [];
  plan.compressOffline = collects ? d.compressOffline : null;
  plan.staticRootUnread = collects && o.staticRoot === undefined ? d.staticRootUnread : null;
  // Detected values land in shell lines and unit files too: hold them to the same rules as typed ones.
  for (const f of PLAN_FIELDS) {
    const v = plan[f.key];
    if (v === null || v === undefined || typeof v === 'object') continue;
    const err = f.validate(String(v));
    if (err) throw new PlanError(f.key, `${f.key} ${err} (found '${v}' in the project): give another value with --set ${f.key}=...`);
  }
  for (const r of DETECTED_RULES) {
    const v = plan[r.key];
    if (v === null || v === undefined) continue;
    const err = r.validate(String(v));
    if (err) throw new PlanError(r.key, `${r.key} ${err} (found '${v}' in the project): rename it, or change it in the project`);
  }
  for (const e of plan.buildEnv) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) throw new PlanError('buildEnv', `the settings read an environment variable named '${e.name}', which no shell can set: rename it in the settings`);
  }
  for (const p of [...(plan.systemPackages?.runtime ?? []), ...(plan.systemPackages?.build ?? [])]) {
    if (!DEBIAN_PACKAGE.test(p)) throw new PlanError('systemPackages', `'${p}' (from the project's Dockerfile) is not a Debian package name`);
  }
  if (plan.maxReplicas < plan.replicas) throw new PlanError('maxReplicas', `maxReplicas (${plan.maxReplicas}) must be at least replicas (${plan.replicas})`);
  if (plan.socket.startsWith(plan.staticRoot + '/')) throw new PlanError('socket', 'the socket must not be inside the static folder nginx serves');
  return plan;
}
