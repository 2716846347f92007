// Which workspace files the deploy lint reads: found once after start-up through VS Code's file search,
// by the workspace file policy the CLI walks the disk with (src/core/workspaceFiles.ts).
import * as vscode from 'vscode';
import { isCandidatePath, isSkippedPath, MAX_WORKSPACE_FILES, SKIPPED_FOLDERS_GLOB, virtualenvPrefixes } from '../core/workspaceFiles';

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

/** manage.py files of the workspace, shallowest first. */
export async function findManagePy(): Promise<vscode.Uri[]> {
  const uris = await vscode.workspace.findFiles('**/manage.py', SKIPPED_FOLDERS_GLOB, 50);
  const depth = (u: vscode.Uri) => u.path.split('/').length;
  return uris.sort((a, b) => depth(a) - depth(b) || a.path.localeCompare(b.path));
}
