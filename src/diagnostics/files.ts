// Which workspace files the deploy lint reads: found once after start-up, skipping folders that
// hold other people's code (virtualenvs, node_modules) or tool caches.
import * as vscode from 'vscode';

const EXCLUDED_FOLDERS = [
  '.git',
  '.hg',
  '.svn',
  'node_modules',
  '.venv',
  'venv',
  'env',
  '.env',
  'virtualenv',
  '.virtualenv',
  'site-packages',
  '.tox',
  '.nox',
  '__pycache__',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
];

const EXCLUDE_GLOB = `**/{${EXCLUDED_FOLDERS.join(',')}}/**`;

/** At most this many files are listed: a bound on the work after start-up in a huge folder. */
const MAX_FILES = 20_000;

/** Whether a workspace-relative path lies in a folder the lint never reads. */
export function isExcludedPath(relative: string): boolean {
  const parts = relative.replace(/\\/g, '/').split('/');
  parts.pop();
  return parts.some((p) => EXCLUDED_FOLDERS.includes(p));
}

const CANDIDATE_EXTENSIONS = new Set(['.yml', '.yaml', '.service', '.socket', '.conf', '.py', '.ini', '.sh', '.dockerfile', '.dockerignore']);
const CANDIDATE_NAMES = new Set(['procfile', 'dockerfile', 'containerfile', '.dockerignore', 'fly.toml', 'railway.toml', 'railway.json', 'nixpacks.toml']);

/**
 * Whether a file may be a deploy file, judged by its path alone (the engine decides from the text):
 * the names and extensions of the catalogue's file kinds, and extension-less files (shell scripts
 * with a shebang, nginx sites).
 */
export function isCandidatePath(relative: string): boolean {
  if (isExcludedPath(relative)) return false;
  const name = relative.replace(/\\/g, '/').split('/').pop()!.toLowerCase();
  if (CANDIDATE_NAMES.has(name)) return true;
  if (/^(?:procfile|dockerfile|containerfile)\./.test(name)) return true;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return true;
  return CANDIDATE_EXTENSIONS.has(name.slice(dot));
}

export interface Candidates {
  /** Files that may be deploy files, to read. */
  deploy: vscode.Uri[];
  /** Every file found (absolute paths): cross-file rules check that modules exist (CW604). */
  allPaths: string[];
}

/** The files of the workspace (or of one folder in it) that the lint may read. */
export async function findDeployCandidates(token?: vscode.CancellationToken, under?: vscode.Uri): Promise<Candidates> {
  const include = under ? new vscode.RelativePattern(under, '**/*') : '**/*';
  const uris = await vscode.workspace.findFiles(include, EXCLUDE_GLOB, MAX_FILES, token);
  const files = uris.filter((u) => u.scheme === 'file');
  return {
    deploy: files.filter((u) => isCandidatePath(vscode.workspace.asRelativePath(u, false))),
    allPaths: files.map((u) => u.fsPath),
  };
}

/** manage.py files of the workspace, shallowest first. */
export async function findManagePy(): Promise<vscode.Uri[]> {
  const uris = await vscode.workspace.findFiles('**/manage.py', EXCLUDE_GLOB, 50);
  const depth = (u: vscode.Uri) => u.path.split('/').length;
  return uris.sort((a, b) => depth(a) - depth(b) || a.path.localeCompare(b.path));
}
