// The one Python reader of Cloudward, shared by detection (src/core/detect), the lint rules and the placement
// of `manage.py check` results: a tolerant tokeniser and statement reader for the Python they look at:
// settings modules, Flask/FastAPI app modules, wsgi.py, manage.py, gunicorn config files. Nothing else reads
// Python source with regular expressions; what a caller needs is added here. It is not a full Python parser: it knows enough to give
// every assignment, call and literal an exact source range, and to tell whether a statement sits at module
// level, inside a function, or under `if __name__ == "__main__":`. It never throws and runs in linear time
// (one pass over the characters, one pass over the tokens; expression nesting is capped).

import type { Position, Range } from '../types';

export type PyTokenKind = 'name' | 'number' | 'string' | 'op' | 'comment' | 'newline' | 'error';

/**
 * One token. Positions are stored as numbers and the Range is built on demand: a settings module has tens
 * of thousands of tokens, and four objects per token made the garbage collector the main cost.
 */
export class PyToken {
  // Set on string tokens only (declared, not initialised: no three empty slots in every token).
  /** For strings: the decoded value (escapes of non-raw strings resolved loosely). */
  declare value?: string;
  /** For strings: the prefix (`r`, `f`, `rb`...). */
  declare prefix?: string;
  declare unterminated?: boolean;
  constructor(
    readonly kind: PyTokenKind,
    readonly text: string,
    readonly start: number,
    readonly end: number,
    readonly line: number,
    readonly character: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}

  /** A new Range at each call (not kept: tens of thousands of tokens would keep three objects each). */
  get range(): Range {
    return { start: this.startPosition, end: this.endPosition };
  }
  /** Where the token starts (a new object: the reader builds node ranges from these, not from whole ranges). */
  get startPosition(): Position {
    return { line: this.line, character: this.character };
  }
  get endPosition(): Position {
    return { line: this.endLine, character: this.endCharacter };
  }
}

export interface PyComment {
  text: string;
  range: Range;
  /** True when the comment is the only thing on its line. */
  ownLine: boolean;
}

export type PyNode =
  | { kind: 'string'; value: string; fstring: boolean; bytes: boolean; range: Range; quote: string }
  | { kind: 'number'; text: string; range: Range }
  | { kind: 'const'; value: 'True' | 'False' | 'None'; range: Range }
  | { kind: 'name'; name: string; range: Range }
  | { kind: 'attribute'; object: PyNode; name: string; nameRange: Range; range: Range }
  | { kind: 'call'; callee: PyNode; args: PyArg[]; range: Range; argsRange: Range }
  | { kind: 'subscript'; object: PyNode; index: PyNode; range: Range }
  | { kind: 'list' | 'tuple' | 'set'; items: PyNode[]; range: Range; comprehension?: boolean }
  | { kind: 'dict'; entries: PyDictEntry[]; range: Range; comprehension?: boolean }
  | { kind: 'op'; parts: PyNode[]; ops: string[]; range: Range }
  | { kind: 'starred'; value: PyNode; range: Range }
  | { kind: 'other'; range: Range; children: PyNode[] };

export interface PyArg {
  name?: string;
  nameRange?: Range;
  star?: '*' | '**';
  value: PyNode;
  /** From the keyword (or the value) to the end of the value: `debug=True`. */
  range: Range;
}

export interface PyDictEntry {
  /** Undefined for `**other`. */
  key?: PyNode;
  value: PyNode;
  range: Range;
}

export interface PyContext {
  /** Indentation column of the statement's line. */
  indent: number;
  /** Not nested in any block (module level). */
  topLevel: boolean;
  inFunction: boolean;
  inClass: boolean;
  /** Under `if __name__ == "__main__":`. */
  inMainGuard: boolean;
  /** Under some other `if`/`try`/`for`/`with`... at module level. */
  inBlock: boolean;
  /** Under `if DEBUG:` (or `if settings.DEBUG:`): development-only values. */
  inDebugBranch: boolean;
}

export interface PyAssignment extends PyContext {
  targets: PyNode[];
  /** `=`, `+=`, `:` (annotation only), ... */
  op: string;
  value?: PyNode;
  /** The whole statement, `DEBUG = True`. */
  range: Range;
}

export interface PyCallSite extends PyContext {
  call: Extract<PyNode, { kind: 'call' }>;
  /** Dotted callee, `app.run`, `os.environ.get`; '' when the callee is not a plain dotted name. */
  callee: string;
}

export interface PyImport {
  /** `import os` → module 'os'; `from pathlib import Path` → module 'pathlib', names ['Path']. */
  module: string;
  names: string[];
  range: Range;
  topLevel: boolean;
}

export interface PyParam {
  name: string;
  star?: '*' | '**';
  /** `x=1`, `x: int = 1`. */
  hasDefault: boolean;
  /** The default's expression, when there is one. */
  default?: PyNode;
}

export interface PyFunction {
  name: string;
  nameRange: Range;
  params: PyParam[];
  /** Defined at module level (not in a class, a function or a block). */
  topLevel: boolean;
}

export interface PythonModule {
  text: string;
  tokens: PyToken[];
  comments: PyComment[];
  assignments: PyAssignment[];
  calls: PyCallSite[];
  imports: PyImport[];
  /** `def` statements, in source order. */
  functions: PyFunction[];
  /** Offsets of line starts, for position ↔ offset conversions. */
  lineStarts: number[];
}

const STRING_PREFIX = /^(?:r|u|b|f|t|br|rb|fr|rf|tr|rt)$/i;
const OPEN = new Set(['(', '[', '{']);
/** 0: not an operator character; 1: an operator character; 2: one that forms `X=` (==, +=, <=, :=...). */
const OP_CHAR = new Uint8Array(128);
for (const ch of '()[]{},.;~') OP_CHAR[ch.charCodeAt(0)] = 1;
for (const ch of '=!<>+-*/%&|^@:') OP_CHAR[ch.charCodeAt(0)] = 2;
const CLOSE: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '//=', '%=', '**=', '>>=', '<<=', '&=', '|=', '^=', '@=']);
const BINARY_OPS = new Set([
  '+', '-', '*', '/', '//', '%', '**', '@', '<<', '>>', '&', '|', '^', '<', '>', '<=', '>=', '==', '!=',
  'and', 'or', 'in', 'not', 'is', 'if', 'else', ':=',
]);
const PREFIX_OPS = new Set(['-', '+', '~', 'not', 'await']);
const BLOCK_KEYWORDS = new Set(['if', 'elif', 'else', 'while', 'for', 'def', 'class', 'with', 'try', 'except', 'finally', 'async']);
const MAX_DEPTH = 100;
/**
 * Tokens kept per logical line: the rest of a longer line is scanned (brackets, strings and line
 * ends still count) but not kept. No setting a rule reads comes near it (a 10,000-token statement is
 * generated data, not configuration); without it one hostile 400 KB line costs hundreds of
 * thousands of tokens and nodes.
 */
const MAX_LINE_TOKENS = 10_000;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Splits text into Python tokens. Unknown characters become 'error' tokens; nothing throws. */
export function tokenizePython(text: string): { tokens: PyToken[]; comments: PyComment[]; lineStarts: number[] } {
  const tokens: PyToken[] = [];
  const comments: PyComment[] = [];
  const lineStarts: number[] = [0];
  let i = 0;
  let line = 0;
  let lineStart = 0;
  let depth = 0;
  let lineHasCode = false;
  /** Tokens of the current logical line so far (see MAX_LINE_TOKENS). */
  let lineTokens = 0;
  const n = text.length;

  const pos = (offset: number): Position => ({ line, character: offset - lineStart });
  const newlineAt = (offset: number): number => {
    // Returns the length of the line break at offset (0 when none) and advances the line counters.
    const c = text.charCodeAt(offset);
    let len = 0;
    if (c === 10) len = 1;
    else if (c === 13 && text.charCodeAt(offset + 1) === 10) len = 2;
    if (len) {
      line++;
      lineStart = offset + len;
      lineStarts.push(lineStart);
    }
    return len;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    // A lone carriage return is blank space: lines end at \n or \r\n only, as in the engine's LineIndex.
    if (c === 32 || c === 9 || c === 12 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      i++;
      continue;
    }
    if (c === 10 || c === 13) {
      const startLine = line;
      const startChar = i - lineStart;
      const startOffset = i;
      const len = newlineAt(i);
      // An unclosed bracket (a file being typed, a broken merge) would swallow the rest of the module:
      // a line that can only start a statement ends it, as it would in the user's mind.
      if (depth > 0 && startsStatement(text, i + len)) depth = 0;
      if (depth === 0 && lineHasCode) {
        tokens.push(new PyToken('newline', '\n', startOffset, startOffset + len, startLine, startChar, startLine, startChar + len));
        lineTokens = 0;
      }
      lineHasCode = depth > 0 && lineHasCode;
      if (depth === 0) lineHasCode = false;
      i += len;
      continue;
    }
    if (c === 92 /* \ */ && (text.charCodeAt(i + 1) === 10 || (text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10))) {
      // Explicit line joining: the logical line goes on.
      i += 1 + newlineAt(i + 1);
      continue;
    }
    if (c === 35 /* # */) {
      const start = pos(i);
      let j = i;
      while (j < n && text.charCodeAt(j) !== 10 && !(text.charCodeAt(j) === 13 && text.charCodeAt(j + 1) === 10)) j++;
      comments.push({ text: text.slice(i, j), range: { start, end: pos(j) }, ownLine: !lineHasCode });
      i = j;
      continue;
    }
    // Names, which may turn out to be string prefixes.
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      const q = text.charCodeAt(j);
      if ((q === 34 || q === 39) && j - i <= 2 && STRING_PREFIX.test(word)) {
        i = readString(i, j - i);
        lineHasCode = true;
        continue;
      }
      if (lineTokens++ < MAX_LINE_TOKENS) tokens.push(new PyToken('name', word, i, j, line, i - lineStart, line, j - lineStart));
      lineHasCode = true;
      i = j;
      continue;
    }
    if (c === 34 || c === 39) {
      i = readString(i, 0);
      lineHasCode = true;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (isIdentPart(d) || d === 46) j++;
        else if ((d === 43 || d === 45) && (text.charCodeAt(j - 1) | 32) === 101 && !/^0[xX]/.test(text.slice(i, i + 2))) j++;
        else break;
      }
      if (lineTokens++ < MAX_LINE_TOKENS) tokens.push(new PyToken('number', text.slice(i, j), i, j, line, i - lineStart, line, j - lineStart));
      lineHasCode = true;
      i = j;
      continue;
    }
    // Operators and delimiters, decided on character codes (no substring per token: this is the hot path).
    const c1 = text.charCodeAt(i + 1);
    let len = 1;
    if (!OP_CHAR[c]) {
      // A stray character (`$`, `?`, a backtick, random bytes): one error token; keep surrogate pairs together.
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) len = 2;
      if (lineTokens++ < MAX_LINE_TOKENS) tokens.push(new PyToken('error', text.slice(i, i + len), i, i + len, line, i - lineStart, line, i + len - lineStart));
      lineHasCode = true;
      i += len;
      continue;
    }
    const c2 = text.charCodeAt(i + 2);
    const doubled = c1 === c && (c === 42 || c === 47 || c === 60 || c === 62); // ** // << >>
    if (doubled && c2 === 61) len = 3;
    else if (c === 46 && c1 === 46 && c2 === 46) len = 3; // ...
    else if (doubled || (c1 === 61 && OP_CHAR[c] === 2) || (c === 45 && c1 === 62)) len = 2; // == += ... ->
    const op = len === 1 ? text[i] : text.slice(i, i + len);
    if (lineTokens++ < MAX_LINE_TOKENS) tokens.push(new PyToken('op', op, i, i + len, line, i - lineStart, line, i + len - lineStart));
    if (len === 1) {
      if (c === 40 || c === 91 || c === 123) depth++;
      else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
    }
    lineHasCode = true;
    i += len;
  }
  if (lineHasCode) {
    tokens.push(new PyToken('newline', '', n, n, line, n - lineStart, line, n - lineStart));
  }
  return { tokens, comments, lineStarts };

  /** Reads a string literal starting at `begin` whose prefix is `prefixLen` long; returns the offset after it. */
  function readString(begin: number, prefixLen: number): number {
    const prefix = text.slice(begin, begin + prefixLen);
    const lower = prefix.toLowerCase();
    const raw = lower.includes('r');
    const fmt = lower.includes('f') || lower.includes('t');
    const startLine = line;
    const startCharacter = begin - lineStart;
    let j = begin + prefixLen;
    const quoteChar = text[j];
    const triple = text.charCodeAt(j + 1) === text.charCodeAt(j) && text.charCodeAt(j + 2) === text.charCodeAt(j);
    const quote = triple ? (quoteChar === '"' ? '"""' : "'''") : quoteChar;
    j += quote.length;
    let value = '';
    let chunkStart = j;
    let terminated = false;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 92 /* \ */) {
        value += text.slice(chunkStart, j);
        const next = text[j + 1];
        if (next === undefined) {
          j++;
          chunkStart = j;
          break;
        }
        if (next === '\n' || next === '\r') {
          j += 1 + newlineAt(j + 1);
          if (raw) value += text.slice(j - 2, j);
          chunkStart = j;
          continue;
        }
        value += raw ? '\\' + next : (ESCAPES[next] ?? '\\' + next);
        j += 2;
        chunkStart = j;
        continue;
      }
      if (d === 10 || (d === 13 && text.charCodeAt(j + 1) === 10)) {
        if (!triple) break; // an unterminated one-line string ends at the line break
        value += text.slice(chunkStart, j);
        const len = newlineAt(j);
        value += '\n';
        j += len;
        chunkStart = j;
        continue;
      }
      if (fmt && d === 123 /* { */) {
        if (text.charCodeAt(j + 1) === 123) {
          j += 2;
          continue;
        }
        // Skip the replacement field, which may hold strings of its own (Python 3.12 allows the same quote).
        value += text.slice(chunkStart, j);
        j = skipReplacementField(j + 1);
        value += '{…}';
        chunkStart = j;
        continue;
      }
      if (text.startsWith(quote, j)) {
        value += text.slice(chunkStart, j);
        j += quote.length;
        terminated = true;
        break;
      }
      j++;
    }
    if (!terminated) value += text.slice(chunkStart, j);
    const token = new PyToken('string', text.slice(begin, j), begin, j, startLine, startCharacter, line, j - lineStart);
    token.value = value;
    token.prefix = prefix;
    if (!terminated) token.unterminated = true;
    if (lineTokens++ < MAX_LINE_TOKENS) tokens.push(token);
    return j;
  }

  /** From just after `{` in an f-string to just after the matching `}` (or the end of the line/text). */
  function skipReplacementField(j: number): number {
    let braces = 1;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 123) braces++;
      else if (d === 125) {
        braces--;
        if (braces === 0) return j + 1;
      } else if (d === 34 || d === 39) {
        // A nested string: skip it without recording a token (it is part of the f-string).
        const q = text[j];
        j++;
        while (j < n && text[j] !== q && text.charCodeAt(j) !== 10) j += text.charCodeAt(j) === 92 && text.charCodeAt(j + 1) !== 10 ? 2 : 1;
        if (j >= n || text.charCodeAt(j) === 10) return j > 0 && text.charCodeAt(j - 1) === 13 ? j - 1 : j; // the line break is the string reader's
      } else if (d === 10 || (d === 13 && text.charCodeAt(j + 1) === 10)) {
        return j; // leave the line break to the string reader (it knows whether the string is triple-quoted)
      }
      j++;
    }
    return j;
  }
}

/** Keywords that cannot continue an expression when they start a line at column 0. */
const STATEMENT_KEYWORDS = new Set(['def', 'class', 'import', 'from', 'try', 'while', 'with', 'return', 'raise', 'async', 'global', 'pass']);

/**
 * Whether the line at `offset` starts, at column 0, with a statement keyword or an assignment written
 * `NAME = value` (spaces around `=`, which a keyword argument does not have in formatted code).
 * Inside brackets such a line is a new statement after a bracket left open, not a continuation.
 */
function startsStatement(text: string, offset: number): boolean {
  if (!isIdentStart(text.charCodeAt(offset))) return false;
  let j = offset + 1;
  while (j < text.length && isIdentPart(text.charCodeAt(j))) j++;
  const after = text.charCodeAt(j);
  if (STATEMENT_KEYWORDS.has(text.slice(offset, j))) return after === 32 || after === 9 || after === 40 || after === 58;
  if (after !== 32 && after !== 9) return false;
  while (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9) j++;
  const next = text.charCodeAt(j + 1);
  return text.charCodeAt(j) === 61 && (next === 32 || next === 9);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

// ---------------------------------------------------------------------------------------------------------
// Statements and expressions

interface Block {
  indent: number;
  kind: 'main' | 'def' | 'class' | 'debug' | 'other';
}

/** Tokenises and reads a Python module. Never throws. */
export function parsePython(text: string): PythonModule {
  const { tokens, comments, lineStarts } = tokenizePython(text);
  const code = tokens; // comments are kept apart
  // Matching brackets, so that skipping a bracketed region is O(1).
  const match = new Int32Array(code.length).fill(-1);
  const stack: number[] = [];
  const table: TokenTable = { code, match };
  for (let k = 0; k < code.length; k++) {
    const t = code[k];
    if (t.kind === 'newline') {
      stack.length = 0; // a logical line ends only outside brackets, so anything open here is unbalanced
      continue;
    }
    if (t.kind !== 'op') continue;
    if (OPEN.has(t.text)) stack.push(k);
    else if (CLOSE[t.text]) {
      // Pop to the nearest matching opener; unmatched closers are left unmatched.
      for (let s = stack.length - 1; s >= 0; s--) {
        if (code[stack[s]].text === CLOSE[t.text]) {
          match[stack[s]] = k;
          match[k] = stack[s];
          stack.length = s;
          break;
        }
      }
    }
  }


  // The context only changes when the block stack does: reuse it for every statement in between.
  let cachedContext: PyContext | undefined;
  let cachedBlocks = -1;
  let cachedTop: Block | undefined;
  function context(indent: number): PyContext {
    const top = blocks[blocks.length - 1];
    if (cachedContext && cachedBlocks === blocks.length && cachedTop === top && cachedContext.indent === indent) return cachedContext;
    cachedBlocks = blocks.length;
    cachedTop = top;
    cachedContext = {
      indent,
      topLevel: blocks.length === 0,
      inFunction: blocks.some((b) => b.kind === 'def'),
      inClass: blocks.some((b) => b.kind === 'class'),
      inMainGuard: blocks.some((b) => b.kind === 'main'),
      inBlock: blocks.some((b) => b.kind === 'other' || b.kind === 'main' || b.kind === 'debug'),
      inDebugBranch: blocks.some((b) => b.kind === 'debug'),
    };
    return cachedContext;
  }

  /** Reads the `;`-separated statements of tokens [from, to). */
  function readStatements(from: number, to: number, indent: number): void {
    let s = from;
    for (let j = from; j <= to; j++) {
      if (j === to || (code[j].kind === 'op' && code[j].text === ';')) {
        if (j > s) readStatement(s, j, indent);
        s = j + 1;
      } else if (code[j].kind === 'op' && match[j] > j && match[j] < to) {
        j = match[j];
      }
    }
  }

  function readStatement(from: number, to: number, indent: number): void {
    const first = code[from];
    const word = first.kind === 'name' ? first.text : '';
    const isSoftHeader = (word === 'match' || word === 'case') && code[to - 1].text === ':' && code[from + 1]?.text !== '=';
    if (BLOCK_KEYWORDS.has(word) || isSoftHeader) {
      // Header up to the first ':' outside brackets (lambda colons inside a header are rare enough to ignore).
      let colon = -1;
      for (let j = from + 1; j < to; j++) {
        const t = code[j];
        if (t.kind === 'op' && match[j] > j) {
          j = Math.min(match[j], to - 1);
          continue;
        }
        if (t.kind === 'op' && t.text === ':') {
          colon = j;
          break;
        }
      }
      const headerEnd = colon < 0 ? to : colon;
      // Calls in the header itself (`if app.run(...)`, `with open(...)`) count in the enclosing context.
      if (word !== 'def' && word !== 'class' && headerEnd > from + 1) {
        walk(parseRange(from + 1, headerEnd), context(indent));
      }
      let kind: Block['kind'] = 'other';
      if (word === 'def' || (word === 'async' && code[from + 1]?.text === 'def')) {
        kind = 'def';
        readDef(word === 'def' ? from + 1 : from + 2, headerEnd);
      }
      else if (word === 'class') kind = 'class';
      else if (word === 'if' && isMainGuard(from + 1, headerEnd)) kind = 'main';
      else if (word === 'if' && isDebugTest(from + 1, headerEnd)) kind = 'debug';
      blocks.push({ indent, kind });
      if (colon >= 0 && colon + 1 < to) {
        // A body on the same line: `if __name__ == "__main__": app.run()`.
        readStatements(colon + 1, to, indent + 1);
        blocks.pop();
        blocks.push({ indent, kind });
      }
      return;
    }
    if (word === 'import' || word === 'from') {
      readImport(from, to, word);
      return;
    }
    if (first.kind === 'op' && first.text === '@') {
      walk(parseRange(from + 1, to), context(indent));
      return;
    }
    if (['pass', 'break', 'continue', 'global', 'nonlocal', 'del'].includes(word)) return;
    let exprFrom = from;
    if (['return', 'raise', 'assert', 'yield', 'await', 'print'].includes(word) && code[from + 1]?.text !== '=') {
      exprFrom = word === 'await' || word === 'print' ? from : from + 1;
    }
    // Assignment: find top-level assignment operators.
    const parts: Array<[number, number]> = [];
    let op = '';
    let partStart = exprFrom;
    let annotation = -1;
    for (let j = exprFrom; j < to; j++) {
      const t = code[j];
      if (t.kind === 'name' && t.text === 'lambda') break;
      if (t.kind !== 'op') continue;
      if (match[j] > j) {
        j = Math.min(match[j], to - 1);
        continue;
      }
      if (ASSIGN_OPS.has(t.text)) {
        parts.push([partStart, j]);
        op = op || t.text;
        partStart = j + 1;
        if (t.text !== '=') break;
      } else if (t.text === ':' && !op && annotation < 0 && parts.length === 0) {
        annotation = j; // `NAME: type = value`
      }
    }
    const ctx = context(indent);
    if (parts.length === 0 && annotation < 0) {
      walk(parseRange(exprFrom, to), ctx);
      return;
    }
    if (annotation >= 0 && parts.length <= 1) {
      const target = parseRange(exprFrom, annotation);
      const value = parts.length ? parseRange(partStart, to) : undefined;
      mod.assignments.push(assignment(ctx, [target], parts.length ? op : ':', value, spanOf(from, to)));
      if (value) walk(value, ctx);
      return;
    }
    const targets = parts.map(([a, b]) => parseRange(a, b));
    const value = parseRange(partStart, to);
    mod.assignments.push(assignment(ctx, targets, op, value, spanOf(from, to)));
    for (const t of targets) walk(t, ctx);
    walk(value, ctx);
  }

  /** `name(params)` of a `def` header, tokens [from, to). */
  function readDef(from: number, to: number): void {
    const nameTok = code[from];
    if (!nameTok || from >= to || nameTok.kind !== 'name') return;
    const params: PyParam[] = [];
    const open = from + 1;
    if (code[open]?.text === '(' && match[open] > open) {
      let seg = open + 1;
      const close = match[open];
      for (let j = open + 1; j <= close; j++) {
        if (j < close && code[j].kind === 'op' && match[j] > j) {
          j = match[j];
          continue;
        }
        if (j < close && code[j].text !== ',') continue;
        // One parameter: tokens [seg, j).
        if (j > seg) {
          const first = code[seg];
          const star = first.text === '*' || first.text === '**' ? first.text : undefined;
          const name = code[star ? seg + 1 : seg];
          let equals = -1;
          for (let x = seg; x < j; x++) {
            if (code[x].kind === 'op' && match[x] > x) x = match[x];
            else if (code[x].kind === 'op' && code[x].text === '=' && equals < 0) equals = x;
          }
          // A bare `*` or `/` only separates kinds of parameters.
          if (name && name.kind === 'name' && (star ? seg + 1 : seg) < j) {
            params.push({ name: name.text, star, hasDefault: equals >= 0, ...(equals >= 0 ? { default: parseRange(equals + 1, j) } : {}) });
          }
        }
        seg = j + 1;
      }
    }
    mod.functions.push({ name: nameTok.text, nameRange: nameTok.range, params, topLevel: blocks.length === 0 });
  }

  function readImport(from: number, to: number, word: string): void {
    const topLevel = blocks.length === 0;
    const range = spanOf(from, to);
    const names: string[] = [];
    let module = '';
    let j = from + 1;
    const dotted = (): string => {
      // `a.b.c` or relative `..a`: names joined by dots (a name never follows a name).
      let s = '';
      let lastWasName = false;
      while (j < to) {
        const t = code[j];
        if (t.kind === 'name' && !lastWasName && t.text !== 'import') {
          lastWasName = true;
        } else if (t.text === '.' || t.text === '...') {
          lastWasName = false;
        } else break;
        s += t.text;
        j++;
      }
      return s;
    };
    if (word === 'from') {
      module = dotted();
      if (code[j]?.text === 'import') j++;
      for (; j < to; j++) {
        const t = code[j];
        if (t.kind === 'name' && t.text !== 'as' && code[j - 1]?.text !== 'as') names.push(t.text);
        else if (t.text === '*') names.push('*');
      }
      mod.imports.push({ module, names, range, topLevel });
      return;
    }
    while (j < to) {
      const m = dotted();
      if (m) mod.imports.push({ module: m, names: [], range, topLevel });
      if (code[j]?.text === 'as') j += 2;
      if (code[j]?.text === ',') j++;
      else if (!m) j++;
    }
  }

  function isMainGuard(from: number, to: number): boolean {
    if (to - from !== 3) return false;
    const [a, op, b] = [code[from], code[from + 1], code[from + 2]];
    if (op.text !== '==') return false;
    const isName = (t: PyToken) => t.kind === 'name' && t.text === '__name__';
    const isMain = (t: PyToken) => t.kind === 'string' && t.value === '__main__';
    return (isName(a) && isMain(b)) || (isMain(a) && isName(b));
  }

  /** `if DEBUG:`, `if settings.DEBUG:`, `if DEBUG is True:` / `== True`. */
  function isDebugTest(from: number, to: number): boolean {
    const t = code.slice(from, to).map((x) => x.text);
    if (t.length >= 3 && (t[t.length - 2] === 'is' || t[t.length - 2] === '==') && t[t.length - 1] === 'True') t.length -= 2;
    return (t.length === 1 && t[0] === 'DEBUG') || (t.length === 3 && t[1] === '.' && t[2] === 'DEBUG');
  }

  function spanOf(from: number, to: number): Range {
    const last = code[Math.max(from, to - 1)];
    return { start: code[from].startPosition, end: last.endPosition };
  }

  /** Records every call in the expression with the statement's context. */
  function walk(node: PyNode | undefined, ctx: PyContext): void {
    if (!node) return;
    const todo: PyNode[] = [node];
    while (todo.length) {
      const x = todo.pop()!;
      switch (x.kind) {
        case 'call':
          mod.calls.push(callSite(ctx, x, dottedName(x.callee) ?? ''));
          todo.push(x.callee);
          for (const a of x.args) todo.push(a.value);
          break;
        case 'attribute':
          todo.push(x.object);
          break;
        case 'subscript':
          todo.push(x.object, x.index);
          break;
        case 'list':
        case 'tuple':
        case 'set':
          todo.push(...x.items);
          break;
        case 'dict':
          for (const e of x.entries) {
            if (e.key) todo.push(e.key);
            todo.push(e.value);
          }
          break;
        case 'op':
          todo.push(...x.parts);
          break;
        case 'starred':
          todo.push(x.value);
          break;
        case 'other':
          todo.push(...x.children);
          break;
      }
    }
  }

  // --- expressions over tokens [from, to) ---

  function parseRange(from: number, to: number): PyNode {
    if (from >= to) {
      const t = code[Math.min(from, code.length - 1)];
      const p = t ? t.startPosition : { line: 0, character: 0 };
      return { kind: 'other', range: { start: p, end: p }, children: [] };
    }
    const p = new ExprReader(table, from, to, 0);
    const node = p.tuple();
    if (p.k < to) {
      // Something we do not model (lambda, comprehension at top level...): keep what we read as a child.
      return { kind: 'other', range: spanOf(from, to), children: [node, ...p.rest()] };
    }
    return node;
  }



  const mod: PythonModule = { text, tokens, comments, assignments: [], calls: [], imports: [], functions: [], lineStarts };
  const blocks: Block[] = [];
  let k = 0;
  while (k < code.length) {
    let end = k;
    while (end < code.length && code[end].kind !== 'newline') end++;
    if (end > k) {
      const indent = code[k].startPosition.character;
      while (blocks.length && blocks[blocks.length - 1].indent >= indent) blocks.pop();
      readStatements(k, end, indent);
    }
    k = end + 1;
  }
  return mod;
}

/** A recursive-descent reader over a token slice; nesting beyond MAX_DEPTH is kept opaque. */
class ExprReader {
  k: number;
  readonly code: PyToken[];
  readonly match: Int32Array;
  constructor(
    readonly s: TokenTable,
    from: number,
    readonly to: number,
    readonly depth: number,
  ) {
    this.k = from;
    this.code = s.code;
    this.match = s.match;
  }

  peek(): PyToken | undefined {
    return this.k < this.to ? this.code[this.k] : undefined;
  }

  /** The remaining tokens, as opaque expressions separated where possible (so calls in them are still seen). */
  rest(): PyNode[] {
    const out: PyNode[] = [];
    let guard = 0;
    while (this.k < this.to && guard++ < this.to) {
      const before = this.k;
      const node = this.expr();
      if (this.k === before) this.k++;
      else out.push(node);
    }
    return out;
  }

  /** `a, b, c` → tuple (or the single expression). */
  tuple(): PyNode {
    const first = this.expr();
    if (this.peek()?.text !== ',') return first;
    const items = [first];
    while (this.peek()?.text === ',') {
      this.k++;
      if (this.k >= this.to || isCloser(this.peek()!)) break;
      items.push(this.expr());
    }
    return { kind: 'tuple', items, range: { start: first.range.start, end: items[items.length - 1].range.end } };
  }

  /** A chain of operands and operators: `a + b`, `x == "1"`, `a if c else b`, `not x`, `-1`. */
  expr(): PyNode {
    // Fast path, most values: a single operand not followed by an operator (no arrays allocated).
    const first = this.peek();
    if (first && first.text !== 'lambda' && !PREFIX_OPS.has(first.text)) {
      const before = this.k;
      const operand = this.primary();
      if (this.k === before) return this.emptyAt(first);
      const next = this.peek();
      if (!next || !BINARY_OPS.has(next.text) || (next.kind !== 'op' && next.kind !== 'name')) return operand;
      this.k = before; // an operator follows: read the whole chain below
    }
    return this.chain();
  }

  private emptyAt(t: PyToken): PyNode {
    const p = t.startPosition;
    return { kind: 'other', range: { start: p, end: p }, children: [] };
  }

  private chain(): PyNode {
    const parts: PyNode[] = [];
    const ops: string[] = [];
    const startTok = this.peek();
    let endRange: Range | undefined;
    while (this.k < this.to) {
      const t = this.code[this.k];
      if (t.kind === 'name' && t.text === 'lambda') {
        // Opaque up to the end of the current level (a comma or a closer ends it).
        const s = this.k;
        while (this.k < this.to && this.code[this.k].text !== ',' && !isCloser(this.code[this.k])) {
          this.k = this.match[this.k] > this.k && this.match[this.k] < this.to ? this.match[this.k] + 1 : this.k + 1;
        }
        parts.push({ kind: 'other', range: spanIn(this.code, s, this.k), children: [] });
      } else if ((t.kind === 'name' || t.kind === 'op') && PREFIX_OPS.has(t.text)) {
        // A prefix operator where an operand is expected.
        ops.push(t.text);
        endRange = t.range;
        this.k++;
        continue;
      } else {
        const before = this.k;
        const operand = this.primary();
        if (this.k === before) break;
        parts.push(operand);
        endRange = operand.range;
      }
      const next = this.peek();
      if (!next || !BINARY_OPS.has(next.text) || (next.kind !== 'op' && next.kind !== 'name')) break;
      ops.push(next.text === 'not' && this.code[this.k + 1]?.text === 'in' ? 'not in' : next.text);
      if (next.text === 'is' && this.code[this.k + 1]?.text === 'not') this.k++;
      if (next.text === 'not' && this.code[this.k + 1]?.text === 'in') this.k++;
      endRange = next.range;
      this.k++;
    }
    if (parts.length === 1 && ops.length === 0) return parts[0];
    const start = startTok ? startTok.startPosition : { line: 0, character: 0 };
    if (parts.length === 0 && ops.length === 0) return { kind: 'other', range: { start, end: start }, children: [] };
    return { kind: 'op', parts, ops, range: { start, end: endRange?.end ?? start } };
  }

  /** An atom followed by trailers: `.name`, `(args)`, `[index]`. */
  primary(): PyNode {
    let node = this.atom();
    if (!node) return { kind: 'other', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, children: [] };
    while (this.k < this.to) {
      const t = this.code[this.k];
      if (t.kind !== 'op') break;
      if (t.text === '.' && this.code[this.k + 1]?.kind === 'name' && this.k + 1 < this.to) {
        const nameTok = this.code[this.k + 1];
        node = { kind: 'attribute', object: node, name: nameTok.text, nameRange: nameTok.range, range: { start: node.range.start, end: nameTok.endPosition } };
        this.k += 2;
      } else if (t.text === '(') {
        const close = this.closeOf(this.k);
        const args = this.depth < MAX_DEPTH ? this.args(this.k + 1, close) : [];
        const endTok = this.code[Math.min(close, this.to - 1)];
        node = { kind: 'call', callee: node, args, range: { start: node.range.start, end: endTok.endPosition }, argsRange: { start: t.startPosition, end: endTok.endPosition } };
        this.k = Math.min(close + 1, this.to);
      } else if (t.text === '[') {
        const close = this.closeOf(this.k);
        const index = this.depth < MAX_DEPTH ? this.sub(this.k + 1, close).tuple() : { kind: 'other' as const, range: t.range, children: [] };
        const endTok = this.code[Math.min(close, this.to - 1)];
        node = { kind: 'subscript', object: node, index, range: { start: node.range.start, end: endTok.endPosition } };
        this.k = Math.min(close + 1, this.to);
      } else break;
    }
    return node;
  }

  private closeOf(open: number): number {
    const m = this.match[open];
    return m > open && m < this.to ? m : this.to;
  }

  private sub(from: number, to: number): ExprReader {
    return new ExprReader(this.s, from, to, this.depth + 1);
  }

  private args(from: number, to: number): PyArg[] {
    const out: PyArg[] = [];
    const r = this.sub(from, to);
    let guard = 0;
    while (r.k < to && guard++ <= to - from) {
      const t = this.code[r.k];
      let star: PyArg['star'];
      let name: string | undefined;
      let nameRange: Range | undefined;
      const start = t.startPosition;
      if (t.kind === 'op' && (t.text === '*' || t.text === '**')) {
        star = t.text;
        r.k++;
      } else if (t.kind === 'name' && this.code[r.k + 1]?.text === '=' && r.k + 1 < to) {
        name = t.text;
        nameRange = t.range;
        r.k += 2;
      }
      const before = r.k;
      const value = r.expr();
      if (r.k === before && !name && !star) {
        r.k++; // skip a token we cannot read (a stray keyword, a generator's `for`...)
        continue;
      }
      out.push({ name, nameRange, star, value, range: { start, end: value.range.end } });
      // A generator argument `f(x for x in y)`: skip to the next comma.
      while (r.k < to && this.code[r.k].text !== ',') r.k = this.match[r.k] > r.k && this.match[r.k] < to ? this.match[r.k] + 1 : r.k + 1;
      if (this.code[r.k]?.text === ',') r.k++;
    }
    return out;
  }

  private atom(): PyNode | undefined {
    const t = this.peek();
    if (!t) return undefined;
    if (t.kind === 'string') {
      // Implicit concatenation of adjacent literals.
      let value = t.value ?? '';
      let fstring = /[ft]/i.test(t.prefix ?? '');
      const bytes = /b/i.test(t.prefix ?? '');
      let end = t.endPosition;
      this.k++;
      while (this.peek()?.kind === 'string') {
        const u = this.code[this.k];
        value += u.value ?? '';
        fstring = fstring || /[ft]/i.test(u.prefix ?? '');
        end = u.endPosition;
        this.k++;
      }
      const quote = t.text.charCodeAt((t.prefix ?? '').length) === 34 /* " */ ? '"' : "'";
      return { kind: 'string', value, fstring, bytes, range: { start: t.startPosition, end }, quote };
    }
    if (t.kind === 'number') {
      this.k++;
      return { kind: 'number', text: t.text, range: t.range };
    }
    if (t.kind === 'name') {
      if (BINARY_OPS.has(t.text) && t.text !== 'not') return undefined; // `and`, `if`... are operators
      if (t.text === 'for' || t.text === 'async' || t.text === 'lambda') return undefined;
      this.k++;
      if (t.text === 'True' || t.text === 'False' || t.text === 'None') return { kind: 'const', value: t.text, range: t.range };
      return { kind: 'name', name: t.text, range: t.range };
    }
    if (t.kind === 'op' && (t.text === '*' || t.text === '**')) {
      this.k++;
      const v = this.primary();
      return { kind: 'starred', value: v, range: { start: t.startPosition, end: v.range.end } };
    }
    if (t.kind === 'op' && OPEN.has(t.text)) {
      const close = this.closeOf(this.k);
      const endTok = this.code[Math.min(close, this.to - 1)];
      const range = { start: t.startPosition, end: endTok.endPosition };
      const inner = this.depth < MAX_DEPTH ? this.sub(this.k + 1, close) : undefined;
      this.k = Math.min(close + 1, this.to);
      if (!inner) return { kind: 'other', range, children: [] };
      if (t.text === '{') return this.braces(inner, close, range);
      const items: PyNode[] = [];
      let comprehension = false;
      let trailingComma = false;
      while (inner.k < close) {
        const before = inner.k;
        items.push(inner.expr());
        trailingComma = false;
        if (inner.k < close && this.code[inner.k].text === ',') {
          inner.k++;
          trailingComma = true;
          continue;
        }
        if (inner.k < close) {
          comprehension = true; // `[x for x in y]` or something we do not model
          items.push(...inner.rest());
          break;
        }
        if (inner.k === before) break;
      }
      if (t.text === '(' && items.length === 1 && !trailingComma && !comprehension) {
        // Parentheses around one expression are just grouping; keep the inner range for the value.
        return items[0];
      }
      return { kind: t.text === '[' ? 'list' : 'tuple', items, range, comprehension: comprehension || undefined };
    }
    return undefined;
  }

  private braces(inner: ExprReader, close: number, range: Range): PyNode {
    const entries: PyDictEntry[] = [];
    const items: PyNode[] = [];
    let comprehension = false;
    let isDict = inner.k >= close; // `{}` is a dict
    while (inner.k < close) {
      const before = inner.k;
      if (this.code[inner.k].text === '**') {
        inner.k++;
        const v = inner.expr();
        entries.push({ value: v, range: v.range });
        isDict = true;
      } else {
        const key = inner.expr();
        if (inner.k < close && this.code[inner.k].text === ':') {
          isDict = true;
          inner.k++;
          const value = inner.expr();
          entries.push({ key, value, range: { start: key.range.start, end: value.range.end } });
        } else items.push(key);
      }
      if (inner.k < close && this.code[inner.k].text === ',') {
        inner.k++;
        continue;
      }
      if (inner.k < close) {
        comprehension = true;
        items.push(...inner.rest());
        break;
      }
      if (inner.k === before) break;
    }
    if (isDict) return { kind: 'dict', entries, range, comprehension: comprehension || undefined };
    return { kind: 'set', items, range, comprehension: comprehension || undefined };
  }
}
interface TokenTable {
  code: PyToken[];
  match: Int32Array;
}

function spanIn(code: PyToken[], from: number, to: number): Range {
  const last = code[Math.max(from, to - 1)];
  return { start: code[from].startPosition, end: last.endPosition };
}

// An assignment and a call site with their statement's context, each one literal with every field:
// objects given fields after they are made get a second object for them (a few thousand per module).
function assignment(ctx: PyContext, targets: PyNode[], op: string, value: PyNode | undefined, range: Range): PyAssignment {
  return {
    targets, op, value, range,
    indent: ctx.indent, topLevel: ctx.topLevel, inFunction: ctx.inFunction, inClass: ctx.inClass, inMainGuard: ctx.inMainGuard, inBlock: ctx.inBlock, inDebugBranch: ctx.inDebugBranch,
  };
}

function callSite(ctx: PyContext, call: Extract<PyNode, { kind: 'call' }>, callee: string): PyCallSite {
  return {
    call, callee,
    indent: ctx.indent, topLevel: ctx.topLevel, inFunction: ctx.inFunction, inClass: ctx.inClass, inMainGuard: ctx.inMainGuard, inBlock: ctx.inBlock, inDebugBranch: ctx.inDebugBranch,
  };
}

function isCloser(t: PyToken): boolean {
  return t.kind === 'op' && (t.text === ')' || t.text === ']' || t.text === '}');
}

// ---------------------------------------------------------------------------------------------------------
// Helpers for rules

/** `os.environ.get` for name/attribute chains, undefined otherwise. */
export function dottedName(node: PyNode | undefined): string | undefined {
  const parts: string[] = [];
  let x = node;
  let guard = 0;
  while (x && guard++ < 200) {
    if (x.kind === 'name') {
      parts.push(x.name);
      return parts.reverse().join('.');
    }
    if (x.kind !== 'attribute') return undefined;
    parts.push(x.name);
    x = x.object;
  }
  return undefined;
}

/** The last module-level assignment to each plain name, made on the first lookup of a module. */
const lastAssignments = new WeakMap<PythonModule, Map<string, PyAssignment>>();

/** The last module-level assignment to a plain name (what the module ends up with), if any. */
export function moduleAssignment(mod: PythonModule, name: string): PyAssignment | undefined {
  let index = lastAssignments.get(mod);
  if (!index) {
    index = new Map();
    for (const a of mod.assignments) {
      if (!a.topLevel || a.op === ':') continue;
      for (const t of a.targets) addTargetNames(t, a, index);
    }
    lastAssignments.set(mod, index);
  }
  return index.get(name);
}

function addTargetNames(t: PyNode, a: PyAssignment, into: Map<string, PyAssignment>): void {
  if (t.kind === 'name') into.set(t.name, a);
  else if (t.kind === 'tuple' || t.kind === 'list') for (const item of t.items) addTargetNames(item, a, into);
}

/** The value of a string literal (no f-string), else undefined. */
export function stringValue(node: PyNode | undefined): string | undefined {
  return node && node.kind === 'string' && !node.fstring ? node.value : undefined;
}

/** The keyword argument `name=` of a call, if given. */
export function keywordArg(call: Extract<PyNode, { kind: 'call' }>, name: string): PyArg | undefined {
  return call.args.find((a) => a.name === name);
}

/** The nodes assigned to plain names by an assignment (`A = B = 1` → A and B), without tuple targets. */
export function assignedNames(a: PyAssignment): Array<Extract<PyNode, { kind: 'name' }>> {
  return a.targets.filter((t): t is Extract<PyNode, { kind: 'name' }> => t.kind === 'name');
}

/**
 * The default DJANGO_SETTINGS_MODULE a module sets, the first in the source:
 * `os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")` (or any call given the variable
 * and a module, like `os.environ.get`) or `os.environ["DJANGO_SETTINGS_MODULE"] = "mysite.settings"`.
 */
export function settingsModuleDefault(mod: PythonModule): string | undefined {
  const VAR = 'DJANGO_SETTINGS_MODULE';
  const moduleName = (node: PyNode | undefined): string | undefined => {
    const v = node && node.kind === 'string' && !node.bytes && !node.value.includes('{') ? node.value : undefined;
    return v !== undefined && /^[A-Za-z_][\w.]*$/.test(v) ? v : undefined;
  };
  let best: { at: Position; module: string } | undefined;
  const consider = (at: Position, module: string | undefined) => {
    if (module && (!best || before(at, best.at))) best = { at, module };
  };
  for (const c of mod.calls) {
    const [a, b] = c.call.args;
    if (a && b && !a.name && !a.star && !b.name && !b.star && stringValue(a.value) === VAR) consider(c.call.range.start, moduleName(b.value));
  }
  for (const a of mod.assignments) {
    if (a.op !== '=' || a.targets.length !== 1) continue;
    const t = a.targets[0];
    if (t.kind === 'subscript' && stringValue(t.index) === VAR) consider(a.range.start, moduleName(a.value));
  }
  return best?.module;
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/** Whether a plain `import os` (binding the name `os`) is present at module level. */
export function bindsName(mod: PythonModule, name: string): boolean {
  return mod.imports.some((i) => (i.names.length === 0 && i.module.split('.')[0] === name) || i.names.includes(name));
}

/** Where to insert a new `import` line: after the module docstring, __future__ imports and existing imports. */
export function importInsertLine(mod: PythonModule): number {
  let line = 0;
  const firstImport = mod.imports.find((i) => i.topLevel);
  if (firstImport) {
    // After the last top-level import of the leading block of imports.
    for (const i of mod.imports) if (i.topLevel) line = Math.max(line, i.range.end.line + 1);
    const firstAssign = mod.assignments.find((a) => a.topLevel);
    if (firstAssign && firstAssign.range.start.line < line) {
      // Imports after the first assignment (e.g. settings that import late): put ours with the first block.
      line = firstImport.range.end.line + 1;
    }
    return line;
  }
  // No imports: after a leading docstring, if any.
  const first = mod.tokens[0];
  if (first && first.kind === 'string' && first.range.start.line === 0) return first.range.end.line + 1;
  let commentLine = 0;
  for (const c of mod.comments) {
    if (c.ownLine && c.range.start.line === commentLine) commentLine++;
    else break;
  }
  return commentLine;
}

/** The text of a range, for messages and fixes. */
export function textOf(mod: PythonModule, range: Range): string {
  const s = (mod.lineStarts[range.start.line] ?? 0) + range.start.character;
  const e = (mod.lineStarts[range.end.line] ?? 0) + range.end.character;
  return mod.text.slice(s, e);
}

/** The parser as LintFile.parse takes it (the function is the cache key: one parse per file version). */
export const pythonModuleOf = (file: { text: string }): PythonModule => parsePython(file.text);

/** An edit adding `import <name>` where imports go, or undefined when the module already binds it. */
export function importEdit(mod: PythonModule, name: string, statement = `import ${name}`): { range: Range; newText: string } | undefined {
  if (bindsName(mod, name)) return undefined;
  const line = importInsertLine(mod);
  const p = { line, character: 0 };
  return { range: { start: p, end: p }, newText: statement + '\n' };
}

/** Offset of a position in the module's text. */
export function offsetOf(mod: PythonModule, p: Position): number {
  return (mod.lineStarts[p.line] ?? mod.text.length) + p.character;
}

/** Position of an offset in the module's text. */
export function positionOf(mod: PythonModule, offset: number): Position {
  let lo = 0;
  let hi = mod.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (mod.lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - mod.lineStarts[lo] };
}

/** The indentation (leading spaces/tabs) of a line. */
export function indentOf(mod: PythonModule, line: number): string {
  const s = mod.lineStarts[line] ?? 0;
  let e = s;
  while (e < mod.text.length && (mod.text[e] === ' ' || mod.text[e] === '\t')) e++;
  return mod.text.slice(s, e);
}
