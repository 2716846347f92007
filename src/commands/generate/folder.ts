import * as vscode from 'vscode';

/**
 * The workspace folder a command works on: the one given (a Uri or a path, from tests or links),
 * the only one open, or the one the user picks when there are several. Undefined when the user
 * cancels; an error when no folder is open.
 */
export async function pickWorkspaceFolder(given: vscode.Uri | string | undefined, purpose: string): Promise<vscode.Uri | undefined> {
  if (given) return typeof given === 'string' ? vscode.Uri.file(given) : given;
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) throw new Error('Open the folder of your Python web project first (File > Open Folder…).');
  if (folders.length === 1) return folders[0].uri;
  const pick = await vscode.window.showWorkspaceFolderPick({ placeHolder: `Folder to ${purpose}`, ignoreFocusOut: true });
  return pick?.uri;
}
