// A bounded, read-only view of a project's files: one directory walk, cached reads.
import fs = require('fs');
import path = require('path');
import { readRegularFile } from '../safeFs';
import { parsePython } from '../lint/parse/python';
import type { PythonModule } from '../lint/parse/python';

/** Folders that never hold the project's own code: skipping them keeps detection fast. */
const SKIPPED_DIRS = new Set([
  '.git', '.hg', '.svn', 'node_modules', '__pycache__', '.venv', 'venv', '.env', 'env', 'virtualenv',
  '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.idea', '.vscode', 'site-packages',
  'staticfiles', 'dist', 'build', '.eggs', 'htmlcov', '.cache', '.terraform', 'bower_components',
]);

export const MAX_DEPTH = 5;
const MAX_FILES = 20000;
const MAX_READ_BYTES = 256 * 1024;

export class ProjectFiles {
  /** Relative POSIX paths of the files found (bounded depth, skipped folders left out). */
  readonly files: string[] = [];
  private readonly fileSet = new Set<string>();
  private readonly cache = new Map<string, string | null>();
  private readonly parsed = new Map<string, PythonModule | null>();

  constructor(readonly root: string) {
    this.walk('', 0);
  }

  private walk(rel: string, depth: number): void {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(rel ? path.join(this.root, rel) : this.root, { withFileTypes: true });
    } catch {
      return;
    }
    // A virtualenv under any name: it has a pyvenv.cfg.
    if (rel && entries.some((e) => e.name === 'pyvenv.cfg')) return;
    const dirs: string[] = [];
    for (const e of entries) {
      if (this.files.length >= MAX_FILES) return;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !e.name.endsWith('.egg-info')) dirs.push(p);
      } else if (e.isFile() || e.isSymbolicLink()) {
        this.files.push(p);
        this.fileSet.add(p);
      }
    }
    if (depth + 1 >= MAX_DEPTH) return;
    for (const d of dirs) this.walk(d, depth + 1);
  }

  has(rel: string): boolean {
    return this.fileSet.has(rel);
  }

  /** The file's text, or null when absent, unreadable, not a regular file or too large to be a config file. */
  read(rel: string): string | null {
    if (this.cache.has(rel)) return this.cache.get(rel)!;
    let text: string | null = null;
    if (this.fileSet.has(rel)) {
      // Regular files only, non-blocking, bounded: a repository may hold `requirements.txt -> /dev/zero`
      // or a FIFO, and detection runs when the editor starts.
      const r = readRegularFile(path.join(this.root, rel), MAX_READ_BYTES);
      text = 'text' in r ? r.text : null;
    }
    this.cache.set(rel, text);
    return text;
  }

  /** A Python file, read and parsed once per detection (the settings serve several facts), or null when unreadable. */
  python(rel: string): PythonModule | null {
    if (!this.parsed.has(rel)) {
      const text = this.read(rel);
      this.parsed.set(rel, text === null ? null : parsePython(text));
    }
    return this.parsed.get(rel)!;
  }

  /** Files directly in folder `dir` ('' or '.' for the root). */
  inDir(dir: string): string[] {
    const prefix = dir === '' || dir === '.' ? '' : dir + '/';
    return this.files.filter((f) => f.startsWith(prefix) && !f.slice(prefix.length).includes('/'));
  }

  /** Files under folder `dir` (any depth). */
  under(dir: string): string[] {
    if (dir === '' || dir === '.') return this.files;
    const prefix = dir + '/';
    return this.files.filter((f) => f.startsWith(prefix));
  }
}

export function joinRel(a: string, b: string): string {
  if (a === '' || a === '.') return b;
  if (b === '' || b === '.') return a;
  return `${a}/${b}`;
}

export function dirOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '.' : rel.slice(0, i);
}
