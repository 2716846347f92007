// A tolerant reader of ini-style files: systemd units (see ./systemd.ts) and uWSGI ini files. Sections,
// keys and values with exact ranges; `#` and `;` comments at the start of a line. Never throws.

import type { Range } from '../types';

export interface IniEntry {
  section: string;
  key: string;
  keyRange: Range;
  /** The value with continuations joined (each joined with a space), surrounding whitespace trimmed. */
  value: string;
  /** From the first character of the value to its last (which may be on a continuation line). */
  valueRange: Range;
  /** The whole entry, key to the end of its last line. */
  range: Range;
}

export interface IniSection {
  name: string;
  /** The `[name]` header; undefined for entries before any header. */
  headerRange?: Range;
  entries: IniEntry[];
}

export interface IniComment {
  text: string;
  range: Range;
}

export interface IniFile {
  sections: IniSection[];
  comments: IniComment[];
}

export interface IniOptions {
  /** systemd: a line ending in `\` goes on on the next line. */
  backslashContinuation?: boolean;
  /** Python configparser: indented lines continue the previous value. */
  indentedContinuation?: boolean;
  /** Characters separating key and value (systemd: '=' only; uWSGI: '=' and ':'). */
  separators?: string;
}

/** Splits text into lines without a regular expression, keeping the offset of each. */
function lines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Lines end at \n or \r\n (a lone \r stays in the line, as in the engine's LineIndex).
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) === 10)) {
      out.push(text.slice(start, i));
      if (c === 13) i++;
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

function leadingSpace(s: string): number {
  let i = 0;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

function trailingEnd(s: string): number {
  let e = s.length;
  while (e > 0 && (s[e - 1] === ' ' || s[e - 1] === '\t')) e--;
  return e;
}

export function parseIni(text: string, options: IniOptions = {}): IniFile {
  const separators = options.separators ?? '=';
  const sections: IniSection[] = [];
  const comments: IniComment[] = [];
  let section: IniSection = { name: '', entries: [] };
  sections.push(section);
  const all = lines(text);
  let last: IniEntry | undefined;
  let continuing = false;
  for (let ln = 0; ln < all.length; ln++) {
    const raw = all[ln];
    const lead = leadingSpace(raw);
    const end = trailingEnd(raw);
    const first = raw[lead];
    if (continuing && last) {
      // systemd: comment lines inside a continuation are ignored, and the value goes on.
      if (first === '#' || first === ';') {
        comments.push({ text: raw.slice(lead), range: { start: { line: ln, character: lead }, end: { line: ln, character: raw.length } } });
        continue;
      }
      const piece = raw.slice(lead, end);
      continuing = piece.endsWith('\\');
      const content = continuing ? piece.slice(0, -1) : piece;
      const trimmedEnd = lead + trailingEnd(content);
      last.value = (last.value + ' ' + content.trim()).trim();
      if (content.trim()) last.valueRange.end = { line: ln, character: trimmedEnd };
      last.range.end = { line: ln, character: raw.length };
      continue;
    }
    if (lead === end) {
      last = options.indentedContinuation ? last : undefined;
      continue;
    }
    if (first === '#' || first === ';') {
      comments.push({ text: raw.slice(lead), range: { start: { line: ln, character: lead }, end: { line: ln, character: raw.length } } });
      continue;
    }
    if (options.indentedContinuation && lead > 0 && last) {
      last.value = (last.value + '\n' + raw.slice(lead, end)).trim();
      last.valueRange.end = { line: ln, character: end };
      last.range.end = { line: ln, character: raw.length };
      continue;
    }
    if (first === '[') {
      const close = raw.indexOf(']', lead);
      const name = raw.slice(lead + 1, close < 0 ? end : close).trim();
      section = { name, headerRange: { start: { line: ln, character: lead }, end: { line: ln, character: close < 0 ? end : close + 1 } }, entries: [] };
      sections.push(section);
      last = undefined;
      continue;
    }
    let sep = -1;
    for (let i = lead; i < end; i++) {
      if (separators.includes(raw[i])) {
        sep = i;
        break;
      }
    }
    const keyEnd = sep < 0 ? end : lead + trailingEnd(raw.slice(lead, sep));
    const key = raw.slice(lead, keyEnd);
    let vStart = sep < 0 ? end : sep + 1;
    while (vStart < end && (raw[vStart] === ' ' || raw[vStart] === '\t')) vStart++;
    let vText = raw.slice(vStart, end);
    continuing = !!options.backslashContinuation && vText.endsWith('\\');
    if (continuing) vText = vText.slice(0, -1);
    const vEnd = vStart + trailingEnd(vText);
    last = {
      section: section.name,
      key,
      keyRange: { start: { line: ln, character: lead }, end: { line: ln, character: keyEnd } },
      value: vText.trim(),
      valueRange: { start: { line: ln, character: vStart }, end: { line: ln, character: Math.max(vStart, vEnd) } },
      range: { start: { line: ln, character: lead }, end: { line: ln, character: raw.length } },
    };
    section.entries.push(last);
  }
  if (sections[0].entries.length === 0 && sections.length > 1) sections.shift();
  return { sections, comments };
}

/** Entries named `key` in sections named `section` (case-sensitive, as systemd is). */
export function entriesOf(file: IniFile, section: string, key: string): IniEntry[] {
  const out: IniEntry[] = [];
  for (const s of file.sections) if (s.name === section) for (const e of s.entries) if (e.key === key) out.push(e);
  return out;
}

/** uWSGI ini files (`key = value`, `key: value`), as LintFile.parse takes them. */
export const uwsgiIniOf = (file: { text: string }): IniFile => parseIni(file.text, { separators: '=:' });

/** supervisord files (Python configparser: `key = value` or `key: value`, indented lines continue a value). */
export const supervisorIniOf = (file: { text: string }): IniFile => parseIni(file.text, { separators: '=:', indentedContinuation: true });
