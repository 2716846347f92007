// Quick fixes of Cloudward diagnostics, in the catalogue's order: the rule's own fix (preferred),
// ignore for this line, ignore in this file, show documentation. A stale suppression (CW001) gets
// "Remove the suppression" instead of the ignores.
import * as vscode from 'vscode';
import type { Finding, Fix, TextEdit } from '../core/lint/types';
import { ruleOf, sameRange, toRange } from './convert';
import type { DeployDiagnostics } from './deployDiagnostics';
import { ignoreFileEdit, ignoreLineEdit, removeSuppressionEdit } from './suppressions';

export const SHOW_RULE_DOCS = 'cloudward.lint.showRuleDocs';

export class DeployCodeActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly diagnostics: DeployDiagnostics) {}

  provideCodeActions(doc: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    const actions: vscode.CodeAction[] = [];
    // Several findings may share a rule and a line: offer each ignore and docs action once.
    const offered = new Set<string>();
    const firstTime = (key: string) => !offered.has(key) && offered.add(key) !== undefined;
    for (const d of this.diagnosticsAt(doc, range, context)) {
      const rule = ruleOf(d);
      if (!rule) continue;
      const finding = this.findingFor(doc, d, rule);
      if (finding?.fix) {
        const action = fixAction(finding.fix, d);
        // After the secret key moves to the environment, runserver needs it on this machine: offer the .env.
        if (rule === 'CW202') action.command = { title: 'Offer a development .env', command: 'cloudward.django.offerDevEnv', arguments: [doc.uri.fsPath] };
        actions.push(action);
      }
      if (rule === 'CW001') {
        const remove = removeSuppressionAction(doc, d, finding);
        if (remove) actions.push(remove);
      } else {
        const line = firstTime(`line:${rule}:${d.range.start.line}`) ? ignoreLineAction(doc, d, rule) : undefined;
        if (line) actions.push(line);
        const file = firstTime(`file:${rule}`) ? ignoreFileAction(doc, d, rule) : undefined;
        if (file) actions.push(file);
      }
      if (firstTime(`docs:${rule}`)) {
        const docs = new vscode.CodeAction(`Show documentation for ${rule}`, vscode.CodeActionKind.QuickFix);
        docs.command = { title: docs.title, command: SHOW_RULE_DOCS, arguments: [rule] };
        docs.diagnostics = [d];
        actions.push(docs);
      }
    }
    return actions;
  }

  /**
   * Our diagnostics in the context; when the workbench has none yet (its copy of the markers lags a
   * moment behind a re-lint), the current findings under the range.
   */
  private diagnosticsAt(doc: vscode.TextDocument, range: vscode.Range, context: vscode.CodeActionContext): readonly vscode.Diagnostic[] {
    if (context.diagnostics.some((d) => ruleOf(d))) return context.diagnostics;
    return this.diagnostics
      .findingsOf(doc.uri.fsPath)
      .map((f) => this.diagnostics.diagnosticOf(f))
      .filter((d) => d.range.intersection(range) !== undefined);
  }

  /** The finding behind a diagnostic: VS Code hands back copies, so match on rule, range and message. */
  private findingFor(doc: vscode.TextDocument, d: vscode.Diagnostic, rule: string): Finding | undefined {
    return this.diagnostics.findingsOf(doc.uri.fsPath).find((f) => f.rule === rule && f.message === d.message && sameRange(f.range, d.range));
  }
}

function fixAction(fix: Fix, d: vscode.Diagnostic): vscode.CodeAction {
  const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
  action.edit = toWorkspaceEdit(fix);
  action.diagnostics = [d];
  action.isPreferred = true;
  return action;
}

export function toWorkspaceEdit(fix: Fix): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  for (const change of fix.edits) {
    const uri = vscode.Uri.file(change.file);
    // A new file (a .dockerignore, say) is created only if it is still missing when the fix is applied.
    if (change.create) edit.createFile(uri, { ignoreIfExists: true });
    for (const e of change.edits) edit.replace(uri, toRange(e.range), e.newText);
  }
  return edit;
}

function lines(doc: vscode.TextDocument): string[] {
  return doc.getText().split(/\r?\n/);
}

function eolOf(doc: vscode.TextDocument): string {
  return doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
}

function singleEdit(doc: vscode.TextDocument, e: TextEdit): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, toRange(e.range), e.newText);
  return edit;
}

function isYaml(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'yaml' || /\.ya?ml$/i.test(doc.uri.path);
}

/** The edit of "Ignore CWxxx for this line", or undefined when it cannot or need not be written. */
export function ignoreLineTextEdit(doc: vscode.TextDocument, line: number, rule: string): TextEdit | undefined {
  return ignoreLineEdit(lines(doc), line, rule, eolOf(doc), isYaml(doc));
}

export function ignoreFileTextEdit(doc: vscode.TextDocument, rule: string): TextEdit | undefined {
  return ignoreFileEdit(lines(doc), rule, eolOf(doc));
}

function ignoreLineAction(doc: vscode.TextDocument, d: vscode.Diagnostic, rule: string): vscode.CodeAction | undefined {
  const e = ignoreLineTextEdit(doc, d.range.start.line, rule);
  if (!e) return undefined;
  const action = new vscode.CodeAction(`Ignore ${rule} for this line`, vscode.CodeActionKind.QuickFix);
  action.edit = singleEdit(doc, e);
  action.diagnostics = [d];
  return action;
}

function ignoreFileAction(doc: vscode.TextDocument, d: vscode.Diagnostic, rule: string): vscode.CodeAction | undefined {
  const e = ignoreFileTextEdit(doc, rule);
  if (!e) return undefined;
  const action = new vscode.CodeAction(`Ignore ${rule} in this file`, vscode.CodeActionKind.QuickFix);
  action.edit = singleEdit(doc, e);
  action.diagnostics = [d];
  return action;
}

function removeSuppressionAction(doc: vscode.TextDocument, d: vscode.Diagnostic, finding: Finding | undefined): vscode.CodeAction | undefined {
  // The engine's own fix for CW001, when it has one, is already offered as the preferred action.
  if (finding?.fix) return undefined;
  const e = removeSuppressionEdit(lines(doc), d.range.start.line, [doc.getText(d.range), d.message]);
  if (!e) return undefined;
  const action = new vscode.CodeAction('Remove the suppression', vscode.CodeActionKind.QuickFix);
  action.edit = singleEdit(doc, e);
  action.diagnostics = [d];
  action.isPreferred = true;
  return action;
}
