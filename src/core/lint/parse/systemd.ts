// systemd unit files: ini syntax with `\` line continuations, `#`/`;` comments, and keys that may repeat
// (an empty assignment resets a list, e.g. `ExecStart=` before a new one in a drop-in).

import { entriesOf, parseIni, type IniEntry, type IniFile } from './ini';

export type SystemdUnit = IniFile;

export function parseSystemdUnit(text: string): SystemdUnit {
  return parseIni(text, { backslashContinuation: true, separators: '=' });
}

/** The assignments in effect for a key: those after the last empty assignment (systemd's reset). */
export function unitValues(unit: SystemdUnit, section: string, key: string): IniEntry[] {
  const all = entriesOf(unit, section, key);
  let from = 0;
  all.forEach((e, i) => {
    if (e.value === '') from = i + 1;
  });
  return all.slice(from);
}

/** The last value of a single-valued key, or undefined. */
export function unitValue(unit: SystemdUnit, section: string, key: string): IniEntry | undefined {
  const v = entriesOf(unit, section, key);
  return v.length ? v[v.length - 1] : undefined;
}

/**
 * Splits an ExecStart= command line the way systemd does (quotes, backslash escapes) and drops the
 * special prefixes (`-`, `@`, `+`, `!`, `:`). Offsets are into the value string.
 */
export function splitCommandLine(value: string): Array<{ word: string; start: number; end: number }> {
  const out: Array<{ word: string; start: number; end: number }> = [];
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
    if (i >= n) break;
    const start = i;
    let word = '';
    while (i < n && value[i] !== ' ' && value[i] !== '\t') {
      const c = value[i];
      if (c === '"' || c === "'") {
        i++;
        while (i < n && value[i] !== c) {
          if (value[i] === '\\' && i + 1 < n) i++;
          word += value[i];
          i++;
        }
        i++;
        continue;
      }
      if (c === '\\' && i + 1 < n) {
        word += value[i + 1];
        i += 2;
        continue;
      }
      word += c;
      i++;
    }
    out.push({ word, start, end: Math.min(i, n) });
  }
  if (out.length) {
    const m = /^[-@+!:]+/.exec(out[0].word);
    if (m) {
      out[0].word = out[0].word.slice(m[0].length);
      out[0].start += m[0].length;
    }
  }
  return out;
}

/** The parser as LintFile.parse takes it (the function is the cache key). */
export const systemdUnitOf = (file: { text: string }): SystemdUnit => parseSystemdUnit(file.text);
