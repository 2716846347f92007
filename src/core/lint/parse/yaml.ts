import { parseEvents, getScalarValue, EVENT_ID, SCALAR_STYLE, COLLECTION_STYLE } from 'js-yaml5';
import type { Event } from 'js-yaml5';
import { scanBlockYaml, withinSubsetCharacters, type YamlSink } from './yamlBlock';
import { exact } from '../exact';
import type { LintFile } from '../file';
import type { Range } from '../types';

/**
 * The one YAML reader of the linter, detection and the project model: js-yaml 5's event stream
 * (`parseEvents`: flat events with source offsets, about a tenth of the cost of the `yaml` library's
 * document parse on a 1 MB manifest), assembled into a small tree of the shapes the rules need:
 * maps, sequences, scalars with their YAML 1.2 core-schema values, each with its exact source range.
 * The `yaml` library stays for writing YAML (the generators) and is not loaded to read it.
 *
 * Ranges follow the `yaml` library's convention, so that rules and quick fixes keep their exact ranges:
 * `[start, valueEnd, nodeEnd]`; a quoted scalar's range includes its quotes; a block scalar's starts at
 * its `|`/`>` header; a block collection's ends after the newline of its last line.
 */

export type ScalarType = 'PLAIN' | 'QUOTE_SINGLE' | 'QUOTE_DOUBLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';
type NodeRange = [number, number, number];
type ScalarStyle = (typeof SCALAR_STYLE)[keyof typeof SCALAR_STYLE];

/*
 * A document's nodes are kept as numbers, not objects: four 32-bit numbers a node, in document order,
 * in one Int32Array per document ([info, start, end, next]; `next` is the index after the node's
 * subtree, so a collection's items are found by hopping from one to the next). A 1 MB manifest has some
 * 130,000 nodes: as objects (with their pairs, item arrays and strings) they were 220,000 things that the
 * collector copied (twice) until the lint ended. The node classes below are views made at each visit
 * (a scalar's text read from the source then) and left to die young unless a rule keeps one: two
 * visits of a node give two objects, so compare nodes with sameNode(), not ===. Rules that key caches
 * by a container get it from a per-document cache (startCommands.ts docContainers), which keeps one.
 */
const STRIDE = 4;
const KIND_SCALAR = 0;
const KIND_MAP = 1;
const KIND_SEQ = 2;
const KIND_ALIAS = 3;
/**
 * info: kind (2 bits) | flow | tagged | decoded (the scalar's text differs from the source between its
 * bounds: Tree.sources has it) | scalar type (3 bits).
 */
const FLOW = 4;
const TAGGED = 8;
const DECODED = 16;
const TYPE_SHIFT = 5;
const TYPE_MASK = 7;
const TYPES: ScalarType[] = ['PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'];
/** A scalar's type (an index into TYPES) from its info. */
const typeOf = (info: number): number => (info >> TYPE_SHIFT) & TYPE_MASK;
const T_PLAIN = 0;
const T_SINGLE = 1;
const T_DOUBLE = 2;
const T_LITERAL = 3;
const T_FOLDED = 4;

/** One document's nodes (see above) and the text their offsets refer to. */
class Tree {
  /** Added to every offset: where the document's text starts in its file (moved when text before it changes). */
  base = 0;
  constructor(
    readonly text: string,
    readonly data: Int32Array,
    /** Decoded scalar text where it differs from the text between the scalar's bounds (escapes, folding, block scalars). */
    readonly sources: Map<number, string> | undefined,
  ) {}

  get count(): number {
    return this.data.length / STRIDE;
  }

  /** A view of node `i`, made anew: what a rule keeps is what stays alive. */
  node(i: number): Node {
    const kind = this.data[i * STRIDE] & 3;
    return kind === KIND_SCALAR ? new Scalar(this, i) : kind === KIND_MAP ? new YAMLMap(this, i) : kind === KIND_SEQ ? new YAMLSeq(this, i) : new Alias(this, i);
  }

  /** The pair of the key at `k` (its value is the node after the key's subtree, unless the map ends there). */
  pair(k: number, mapNext: number): Pair {
    const v = this.data[k * STRIDE + 3];
    return new Pair(this.node(k), v < mapNext ? this.node(v) : null);
  }

  start(i: number): number {
    return this.base + this.data[i * STRIDE + 1];
  }

  end(i: number): number {
    return this.base + this.data[i * STRIDE + 2];
  }

  /** A scalar's decoded text. */
  source(i: number): string {
    const d = this.data;
    const info = d[i * STRIDE];
    if (info & DECODED) return this.sources!.get(i)!;
    const type = typeOf(info);
    const s = d[i * STRIDE + 1];
    const e = d[i * STRIDE + 2];
    return type === T_SINGLE || type === T_DOUBLE ? this.text.slice(s + 1, e - 1) : this.text.slice(s, e);
  }

  /** Whether the scalar at `i` has the string value `key` (the hot path of every key lookup: no view made). */
  isKey(i: number, key: string): boolean {
    const d = this.data;
    const info = d[i * STRIDE];
    if ((info & 3) !== KIND_SCALAR) return false;
    const type = typeOf(info);
    if (type > T_DOUBLE || info & DECODED) return (this.node(i) as Scalar).value === key;
    let s = d[i * STRIDE + 1];
    let e = d[i * STRIDE + 2];
    if (type !== T_PLAIN) {
      s++;
      e--;
    }
    if (e - s !== key.length) return false;
    if (key.length && (this.text.charCodeAt(s) !== key.charCodeAt(0) || !this.text.startsWith(key, s))) return false;
    // A plain `true` or `1` is not the string key.
    return type !== T_PLAIN || (info & TAGGED) !== 0 || resolvePlain(key) === key;
  }
}

/** The value of a scalar: the YAML 1.2 core schema for a plain untagged one, else its text. */
function scalarValue(tree: Tree, i: number, source: string): string | number | boolean | null {
  const info = tree.data[i * STRIDE];
  return typeOf(info) !== T_PLAIN || info & TAGGED ? source : resolvePlain(source);
}

/** What every view has: its document's nodes, its index there, and its source offsets. */
abstract class NodeView {
  constructor(
    protected readonly tree: Tree,
    protected readonly at: number,
  ) {}
  /** The node's index in its document (Document.node gives a view of it again). */
  get index(): number {
    return this.at;
  }
  /** Whether `other` is a view of the same node. */
  isAt(other: NodeView): boolean {
    return this.tree === other.tree && this.at === other.at;
  }
  get start(): number {
    return this.tree.start(this.at);
  }
  get valueEnd(): number {
    return this.tree.end(this.at);
  }
  /** `[start, valueEnd, nodeEnd]` (a new array: changing it changes nothing). */
  get range(): NodeRange {
    return [this.start, this.valueEnd, this.valueEnd];
  }
}

/** A Scalar's value not read yet. */
const UNREAD = Symbol('unread');

export class Scalar extends NodeView {
  private text: string | undefined = undefined;
  private resolved: string | number | boolean | null | typeof UNREAD = UNREAD;
  /** The value under the YAML 1.2 core schema: string, number, boolean or null (read on first use). */
  get value(): string | number | boolean | null {
    const v = this.resolved;
    return v !== UNREAD ? v : (this.resolved = scalarValue(this.tree, this.at, this.source));
  }
  /** The scalar's text after unquoting/folding, before its type was resolved. */
  get source(): string {
    return (this.text ??= this.tree.source(this.at));
  }
  get type(): ScalarType {
    return TYPES[typeOf(this.tree.data[this.at * STRIDE])];
  }
  toJSON(): unknown {
    return this.value;
  }
}

export class Pair {
  constructor(
    public key: Node | null,
    public value: Node | null,
  ) {}
}

export class YAMLMap extends NodeView {
  private list: Pair[] | undefined;
  get flow(): boolean {
    return (this.tree.data[this.at * STRIDE] & FLOW) !== 0;
  }
  get items(): Pair[] {
    if (this.list) return this.list;
    const { tree, at } = this;
    const d = tree.data;
    const next = d[at * STRIDE + 3];
    const list: Pair[] = [];
    for (let k = at + 1; k < next; ) {
      list.push(tree.pair(k, next));
      const v = d[k * STRIDE + 3];
      k = v < next ? d[v * STRIDE + 3] : next;
    }
    return (this.list = exact(list));
  }
  /** The index of the key node whose value is the string `key` (the first), -1 if none: no view made. */
  private keyAt(key: string): number {
    const { tree, at } = this;
    const d = tree.data;
    const next = d[at * STRIDE + 3];
    for (let k = at + 1; k < next; ) {
      if (tree.isKey(k, key)) return k;
      const v = d[k * STRIDE + 3];
      k = v < next ? d[v * STRIDE + 3] : next;
    }
    return -1;
  }
  /** The value of the string key `key` (the first pair with it), without making the pair or other views. */
  value(key: string): Node | undefined {
    if (this.list) return this.pair(key)?.value ?? undefined;
    const k = this.keyAt(key);
    if (k === -1) return undefined;
    const d = this.tree.data;
    const v = d[k * STRIDE + 3];
    return v < d[this.at * STRIDE + 3] ? this.tree.node(v) : undefined;
  }
  /** The pair whose key is the string `key` (the first), without making views of the other keys. */
  pair(key: string): Pair | undefined {
    if (this.list) {
      for (const p of this.list) {
        const k = p.key;
        if (k instanceof Scalar && k.value === key) return p;
      }
      return undefined;
    }
    const k = this.keyAt(key);
    return k === -1 ? undefined : this.tree.pair(k, this.tree.data[this.at * STRIDE + 3]);
  }
  toJSON(): unknown {
    const o: Record<string, unknown> = {};
    for (const p of this.items) o[String(p.key?.toJSON() ?? '')] = p.value ? p.value.toJSON() : null;
    return o;
  }
}

export class YAMLSeq extends NodeView {
  private list: Node[] | undefined;
  get flow(): boolean {
    return (this.tree.data[this.at * STRIDE] & FLOW) !== 0;
  }
  get items(): Node[] {
    if (this.list) return this.list;
    const { tree, at } = this;
    const d = tree.data;
    const next = d[at * STRIDE + 3];
    const list: Node[] = [];
    for (let i = at + 1; i < next; i = d[i * STRIDE + 3]) list.push(tree.node(i));
    return (this.list = exact(list));
  }
  toJSON(): unknown {
    return this.items.map((i) => i.toJSON());
  }
}

/** `*name`: kept as itself (the rules read what is written, not what an anchor expands to). */
export class Alias extends NodeView {
  /** The anchor's name, after the `*`. */
  get source(): string {
    return this.tree.text.slice(this.tree.data[this.at * STRIDE + 1] + 1, this.tree.data[this.at * STRIDE + 2]);
  }
  toJSON(): unknown {
    return null;
  }
}

export type Node = Scalar | YAMLMap | YAMLSeq | Alias;

/** One document of a stream. */
export class Document {
  constructor(
    private readonly tree: Tree,
    private readonly from: number,
    private readonly to: number,
  ) {}
  get contents(): Node | null {
    return this.tree.count ? this.tree.node(0) : null;
  }
  /** A view of the node at `index` (NodeView.index) of this document. */
  node(index: number): Node {
    return this.tree.node(index);
  }
  /** `[start, end]` in the file (a new array). */
  get range(): [number, number] {
    return [this.tree.base + this.from, this.tree.base + this.to];
  }
  /** Moves the document by `delta` characters (its text moved in its file): every node moves with it. */
  move(delta: number): void {
    this.tree.base += delta;
  }
  toJS(): unknown {
    const c = this.contents;
    return c ? c.toJSON() : null;
  }
}

/** Whether two views are of the same node (two visits of a node give two objects). */
export function sameNode(a: Node | null | undefined, b: Node | null | undefined): boolean {
  if (!a || !b) return a === b;
  return a.isAt(b);
}

export const isMap = (n: unknown): n is YAMLMap => n instanceof YAMLMap;
export const isSeq = (n: unknown): n is YAMLSeq => n instanceof YAMLSeq;
export const isScalar = (n: unknown): n is Scalar => n instanceof Scalar;
export const isPair = (n: unknown): n is Pair => n instanceof Pair;

/**
 * A YAML file as the rules see it: every document of the stream, and helpers that turn nodes into
 * ranges of the exact token. A document with a syntax error is skipped (what a parser recovers from it
 * is a guess, and rules reading a guess report containers that do not exist); the other documents are
 * linted, and the engine reports the skipped one (see LintFile.notes).
 */
export interface YamlFile {
  /** The documents that parsed cleanly: a document with a syntax error is skipped, not guessed at. */
  docs: Document[];
  /** One entry per skipped document: its first syntax error, with where it is. */
  skipped: { offset: number; message: string }[];
  /** The range of a node; for a quoted scalar, the text inside the quotes. */
  range(node: Node | Pair | null | undefined): Range | undefined;
  /** The source offsets [start, end) of a node (end excludes trailing comments). */
  offsets(node: Node | null | undefined): [number, number] | undefined;
}

// ---------- the core schema (YAML 1.2), for plain scalars ----------
const NULL = /^(?:~|null|Null|NULL)?$/;
const TRUE = /^(?:true|True|TRUE)$/;
const FALSE = /^(?:false|False|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const INF = /^[-+]?\.(?:inf|Inf|INF)$/;
const NAN = /^\.(?:nan|NaN|NAN)$/;

function resolvePlain(s: string): string | number | boolean | null {
  const c = s.charCodeAt(0);
  // Short decimal integers (ports, replicas, user ids) without the regular expressions.
  if (c >= 0x31 && c <= 0x39 && s.length <= 9) {
    let digits = true;
    for (let i = 1; i < s.length && digits; i++) digits = s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39;
    if (digits) return Number(s);
  }
  // Most plain scalars start with a letter that no core-schema type starts with: skip the tests.
  if (s.length && !(c === 0x7e || c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46 || c === 0x2e || c === 0x2b || c === 0x2d || (c >= 0x30 && c <= 0x39))) return s;
  if (NULL.test(s)) return null;
  if (TRUE.test(s)) return true;
  if (FALSE.test(s)) return false;
  if (INT.test(s)) return Number(s);
  if (OCT.test(s)) return parseInt(s.slice(2), 8);
  if (HEX.test(s)) return parseInt(s.slice(2), 16);
  if (FLOAT.test(s)) return Number(s);
  if (INF.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (NAN.test(s)) return NaN;
  return s;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09;

/** The end of the line holding `pos` when the rest of it is blank or a comment (after its newline), else `pos`. */
function pastLineEnd(text: string, pos: number): number {
  if (pos > 0 && text[pos - 1] === '\n') return pos;
  let i = pos;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  if (text[i] === '#') {
    const nl = text.indexOf('\n', i);
    i = nl === -1 ? text.length : nl;
  }
  if (i >= text.length) return text.length;
  if (text[i] === '\r' && text[i + 1] === '\n') return i + 2;
  if (text[i] === '\n') return i + 1;
  return pos;
}

/** Where a block scalar's `|`/`>` header is, before its content starting at `content` (else `content`). */
function blockHeader(text: string, content: number, from: number): number {
  // The header is the last `|`/`>` outside a comment between the node's key (or `-`) and the content.
  for (let i = Math.min(content, text.length) - 1; i >= from; i--) {
    const ch = text[i];
    if (ch !== '|' && ch !== '>') continue;
    const lineStart = text.lastIndexOf('\n', i - 1) + 1;
    const hash = text.indexOf('#', lineStart);
    if (hash !== -1 && hash < i && /[ \t]/.test(text[hash - 1] ?? ' ')) continue;
    return i;
  }
  return content;
}

/** The offset after a flow collection's closing bracket, searching from `from` (skips spaces, commas, comments). */
function flowEnd(text: string, from: number, close: string): number {
  let i = from;
  while (i < text.length) {
    const ch = text[i];
    if (ch === close) return i + 1;
    if (ch === '#') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === ',') {
      i++;
      continue;
    }
    break;
  }
  return from;
}

/** The end of the token ending before `pos` plus its `:` (for an empty value: where the value would be). */
function afterIndicator(text: string, pos: number): number {
  let i = pos;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  if (text[i] !== ':' && text[i] !== '-' && text[i] !== '?') return pos;
  i++;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Assembles the documents from events (js-yaml's, or the fast path's in parse/yamlBlock.ts, which sends
 * the same ones without making event objects), with offsets relative to `text`: each node four numbers
 * (see Tree), collections completed when they close.
 */
/** The builders' work space (a build never runs inside another): each document gets an exact copy. */
let scratch = new Int32Array(4096);

class TreeBuilder implements YamlSink {
  readonly docs: Document[] = [];
  private data = scratch;
  /** Nodes in the current document. */
  private n = 0;
  private sources: Map<number, string> | undefined;
  /** The open collections, innermost last (-1: the document itself), and how many items each has. */
  private readonly open: number[] = [];
  private readonly kids: number[] = [];
  private docFrom = 0;
  /** The end of the last node completed: where an empty scalar that follows sits. */
  private last = 0;
  /** Whether the last node completed was an empty scalar. */
  private lastEmpty = false;

  constructor(private readonly text: string) {}

  /** A new node: its index. */
  private node(info: number, start: number, end: number): number {
    const i = this.n++;
    if (this.n * STRIDE > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = scratch = grown;
    }
    const o = i * STRIDE;
    this.data[o] = info;
    this.data[o + 1] = start;
    this.data[o + 2] = end;
    this.data[o + 3] = i + 1;
    const top = this.kids.length - 1;
    if (top >= 0) this.kids[top]++;
    return i;
  }

  document(): void {
    this.n = 0;
    this.sources = undefined;
    this.docFrom = this.last;
    this.open.push(-1);
    this.kids.push(0);
  }

  /** A scalar event: `source` its decoded text when that differs from the text at its bounds (ignored for an empty one, valueStart -1). */
  scalar(valueStart: number, valueEnd: number, style: ScalarStyle, source?: string, explicitTag = ''): void {
    const text = this.text;
    const before = this.last;
    this.lastEmpty = valueStart === -1;
    const end = (this.last = scalarEnd(text, valueStart, valueEnd, style, before));
    if (valueStart === -1) {
      // An empty value (`key:`): null, placed where the value would be.
      this.node(KIND_SCALAR, end, end);
      return;
    }
    let type = T_PLAIN;
    let start = valueStart;
    let stop = valueEnd;
    let decoded = source !== undefined && (source.length !== valueEnd - valueStart || !text.startsWith(source, valueStart));
    switch (style) {
      case SCALAR_STYLE.SINGLE_QUOTED:
      case SCALAR_STYLE.DOUBLE_QUOTED:
        type = style === SCALAR_STYLE.SINGLE_QUOTED ? T_SINGLE : T_DOUBLE;
        start = valueStart - 1;
        stop = valueEnd + 1;
        break;
      case SCALAR_STYLE.LITERAL_BLOCK:
      case SCALAR_STYLE.FOLDED_BLOCK:
        type = style === SCALAR_STYLE.LITERAL_BLOCK ? T_LITERAL : T_FOLDED;
        start = blockHeader(text, valueStart, before);
        stop = blockEnd(text, valueStart, valueEnd);
        decoded = true;
        break;
    }
    // `!!str 1` stays a string; other explicit tags are read as written.
    const i = this.node(KIND_SCALAR | (explicitTag ? TAGGED : 0) | (decoded ? DECODED : 0) | (type << TYPE_SHIFT), start, stop);
    if (decoded) (this.sources ??= new Map()).set(i, source ?? text.slice(valueStart, valueEnd));
  }

  alias(anchorStart: number, anchorEnd: number): void {
    this.last = anchorEnd;
    this.lastEmpty = false;
    this.node(KIND_ALIAS, anchorStart - 1, anchorEnd);
  }

  collection(map: boolean, flow: boolean, eventStart: number): void {
    const i = this.node((map ? KIND_MAP : KIND_SEQ) | (flow ? FLOW : 0), Math.max(0, eventStart), 0);
    this.last = Math.max(this.last, eventStart + (flow ? 1 : 0));
    this.open.push(i);
    this.kids.push(0);
  }

  pop(): void {
    const text = this.text;
    const i = this.open.pop()!;
    const items = this.kids.pop()!;
    if (i === -1) {
      this.docs.push(new Document(new Tree(text, this.data.slice(0, this.n * STRIDE), this.sources), this.docFrom, this.last));
      return;
    }
    const d = this.data;
    const o = i * STRIDE;
    const flow = (d[o] & FLOW) !== 0;
    let end: number;
    if (flow) end = flowEnd(text, this.last, (d[o] & 3) === KIND_MAP ? '}' : ']');
    else {
      end = items ? this.last : d[o + 1];
      // Like the `yaml` library: a collection ending in an empty value (`key:`) ends there.
      if (!this.lastEmpty) end = pastLineEnd(text, end);
    }
    d[o + 2] = end;
    d[o + 3] = this.n;
    this.last = end;
    // A block collection ending in an empty value ends there, and so do the collections it ends.
    if (flow) this.lastEmpty = false;
  }
}

/** Reads a text through js-yaml's event stream into `sink`. Throws js-yaml's YAMLException on a syntax error. */
function readEvents(text: string, sink: TreeBuilder): void {
  const events: Event[] = parseEvents(text, { maxDepth: 1000 });
  for (const e of events) {
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
        sink.document();
        break;
      case EVENT_ID.SCALAR:
        sink.scalar(e.valueStart, e.valueEnd, e.style, e.valueStart === -1 ? '' : getScalarValue(text, e), e.tagStart !== -1 ? text.slice(e.tagStart, e.tagEnd) : '');
        break;
      case EVENT_ID.ALIAS:
        sink.alias(e.anchorStart, e.anchorEnd);
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        sink.collection(e.type === EVENT_ID.MAPPING, e.style === COLLECTION_STYLE.FLOW, e.start);
        break;
      case EVENT_ID.POP:
        sink.pop();
        break;
    }
  }
}

/**
 * Parses one YAML document (or a stream) into documents, offsets relative to `text`: the fast path
 * (parse/yamlBlock.ts) when the text is in its plain block-style subset, else js-yaml's event stream.
 * Throws js-yaml's YAMLException (with `mark.position`) on a syntax error.
 */
export function buildDocuments(text: string, charactersChecked = false): Document[] {
  const fast = new TreeBuilder(text);
  if (scanBlockYaml(text, fast, charactersChecked)) return fast.docs;
  const slow = new TreeBuilder(text);
  readEvents(text, slow);
  return slow.docs;
}

/** The tree of a text read by js-yaml's event stream alone: the fast path's reference in the tests. */
export function buildWithEvents(text: string): Document[] {
  const b = new TreeBuilder(text);
  readEvents(text, b);
  return b.docs;
}

/** A block scalar's end: after its last line with content (the event's end includes trailing blank lines). */
function blockEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && text[e - 1] === '\n') {
    const ls = text.lastIndexOf('\n', e - 2) + 1;
    if (ls <= start || text.slice(ls, e - 1).trim() !== '') break;
    e = ls;
  }
  return e;
}

function scalarEnd(text: string, valueStart: number, valueEnd: number, style: ScalarStyle, last: number): number {
  if (valueStart === -1) return afterIndicator(text, last);
  if (style === SCALAR_STYLE.LITERAL_BLOCK || style === SCALAR_STYLE.FOLDED_BLOCK) return blockEnd(text, valueStart, valueEnd);
  if (style === SCALAR_STYLE.SINGLE_QUOTED || style === SCALAR_STYLE.DOUBLE_QUOTED) return valueEnd + 1;
  return valueEnd;
}

interface Parsed {
  doc: Document | undefined;
  error?: { offset: number; message: string };
  /** Where the document currently starts in its file's text. */
  base?: number;
}

/** Parses one document's text (offsets relative to it); a syntax error gives no document. */
function parseOne(chunk: string, charactersChecked: boolean): Parsed {
  try {
    const docs = buildDocuments(chunk, charactersChecked);
    return { doc: docs[0] ?? new Document(new Tree(chunk, new Int32Array(0), undefined), 0, chunk.length), error: undefined, base: 0 };
  } catch (e) {
    const err = e as { mark?: { position?: number }; reason?: string; message?: string };
    return { doc: undefined, error: { offset: err.mark?.position ?? 0, message: err.reason ?? String(err.message ?? e) }, base: 0 };
  }
}

/** A document of a file's previous version: its text and what it parsed to. */
interface PreviousDocument {
  chunk: string;
  parsed: Parsed;
}

/**
 * The documents of a file's previous version, matched to the new version's by text, each used once. In
 * step, the next previous document is the one to compare (a comparison of two strings, no hashing of
 * every document's text as a lookup by text needs); out of step (a document inserted, removed or
 * edited), the rest are searched, and after many misses (a paste over the whole file) indexed by text.
 */
class PreviousDocuments {
  private at = 0;
  private misses = 0;
  private readonly used: Uint8Array;
  private byText: Map<string, number[]> | undefined;
  constructor(private readonly list: PreviousDocument[]) {
    this.used = new Uint8Array(list.length);
  }

  /** What an unchanged document parsed to, undefined when it is new or changed. */
  take(chunk: string): Parsed | undefined {
    const j = this.find(chunk);
    if (j < 0) return undefined;
    this.used[j] = 1;
    this.at = j + 1;
    return this.list[j].parsed;
  }

  private same(j: number, chunk: string): boolean {
    const e = this.list[j];
    return !this.used[j] && e.chunk.length === chunk.length && e.chunk === chunk;
  }

  private find(chunk: string): number {
    const list = this.list;
    if (this.at < list.length && this.same(this.at, chunk)) return this.at;
    if (++this.misses <= 32) {
      for (let j = 0; j < list.length; j++) if (this.same(j, chunk)) return j;
      return -1;
    }
    if (!this.byText) {
      this.byText = new Map();
      for (let j = list.length - 1; j >= 0; j--) {
        const at = this.byText.get(list[j].chunk);
        if (at) at.push(j);
        else this.byText.set(list[j].chunk, [j]);
      }
    }
    const candidates = this.byText.get(chunk);
    while (candidates?.length) {
      const j = candidates.pop()!;
      if (!this.used[j]) return j;
    }
    return -1;
  }
}

/**
 * Documents of the previous version of each file, in order, with their texts: when one document of a large
 * multi-document manifest changes (a keystroke), only that document is parsed again; the others are
 * reused with their source ranges moved to their new place. Keyed by path, so that two files never
 * share (and move) each other's nodes. Bounded: the oldest paths are dropped.
 */
const documentCache = new Map<string, PreviousDocument[]>();
const CACHE_PATHS = 64;
let reuse = true;

/**
 * Whether parsed documents are kept for the next version of their file (the editor: yes). A one-shot
 * lint (the CLI) reads each file once: keeping them would only give the collector more to move.
 */
export function keepYamlDocumentsForReuse(keep: boolean): void {
  reuse = keep;
  if (!keep) documentCache.clear();
}

/** Moves every source range of a document by `delta` characters. */
function shiftDocument(p: Parsed, delta: number): void {
  if (!delta) return;
  if (p.error) p.error.offset += delta;
  p.doc?.move(delta);
}

/** Whether offset i starts a line as a multiline `^` sees it (also after U+2028 and U+2029; at 0). */
function atLineStart(text: string, i: number): boolean {
  if (i === 0) return true;
  const c = text.charCodeAt(i - 1);
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/**
 * Where each document of a stream starts: 0, then each `---` marker line, and the line after each `...`
 * (a following `---` is its own marker). A marker is `---` or `...` at a line start followed by a
 * space, a tab, a line break or the end (line starts and breaks as a multiline regular expression
 * sees them: U+2028 and U+2029 too; such a stream goes to js-yaml anyway). Found with indexOf (a regular expression with a multiline `^`
 * took a millisecond a megabyte on every keystroke).
 */
export function documentStarts(text: string): number[] {
  const found: Array<[number, boolean]> = [];
  for (const [needle, ends] of [['---', false], ['...', true]] as const) {
    for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) {
      if (i === 0 || !atLineStart(text, i)) continue;
      const after = text.charCodeAt(i + 3);
      if (i + 3 === text.length || after === 32 || after === 9 || after === 13 || after === 10 || after === 0x2028 || after === 0x2029) found.push([i, ends]);
    }
  }
  found.sort((a, b) => a[0] - b[0]);
  const starts = [0];
  for (const [i, ends] of found) starts.push(ends ? text.indexOf('\n', i) + 1 || text.length : i);
  return starts;
}

/**
 * Splits a stream at its `---` / `...` marker lines (which YAML forbids inside any content, so the
 * split is exact) and parses each document on its own, reusing unchanged ones from the cache.
 * Streams with directives (`%YAML`, `%TAG`) are parsed whole.
 */
function parseDocuments(path: string, text: string): Parsed[] {
  if (/^%/m.test(text)) {
    try {
      return buildDocuments(text).map((doc) => ({ doc }));
    } catch (e) {
      const err = e as { mark?: { position?: number }; reason?: string; message?: string };
      return [{ doc: undefined, error: { offset: err.mark?.position ?? 0, message: err.reason ?? String(err.message ?? e) } }];
    }
  }
  const starts = documentStarts(text);
  const previousList = reuse ? documentCache.get(path) : undefined;
  const previous = previousList ? new PreviousDocuments(previousList) : undefined;
  // The fast path's character test: once for the whole text on a first parse; when documents of the
  // previous version are at hand (a keystroke), each document parsed again tests its own text.
  const clean = previous ? false : withinSubsetCharacters(text);
  const next: PreviousDocument[] | undefined = reuse ? [] : undefined;
  const docs: Parsed[] = [];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i];
    const end = i + 1 < starts.length ? starts[i + 1] : text.length;
    const chunk = text.slice(start, end);
    if (!chunk.trim() || onlyMarkerAndComments(chunk)) {
      if (i === 0 && starts.length > 1) continue; // comments or nothing before the first `---`
      if (!/^---/.test(chunk)) continue;
    }
    const reused = previous?.take(chunk);
    let p: Parsed;
    if (reused) {
      shiftDocument(reused, start - (reused.base ?? 0));
      p = reused;
    } else {
      p = parseOne(chunk, clean);
      shiftDocument(p, start);
    }
    p.base = start;
    docs.push(p);
    next?.push({ chunk, parsed: p });
  }
  if (!next) return docs;
  documentCache.delete(path);
  documentCache.set(path, next);
  if (documentCache.size > CACHE_PATHS) documentCache.delete(documentCache.keys().next().value as string);
  return docs;
}

/** Parses a YAML file once per version (use it as `file.parse(parseYaml)`). */
export function parseYaml(file: LintFile): YamlFile {
  const all = parseDocuments(file.path, file.text);
  const list: Document[] = [];
  const skipped: YamlFile['skipped'] = [];
  for (const p of all) {
    if (p.doc) {
      list.push(p.doc);
      continue;
    }
    const offset = Math.max(0, Math.min(p.error!.offset, file.text.length));
    const message = p.error!.message.split('\n')[0];
    skipped.push({ offset, message });
    file.notes.push({ range: file.lines.range(offset, offset), message: `YAML syntax error, ${all.length > 1 ? 'document' : 'file'} skipped: ${message}` });
  }
  const offsets = (node: Node | null | undefined): [number, number] | undefined => {
    if (!node) return undefined;
    let start = node.start;
    let end = node.valueEnd;
    if (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && end - start >= 2) {
      start += 1;
      end -= 1;
    }
    return [start, end];
  };
  return {
    docs: list,
    skipped,
    offsets,
    range(node) {
      if (!node) return undefined;
      if (isPair(node)) {
        const k = offsets(node.key);
        const v = offsets(node.value);
        if (!k) return undefined;
        return file.lines.range(k[0], v ? v[1] : k[1]);
      }
      const o = offsets(node);
      return o ? file.lines.range(o[0], o[1]) : undefined;
    },
  };
}

/** The pair of a map with a string key (keys compared as written). */
export function pairOf(map: unknown, key: string): Pair | undefined {
  return map instanceof YAMLMap ? map.pair(key) : undefined;
}

/** The value node of a map's key. */
export function valueOf(map: unknown, key: string): Node | undefined {
  return map instanceof YAMLMap ? map.value(key) : undefined;
}

/** A scalar's value as a string (numbers and booleans as written), else undefined. */
export function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return node.source ?? String(v);
  return undefined;
}

/** The items of a sequence (empty for anything else). */
export function seqItems(node: unknown): Node[] {
  return isSeq(node) ? node.items : [];
}

/** Whether a value is YAML-true (`true`, and the string spellings compose and Kubernetes users write). */
export function isTrue(node: unknown): boolean {
  if (!isScalar(node)) return false;
  return node.value === true || (typeof node.value === 'string' && /^(?:true|yes|on)$/i.test(node.value));
}

/**
 * Whether a document chunk holds only an optional `---`/`...` marker, blank lines and comments. Line by
 * line, in linear time (a regex of nested quantifiers here took minutes on a `#####…` banner).
 */
function onlyMarkerAndComments(chunk: string): boolean {
  // Each line's first non-blank character must be `#` (or none): a scan, no array of lines.
  let i = chunk.startsWith('---') || chunk.startsWith('...') ? 3 : 0;
  const n = chunk.length;
  while (i < n) {
    const c = chunk.charCodeAt(i);
    // White space as trim() sees it is blank.
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c || (c > 0x7f && /\s/.test(chunk[i]))) {
      i++;
      continue;
    }
    if (c !== 0x23) return false;
    const nl = chunk.indexOf('\n', i);
    if (nl === -1) return true;
    i = nl + 1;
  }
  return true;
}
