// Cloudward: Lint Deployment Files: re-read every deploy file of the workspace, lint them all, and
// show the result in the Problems panel.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DeployDiagnostics, IndexSummary } from '../diagnostics/deployDiagnostics';

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
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    void vscode.window.showInformationMessage(summaryMessage(summary));
    return summary;
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryMessage(s: IndexSummary): string {
  const total = s.errors + s.warnings + s.infos;
  if (s.files === 0) return 'Cloudward found no deployment files (Procfile, Dockerfile, settings, nginx, systemd, compose, Kubernetes) to lint.';
  if (total === 0) return `Cloudward linted ${plural(s.files, 'deployment file')}: no problems found.`;
  const parts = [s.errors && plural(s.errors, 'error'), s.warnings && plural(s.warnings, 'warning'), s.infos && plural(s.infos, 'note')].filter(Boolean);
  return `Cloudward linted ${plural(s.files, 'deployment file')}: ${parts.join(', ')} in ${plural(s.filesWithFindings, 'file')}.`;
}
