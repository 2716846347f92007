// The one workspace file policy: which files of a folder the linter reads, which folders it never
// walks, and how large a file it reads. The editor (src/diagnostics/files.ts, through VS Code's file
// search) and the CLI (`cloudward lint`, walking the disk) both decide from here, so that they read the
// same files and report the same findings. No imports: the editor loads this at activation.

/**
 * Folders never walked, by name: version control, dependencies, tool caches. Virtualenvs are skipped by
 * what they are, not their name (a folder holding `pyvenv.cfg`, see isVirtualenvMarker): `env/` and
 * `.env/` are often per-environment deploy folders (`deploy/env/production/deployment.yaml`) and are read.
 */
export const SKIPPED_FOLDERS: readonly string[] = [
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '.venv',
  'venv',
  'virtualenv',
  '.virtualenv',
  'site-packages',
  'dist-packages',
  '.eggs',
  '.tox',
  '.nox',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
];

const SKIPPED = new Set(SKIPPED_FOLDERS);

/** The same folders as a glob for VS Code's file search (`findFiles`' exclude). */
export const SKIPPED_FOLDERS_GLOB = `**/{${SKIPPED_FOLDERS.join(',')}}/**`;

/** Larger files are not deploy configuration anyone writes by hand: reported and skipped, never read. */
export const MAX_LINT_FILE_BYTES = 5 * 1024 * 1024;

/** At most this many files of a workspace are listed: a bound on the work in a huge folder. */
export const MAX_WORKSPACE_FILES = 20_000;

/** The file whose presence makes a folder a virtualenv, whatever its name. */
export const VIRTUALENV_MARKER = 'pyvenv.cfg';

/** Whether a folder name is one the linter never walks. */
export function isSkippedFolder(name: string): boolean {
  return SKIPPED.has(name);
}

// `.template`, `.tpl`, `.tmpl`: nginx configs rendered at start (`default.conf.template`); the engine
// decides from the name and the text.
const CANDIDATE_EXTENSIONS = new Set(['.yml', '.yaml', '.json', '.toml', '.service', '.socket', '.conf', '.py', '.ini', '.sh', '.dockerfile', '.dockerignore', '.template', '.tpl', '.tmpl']);
const CANDIDATE_NAMES = new Set(['procfile', 'dockerfile', 'containerfile', '.dockerignore']);

const parts = (relative: string) => relative.replace(/\\/g, '/').split('/').filter((p) => p && p !== '.');

/** Whether a path (relative to the folder linted) lies in a skipped folder. */
export function isSkippedPath(relative: string): boolean {
  const p = parts(relative);
  p.pop();
  return p.some((d) => SKIPPED.has(d));
}

/**
 * Whether a file may be a deploy file, judged by its path alone (the engine decides from the text):
 * the names and extensions of the catalogue's file kinds, `Dockerfile.*` / `Dockerfile-*` / `Procfile.*`,
 * and extension-less files (shell scripts with a shebang, nginx sites).
 */
export function isCandidatePath(relative: string): boolean {
  if (isSkippedPath(relative)) return false;
  const name = (parts(relative).pop() ?? '').toLowerCase();
  if (!name) return false;
  if (CANDIDATE_NAMES.has(name)) return true;
  if (/^(?:procfile|dockerfile|containerfile)[.-]/.test(name)) return true;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return true;
  return CANDIDATE_EXTENSIONS.has(name.slice(dot));
}

/**
 * The folders of a listing that are virtualenvs (they hold `pyvenv.cfg`), as relative path prefixes
 * ending in `/`: every file under one is left out. For the editor, whose file search cannot look into
 * a folder before listing it.
 */
export function virtualenvPrefixes(relativePaths: readonly string[]): string[] {
  const out: string[] = [];
  for (const r of relativePaths) {
    const p = parts(r);
    if (p.length >= 2 && p[p.length - 1] === VIRTUALENV_MARKER) out.push(p.slice(0, -1).join('/') + '/');
  }
  return out;
}
