import * as vscode from 'vscode';
import { Ctx } from './ctx';
import { features } from './features';
import { disposeLog } from './log';

export function activate(context: vscode.ExtensionContext): void {
  const ctx = new Ctx(context);
  try {
    for (const register of features) register(ctx);
  } catch (e) {
    // VS Code shows nothing when activation fails: say it, then let VS Code record the failure.
    void vscode.window.showErrorMessage(`Cloudward failed to start: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
}

export function deactivate(): void {
  disposeLog();
}
