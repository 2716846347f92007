// `npm start`: a real VS Code in the browser with the extension loaded and examples/django-polls open.
//   npm start [-- --port 8080] [-- --host 127.0.0.1] [-- --folder <path>]   (or CLOUDWARD_PORT)
// Installs what it needs on a fresh clone (npm packages, the cached VS Code server), builds, keeps
// rebuilding on change (reload the window to pick changes up), and prints the URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
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

if (!existsSync(join(root, 'node_modules', 'esbuild'))) {
  console.log('[cloudward] installing npm packages (npm ci)');
  if (spawnSync('npm', ['ci'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
}
const { ensureDebianPackages } = await import('./prereqs.mjs');
if (!ensureDebianPackages(['libkrb5-dev'])) process.exit(1);
const { startVSCodeServer, vscodeVersion, ensureVSCodeServer } = await import('./vscode-server.mjs');
let serverMain;
try {
  ({ serverMain } = ensureVSCodeServer());
} catch (e) {
  console.error(e.message);
  process.exit(1);
}

if (spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
const watcher = spawn(process.execPath, ['esbuild.mjs', '--watch'], { cwd: root, stdio: 'inherit' });

const folder = resolve(values.folder);
const dataDir = join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'cloudward', 'start');
mkdirSync(dataDir, { recursive: true });
let server;
try {
  // The smoke-test driver flag lets the URL's payload load the extension from this checkout.
  server = await startVSCodeServer({ port: Number(values.port), host: values.host, dataDir, smokeTestDriver: true });
} catch (e) {
  console.error(`[cloudward] could not start VS Code on ${values.host}:${values.port}: ${e.message.split('\n')[0]}. Is the port in use? Try: npm start -- --port 8081`);
  watcher.kill();
  process.exit(1);
}
const payload = [['extensionDevelopmentPath', `vscode-remote://${values.host}:${server.port}${root}`]];
const url = `${server.url}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
console.log(`\n  Cloudward in VS Code ${vscodeVersion(serverMain)}, workspace ${folder}\n\n  Open: ${url}\n\n  Rebuilds on change (reload the window to pick changes up). Ctrl+C stops.\n`);

const stop = async () => {
  watcher.kill();
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
