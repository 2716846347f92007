// Findings (the engine's plain objects, 0-based) to VS Code diagnostics.
import * as vscode from 'vscode';
import type { Finding, Range, Severity } from '../core/lint/types';

/** The `source` of every Cloudward lint diagnostic: the quick-fix provider matches on it. */
export const LINT_SOURCE = 'Cloudward';

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function toSeverity(s: Severity): vscode.DiagnosticSeverity {
  switch (s) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    default:
      return vscode.DiagnosticSeverity.Information;
  }
}

/**
 * The docs page of a rule: `docs/rules/CWxxx.md` shipped inside the extension (see .vscodeignore).
 * A local page works offline, always matches the installed version of the rules, and does not
 * depend on a web site the project does not have.
 */
export function ruleDocsUri(extensionUri: vscode.Uri, rule: string): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'docs', 'rules', `${rule}.md`);
}

export function toDiagnostic(f: Finding, extensionUri: vscode.Uri): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toRange(f.range), f.message, toSeverity(f.severity));
  d.source = LINT_SOURCE;
  // A skipped part of a file (see lintWorker.ts withSkipped) has no rule, so no code and no docs link.
  if (f.rule) d.code = { value: f.rule, target: ruleDocsUri(extensionUri, f.rule) };
  if (f.related?.length) {
    d.relatedInformation = f.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(r.file), toRange(r.range)), r.message));
  }
  // A stale suppression is dead text: shown faded, like an unused import.
  if (f.rule === 'CW001') d.tags = [vscode.DiagnosticTag.Unnecessary];
  return d;
}

/** The rule id of a Cloudward diagnostic, or undefined for anybody else's. */
export function ruleOf(d: vscode.Diagnostic): string | undefined {
  if (d.source !== LINT_SOURCE) return undefined;
  const code = typeof d.code === 'object' ? d.code.value : d.code;
  return typeof code === 'string' && /^CW\d{3}$/.test(code) ? code : undefined;
}

export function sameRange(a: Range, b: vscode.Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}
