// Loads a bundle of the command-line tool (dist/cli-lint.js, dist/cli-all.js) with V8's code cache, the
// technique of Node 22's module.enableCompileCache(), for every Node. A cold `cloudward lint` spent a
// tenth of its time compiling the bundle: at load, and again for each function the first time it ran.
// After a run without a cache, the bytecode of everything that ran is written to a private folder of
// the user's; the next process reads it instead of compiling. Measured on the bench pair: see
// docs/dev/cli-speed.md.
//
// Safety: a code cache is code. It is read only from a folder that is a real directory owned by this
// user and writable by no one else (created 0700, each file 0600, written to a temporary name and
// renamed), named by a digest of the bundle's text, Node's version and the architecture, and V8 refuses
// a cache made for other source, another V8 or other flags. Any failure means compiling as usual:
// the cache can make the tool faster, never break it. CLOUDWARD_CODE_CACHE=0 turns it off.
import { isAscii } from 'buffer';
import fs = require('fs');
import os = require('os');
import path = require('path');
import { Script } from 'vm';

/** The cache folder: `$XDG_CACHE_HOME/cloudward/code` (else `~/.cache/…`), `%LOCALAPPDATA%\cloudward\code` on Windows. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CLOUDWARD_CODE_CACHE === '0') return undefined;
  try {
    if (process.platform === 'win32') return env.LOCALAPPDATA ? path.join(env.LOCALAPPDATA, 'cloudward', 'code') : undefined;
    const xdg = env.XDG_CACHE_HOME;
    return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'cloudward', 'code');
  } catch {
    return undefined;
  }
}

/** Whether `dir` is this user's alone: a directory (not a link to one), owned by this user, writable by no one else. */
function isPrivateDir(dir: string): boolean {
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) return false;
  if (process.platform === 'win32' || !process.getuid) return true;
  return st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

/** The bundles' digests, written into dist/cli.js by esbuild.mjs after it built them (absent when watching). */
declare const CLOUDWARD_BUNDLE_DIGESTS: Record<string, string> | undefined;

/** The bundle loaded without a usable cache this run: its cache is written by saveCodeCache(). */
let unsaved: { script: Script; dir: string; file: string } | undefined;

/**
 * Loads a CommonJS bundle like require() does, through the code cache when there is a usable one.
 * `req` is the bundle's require (by default one for its own folder; dist/cli.js passes its own,
 * which resolves from the same folder without loading the module system's public API).
 */
export function loadBundle(file: string, req?: NodeJS.Require): unknown {
  const bytes = fs.readFileSync(file);
  // The production bundles are ASCII (esbuild escapes the rest): read as one-byte text, several times
  // faster than decoding UTF-8; anything else is decoded as UTF-8.
  const source = typeof isAscii === 'function' && isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const dir = codeCacheDir();
  let cacheFile: string | undefined;
  let cached: Buffer | undefined;
  if (dir) {
    // Named by the bundle's digest (known from the build, else computed), Node's version and the
    // architecture; the size and modification time too, so that a bundle edited after the build
    // never meets the cache of its old text.
    const known = typeof CLOUDWARD_BUNDLE_DIGESTS === 'object' ? CLOUDWARD_BUNDLE_DIGESTS[path.basename(file)] : undefined;
    const digest = known ?? (require('crypto') as typeof import('crypto')).createHash('sha256').update(bytes).digest('hex').slice(0, 32);
    const st = fs.statSync(file);
    cacheFile = path.join(dir, `${path.basename(file, '.js')}-${digest}-${process.version}-${process.arch}-${st.size}-${Math.trunc(st.mtimeMs)}.bin`);
    try {
      if (isPrivateDir(dir)) cached = fs.readFileSync(cacheFile);
      else cacheFile = undefined;
    } catch {
      // no folder or no cache yet
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData: cached });
  const mod = { exports: {} as unknown };
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, req ?? (require('module') as typeof import('module')).createRequire(file), mod, file, path.dirname(file));
  if (dir && cacheFile && (!cached || script.cachedDataRejected)) unsaved = { script, dir, file: cacheFile };
  return mod.exports;
}

/**
 * Writes the cache of the bundle loaded without one. Called when the command is done, so that the
 * cache holds every function the command compiled, not only the top level.
 */
export function saveCodeCache(): void {
  const u = unsaved;
  unsaved = undefined;
  if (!u) return;
  let tmp: string | undefined;
  try {
    fs.mkdirSync(u.dir, { recursive: true, mode: 0o700 });
    if (!isPrivateDir(u.dir)) return;
    const data = u.script.createCachedData();
    tmp = `${u.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, u.file);
    tmp = undefined;
    // Caches of older bundles or other Nodes: keep the folder small (a few files of ~0.5 MB).
    const prefix = path.basename(u.file).replace(/-[0-9a-f]{32}-.*$/, '-');
    for (const name of fs.readdirSync(u.dir)) {
      if (name.startsWith(prefix) && name !== path.basename(u.file) && name.endsWith('.bin')) fs.rmSync(path.join(u.dir, name), { force: true });
    }
  } catch {
    // a read-only home, a full disk: the next run compiles again
    if (tmp) fs.rmSync(tmp, { force: true });
  }
}
