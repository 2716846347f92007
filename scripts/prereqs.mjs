// Debian packages the tests and `npm start` need. Installed when missing, if we run as root with
// apt-get; otherwise one clear line says what to install. Node built-ins only.
import { spawnSync } from 'node:child_process';

/** Package → what needs it. Add to this list when a test needs a new tool. */
export const debianPackages = {
  chromium: 'the headless browser that opens VS Code for the integration and UI tests',
  'libkrb5-dev': 'building the VS Code server (kerberos module)',
  'openssh-server': 'the loopback sshd of the Servers tests',
  'openssh-client': 'ssh, ssh-keygen, ssh-keyscan, ssh-agent for the Servers tests',
  nginx: 'checking (nginx -t) and serving the generated nginx site',
  gunicorn: 'checking (--check-config) and serving the generated gunicorn config',
  'python3-django': 'running the example Django project',
  'python3-flask': 'the Flask sample project',
  'python3-uvicorn': 'the FastAPI/ASGI sample project',
  'python3-dj-database-url': 'the SQLite quick fix (DATABASE_URL) checked by Django\'s own deployment checks',
  'python3-whitenoise': 'static files in the container-style plan',
  'python3-dotenv': 'the development .env loaded by the settings (test/e2e/walkthroughs/devEnv.test.ts, without the local package index)',
  systemd: 'systemd-analyze verify for the generated units',
  iproute2: 'ss, for the Servers view snapshot',
  procps: 'ps and pgrep, for the Servers tests',
  openssl: 'a self-signed certificate for nginx -t on the generated HTTPS site',
  'uwsgi-core': 'serving the generated uwsgi.ini (an app factory through its uwsgi_app.py)',
  debootstrap: 'building the real Debian server of the provision/deploy tests (scripts/real-server.sh)',
  'systemd-container': 'systemd-nspawn, booting that real server on loopback',
  'uwsgi-plugin-python3': 'the Python 3 plugin of uWSGI (uwsgi_python3)',
  'docker-compose': 'reading the generated compose.yaml with Compose\'s own interpolation before nginx -t on its embedded site',
};

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

export function missingPackages(list = Object.keys(debianPackages)) {
  return list.filter((p) => !installed(p));
}

/** Installs what is missing; returns true when everything is there. */
export function ensureDebianPackages(list = Object.keys(debianPackages), { log = console.log } = {}) {
  const missing = missingPackages(list);
  if (missing.length === 0) return true;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!root || !apt) {
    console.error(`[cloudward] missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
    return false;
  }
  log(`[cloudward] installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  if (r.status !== 0) {
    console.error(`[cloudward] apt-get could not install: ${missing.join(' ')}`);
    return false;
  }
  return true;
}

// `node scripts/prereqs.mjs [package ...]`: installs the named packages (default: all of the list).
if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.slice(2);
  process.exit(ensureDebianPackages(names.length ? names : undefined) ? 0 : 1);
}
