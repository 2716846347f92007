// The workspace file policy for files a project or an output folder holds, shared by detection, lint and
// generate (CLI and core): a cloned repository may hold symlinks to /dev/zero, FIFOs, links out of the
// project, or links planted at a temp name. So:
// - reads open non-blocking, accept only regular files (after following links), and read at most a bound;
// - writes create their temp file exclusively (O_EXCL, never through a link) under a random name, refuse a
//   target whose folder resolves outside the output folder, keep the mode of the file they replace, and
//   remove the temp file on every error path;
// - folders are created one level at a time (Node's recursive mkdir spins forever under /proc).
import type * as Crypto from 'crypto';
import { isAscii } from 'buffer';
import fs = require('fs');
import path = require('path');

export type ReadResult = { text: string } | { problem: string; code: 'missing' | 'not-regular' | 'too-large' | 'binary' | 'unreadable' };

/**
 * Reads a regular file of at most `maxBytes`, never blocking on a FIFO and never reading a device. Links
 * are followed only to a regular file. `binaryCheck`: refuse a file with a NUL in its first 8 KiB.
 */
export function readRegularFile(file: string, maxBytes: number, binaryCheck = false): ReadResult {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (fs.constants.O_NOCTTY ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: 'no such file', code: 'missing' };
    if (code === 'ELOOP') return { problem: 'too many levels of symbolic links', code: 'unreadable' };
    if (code === 'ENXIO') return { problem: 'not a regular file', code: 'not-regular' };
    return { problem: (e as Error).message, code: 'unreadable' };
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { problem: 'not a regular file (a device, FIFO or socket)', code: 'not-regular' };
    if (st.size > maxBytes) return { problem: `larger than ${formatBytes(maxBytes)}`, code: 'too-large' };
    // The size may lie (procfs, a file growing meanwhile): read at most maxBytes + 1 whatever it says.
    // Read straight into one buffer (grown by doubling when the file is longer than it said), with
    // no copy per chunk: a 1 MB manifest is read once and decoded once.
    let buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(st.size + 1, 64 * 1024)));
    let total = 0;
    for (;;) {
      if (total > maxBytes) return { problem: `larger than ${formatBytes(maxBytes)}`, code: 'too-large' };
      if (total === buf.length) {
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buf.length * 2));
        buf.copy(grown, 0, 0, total);
        buf = grown;
      }
      let n: number;
      try {
        n = fs.readSync(fd, buf, total, Math.min(buf.length, maxBytes + 1) - total, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return { problem: 'not a regular file', code: 'not-regular' };
        throw e;
      }
      if (n === 0) break;
      total += n;
    }
    const all = buf.subarray(0, total);
    if (binaryCheck && all.subarray(0, 8192).includes(0)) return { problem: 'not a text file', code: 'binary' };
    // ASCII (most deploy files) is decoded as one-byte text, several times faster than UTF-8 decoding.
    return { text: typeof isAscii === 'function' && isAscii(all) ? all.toString('latin1') : all.toString('utf8') };
  } catch (e) {
    return { problem: (e as Error).message, code: 'unreadable' };
  } finally {
    fs.closeSync(fd);
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${Math.round(n / 1024)} KB`;
}

/** A target refused by the file policy: the message says why (the CLI maps it to a usage error). */
export class UnsafeTargetError extends Error {}

/** Whether `child` is `parent` or inside it (both absolute, resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Creates `dir` one level at a time (no spinning under /proc, where mkdir says EEXIST or ENOENT in a loop
 * for Node's recursive form). Returns nothing; throws the first real error.
 */
export function mkdirLevels(dir: string): void {
  const abs = path.resolve(dir);
  const parts: string[] = [];
  let cur = abs;
  while (!fs.existsSync(cur)) {
    parts.unshift(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const p of parts) {
    try {
      fs.mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (!fs.statSync(p).isDirectory()) throw new UnsafeTargetError(`${p} is not a folder`);
  }
}

export type TargetState =
  | { kind: 'absent' }
  | { kind: 'folder' }
  /** A symlink (dangling or not) or something that is not a regular file: never compared, never read. */
  | { kind: 'other'; what: string }
  /** `links`: the file's hard link count (more than 1: other names share its content). */
  | { kind: 'file'; text: string | null; mode: number; uid: number; gid: number; links: number };

/** What is at `target` now, without following a link at the target itself and without blocking. */
export function targetState(target: string, maxBytes: number): TargetState {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw e;
  }
  if (st.isDirectory()) return { kind: 'folder' };
  if (st.isSymbolicLink()) return { kind: 'other', what: 'a symbolic link' };
  if (!st.isFile()) return { kind: 'other', what: 'not a regular file' };
  const r = readRegularFile(target, maxBytes);
  return { kind: 'file', text: 'text' in r ? r.text : null, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, links: st.nlink };
}

/**
 * The real folder a target will be written in, checked: every folder between `outDir` and the target is
 * created (one level at a time) or must resolve inside the real `outDir`, so a symlinked folder in the
 * output tree cannot carry the write out of it.
 */
export function safeTargetFolder(outDir: string, relPath: string): string {
  mkdirLevels(outDir);
  const realOut = fs.realpathSync(outDir);
  const segs = relPath.split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..')) throw new UnsafeTargetError(`refusing the path ${relPath}: it must stay inside the output folder`);
  let dir = realOut;
  for (const seg of segs.slice(0, -1)) {
    const next = path.join(dir, seg);
    try {
      fs.mkdirSync(next);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const real = fs.realpathSync(next);
    if (!isInside(realOut, real)) throw new UnsafeTargetError(`refusing to write ${relPath}: ${path.relative(realOut, next)} leads out of the output folder (to ${real})`);
    if (!fs.statSync(real).isDirectory()) throw new UnsafeTargetError(`refusing to write ${relPath}: ${path.relative(realOut, next)} is not a folder`);
    dir = real;
  }
  return dir;
}

/**
 * Writes `content` to `dir/name` through an exclusive temp file with a random name and a rename, so an
 * interrupted write never leaves half a file and never follows a link planted at the temp name. The new
 * file keeps the mode (and, when allowed, the owner) of the file it replaces. The temp file is removed on
 * every error.
 */
export function writeFileAtomic(dir: string, name: string, content: string, replacing?: { mode: number; uid: number; gid: number }): void {
  const target = path.join(dir, name);
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);
  let tmp = '';
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    tmp = path.join(dir, `.${name}.cloudward-${(require('crypto') as typeof Crypto).randomBytes(8).toString('hex')}.tmp`);
    try {
      fd = fs.openSync(tmp, flags, replacing ? replacing.mode & 0o777 : 0o666);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 10) throw e;
    }
  }
  try {
    try {
      if (replacing) {
        // open() honoured the umask; the replaced file's mode is what the user chose
        fs.fchmodSync(fd, replacing.mode);
        try {
          fs.fchownSync(fd, replacing.uid, replacing.gid);
        } catch {
          // not ours to give away (not root): the file is the writer's, as any editor would leave it
        }
      }
      const buf = Buffer.from(content, 'utf8');
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}

/**
 * Why writing `relPath` under `outDir` would leave it, or undefined when it would not: the nearest
 * existing folder on the way must resolve inside the real `outDir`, and the target must not be a link or
 * a special file. Creates nothing (for the editor, which writes through VS Code).
 */
export function targetLeavesFolder(outDir: string, relPath: string): string | undefined {
  const segs = relPath.split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..')) return `${relPath} must stay inside the folder`;
  let realOut: string;
  try {
    realOut = fs.realpathSync(outDir);
  } catch {
    return undefined; // created on write, nothing in it can lead out yet
  }
  let dir = outDir;
  for (const seg of segs.slice(0, -1)) {
    dir = path.join(dir, seg);
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st) return undefined;
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      return `${path.relative(outDir, dir)} is a link that leads nowhere`;
    }
    if (!isInside(realOut, real)) return `${path.relative(outDir, dir)} leads out of the folder (to ${real})`;
  }
  const target = path.join(outDir, ...segs);
  const st = fs.lstatSync(target, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) {
    // A link to a file of the project is written through (as an editor would); any other link is not.
    let real: string;
    try {
      real = fs.realpathSync(target);
    } catch {
      return `${relPath} is a symbolic link that leads nowhere`;
    }
    if (!isInside(realOut, real)) return `${relPath} is a symbolic link out of the folder (to ${real})`;
    if (!fs.statSync(real).isFile()) return `${relPath} is a link to something that is not a regular file`;
    return undefined;
  }
  if (st && !st.isFile() && !st.isDirectory()) return `${relPath} is not a regular file`;
  return undefined;
}
