// Cloudward: Lint Deployment Files: re-read every deploy file of the workspace, lint them all, and
// show the result in the Problems panel.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DeployDiagnostics, IndexSummary } from './deployDiagnostics';
import { summaryLine } from '../core/lint/summary';
import { contextKeys, setContext } from '../contextKeys';

export function registerLintWorkspace(ctx: Ctx, diagnostics: DeployDiagnostics): void {
  ctx.command('cloudward.lint.workspace', async () => {
    if (!ctx.config.lintEnabled) {
      const choice = await vscode.window.showInformationMessage('Deployment lint is turned off (cloudward.lint.enable).', 'Turn On');
      if (choice !== 'Turn On') return undefined;
      // Turning it on re-indexes through the configuration listener; the run below then reuses it.
      await vscode.workspace.getConfiguration('cloudward').update('lint.enable', true, vscode.ConfigurationTarget.Workspace);
    }
    if (!vscode.workspace.workspaceFolders?.length) throw new Error('Open a folder to lint its deployment files.');
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Cloudward: linting deployment files' },
      () => diagnostics.lintWorkspace(),
    );
    // The first step of the walkthrough completes on this run (and no dev server found), not on an empty project.
    void setContext(contextKeys.workspaceLinted, true);
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    void vscode.window.showInformationMessage(summaryMessage(summary));
    return summary;
  });
}

export function summaryMessage(s: IndexSummary): string {
  const line = summaryLine(s);
  return s.files === 0 ? `Cloudward: ${line}.` : `Cloudward ${line}.`;
}
