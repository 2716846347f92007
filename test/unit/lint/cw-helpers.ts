// Helpers for the rule tests (CW2xx-CW6xx): exact ranges by the text they cover, and one-rule filters.
import * as assert from 'assert';
import { lintText, LintWorkspace } from '../../../src/core/lint';
import type { Finding, Range } from '../../../src/core/lint';

/** The range of the `nth` (0-based) occurrence of `needle` in `text`. */
export function rangeOf(text: string, needle: string, nth = 0): Range {
  let at = -1;
  for (let k = 0; k <= nth; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" (#${nth}) not in text`);
  }
  const before = text.slice(0, at).split('\n');
  const line = before.length - 1;
  const character = before[before.length - 1].length;
  const lines = needle.split('\n');
  const end = lines.length === 1 ? { line, character: character + needle.length } : { line: line + lines.length - 1, character: lines[lines.length - 1].length };
  return { start: { line, character }, end };
}

export function only(findings: Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

export function lint(path: string, text: string, rule: string): Finding[] {
  return only(lintText(path, text), rule);
}

/** Lints a set of files as one workspace; returns the findings of `rule` in every file. */
export function lintFiles(files: Record<string, string | undefined>, rule: string): Finding[] {
  const ws = new LintWorkspace();
  for (const [path, text] of Object.entries(files)) ws.setFile(path, text);
  return only(ws.lintAll(), rule);
}

/** Asserts exactly one finding of the rule, on `needle` in `text`; returns it. */
export function expectOne(findings: Finding[], text: string, needle: string, nth = 0): Finding {
  assert.strictEqual(findings.length, 1, `expected one finding, got ${JSON.stringify(findings.map((f) => [f.rule, f.message, f.range]))}`);
  assert.deepStrictEqual(findings[0].range, rangeOf(text, needle, nth));
  return findings[0];
}

/** Applies the text edits of a finding's fix to `text` (edits for `file` only), last first. */
export function applyFix(text: string, finding: Finding, file = finding.file): string {
  assert.ok(finding.fix, 'the finding has a fix');
  const edits = finding.fix.edits.filter((e) => e.file === file).flatMap((e) => e.edits);
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const off = (p: { line: number; character: number }) => (p.line < starts.length ? starts[p.line] + p.character : text.length);
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}
