import picomatch from 'picomatch';
import type { FileKind } from './types';

/**
 * Default globs of development files, the same as the `cloudward.lint.developmentFiles` setting's
 * default in package.json: in these files the dev-server and debug rules stay silent.
 */
export const DEFAULT_DEVELOPMENT_FILES: readonly string[] = [
  '**/*{.,-}{dev,local,test,override}{,.*,-*}',
  '**/settings/{dev,development,local,test*}.py',
  '**/{dev,development,local,test*}_settings.py',
];

/** Forward slashes, no drive letter, no leading slash: what the `**\/…` globs are matched against. */
export function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^[A-Za-z]:/, '').replace(/^\/+/, '');
}

export function basename(path: string): string {
  // Called for every word of every start command: no regular expression when there is no backslash.
  const p = path.includes('\\') ? path.replace(/\\/g, '/') : path;
  return p.slice(p.lastIndexOf('/') + 1);
}

export function dirname(path: string): string {
  const p = path.replace(/\\/g, '/');
  const i = p.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i);
}

const matcherCache = new Map<string, (p: string) => boolean>();

/** Compiles the globs once per distinct list (settings change rarely; files are checked often). */
export function developmentMatcher(globs: readonly string[] = DEFAULT_DEVELOPMENT_FILES): (path: string) => boolean {
  const key = globs.join('\n');
  let m = matcherCache.get(key);
  if (!m) {
    const compiled = globs.length ? picomatch(globs as string[], { dot: true, nocase: true }) : () => false;
    m = (path: string) => compiled(normalizePath(path));
    if (matcherCache.size > 20) matcherCache.clear();
    matcherCache.set(key, m);
  }
  return m;
}

/** Whether a file is a development file (Procfile.dev, compose.override.yaml, settings/local.py…). */
export function isDevelopmentFile(path: string, globs?: readonly string[]): boolean {
  return developmentMatcher(globs)(path);
}

// Content tests. All are anchored at a line start and linear: no nested quantifiers.
const K8S_API = /^apiVersion[ \t]*:/m;
const K8S_KIND = /^kind[ \t]*:/m;
const NGINX_BLOCK = /^[ \t]*(?:server|upstream\b[^{\n]*)[ \t]*\{/m;
const INSTALLED_APPS = /^INSTALLED_APPS[ \t]*(?::[^=\n]*)?\+?=/m;
/** Settings only Django reads, assigned at module level. */
const DJANGO_ONLY = /^(?:INSTALLED_APPS|MIDDLEWARE|ROOT_URLCONF|DATABASES|WSGI_APPLICATION|ASGI_APPLICATION|ALLOWED_HOSTS|AUTH_PASSWORD_VALIDATORS|STATIC_ROOT|STATICFILES_DIRS|STATICFILES_STORAGE|CSRF_TRUSTED_ORIGINS|SECURE_SSL_REDIRECT|SECURE_PROXY_SSL_HEADER|SESSION_COOKIE_SECURE|CSRF_COOKIE_SECURE|SECURE_HSTS_SECONDS|DEFAULT_AUTO_FIELD|AUTH_USER_MODEL)[ \t]*(?::[^=\n]*)?\+?=/m;
const SECRET_OR_DEBUG = /^(?:SECRET_KEY|DEBUG)[ \t]*(?::[^=\n]*)?=/m;
/** Names only Flask projects use: Flask's environment variables, the flask package, Flask extensions' settings. */
const FLASK_MARKS = /\bFLASK_\w+|\bflask\b|^(?:SQLALCHEMY_\w+|DEBUG_TB_\w+|WTF_CSRF_\w+|SESSION_TYPE|BCRYPT_LOG_ROUNDS)[ \t]*=/m;
const STAR_IMPORT = /^from[ \t]+[\w.]+[ \t]+import[ \t]+\*/m;
const PY_APP = /\bFlask\(|\bFastAPI\(|\buvicorn\.run\(|\.config\.from_(?:object|pyfile)\(/;
/** A Flask config class (`class ProductionConfig(Config):`) that sets a secret or DEBUG in its body. */
const CONFIG_CLASS = /^class[ \t]+\w*Config\b[^\n]*:/m;
const CLASS_SECRET_OR_DEBUG = /^[ \t]+(?:\w*SECRET_KEY|DEBUG)[ \t]*(?::[^=\n]*)?=/m;
const MODULE_SECRET_OR_DEBUG = /^(?:\w*SECRET_KEY|DEBUG)[ \t]*(?::[^=\n]*)?=/m;
const SH_SHEBANG = /^#![ \t]*(?:\/usr)?\/bin\/(?:env[ \t]+)?(?:sh|bash|dash|ash|zsh)\b/;
const UWSGI_SECTION = /^[ \t]*\[uwsgi\]/m;
const SUPERVISOR_PROGRAM = /^[ \t]*\[program:[^\]\n]+\]/m;
const APP_ENGINE = /^(?:runtime|entrypoint)[ \t]*:/m;
/** The suffixes of a file rendered into a config at start (envsubst, an entrypoint's sed). */
const TEMPLATE = /\.(?:template|tpl|tmpl)$/;

/**
 * The catalogue's file kind of a path (and, for the kinds recognised by content, of its text).
 * Without `text`, kinds that need the content (kubernetes, python-app, uwsgi, a `*.conf` outside an
 * nginx folder) are not recognised. Returns undefined for files no rule looks at.
 */
export function classify(path: string, text?: string): FileKind | undefined {
  const name = basename(path);
  const lower = name.toLowerCase();
  const dirs = normalizePath(path).toLowerCase().split('/').slice(0, -1);
  const parent = dirs[dirs.length - 1] ?? '';

  if (name === 'Procfile' || name.startsWith('Procfile.')) return 'procfile';
  if (lower === 'dockerfile' || lower.startsWith('dockerfile.') || lower.startsWith('dockerfile-') || lower.startsWith('dockerfile_') || lower.endsWith('.dockerfile') || lower === 'containerfile' || lower.startsWith('containerfile.')) {
    return 'dockerfile';
  }
  if (lower === '.dockerignore' || lower.endsWith('.dockerignore')) return 'dockerignore';
  if (/^(?:compose(?:\..+)?|docker-compose.*)\.ya?ml$/.test(lower)) return 'compose';
  if (lower === 'fly.toml' || lower === 'railway.toml' || lower === 'railway.json' || lower === 'nixpacks.toml') return 'platform';
  if (lower === 'render.yaml' || lower === 'render.yml' || lower === 'app.json') return 'platform';
  if (lower === 'app.yaml' || lower === 'app.yml') {
    // App Engine's app.yaml, unless it is in fact a Kubernetes manifest.
    if (text !== undefined && K8S_API.test(text) && K8S_KIND.test(text)) return 'kubernetes';
    if (text === undefined || APP_ENGINE.test(text)) return 'platform';
    return undefined;
  }
  if (lower.endsWith('.service') || lower.endsWith('.socket')) return 'systemd';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) {
    return text !== undefined && K8S_API.test(text) && K8S_KIND.test(text) ? 'kubernetes' : undefined;
  }
  const nginxFolder = dirs.some((d) => d === 'nginx' || d === 'sites-available' || d === 'sites-enabled');
  if ((lower.endsWith('.conf') || lower.endsWith('.ini')) && text !== undefined && SUPERVISOR_PROGRAM.test(text) && !NGINX_BLOCK.test(text)) return 'supervisor';
  if (lower === 'nginx.conf') return 'nginx';
  const template = TEMPLATE.exec(lower);
  if (template) {
    // An nginx config rendered at start (the nginx image's /etc/nginx/templates/*.template through
    // envsubst, or an entrypoint's envsubst): `default.conf.template`, `nginx.conf.tpl`, `nginx.template`.
    const inner = lower.slice(0, template.index);
    if (!inner.endsWith('.conf') && inner !== 'nginx' && !nginxFolder) return undefined;
    if (text !== undefined) return NGINX_BLOCK.test(text) ? 'nginx' : undefined;
    return nginxFolder || inner === 'nginx.conf' ? 'nginx' : undefined;
  }
  if (lower.endsWith('.conf')) {
    if (nginxFolder) return 'nginx';
    return text !== undefined && NGINX_BLOCK.test(text) ? 'nginx' : undefined;
  }
  if (lower.endsWith('.ini')) {
    if (text !== undefined) return UWSGI_SECTION.test(text) ? 'uwsgi' : undefined;
    return lower.includes('uwsgi') ? 'uwsgi' : undefined;
  }
  if (lower.endsWith('.py')) {
    if (lower.startsWith('gunicorn')) return 'gunicorn';
    const settingsPath = lower === 'settings.py' || parent === 'settings';
    if (text === undefined) return settingsPath ? 'django-settings' : undefined;
    // A module is a settings module by what it assigns, not only by its name: a views module or a
    // library helper named settings.py assigns none of Django's settings.
    if (INSTALLED_APPS.test(text) || DJANGO_ONLY.test(text)) return 'django-settings';
    // A Flask project's settings.py (SECRET_KEY and DEBUG, Flask's own names, none of Django's) is a Flask config module.
    if (SECRET_OR_DEBUG.test(text) && lower === 'settings.py' && parent !== 'settings' && FLASK_MARKS.test(text) && !STAR_IMPORT.test(text)) return 'flask-config';
    if (SECRET_OR_DEBUG.test(text) && (settingsPath || STAR_IMPORT.test(text))) return 'django-settings';
    if (PY_APP.test(text)) return 'python-app';
    if (CONFIG_CLASS.test(text) && CLASS_SECRET_OR_DEBUG.test(text)) return 'flask-config';
    // A config module of upper-case names (`app.config.from_object("config")`, `from_pyfile("config.py")`).
    const configPath = lower.includes('config') || parent === 'config' || parent === 'configs' || parent === 'instance';
    if (configPath && MODULE_SECRET_OR_DEBUG.test(text)) return 'flask-config';
    return undefined;
  }
  if (lower.endsWith('.sh')) return 'shell';
  if (!name.includes('.')) {
    if (nginxFolder) return 'nginx';
    if (text !== undefined && SH_SHEBANG.test(text.slice(0, 200))) return 'shell';
  }
  return undefined;
}
