// The one Python reader of Cloudward, shared by detection (src/core/detect), the lint rules and the placement
// of `manage.py check` results: a tolerant tokeniser and statement reader for the Python they look at:
// settings modules, Flask/FastAPI app modules, wsgi.py, manage.py, gunicorn config files. Nothing else reads
// Python source with regular expressions; what a caller needs is added here. It is not a full Python parser: it knows enough to give
// every assignment, call and literal an exact source range, and to tell whether a statement sits at module
// level, inside a function, or under `if __name__ == "__main__":`. It never throws and runs in linear time
// (one pass over the characters, one pass over the tokens; expression nesting is capped).

import type { Position, Range } from '../types';
import { exact } from '../exact';

export type PyTokenKind = 'name' | 'number' | 'string' | 'op' | 'comment' | 'newline' | 'error';

/**
 * One token, as `PythonModule.tokens` and `tokenizePython` give it. The reader itself keeps its tokens as
 * numbers (`TokenTable`); these objects are made only for a caller that asks for the module's tokens.
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

/** Where a node is: offsets in the module's text, and the range made from them on each use. */
export interface PySpan {
  readonly start: number;
  readonly end: number;
  readonly range: Range;
}

export type PyNode = PySpan & (
  | { kind: 'string'; value: string; fstring: boolean; bytes: boolean; quote: string }
  | { kind: 'number'; text: string }
  | { kind: 'const'; value: 'True' | 'False' | 'None' }
  | { kind: 'name'; name: string }
  | { kind: 'attribute'; object: PyNode; name: string; nameRange: Range }
  | { kind: 'call'; callee: PyNode; args: PyArg[]; argsRange: Range }
  | { kind: 'subscript'; object: PyNode; index: PyNode }
  | { kind: 'list' | 'tuple' | 'set'; items: PyNode[]; comprehension?: boolean }
  | { kind: 'dict'; entries: PyDictEntry[]; comprehension?: boolean }
  | { kind: 'op'; parts: PyNode[]; ops: string[] }
  | { kind: 'starred'; value: PyNode }
  | { kind: 'other'; children: PyNode[] }
);

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

// Token kinds in the table (0: none, which is what a typed array holds past the last token).
const NAME = 1;
const NUMBER = 2;
const STRING = 3;
const OP = 4;
const NEWLINE = 5;
const ERROR = 6;
const KIND_NAMES: ReadonlyArray<PyTokenKind | undefined> = [undefined, 'name', 'number', 'string', 'op', 'newline', 'error'];

/** Two-character operators, by their two character codes: one string each, not a slice per token. */
const OP2 = new Map<number, string>();
for (const op of ['**', '//', '<<', '>>', '==', '!=', '<=', '>=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=', ':=', '->']) {
  OP2.set((op.charCodeAt(0) << 8) | op.charCodeAt(1), op);
}


/** The arrays every TokenTable is filled in (grown when a module has more tokens; never shrunk). */
let scratch: { kind: Uint8Array; start: Int32Array; end: Int32Array; line: Int32Array; endLine: Int32Array } = {
  kind: new Uint8Array(4096),
  start: new Int32Array(4096),
  end: new Int32Array(4096),
  line: new Int32Array(4096),
  endLine: new Int32Array(4096),
};

/**
 * The tokens of a module as numbers: kind, offsets and lines in typed arrays, and one text per token. A
 * settings module has tens of thousands of tokens; as objects, with the positions their ranges were made
 * of, they were the largest part of what the garbage collector copied in a lint. Positions and ranges are
 * made from these numbers when a node asks for them.
 */
class TokenTable {
  count = 0;
  kind: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  line: Int32Array;
  endLine: Int32Array;
  text: string[] = [];
  /**
   * String tokens, in order (a binary search finds a token's place): their decoded values and prefixes
   * are at the same place in `values` and `prefixes`. A number list, not a Map from token to place: the
   * Map of a settings module's five thousand strings held a quarter of a megabyte for the collector.
   */
  private stringTokens: number[] = [];
  /** Decoded values of string literals (escapes of non-raw strings resolved loosely). */
  private values: string[] = [];
  /** Their prefixes: `r`, `f`, `rb`... ('' when none). */
  private prefixes: string[] = [];
  /** String tokens that run to the end of the line or text without their closing quote. */
  readonly unterminated = new Set<number>();

  constructor(readonly lineStarts: number[]) {
    // Filled in the shared scratch arrays, copied to their exact size by finish(): a module keeps only
    // what it has, and parsing file after file allocates no large arrays to throw away.
    this.kind = scratch.kind;
    this.start = scratch.start;
    this.end = scratch.end;
    this.line = scratch.line;
    this.endLine = scratch.endLine;
  }

  push(kind: number, text: string, start: number, end: number, line: number, endLine: number): number {
    const k = this.count++;
    if (k === this.kind.length) this.grow();
    this.kind[k] = kind;
    this.start[k] = start;
    this.end[k] = end;
    this.line[k] = line;
    this.endLine[k] = endLine;
    this.text.push(text);
    return k;
  }

  private grow(): void {
    const twice = <T extends Uint8Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    scratch = { kind: twice(this.kind), start: twice(this.start), end: twice(this.end), line: twice(this.line), endLine: twice(this.endLine) };
    this.kind = scratch.kind;
    this.start = scratch.start;
    this.end = scratch.end;
    this.line = scratch.line;
    this.endLine = scratch.endLine;
  }

  /** A string token's decoded value and prefix. */
  pushString(k: number, value: string, prefix: string): void {
    this.stringTokens.push(k);
    this.values.push(value);
    this.prefixes.push(prefix);
  }

  /** The table's own arrays, of its exact size (the scratch arrays are the next table's). */
  finish(): void {
    const n = this.count;
    this.text = exact(this.text);
    this.stringTokens = exact(this.stringTokens);
    this.values = exact(this.values);
    this.prefixes = exact(this.prefixes);
    this.kind = this.kind.slice(0, n);
    this.start = this.start.slice(0, n);
    this.end = this.end.slice(0, n);
    this.line = this.line.slice(0, n);
    this.endLine = this.endLine.slice(0, n);
  }

  startPosition(k: number): Position {
    const line = this.line[k];
    return { line, character: this.start[k] - this.lineStarts[line] };
  }

  endPosition(k: number): Position {
    const line = this.endLine[k];
    return { line, character: this.end[k] - this.lineStarts[line] };
  }

  range(k: number): Range {
    return { start: this.startPosition(k), end: this.endPosition(k) };
  }

  rangeBetween(start: number, end: number): Range {
    return { start: this.positionAt(start), end: this.positionAt(end) };
  }

  /** The position of an offset (a token's start, or the end of a token that holds no line break). */
  positionAt(offset: number): Position {
    return positionIn(this.lineStarts, offset);
  }

  /** A string token's value and prefix ('' for a token that is no string). */
  value(k: number): string {
    const i = this.stringIndex(k);
    return i < 0 ? '' : this.values[i];
  }
  prefix(k: number): string {
    const i = this.stringIndex(k);
    return i < 0 ? '' : this.prefixes[i];
  }

  /** The place of string token `k` in `values` and `prefixes`, -1 when `k` is no string token. */
  private stringIndex(k: number): number {
    if (this.kind[k] !== STRING) return -1;
    const list = this.stringTokens;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = list[mid];
      if (v === k) return mid;
      if (v < k) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** From the start of token `from` to the end of token `to - 1` (of `from` when the span is empty). */
  span(from: number, to: number): Range {
    return { start: this.startPosition(from), end: this.endPosition(Math.max(from, to - 1)) };
  }

  isCloser(k: number): boolean {
    if (this.kind[k] !== OP) return false;
    const t = this.text[k];
    return t === ')' || t === ']' || t === '}';
  }

  /** The tokens as objects, for callers that walk them (detection, the Flask config reader, tests). */
  tokens(): PyToken[] {
    const out: PyToken[] = new Array(this.count);
    for (let k = 0; k < this.count; k++) {
      const s = this.startPosition(k);
      const e = this.endPosition(k);
      const t = new PyToken(KIND_NAMES[this.kind[k]]!, this.text[k], this.start[k], this.end[k], s.line, s.character, e.line, e.character);
      if (this.kind[k] === STRING) {
        t.value = this.value(k);
        t.prefix = this.prefix(k);
        if (this.unterminated.has(k)) t.unterminated = true;
      }
      out[k] = t;
    }
    return out;
  }
}

// The reader's nodes: classes, so that each range is made from the node's offsets when a rule asks for it
// (a settings module has ten thousand nodes; their ranges and positions, made up front, were three objects
// a node for the garbage collector to copy).

abstract class Span implements PySpan {
  constructor(
    protected readonly src: TokenTable,
    readonly start: number,
    readonly end: number,
  ) {}
  get range(): Range {
    return this.src.rangeBetween(this.start, this.end);
  }
}

/** A node: its kind is given to the constructor (a field initialiser would cost a call per node). */
abstract class Node extends Span {
  constructor(
    src: TokenTable,
    start: number,
    end: number,
    readonly kind: PyNode['kind'],
  ) {
    super(src, start, end);
  }
}

class StringNode extends Node {
  declare readonly kind: 'string';
  constructor(src: TokenTable, start: number, end: number, readonly value: string, readonly fstring: boolean, readonly bytes: boolean, readonly quote: string) {
    super(src, start, end, 'string');
  }
}
class NumberNode extends Node {
  declare readonly kind: 'number';
  constructor(src: TokenTable, start: number, end: number, readonly text: string) {
    super(src, start, end, 'number');
  }
}
class ConstNode extends Node {
  declare readonly kind: 'const';
  constructor(src: TokenTable, start: number, end: number, readonly value: 'True' | 'False' | 'None') {
    super(src, start, end, 'const');
  }
}
class NameNode extends Node {
  declare readonly kind: 'name';
  constructor(src: TokenTable, start: number, end: number, readonly name: string) {
    super(src, start, end, 'name');
  }
}
class AttributeNode extends Node {
  declare readonly kind: 'attribute';
  constructor(src: TokenTable, start: number, end: number, readonly object: PyNode, readonly name: string, private readonly nameToken: number) {
    super(src, start, end, 'attribute');
  }
  get nameRange(): Range {
    return this.src.range(this.nameToken);
  }
}
class CallNode extends Node {
  declare readonly kind: 'call';
  constructor(src: TokenTable, start: number, end: number, readonly callee: PyNode, readonly args: PyArg[], private readonly argsStart: number) {
    super(src, start, end, 'call');
  }
  /** From `(` to `)`. */
  get argsRange(): Range {
    return this.src.rangeBetween(this.argsStart, this.end);
  }
}
class SubscriptNode extends Node {
  declare readonly kind: 'subscript';
  constructor(src: TokenTable, start: number, end: number, readonly object: PyNode, readonly index: PyNode) {
    super(src, start, end, 'subscript');
  }
}
class SequenceNode extends Node {
  declare readonly kind: 'list' | 'tuple' | 'set';
  constructor(src: TokenTable, start: number, end: number, kind: 'list' | 'tuple' | 'set', readonly items: PyNode[], readonly comprehension: boolean | undefined) {
    super(src, start, end, kind);
  }
}
class DictNode extends Node {
  declare readonly kind: 'dict';
  constructor(src: TokenTable, start: number, end: number, readonly entries: PyDictEntry[], readonly comprehension: boolean | undefined) {
    super(src, start, end, 'dict');
  }
}
class OpNode extends Node {
  declare readonly kind: 'op';
  constructor(src: TokenTable, start: number, end: number, readonly parts: PyNode[], readonly ops: string[]) {
    super(src, start, end, 'op');
  }
}
class StarredNode extends Node {
  declare readonly kind: 'starred';
  constructor(src: TokenTable, start: number, end: number, readonly value: PyNode) {
    super(src, start, end, 'starred');
  }
}
class OtherNode extends Node {
  declare readonly kind: 'other';
  constructor(src: TokenTable, start: number, end: number, readonly children: PyNode[]) {
    super(src, start, end, 'other');
  }
}
class Arg extends Span implements PyArg {
  constructor(src: TokenTable, start: number, readonly value: PyNode, readonly name: string | undefined, private readonly nameToken: number, readonly star: '*' | '**' | undefined) {
    super(src, start, value.end);
  }
  get nameRange(): Range | undefined {
    return this.nameToken < 0 ? undefined : this.src.range(this.nameToken);
  }
}
class DictEntry extends Span implements PyDictEntry {
  constructor(src: TokenTable, readonly key: PyNode | undefined, readonly value: PyNode) {
    super(src, (key ?? value).start, value.end);
  }
}

/** Splits text into Python tokens. Unknown characters become 'error' tokens; nothing throws. */
export function tokenizePython(text: string): { tokens: PyToken[]; comments: PyComment[]; lineStarts: number[] } {
  const { table, comments, lineStarts } = tokenTable(text);
  return { tokens: table.tokens(), comments, lineStarts };
}

function tokenTable(text: string): { table: TokenTable; comments: PyComment[]; lineStarts: number[] } {
  const comments: PyComment[] = [];
  const lineStarts: number[] = [0];
  const tokens = new TokenTable(lineStarts);
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
      const startOffset = i;
      const len = newlineAt(i);
      // An unclosed bracket (a file being typed, a broken merge) would swallow the rest of the module:
      // a line that can only start a statement ends it, as it would in the user's mind.
      if (depth > 0 && startsStatement(text, i + len)) depth = 0;
      if (depth === 0 && lineHasCode) {
        tokens.push(NEWLINE, '\n', startOffset, startOffset + len, startLine, startLine);
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
      if (lineTokens++ < MAX_LINE_TOKENS) tokens.push(NAME, word, i, j, line, line);
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
      if (lineTokens++ < MAX_LINE_TOKENS) tokens.push(NUMBER, text.slice(i, j), i, j, line, line);
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
      if (lineTokens++ < MAX_LINE_TOKENS) tokens.push(ERROR, text.slice(i, i + len), i, i + len, line, line);
      lineHasCode = true;
      i += len;
      continue;
    }
    const c2 = text.charCodeAt(i + 2);
    const doubled = c1 === c && (c === 42 || c === 47 || c === 60 || c === 62); // ** // << >>
    if (doubled && c2 === 61) len = 3;
    else if (c === 46 && c1 === 46 && c2 === 46) len = 3; // ...
    else if (doubled || (c1 === 61 && OP_CHAR[c] === 2) || (c === 45 && c1 === 62)) len = 2; // == += ... ->
    const op = len === 1 ? text[i] : len === 2 ? (OP2.get((c << 8) | c1) ?? text.slice(i, i + 2)) : text.slice(i, i + len);
    if (lineTokens++ < MAX_LINE_TOKENS) tokens.push(OP, op, i, i + len, line, line);
    if (len === 1) {
      if (c === 40 || c === 91 || c === 123) depth++;
      else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
    }
    lineHasCode = true;
    i += len;
  }
  if (lineHasCode) {
    tokens.push(NEWLINE, '', n, n, line, line);
  }
  tokens.finish();
  return { table: tokens, comments, lineStarts };

  /** Reads a string literal starting at `begin` whose prefix is `prefixLen` long; returns the offset after it. */
  function readString(begin: number, prefixLen: number): number {
    const prefix = text.slice(begin, begin + prefixLen);
    const lower = prefix.toLowerCase();
    const raw = lower.includes('r');
    const fmt = lower.includes('f') || lower.includes('t');
    const startLine = line;
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
    if (lineTokens++ < MAX_LINE_TOKENS) {
      const k = tokens.push(STRING, text.slice(begin, j), begin, j, startLine, line);
      tokens.pushString(k, value, prefix);
      if (!terminated) tokens.unterminated.add(k);
    }
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
        if (j > n) j = n; // a backslash as the text's last character
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
  const { table, comments, lineStarts } = tokenTable(text);
  // The tokens (comments are kept apart): kinds and texts by index.
  const count = table.count;
  const K = table.kind;
  const T = table.text;
  // Matching brackets, so that skipping a bracketed region is O(1).
  const match = new Int32Array(count).fill(-1);
  const stack: number[] = [];
  for (let k = 0; k < count; k++) {
    if (K[k] === NEWLINE) {
      stack.length = 0; // a logical line ends only outside brackets, so anything open here is unbalanced
      continue;
    }
    if (K[k] !== OP) continue;
    const text = T[k];
    if (OPEN.has(text)) stack.push(k);
    else if (CLOSE[text]) {
      // Pop to the nearest matching opener; unmatched closers are left unmatched.
      for (let s = stack.length - 1; s >= 0; s--) {
        if (T[stack[s]] === CLOSE[text]) {
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
      if (j === to || (K[j] === OP && T[j] === ';')) {
        if (j > s) readStatement(s, j, indent);
        s = j + 1;
      } else if (K[j] === OP && match[j] > j && match[j] < to) {
        j = match[j];
      }
    }
  }

  function readStatement(from: number, to: number, indent: number): void {
    const word = K[from] === NAME ? T[from] : '';
    const isSoftHeader = (word === 'match' || word === 'case') && T[to - 1] === ':' && T[from + 1] !== '=';
    if (BLOCK_KEYWORDS.has(word) || isSoftHeader) {
      // Header up to the first ':' outside brackets (lambda colons inside a header are rare enough to ignore).
      let colon = -1;
      for (let j = from + 1; j < to; j++) {
        if (K[j] === OP && match[j] > j) {
          j = Math.min(match[j], to - 1);
          continue;
        }
        if (K[j] === OP && T[j] === ':') {
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
      if (word === 'def' || (word === 'async' && T[from + 1] === 'def')) {
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
    if (K[from] === OP && T[from] === '@') {
      walk(parseRange(from + 1, to), context(indent));
      return;
    }
    if (['pass', 'break', 'continue', 'global', 'nonlocal', 'del'].includes(word)) return;
    let exprFrom = from;
    if (['return', 'raise', 'assert', 'yield', 'await', 'print'].includes(word) && T[from + 1] !== '=') {
      exprFrom = word === 'await' || word === 'print' ? from : from + 1;
    }
    // Assignment: find top-level assignment operators.
    const parts: Array<[number, number]> = [];
    let op = '';
    let partStart = exprFrom;
    let annotation = -1;
    for (let j = exprFrom; j < to; j++) {
      const kind = K[j];
      if (kind === NAME && T[j] === 'lambda') break;
      if (kind !== OP) continue;
      if (match[j] > j) {
        j = Math.min(match[j], to - 1);
        continue;
      }
      const t = T[j];
      if (ASSIGN_OPS.has(t)) {
        parts.push([partStart, j]);
        op = op || t;
        partStart = j + 1;
        if (t !== '=') break;
      } else if (t === ':' && !op && annotation < 0 && parts.length === 0) {
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
    if (from >= to || K[from] !== NAME) return;
    const params: PyParam[] = [];
    const open = from + 1;
    if (T[open] === '(' && match[open] > open) {
      let seg = open + 1;
      const close = match[open];
      for (let j = open + 1; j <= close; j++) {
        if (j < close && K[j] === OP && match[j] > j) {
          j = match[j];
          continue;
        }
        if (j < close && T[j] !== ',') continue;
        // One parameter: tokens [seg, j).
        if (j > seg) {
          const first = T[seg];
          const star = first === '*' || first === '**' ? first : undefined;
          const name = star ? seg + 1 : seg;
          let equals = -1;
          for (let x = seg; x < j; x++) {
            if (K[x] === OP && match[x] > x) x = match[x];
            else if (K[x] === OP && T[x] === '=' && equals < 0) equals = x;
          }
          // A bare `*` or `/` only separates kinds of parameters.
          if (K[name] === NAME && name < j) {
            params.push({ name: T[name], star, hasDefault: equals >= 0, ...(equals >= 0 ? { default: parseRange(equals + 1, j) } : {}) });
          }
        }
        seg = j + 1;
      }
    }
    mod.functions.push({ name: T[from], nameRange: table.range(from), params, topLevel: blocks.length === 0 });
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
        const t = T[j];
        if (K[j] === NAME && !lastWasName && t !== 'import') {
          lastWasName = true;
        } else if (t === '.' || t === '...') {
          lastWasName = false;
        } else break;
        s += t;
        j++;
      }
      return s;
    };
    if (word === 'from') {
      module = dotted();
      if (T[j] === 'import') j++;
      for (; j < to; j++) {
        const t = T[j];
        if (K[j] === NAME && t !== 'as' && T[j - 1] !== 'as') names.push(t);
        else if (t === '*') names.push('*');
      }
      mod.imports.push({ module, names, range, topLevel });
      return;
    }
    while (j < to) {
      const m = dotted();
      if (m) mod.imports.push({ module: m, names: [], range, topLevel });
      if (T[j] === 'as') j += 2;
      if (T[j] === ',') j++;
      else if (!m) j++;
    }
  }

  function isMainGuard(from: number, to: number): boolean {
    if (to - from !== 3) return false;
    if (T[from + 1] !== '==') return false;
    const isName = (k: number) => K[k] === NAME && T[k] === '__name__';
    const isMain = (k: number) => K[k] === STRING && table.value(k) === '__main__';
    const a = from;
    const b = from + 2;
    return (isName(a) && isMain(b)) || (isMain(a) && isName(b));
  }

  /** `if DEBUG:`, `if settings.DEBUG:`, `if DEBUG is True:` / `== True`. */
  function isDebugTest(from: number, to: number): boolean {
    const t = T.slice(from, to);
    if (t.length >= 3 && (t[t.length - 2] === 'is' || t[t.length - 2] === '==') && t[t.length - 1] === 'True') t.length -= 2;
    return (t.length === 1 && t[0] === 'DEBUG') || (t.length === 3 && t[1] === '.' && t[2] === 'DEBUG');
  }

  function spanOf(from: number, to: number): Range {
    return table.span(from, to);
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
      const at = Math.min(from, count - 1);
      const p = at >= 0 ? table.start[at] : 0;
      return new OtherNode(table, p, p, []);
    }
    const p = new ExprReader(table, match, from, to, 0);
    const node = p.tuple();
    if (p.k < to) {
      // Something we do not model (lambda, comprehension at top level...): keep what we read as a child.
      return new OtherNode(table, table.start[from], table.end[to - 1], [node, ...p.rest()]);
    }
    return node;
  }



  const mod: PythonModule = new Module(text, table, comments, lineStarts);
  const blocks: Block[] = [];
  let k = 0;
  while (k < count) {
    let end = k;
    while (end < count && K[end] !== NEWLINE) end++;
    if (end > k) {
      const indent = table.start[k] - lineStarts[table.line[k]];
      while (blocks.length && blocks[blocks.length - 1].indent >= indent) blocks.pop();
      readStatements(k, end, indent);
    }
    k = end + 1;
  }
  return mod;
}

/** A module as the reader gives it: its tokens are made into objects only when a caller asks for them. */
class Module implements PythonModule {
  readonly assignments: PyAssignment[] = [];
  readonly calls: PyCallSite[] = [];
  readonly imports: PyImport[] = [];
  readonly functions: PyFunction[] = [];
  private tokenObjects: PyToken[] | undefined;
  constructor(
    readonly text: string,
    private readonly table: TokenTable,
    readonly comments: PyComment[],
    readonly lineStarts: number[],
  ) {}

  get tokens(): PyToken[] {
    return (this.tokenObjects ??= this.table.tokens());
  }
}

/** A recursive-descent reader over a token slice; nesting beyond MAX_DEPTH is kept opaque. */
class ExprReader {
  k: number;
  /** The table's kinds and texts, by token index. */
  readonly K: Uint8Array;
  readonly T: string[];
  constructor(
    readonly table: TokenTable,
    readonly match: Int32Array,
    from: number,
    readonly to: number,
    readonly depth: number,
  ) {
    this.k = from;
    this.K = table.kind;
    this.T = table.text;
  }

  /** The text of the next token, undefined at the end of the slice. */
  peekText(): string | undefined {
    return this.k < this.to ? this.T[this.k] : undefined;
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
    if (this.peekText() !== ',') return first;
    const items = [first];
    while (this.peekText() === ',') {
      this.k++;
      if (this.k >= this.to || this.table.isCloser(this.k)) break;
      items.push(this.expr());
    }
    return new SequenceNode(this.table, first.start, items[items.length - 1].end, 'tuple', exact(items), undefined);
  }

  /** Whether token k continues an expression as a binary operator. */
  private isBinary(k: number): boolean {
    const kind = this.K[k];
    return k < this.to && (kind === OP || kind === NAME) && BINARY_OPS.has(this.T[k]);
  }

  /** A chain of operands and operators: `a + b`, `x == "1"`, `a if c else b`, `not x`, `-1`. */
  expr(): PyNode {
    // Fast path, most values: a single operand not followed by an operator (no arrays allocated).
    const first = this.peekText();
    if (first !== undefined && first !== 'lambda' && !PREFIX_OPS.has(first)) {
      const before = this.k;
      const operand = this.primary();
      if (this.k === before) return this.emptyAt(before);
      if (!this.isBinary(this.k)) return operand;
      this.k = before; // an operator follows: read the whole chain below
    }
    return this.chain();
  }

  private emptyAt(k: number): PyNode {
    const p = this.table.start[k];
    return new OtherNode(this.table, p, p, []);
  }

  private chain(): PyNode {
    const parts: PyNode[] = [];
    const ops: string[] = [];
    const { K, T, table } = this;
    const start = this.k < this.to ? table.start[this.k] : 0;
    let end = -1;
    while (this.k < this.to) {
      const k = this.k;
      if (K[k] === NAME && T[k] === 'lambda') {
        // Opaque up to the end of the current level (a comma or a closer ends it).
        const s = this.k;
        while (this.k < this.to && T[this.k] !== ',' && !table.isCloser(this.k)) {
          this.k = this.match[this.k] > this.k && this.match[this.k] < this.to ? this.match[this.k] + 1 : this.k + 1;
        }
        parts.push(new OtherNode(table, table.start[s], table.end[Math.max(s, this.k - 1)], []));
      } else if ((K[k] === NAME || K[k] === OP) && PREFIX_OPS.has(T[k])) {
        // A prefix operator where an operand is expected.
        ops.push(T[k]);
        end = table.end[k];
        this.k++;
        continue;
      } else {
        const before = this.k;
        const operand = this.primary();
        if (this.k === before) break;
        parts.push(operand);
        end = operand.end;
      }
      if (!this.isBinary(this.k)) break;
      const next = this.k;
      const op = T[next];
      ops.push(op === 'not' && T[next + 1] === 'in' ? 'not in' : op);
      if (op === 'is' && T[next + 1] === 'not') this.k++;
      if (op === 'not' && T[next + 1] === 'in') this.k++;
      end = table.end[next];
      this.k++;
    }
    if (parts.length === 1 && ops.length === 0) return parts[0];
    if (parts.length === 0 && ops.length === 0) return new OtherNode(table, start, start, []);
    return new OpNode(table, start, end < 0 ? start : end, exact(parts), exact(ops));
  }

  /** An atom followed by trailers: `.name`, `(args)`, `[index]`. */
  primary(): PyNode {
    const { K, T, table } = this;
    let node = this.atom();
    if (!node) return new OtherNode(table, 0, 0, []);
    while (this.k < this.to) {
      const k = this.k;
      if (K[k] !== OP) break;
      const t = T[k];
      if (t === '.' && K[k + 1] === NAME && k + 1 < this.to) {
        node = new AttributeNode(table, node.start, table.end[k + 1], node, T[k + 1], k + 1);
        this.k += 2;
      } else if (t === '(') {
        const close = this.closeOf(k);
        const args = this.depth < MAX_DEPTH ? this.args(k + 1, close) : [];
        node = new CallNode(table, node.start, table.end[Math.min(close, this.to - 1)], node, args, table.start[k]);
        this.k = Math.min(close + 1, this.to);
      } else if (t === '[') {
        const close = this.closeOf(k);
        const index = this.depth < MAX_DEPTH ? this.sub(k + 1, close).tuple() : new OtherNode(table, table.start[k], table.end[k], []);
        node = new SubscriptNode(table, node.start, table.end[Math.min(close, this.to - 1)], node, index);
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
    return new ExprReader(this.table, this.match, from, to, this.depth + 1);
  }

  private args(from: number, to: number): PyArg[] {
    const out: PyArg[] = [];
    const { K, T, table } = this;
    const r = this.sub(from, to);
    let guard = 0;
    while (r.k < to && guard++ <= to - from) {
      const k = r.k;
      let star: PyArg['star'];
      let name: string | undefined;
      let nameToken = -1;
      if (K[k] === OP && (T[k] === '*' || T[k] === '**')) {
        star = T[k] as '*' | '**';
        r.k++;
      } else if (K[k] === NAME && T[k + 1] === '=' && k + 1 < to) {
        name = T[k];
        nameToken = k;
        r.k += 2;
      }
      const before = r.k;
      const value = r.expr();
      if (r.k === before && !name && !star) {
        r.k++; // skip a token we cannot read (a stray keyword, a generator's `for`...)
        continue;
      }
      out.push(new Arg(table, table.start[k], value, name, nameToken, star));
      // A generator argument `f(x for x in y)`: skip to the next comma.
      while (r.k < to && T[r.k] !== ',') r.k = this.match[r.k] > r.k && this.match[r.k] < to ? this.match[r.k] + 1 : r.k + 1;
      if (r.k < to && T[r.k] === ',') r.k++;
    }
    return exact(out);
  }

  private atom(): PyNode | undefined {
    if (this.k >= this.to) return undefined;
    const { K, T, table } = this;
    const k = this.k;
    const kind = K[k];
    const t = T[k];
    if (kind === STRING) {
      // Implicit concatenation of adjacent literals.
      const prefix = table.prefix(k);
      let value = table.value(k);
      let fstring = prefix !== '' && /[ft]/i.test(prefix);
      const bytes = prefix !== '' && /b/i.test(prefix);
      let last = k;
      this.k++;
      while (this.k < this.to && K[this.k] === STRING) {
        value += table.value(this.k);
        fstring = fstring || /[ft]/i.test(table.prefix(this.k));
        last = this.k;
        this.k++;
      }
      const quote = t.charCodeAt(prefix.length) === 34 /* " */ ? '"' : "'";
      return new StringNode(table, table.start[k], table.end[last], value, fstring, bytes, quote);
    }
    if (kind === NUMBER) {
      this.k++;
      return new NumberNode(table, table.start[k], table.end[k], t);
    }
    if (kind === NAME) {
      if (BINARY_OPS.has(t) && t !== 'not') return undefined; // `and`, `if`... are operators
      if (t === 'for' || t === 'async' || t === 'lambda') return undefined;
      this.k++;
      if (t === 'True' || t === 'False' || t === 'None') return new ConstNode(table, table.start[k], table.end[k], t);
      return new NameNode(table, table.start[k], table.end[k], t);
    }
    if (kind === OP && (t === '*' || t === '**')) {
      this.k++;
      const v = this.primary();
      return new StarredNode(table, table.start[k], v.end, v);
    }
    if (kind === OP && OPEN.has(t)) {
      const close = this.closeOf(k);
      const start = table.start[k];
      const end = table.end[Math.min(close, this.to - 1)];
      const inner = this.depth < MAX_DEPTH ? this.sub(k + 1, close) : undefined;
      this.k = Math.min(close + 1, this.to);
      if (!inner) return new OtherNode(table, start, end, []);
      if (t === '{') return this.braces(inner, close, start, end);
      const items: PyNode[] = [];
      let comprehension = false;
      let trailingComma = false;
      while (inner.k < close) {
        const before = inner.k;
        items.push(inner.expr());
        trailingComma = false;
        if (inner.k < close && T[inner.k] === ',') {
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
      if (t === '(' && items.length === 1 && !trailingComma && !comprehension) {
        // Parentheses around one expression are just grouping; keep the inner range for the value.
        return items[0];
      }
      return new SequenceNode(table, start, end, t === '[' ? 'list' : 'tuple', exact(items), comprehension || undefined);
    }
    return undefined;
  }

  private braces(inner: ExprReader, close: number, start: number, end: number): PyNode {
    const { T, table } = this;
    const entries: PyDictEntry[] = [];
    const items: PyNode[] = [];
    let comprehension = false;
    let isDict = inner.k >= close; // `{}` is a dict
    while (inner.k < close) {
      const before = inner.k;
      if (T[inner.k] === '**') {
        inner.k++;
        const v = inner.expr();
        entries.push(new DictEntry(table, undefined, v));
        isDict = true;
      } else {
        const key = inner.expr();
        if (inner.k < close && T[inner.k] === ':') {
          isDict = true;
          inner.k++;
          const value = inner.expr();
          entries.push(new DictEntry(table, key, value));
        } else items.push(key);
      }
      if (inner.k < close && T[inner.k] === ',') {
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
    if (isDict) return new DictNode(table, start, end, exact(entries), comprehension || undefined);
    return new SequenceNode(table, start, end, 'set', exact(items), comprehension || undefined);
  }
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
  if (first && first.kind === 'string' && first.line === 0) return first.endLine + 1;
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
  return positionIn(mod.lineStarts, offset);
}

/** The position of an offset, by a binary search of the line starts. */
function positionIn(lineStarts: number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - lineStarts[lo] };
}

/** The indentation (leading spaces/tabs) of a line. */
export function indentOf(mod: PythonModule, line: number): string {
  const s = mod.lineStarts[line] ?? 0;
  let e = s;
  while (e < mod.text.length && (mod.text[e] === ' ' || mod.text[e] === '\t')) e++;
  return mod.text.slice(s, e);
}
