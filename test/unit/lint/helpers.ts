// The lint tests' one set of helpers: lint a text or a workspace, pick findings, check exact ranges
// (given as a Range or by the text they cover), apply a fix's edits.
import * as assert from 'assert';
import { lintText, LineIndex, LintWorkspace } from '../../../src/core/lint';
import type { Finding, LintOptions, Range, TextEdit } from '../../../src/core/lint';

export { lintText, LintWorkspace };

export function lint(path: string, text: string, options: LintOptions = {}): Finding[] {
  return lintText(path, text, options);
}

export function only(findings: Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

/** The findings of one rule in a text. */
export function lintRule(path: string, text: string, rule: string, options: LintOptions = {}): Finding[] {
  return only(lintText(path, text, options), rule);
}

/** Lints a set of files as one workspace; returns the findings of `rule` in every file. */
export function lintFiles(files: Record<string, string | undefined>, rule: string): Finding[] {
  const ws = new LintWorkspace();
  for (const [path, text] of Object.entries(files)) ws.setFile(path, text);
  return only(ws.lintAll(), rule);
}

/** The range of the `nth` (0-based) occurrence of `needle` in `text`. */
export function rangeOf(text: string, needle: string, nth = 0): Range {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" (#${nth}) not in text`);
  }
  const lines = new LineIndex(text);
  return { start: lines.positionAt(at), end: lines.positionAt(at + needle.length) };
}

export function r(line: number, start: number, endLine: number, end: number): Range {
  return { start: { line, character: start }, end: { line: endLine, character: end } };
}

/** The text a range covers. */
export function covered(text: string, range: Range): string {
  const lines = new LineIndex(text);
  return text.slice(lines.offsetAt(range.start), lines.offsetAt(range.end));
}

/** Applies non-overlapping edits (as VS Code would), last first. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = new LineIndex(text);
  const sorted = [...edits].sort((a, b) => lines.offsetAt(b.range.start) - lines.offsetAt(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, lines.offsetAt(e.range.start)) + e.newText + out.slice(lines.offsetAt(e.range.end));
  return out;
}

/** Applies a finding's fix to the text of `file` (default: the finding's own file). */
export function applyFix(text: string, f: Finding, file = f.file): string {
  assert.ok(f.fix, `${f.rule} has a fix`);
  const edits = f.fix.edits.filter((e) => e.file === file).flatMap((e) => e.edits);
  return applyEdits(text, edits);
}

/** Asserts exactly one finding, covering the `nth` occurrence of `needle` in `text`; returns it. */
export function expectAt(findings: Finding[], text: string, needle: string, nth = 0): Finding {
  assert.strictEqual(findings.length, 1, `expected one finding, got ${JSON.stringify(findings.map((f) => [f.rule, f.message, f.range]))}`);
  assert.deepStrictEqual(findings[0].range, rangeOf(text, needle, nth));
  return findings[0];
}

/** Asserts exactly one finding of `rule`, covering `token` at `range`; returns it. */
export function expectOne(findings: Finding[], rule: string, text: string, range: Range, token?: string): Finding {
  const hits = only(findings, rule);
  assert.strictEqual(hits.length, 1, `one ${rule} expected, got: ${JSON.stringify(findings.map((f) => [f.rule, f.message, f.range]))}`);
  if (token !== undefined) assert.strictEqual(covered(text, hits[0].range), token);
  assert.deepStrictEqual(hits[0].range, range);
  return hits[0];
}

export const MY_RULES = ['CW001', 'CW101', 'CW102', 'CW103', 'CW104', 'CW105', 'CW106', 'CW107', 'CW401', 'CW402', 'CW403', 'CW404', 'CW405', 'CW406', 'CW407', 'CW408', 'CW409', 'CW410'];

/** Findings of this engineer's rules only (CW2xx/3xx/5xx/6xx have their own tests). */
export function mine(findings: Finding[]): Finding[] {
  return findings.filter((f) => MY_RULES.includes(f.rule));
}
