// The text edits behind "Ignore CWxxx for this line", "Ignore CWxxx in this file" and "Remove the
// suppression": plain string work on the document's lines (no vscode), so each case is easy to follow.
import type { Range, TextEdit } from '../core/lint/types';

// Our comments, spelled as the engine reads them (src/core/lint/suppress.ts): the id list runs from
// `=` to the first character that cannot be part of it (`--` before a reason, say).
const LINE_COMMENT = /#[ \t]*cloudward[ \t]*:[ \t]*ignore[ \t]*=[ \t]*([A-Za-z0-9_., \t]*[A-Za-z0-9_])/;
const FILE_COMMENT = /#[ \t]*cloudward[ \t]*:[ \t]*ignore-file[ \t]*=[ \t]*([A-Za-z0-9_., \t]*[A-Za-z0-9_])/;

function ids(list: string): string[] {
  return list
    .split(/[ \t,]+/)
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
}

function at(line: number, character: number): Range {
  return { start: { line, character }, end: { line, character } };
}

/** Adds `rule` to the id list of a cloudward comment found on `text` (at `line`), or undefined. */
function extendComment(text: string, line: number, pattern: RegExp, rule: string): TextEdit | 'present' | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  if (ids(m[1]).includes(rule)) return 'present';
  const end = m.index + m[0].length;
  return { range: at(line, end), newText: `,${rule}` };
}

/**
 * "Ignore for this line": extends a cloudward comment on the finding's line or the line above, else
 * inserts `# cloudward: ignore=CWxxx` above the line with its indentation. Undefined when the rule is
 * already listed there, or when a comment line cannot go above it (inside a YAML block scalar, where
 * it would become part of the text).
 */
export function ignoreLineEdit(lines: string[], line: number, rule: string, eol: string, yaml = false): TextEdit | undefined {
  for (const l of [line, line - 1]) {
    if (l < 0 || l >= lines.length) continue;
    // The line above only counts when it is a comment line of its own.
    if (l === line - 1 && !/^\s*#/.test(lines[l])) continue;
    const edit = extendComment(lines[l], l, LINE_COMMENT, rule);
    if (edit === 'present') return undefined;
    if (edit) return edit;
  }
  if (yaml && insideYamlBlockScalar(lines, line)) return undefined;
  const indent = /^[ \t]*/.exec(lines[line] ?? '')![0];
  return { range: at(line, 0), newText: `${indent}# cloudward: ignore=${rule}${eol}` };
}

/**
 * "Ignore in this file": extends an existing `# cloudward: ignore-file=` comment, else inserts one at
 * the top, after what must stay first: a shebang, a Python encoding declaration, Dockerfile parser
 * directives (`# syntax=`, `# escape=`, `# check=`).
 */
export function ignoreFileEdit(lines: string[], rule: string, eol: string): TextEdit | undefined {
  for (let l = 0; l < lines.length; l++) {
    if (!lines[l].includes('cloudward:')) continue;
    const edit = extendComment(lines[l], l, FILE_COMMENT, rule);
    if (edit === 'present') return undefined;
    if (edit) return edit;
  }
  let top = 0;
  if (lines[0]?.startsWith('#!')) top = 1;
  while (top < lines.length && top < 2 && /^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+/.test(lines[top])) top++;
  while (top < lines.length && /^#\s*(?:syntax|escape|check)\s*=/i.test(lines[top])) top++;
  // A one-line file without a final newline: the comment goes after it, on a line of its own.
  if (top >= lines.length && lines.length > 0 && top > 0) {
    return { range: at(top - 1, lines[top - 1].length), newText: `${eol}# cloudward: ignore-file=${rule}` };
  }
  return { range: at(top, 0), newText: `# cloudward: ignore-file=${rule}${eol}` };
}

/**
 * "Remove the suppression" for a stale one (CW001): takes the stale ids out of the comment at `line`,
 * or the whole comment (the whole line when the comment stands alone) when none would remain.
 * The stale ids are read from `flagged` (the text the finding points at, then its message).
 */
export function removeSuppressionEdit(lines: string[], line: number, flagged: string[]): TextEdit | undefined {
  const text = lines[line];
  if (text === undefined) return undefined;
  const m = LINE_COMMENT.exec(text) ?? FILE_COMMENT.exec(text);
  if (!m) return undefined;
  const listed = ids(m[1]);
  let stale: string[] = [];
  for (const source of flagged) {
    stale = listed.filter((id) => new RegExp(`\\b${id.replace(/[.]/g, '\\.')}\\b`).test(source));
    if (stale.length) break;
  }
  if (stale.length === 0) stale = listed;
  const kept = listed.filter((id) => !stale.includes(id));
  const listStart = m.index + m[0].length - m[1].length;
  if (kept.length > 0) {
    return { range: { start: { line, character: listStart }, end: { line, character: listStart + m[1].length } }, newText: kept.join(',') };
  }
  if (text.slice(0, m.index).trim() === '') {
    // The comment is the whole line: delete the line.
    const range: Range =
      line + 1 < lines.length
        ? { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }
        : line > 0
          ? { start: { line: line - 1, character: lines[line - 1].length }, end: { line, character: text.length } }
          : { start: { line, character: 0 }, end: { line, character: text.length } };
    return { range, newText: '' };
  }
  // A trailing comment: delete it with the blanks before it (a reason after `--` goes with it).
  const start = text.slice(0, m.index).replace(/\s+$/, '').length;
  return { range: { start: { line, character: start }, end: { line, character: text.length } }, newText: '' };
}

/**
 * Whether `line` of a YAML file lies inside a block scalar (`key: |` / `key: >-` and the more indented
 * lines below it), where a comment line would become part of the value.
 */
export function insideYamlBlockScalar(lines: string[], line: number): boolean {
  const current = lines[line];
  if (current === undefined || current.trim() === '') return false;
  let indent = /^ */.exec(current)![0].length;
  for (let l = line - 1; l >= 0 && line - l < 10_000; l--) {
    const text = lines[l];
    if (text.trim() === '') continue;
    const ind = /^ */.exec(text)![0].length;
    if (ind >= indent) continue;
    if (/(?::|^\s*-)\s*[|>][-+0-9]*\s*(?:#.*)?$/.test(text)) return true;
    indent = ind;
    if (ind === 0) return false;
  }
  return false;
}
