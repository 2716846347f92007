// Which workspace files the deploy lint reads: found once after start-up through VS Code's file search,
// by the workspace file policy the CLI walks the disk with (src/core/workspaceFiles.ts).
import * as vscode from 'vscode';
import { isCandidatePath, isSkippedPath, MAX_WORKSPACE_FILES, SKIPPED_FOLDERS_GLOB, VIRTUALENV_MARKER, virtualenvPrefixes } from '../core/workspaceFiles';

/** Whether a workspace-relative path lies in a folder the lint never reads (the shared policy). */
export const isExcludedPath = isSkippedPath;
export { isCandidatePath };

export interface Candidates {
  /** Files that may be deploy files, to read. */
  deploy: vscode.Uri[];
  /** Every file found (absolute paths): cross-file rules check that modules exist (CW604). */
  allPaths: string[];
}

/** The files of the workspace (or of one folder in it) that the lint may read. */
export async function findDeployCandidates(token?: vscode.CancellationToken, under?: vscode.Uri): Promise<Candidates> {
  const include = under ? new vscode.RelativePattern(under, '**/*') : '**/*';
  const uris = await vscode.workspace.findFiles(include, SKIPPED_FOLDERS_GLOB, MAX_WORKSPACE_FILES, token);
  const listed = uris.filter((u) => u.scheme === 'file').map((u) => ({ u, rel: vscode.workspace.asRelativePath(u, false).replace(/\\/g, '/') }));
  // Virtualenvs under any name (a folder holding pyvenv.cfg): everything under one is left out.
  const venvs = virtualenvPrefixes(listed.map((f) => f.rel));
  const files = venvs.length ? listed.filter((f) => !venvs.some((v) => f.rel.startsWith(v))) : listed;
  return {
    deploy: files.filter((f) => isCandidatePath(f.rel)).map((f) => f.u),
    allPaths: files.map((f) => f.u.fsPath),
  };
}

/**
 * Whether a file lies in a virtualenv under a name of its own (a folder between it and its workspace folder
 * holds pyvenv.cfg). For files the watcher reports one by one: the listing of findDeployCandidates sees the
 * marker itself, a single event does not (a file may even be reported before the marker beside it is
 * known to the index).
 */
export async function inVirtualenv(uri: vscode.Uri): Promise<boolean> {
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  if (!folder) return false;
  let dir = vscode.Uri.joinPath(uri, '..');
  while (dir.path.length > folder.uri.path.length && dir.path.startsWith(folder.uri.path)) {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(dir, VIRTUALENV_MARKER));
      return true;
    } catch {
      dir = vscode.Uri.joinPath(dir, '..');
    }
  }
  return false;
}

/** manage.py files of the workspace, shallowest first. */
export async function findManagePy(): Promise<vscode.Uri[]> {
  const uris = await vscode.workspace.findFiles('**/manage.py', SKIPPED_FOLDERS_GLOB, 50);
  const depth = (u: vscode.Uri) => u.path.split('/').length;
  return uris.sort((a, b) => depth(a) - depth(b) || a.path.localeCompare(b.path));
}
