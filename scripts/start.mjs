// `npm start`: a real VS Code in the browser with the extension loaded and examples/django-polls open.
//   npm start [-- --port 8080] [-- --host 127.0.0.1] [-- --folder <path>]   (or CLOUDWARD_PORT)
// Installs what it needs on a fresh clone (npm packages, Debian packages as root, the cached VS Code
// server), builds, keeps rebuilding on change (reload the window to pick changes up), and prints the URL.
// Set-up prints one line per phase; the tools' own output goes to a log file (its path is printed).
// The workbench is the product as a person sees it: no test driver, so notifications show as toasts.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.CLOUDWARD_PORT || '8080' },
    host: { type: 'string', default: process.env.CLOUDWARD_HOST || '127.0.0.1' },
    folder: { type: 'string', default: join(root, 'examples', 'django-polls') },
  },
});

const stateDir = join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'cloudward', 'start');
mkdirSync(stateDir, { recursive: true });
const logFile = join(stateDir, 'setup.log');
writeFileSync(logFile, `npm start set-up, ${new Date().toISOString()}\n`);
const t0 = Date.now();
const secs = (t) => ((Date.now() - t) / 1000).toFixed(1);

/** Runs one set-up phase with its output in the log file; exits with the log's tail when it fails. */
function phase(title, cmd, args, opts = {}) {
  const t = Date.now();
  process.stdout.write(`[cloudward] ${title}… `);
  const fd = openSync(logFile, 'a');
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', fd, fd], ...opts });
  closeSync(fd);
  if (r.status !== 0) {
    console.log('failed');
    const tail = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.trim()).slice(-15).join('\n');
    console.error(`[cloudward] ${title} failed (exit ${r.status ?? r.signal}); the last lines of ${logFile}:\n${tail}`);
    process.exit(1);
  }
  console.log(`done (${secs(t)} s)`);
}

console.log(`[cloudward] setting up; full log: ${logFile}`);
if (!existsSync(join(root, 'node_modules', 'esbuild'))) phase('npm packages (npm ci)', 'npm', ['ci', '--no-audit', '--no-fund']);
const { ensureDebianPackages, missingPackages } = await import('./prereqs.mjs');
if (missingPackages(['libkrb5-dev']).length) phase('Debian packages', process.execPath, ['scripts/prereqs.mjs', 'libkrb5-dev']);
if (!ensureDebianPackages(['libkrb5-dev'])) process.exit(1);
const { startVSCodeServer, vscodeVersion, ensureVSCodeServer } = await import('./vscode-server.mjs');
let serverMain;
try {
  ({ serverMain } = ensureVSCodeServer({ log: (l) => console.log(l) }));
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
phase('build (esbuild)', process.execPath, ['esbuild.mjs']);
console.log(`[cloudward] set-up done in ${secs(t0)} s`);
const watcher = spawn(process.execPath, ['esbuild.mjs', '--watch'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

const folder = resolve(values.folder);
let server;
try {
  // The extension is installed by a link from the server's extensions folder to this checkout: the
  // URL's development payload needs the smoke-test driver, which silences notifications.
  server = await startVSCodeServer({ port: Number(values.port), host: values.host, dataDir: stateDir, extensionsDir: linkedExtensions() });
} catch (e) {
  console.error(`[cloudward] could not start VS Code on ${values.host}:${values.port}: ${e.message.split('\n')[0]}. Is the port in use? Try: npm start -- --port 8081`);
  watcher.kill();
  process.exit(1);
}
const url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
console.log(`\n  Cloudward in VS Code ${vscodeVersion(serverMain)}, workspace ${folder}\n\n  Open: ${url}\n\n  Rebuilds on change (reload the window to pick changes up). Ctrl+C stops.\n`);

/** A fresh extensions folder holding only a link to this checkout, as `cloudward.cloudward-<version>`. */
function linkedExtensions() {
  const dir = join(stateDir, 'extensions');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  symlinkSync(root, join(dir, `${pkg.publisher}.${pkg.name}-${pkg.version}`), 'dir');
  return dir;
}

const stop = async () => {
  watcher.kill();
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
