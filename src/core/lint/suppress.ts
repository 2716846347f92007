import type { LintFile } from './file';
import type { Range } from './types';

/**
 * Suppression comments, ours and the equivalents of other tools (rules.md, "Suppressing"):
 *   # cloudward: ignore=CW101,CW403 -- reason      this line, or the next code line when alone on its line
 *   # cloudward: ignore-file=CW208 -- reason       the whole file
 *   ; cloudward: ignore=CW504                      systemd's other comment character
 *   # noqa: S201 / # nosec B201 → CW301; # noqa: S105 / # nosec B105 → CW202 (bare noqa/nosec: both)
 *   # hadolint ignore=DL3002 → CW401; DL3006,DL3007 → CW404; DL3025 → CW107 ("global ignore": file-wide)
 *   SILENCED_SYSTEM_CHECKS with security.W018 → CW201, security.W009 → CW202 (file-wide, settings)
 * Only our own comments are reported as stale (CW001): the others are written for their own tools.
 */
export interface SuppressionEntry {
  /** The rule it silences (ours, after mapping another tool's code). */
  rule: string;
  /** Where the id is written: a stale entry is reported there. */
  range: Range;
  /** Written for another tool (noqa, nosec, hadolint, Django): never reported as stale. */
  foreign: boolean;
  fileWide: boolean;
  /** Lines it covers (line-level entries): its own line and the next code line. */
  lines: number[];
  used: boolean;
}

const FOREIGN: Record<string, Record<string, string[]>> = {
  noqa: { S201: ['CW301'], S105: ['CW202'] },
  nosec: { B201: ['CW301'], B105: ['CW202'] },
  hadolint: { DL3002: ['CW401'], DL3006: ['CW404'], DL3007: ['CW404'], DL3025: ['CW107'] },
  django: { 'security.W018': ['CW201'], 'security.W009': ['CW202'] },
};

/**
 * Ids read from one comment, at most: more than the catalogue holds (with other tools' codes), so
 * never reached by a real comment, and a bound on the work for a hostile one (100,000 ids on a line).
 */
const MAX_IDS = 100;

const OURS = /^[ \t]*(?:#|;)?[ \t]*cloudward[ \t]*:[ \t]*(ignore-file|ignore)[ \t]*=[ \t]*/;
const ID_LIST = /[A-Za-z0-9_.]+/g;

/** Is the line empty or only a comment (then a suppression on it covers the next code line)? */
function isCommentOnly(line: string): boolean {
  const t = line.trimStart();
  return t === '' || t[0] === '#' || t[0] === ';';
}

function nextCodeLine(file: LintFile, from: number): number {
  const lines = file.lines;
  for (let l = from + 1; l < lines.lineCount && l < from + 50; l++) {
    const t = lines.line(l).trim();
    if (t !== '' && t[0] !== '#' && t[0] !== ';') return l;
  }
  return from + 1;
}

/** Lines containing `needle`, found with indexOf over the whole text (no per-line scanning). */
function linesContaining(file: LintFile, needle: string): number[] {
  const out: number[] = [];
  const text = file.text;
  let i = text.indexOf(needle);
  while (i !== -1) {
    const line = file.lines.positionAt(i).line;
    if (out[out.length - 1] !== line) out.push(line);
    const nextLine = file.lines.starts[line + 1];
    i = nextLine === undefined ? -1 : text.indexOf(needle, nextLine);
  }
  return out;
}

/** Splits `CW101, CW403 -- reason` into ids with their columns; stops at the first non-id text. */
function ids(text: string, column: number): Array<{ id: string; start: number; end: number }> {
  const out: Array<{ id: string; start: number; end: number }> = [];
  const stop = text.search(/[^A-Za-z0-9_., \t]/);
  const list = stop < 0 ? text : text.slice(0, stop);
  // An id written twice in one comment is one suppression (the first is the one reported if stale).
  const seen = new Set<string>();
  for (const m of list.matchAll(ID_LIST)) {
    const id = m[0].toUpperCase();
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id: m[0], start: column + (m.index ?? 0), end: column + (m.index ?? 0) + m[0].length });
    if (out.length >= MAX_IDS) break;
  }
  return out;
}

/** The distinct codes of a comma/space separated list (at most MAX_IDS). */
function distinctCodes(list: string): string[] {
  return [...new Set(list.split(/[ ,\t]+/).filter(Boolean))].slice(0, MAX_IDS);
}

/** Parses every suppression of a file (cached per file version through file.parse). */
export function parseSuppressions(file: LintFile): SuppressionEntry[] {
  const entries: SuppressionEntry[] = [];
  const lines = file.lines;

  for (const l of linesContaining(file, 'cloudward')) {
    const line = lines.line(l);
    // The comment may follow code: look from each `#`/`;` on the line.
    for (let i = line.indexOf('cloudward'); i !== -1; i = line.indexOf('cloudward', i + 9)) {
      const before = line.slice(0, i).trimEnd();
      if (!(before.endsWith('#') || before.endsWith(';'))) continue;
      const m = OURS.exec(line.slice(i));
      if (!m) continue;
      const fileWide = m[1] === 'ignore-file';
      const start = i + m[0].length;
      const covers = fileWide ? [] : isCommentOnly(line) ? [l, nextCodeLine(file, l)] : [l];
      for (const id of ids(line.slice(start), start)) {
        entries.push({ rule: id.id.toUpperCase(), range: { start: { line: l, character: id.start }, end: { line: l, character: id.end } }, foreign: false, fileWide, lines: covers, used: false });
      }
      break;
    }
  }

  for (const tool of ['noqa', 'nosec'] as const) {
    for (const l of linesContaining(file, tool)) {
      const line = lines.line(l);
      const m = new RegExp(`#[ \\t]*${tool}\\b(?:[ \\t]*:?[ \\t]*([A-Z][A-Z0-9, \\t]*))?`).exec(line);
      if (!m) continue;
      const col = (m.index ?? 0) + m[0].length;
      const codes = m[1] ? distinctCodes(m[1]) : Object.keys(FOREIGN[tool]);
      const covers = isCommentOnly(line) ? [l, nextCodeLine(file, l)] : [l];
      for (const code of codes) {
        for (const rule of FOREIGN[tool][code] ?? []) {
          entries.push({ rule, range: { start: { line: l, character: col }, end: { line: l, character: col } }, foreign: true, fileWide: false, lines: covers, used: false });
        }
      }
    }
  }

  for (const l of linesContaining(file, 'hadolint')) {
    const line = lines.line(l);
    const m = /^[ \t]*#[ \t]*hadolint[ \t]+(global[ \t]+)?ignore[ \t]*=[ \t]*([A-Z0-9, \t]+)/.exec(line);
    if (!m) continue;
    for (const code of distinctCodes(m[2])) {
      for (const rule of FOREIGN.hadolint[code] ?? []) {
        entries.push({ rule, range: { start: { line: l, character: 0 }, end: { line: l, character: line.length } }, foreign: true, fileWide: !!m[1], lines: [l, nextCodeLine(file, l)], used: false });
      }
    }
  }

  if (file.kind === 'django-settings') {
    const at = file.text.indexOf('SILENCED_SYSTEM_CHECKS');
    if (at !== -1) {
      const close = file.text.indexOf(']', at);
      const list = file.text.slice(at, close === -1 ? at + 2000 : close);
      for (const [check, rules] of Object.entries(FOREIGN.django)) {
        if (list.includes(check)) {
          const r = file.lines.range(at, at + 'SILENCED_SYSTEM_CHECKS'.length);
          for (const rule of rules) entries.push({ rule, range: r, foreign: true, fileWide: true, lines: [], used: false });
        }
      }
    }
  }
  return entries;
}

/** Index of the entries by covered line, for one pass over the findings. */
export class SuppressionIndex {
  /** `line:rule` → entries, so that a lookup costs the same however many ids a comment lists. */
  private readonly byLine = new Map<string, SuppressionEntry[]>();
  private readonly fileWide = new Map<string, SuppressionEntry[]>();

  constructor(readonly entries: SuppressionEntry[]) {
    const add = (map: Map<string, SuppressionEntry[]>, key: string, e: SuppressionEntry) => {
      const list = map.get(key);
      if (list) list.push(e);
      else map.set(key, [e]);
    };
    for (const e of entries) {
      e.used = false;
      if (e.fileWide) add(this.fileWide, e.rule, e);
      else for (const l of e.lines) add(this.byLine, `${l}:${e.rule}`, e);
    }
  }

  /** Whether a finding of `rule` starting on `line` is silenced (marks the silencing entries used). */
  silences(rule: string, line: number): boolean {
    let hit = false;
    for (const list of [this.fileWide.get(rule), this.byLine.get(`${line}:${rule}`)]) {
      if (!list) continue;
      for (const e of list) e.used = true;
      hit = true;
    }
    return hit;
  }
}
