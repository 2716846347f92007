// The deploy diagnostics feature: the collection and its listeners, the quick fixes, and the
// commands around them (Lint Deployment Files, Run Django Deployment Checks, rule docs, ignore).
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { registerDjangoChecks } from './djangoChecks';
import { registerLintWorkspace } from './lintWorkspace';
import { DeployCodeActions, ignoreFileTextEdit, ignoreLineTextEdit, SHOW_RULE_DOCS } from './codeActions';
import { ruleDocsUri, toRange } from './convert';
import { DeployDiagnostics } from './deployDiagnostics';
import { LintWorkerClient, TooSlowError } from './workerClient';
import { errorMessage, log } from '../log';
import type { Detection } from '../core';

let worker: LintWorkerClient | undefined;

/**
 * The lint worker (a worker_thread started on first use, disposed on deactivation): the rules and
 * project detection run there, never on the extension host's thread, each request within a budget.
 */
export function lintWorker(ctx: Ctx): LintWorkerClient {
  if (!worker) {
    const w = new LintWorkerClient(undefined, { log: (line) => log().warn(line) });
    worker = w;
    ctx.own({ dispose: () => (w.dispose(), worker === w && (worker = undefined)) });
  }
  return worker;
}

export function registerDiagnostics(ctx: Ctx): void {
  const diagnostics = ctx.own(new DeployDiagnostics(ctx, lintWorker(ctx)));
  // The commands' detection (Detect Project, Generate, Deploy, the walkthrough's paths) in the worker too.
  ctx.detector = (dir) => detectInWorker(ctx, dir);
  ctx.own({ dispose: () => (ctx.detector = undefined) });
  ctx.own(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new DeployCodeActions(diagnostics), DeployCodeActions.metadata));
  ctx.command(SHOW_RULE_DOCS, (rule?: string) => showRuleDocs(ctx, rule));
  ctx.command('cloudward.lint.ignore', (uri?: vscode.Uri | string, line?: number, rule?: string, scope?: 'line' | 'file') => ignoreRule(uri, line, rule, scope));
  registerLintWorkspace(ctx, diagnostics);
  registerDjangoChecks(ctx);
  if (process.env.CLOUDWARD_TEST === '1') {
    // The integration tests' handle on the worker's budget (test/integration/lintBudget.test.ts).
    ctx.command('cloudward.lint.testApi', (req?: { budgetMs?: number; stallOn?: string | null }) => {
      const w = lintWorker(ctx);
      if (req?.budgetMs) w.budgetMs = req.budgetMs;
      if (req && 'stallOn' in req) w.setStallMarker(req.stallOn ?? undefined);
      return { budgetMs: w.budgetMs, restarts: w.restarts, lastError: w.lastError, ping: Date.now() };
    });
  }
  // Off the activation path: the first lint waits for the window to finish starting.
  const startup = setTimeout(() => diagnostics.start(), 0);
  ctx.own({ dispose: () => clearTimeout(startup) });
}

/**
 * Project detection in the lint worker, within its budget: a project file that would take detection
 * forever costs the user a clear error, never a frozen editor. A worker that cannot run at all (stopped,
 * failed to start) falls back to detection here, as before the worker existed.
 */
async function detectInWorker(ctx: Ctx, dir: string): Promise<Detection> {
  try {
    return (await lintWorker(ctx).call({ op: 'detect', dir })) as Detection;
  } catch (e) {
    if (e instanceof TooSlowError) {
      throw new Error(`project detection in ${dir} took longer than ${e.budgetMs / 1000} s and was stopped (a project file too slow to read?); see the log`);
    }
    log().warn(`project detection in the lint worker failed, detecting on the host instead: ${errorMessage(e)}`);
    return ctx.core.detectProject(dir);
  }
}

async function showRuleDocs(ctx: Ctx, rule?: string): Promise<void> {
  if (!rule) {
    const picked = await vscode.window.showQuickPick(
      ctx.core.RULES.map((r) => ({ label: r.id, description: r.summary })),
      { placeHolder: 'Which rule?' },
    );
    if (!picked) return;
    rule = picked.label;
  }
  const uri = ruleDocsUri(ctx.extension.extensionUri, rule);
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    const info = ctx.core.RULES.find((r) => r.id === rule);
    throw new Error(info ? `${rule}: ${info.summary} (its documentation page is missing from this installation).` : `Unknown rule ${rule}.`);
  }
  await vscode.commands.executeCommand('markdown.showPreview', uri);
}

/** Writes an ignore comment for a rule (the command behind the ignore actions, for keybindings and scripts). */
async function ignoreRule(uriArg?: vscode.Uri | string, line?: number, rule?: string, scope: 'line' | 'file' = 'line'): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const uri = typeof uriArg === 'string' ? vscode.Uri.parse(uriArg) : (uriArg ?? editor?.document.uri);
  if (!uri) throw new Error('Open the file to ignore a rule in.');
  const doc = await vscode.workspace.openTextDocument(uri);
  line ??= editor?.document.uri.toString() === uri.toString() ? editor.selection.active.line : 0;
  if (!rule) {
    const ids = [...new Set(vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Cloudward' && d.range.start.line === line).map((d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code))))];
    rule = ids.length === 1 ? ids[0] : await vscode.window.showQuickPick(ids, { placeHolder: 'Which rule to ignore?' });
    if (!rule) return;
  }
  const e = scope === 'file' ? ignoreFileTextEdit(doc, rule) : ignoreLineTextEdit(doc, line, rule);
  if (!e) return; // already ignored there
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, toRange(e.range), e.newText);
  await vscode.workspace.applyEdit(edit);
}
