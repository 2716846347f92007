// A tolerant reader of nginx configuration: directives with their argument ranges, nested blocks and
// comments. `include` is recorded, not followed (the workspace index sees the included files on its own).
// Linear time, never throws: an unterminated quote ends at the end of the text, a missing `}` closes at the
// end, a stray `}` is ignored.

import type { Range } from '../types';

export interface NginxArg {
  /** The value with quotes removed and escapes resolved. */
  value: string;
  /** The source text, quotes included. */
  raw: string;
  range: Range;
  quoted: boolean;
}

export interface NginxDirective {
  name: string;
  nameRange: Range;
  args: NginxArg[];
  /** From the name to the `;` or the closing `}`. */
  range: Range;
  /** Present when the directive opens a block (`server {`, `location / {`). */
  block?: NginxDirective[];
  /** The range of `{ ... }` when there is a block. */
  blockRange?: Range;
  parent?: NginxDirective;
}

export interface NginxComment {
  text: string;
  range: Range;
}

export interface NginxConfig {
  directives: NginxDirective[];
  comments: NginxComment[];
  /** What nginx itself would refuse (`nginx -t`): unclosed blocks, a stray `}`, a directive without its `;`. */
  errors: Array<{ range: Range; message: string }>;
}

interface Tok {
  kind: 'word' | '{' | '}' | ';';
  value: string;
  raw: string;
  range: Range;
  quoted: boolean;
}

/** Reads nginx configuration text. Never throws. */
/**
 * Words kept per directive: nginx itself takes at most a handful of arguments (server_name a few
 * hundred names at most); the rest of a longer one is scanned but not kept, so one hostile line of
 * 200,000 words stays cheap.
 */
const MAX_WORDS = 4096;
/** Characters that end a run of plain word characters (quotes, blanks, `;{}`, backslash). */
const SPECIAL = new Uint8Array(128);
for (const c of [34, 39, 32, 9, 10, 13, 12, 11, 59, 123, 125, 92]) SPECIAL[c] = 1;

export function parseNginx(text: string): NginxConfig {
  /** Words of the current directive so far (see MAX_WORDS). */
  let words = 0;
  const comments: NginxComment[] = [];
  const toks: Tok[] = [];
  const n = text.length;
  let i = 0;
  let line = 0;
  let lineStart = 0;
  const at = (offset: number) => ({ line, character: offset - lineStart });
  const breakLen = (offset: number): number => {
    const c = text.charCodeAt(offset);
    if (c === 10) return 1;
    if (c === 13 && text.charCodeAt(offset + 1) === 10) return 2; // a lone \r is blank space, as in the engine's LineIndex
    return 0;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    const br = breakLen(i);
    if (br) {
      i += br;
      line++;
      lineStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 12 || c === 11 || c === 13) {
      i++;
      continue;
    }
    if (c === 35 /* # */) {
      const start = at(i);
      let j = i;
      while (j < n && !breakLen(j)) j++;
      comments.push({ text: text.slice(i, j), range: { start, end: at(j) } });
      i = j;
      continue;
    }
    if (c === 123 || c === 125 || c === 59) {
      words = 0;
      const start = at(i);
      toks.push({ kind: text[i] as Tok['kind'], value: text[i], raw: text[i], range: { start, end: at(i + 1) }, quoted: false });
      i++;
      continue;
    }
    // A word: runs of plain characters and quoted parts ("a b"c is one word in nginx only when quoted whole,
    // but reading adjacent parts together is the tolerant choice).
    const startOffset = i;
    const start = at(i);
    let value = '';
    let quoted = false;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === 34 || d === 39) {
        quoted = true;
        const q = d;
        i++;
        while (i < n && text.charCodeAt(i) !== q) {
          if (text.charCodeAt(i) === 92 && i + 1 < n) {
            const next = text[i + 1];
            value += next.charCodeAt(0) === q || next === '\\' ? next : '\\' + next;
            i += 2;
            continue;
          }
          const b = breakLen(i);
          if (b) {
            value += text.slice(i, i + b);
            i += b;
            line++;
            lineStart = i;
            continue;
          }
          value += text[i];
          i++;
        }
        if (i < n) i++; // closing quote
        continue;
      }
      if (d === 32 || d === 9 || d === 10 || d === 13 || d === 12 || d === 11 || d === 59 || d === 123 || d === 125) {
        // `${var}` keeps its braces inside a word.
        if (d === 123 && text.charCodeAt(i - 1) === 36) {
          const close = text.indexOf('}', i);
          const nl = text.indexOf('\n', i);
          if (close > 0 && (nl < 0 || close < nl)) {
            value += text.slice(i, close + 1);
            i = close + 1;
            continue;
          }
        }
        break;
      }
      if (d === 92 && i + 1 < n && !breakLen(i + 1)) {
        value += text[i + 1];
        i += 2;
        continue;
      }
      // A run of plain characters in one slice (a 200 KB word must not be built a character at a time).
      let j = i + 1;
      while (j < n && !SPECIAL[text.charCodeAt(j)]) j++;
      value += text.slice(i, j);
      i = j;
    }
    if (words++ < MAX_WORDS) toks.push({ kind: 'word', value, raw: text.slice(startOffset, i), range: { start, end: at(i) }, quoted });
  }

  // Build the tree.
  const root: NginxDirective[] = [];
  const errors: NginxConfig['errors'] = [];
  const stack: Array<{ list: NginxDirective[]; owner?: NginxDirective }> = [{ list: root }];
  let current: NginxDirective | undefined;
  for (const t of toks) {
    const top = stack[stack.length - 1];
    if (t.kind === 'word') {
      if (!current) {
        current = { name: t.value, nameRange: t.range, args: [], range: { start: t.range.start, end: t.range.end }, parent: top.owner };
        top.list.push(current);
      } else {
        current.args.push({ value: t.value, raw: t.raw, range: t.range, quoted: t.quoted });
        current.range.end = t.range.end;
      }
    } else if (t.kind === ';') {
      if (current) current.range.end = t.range.end;
      current = undefined;
    } else if (t.kind === '{') {
      if (!current) {
        // An anonymous block: keep its contents reachable under a nameless directive.
        current = { name: '', nameRange: t.range, args: [], range: { start: t.range.start, end: t.range.end }, parent: top.owner };
        top.list.push(current);
      }
      current.block = [];
      current.blockRange = { start: t.range.start, end: t.range.end };
      stack.push({ list: current.block, owner: current });
      current = undefined;
    } else {
      // '}'
      if (current) errors.push({ range: current.range, message: `nginx: "${current.name}" is not terminated by ";"` });
      current = undefined;
      if (stack.length === 1) errors.push({ range: t.range, message: 'nginx: unexpected "}"' });
      if (stack.length > 1) {
        const closed = stack.pop()!;
        if (closed.owner) {
          closed.owner.range.end = t.range.end;
          closed.owner.blockRange!.end = t.range.end;
        }
      }
    }
  }
  // Unclosed blocks end where the text ends.
  const end = at(n);
  if (current) errors.push({ range: current.range, message: `nginx: "${current.name}" is not terminated by ";" (unexpected end of file)` });
  for (let s = stack.length - 1; s > 0; s--) {
    const owner = stack[s].owner;
    if (owner) errors.push({ range: owner.nameRange, message: `nginx: the "${owner.name || '{'}" block is never closed (unexpected end of file, expecting "}")` });
    if (owner) {
      owner.range.end = end;
      owner.blockRange!.end = end;
    }
  }
  return { directives: root, comments, errors };
}

/** Every directive in the tree, depth first, in source order. */
export function allDirectives(config: NginxConfig): NginxDirective[] {
  const out: NginxDirective[] = [];
  const todo: NginxDirective[] = [...config.directives].reverse();
  while (todo.length) {
    const d = todo.pop()!;
    out.push(d);
    if (d.block) for (let k = d.block.length - 1; k >= 0; k--) todo.push(d.block[k]);
  }
  return out;
}

/** Directives named `name` directly inside `block`. */
export function children(block: NginxDirective[] | undefined, name: string): NginxDirective[] {
  return block ? block.filter((d) => d.name === name) : [];
}

/** The nearest enclosing directive named `name` (`server` for a location). */
export function enclosing(d: NginxDirective, name: string): NginxDirective | undefined {
  let p = d.parent;
  while (p && p.name !== name) p = p.parent;
  return p;
}

/**
 * The directives named `name` in effect at `d`: its own, or those inherited from the enclosing levels when it
 * sets none (nginx inherits array-like directives such as proxy_set_header only then). `counts` decides
 * which directives make a level "set its own" (e.g. an `include proxy_params`). `root` is the file's top level.
 */
export function effectiveDirectives(
  d: NginxDirective,
  counts: (x: NginxDirective) => boolean,
  root?: NginxDirective[],
): NginxDirective[] {
  let level: NginxDirective | undefined = d;
  while (level) {
    const own = (level.block ?? []).filter(counts);
    if (own.length) return own;
    level = level.parent;
  }
  return root ? root.filter(counts) : [];
}

/** The parser as LintFile.parse takes it (the function is the cache key). */
export const nginxConfigOf = (file: { text: string; notes?: Array<{ range: Range; message: string }> }): NginxConfig => {
  const config = parseNginx(file.text);
  // An nginx file that does not parse is reported (as nginx -t would), not linted silently.
  if (file.notes) for (const e of config.errors.slice(0, 5)) file.notes.push(e);
  return config;
};
