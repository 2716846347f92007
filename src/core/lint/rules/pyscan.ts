// Small, linear scans of Python config files (gunicorn.conf.py) and app modules for the CW1xx rules.
// They read top-level assignments and calls; L2's parse/python.ts is the full tokeniser for settings.
import type { LintFile } from '../file';

export interface Assignment {
  name: string;
  line: number;
  /** Columns of the value's text on the line (comment excluded). */
  valueStart: number;
  valueEnd: number;
  value: string;
}

const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$/;

/** Top-level `name = value` lines (value up to an unquoted `#`). */
export function topLevelAssignments(file: LintFile): Assignment[] {
  const out: Assignment[] = [];
  for (let l = 0; l < file.lines.lineCount; l++) {
    const line = file.lines.line(l);
    const m = ASSIGN.exec(line);
    if (!m) continue;
    const valueStart = line.length - m[2].length;
    let end = line.length;
    let quote = '';
    for (let i = valueStart; i < line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '#') {
        end = i;
        break;
      }
    }
    const raw = line.slice(valueStart, end).trimEnd();
    out.push({ name: m[1], line: l, valueStart, valueEnd: valueStart + raw.length, value: raw });
  }
  return out;
}

export function unquote(v: string): string {
  const m = /^[rbuRBU]?(["'])(.*)\1$/.exec(v.trim());
  return m ? m[2] : v.trim();
}
