import { parseAllDocuments, parseDocument, isMap, isScalar, isSeq, isPair, Scalar, YAMLMap, YAMLSeq, Pair } from 'yaml';
import type { Document, Node } from 'yaml';
import type { LintFile } from '../file';
import type { Range } from '../types';

export { isMap, isScalar, isSeq, isPair, Scalar, YAMLMap, YAMLSeq, Pair };
export type { Document, Node };

/**
 * A YAML file as the rules see it: every document of the stream (the `yaml` library's document API,
 * so nodes carry source offsets), and helpers that turn nodes into ranges of the exact token.
 * A document with a syntax error is skipped (what the library recovers from it is a guess, and rules
 * reading a guess report containers that do not exist); the other documents are linted, and the
 * engine reports the skipped one (see LintFile.notes).
 */
export interface YamlFile {
  /** The documents that parsed cleanly: a document with a syntax error is skipped, not guessed at. */
  docs: Document.Parsed[];
  /** One entry per skipped document: its first syntax error, with where it is. */
  skipped: { offset: number; message: string }[];
  /** The range of a node; for a quoted scalar, the text inside the quotes. */
  range(node: Node | Pair | null | undefined): Range | undefined;
  /** The source offsets [start, end) of a node (end excludes trailing comments). */
  offsets(node: Node | null | undefined): [number, number] | undefined;
}

const PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: false, strict: false } as const;

/**
 * Documents of the previous version of each file, by document text: when one document of a large
 * multi-document manifest changes (a keystroke), only that document is parsed again; the others are
 * reused with their source ranges moved to their new place. Keyed by path, so that two files never
 * share (and move) each other's nodes. Bounded: the oldest paths are dropped.
 */
const documentCache = new Map<string, Map<string, Document.Parsed[]>>();
const CACHE_PATHS = 64;
/** Where each cached document currently starts in its file's text. */
const documentBase = new WeakMap<Document.Parsed, number>();

/** Moves every source range of a document by `delta` characters. */
function shiftDocument(doc: Document.Parsed, delta: number): void {
  if (!delta) return;
  const move = (r: [number, number, number] | undefined | null) => {
    if (r) {
      r[0] += delta;
      r[1] += delta;
      r[2] += delta;
    }
  };
  move(doc.range);
  // An explicit stack rather than yaml's visit(): this runs over every node of every moved
  // document on each keystroke, and must not recurse on deeply nested input.
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    if (isPair(node)) {
      stack.push(node.key, node.value);
      continue;
    }
    move((node as Node).range as [number, number, number] | undefined);
    if (isMap(node) || isSeq(node)) for (const item of node.items) stack.push(item);
  }
  for (const e of [...doc.errors, ...doc.warnings]) {
    e.pos[0] += delta;
    e.pos[1] += delta;
  }
}

/**
 * Splits a stream at its `---` / `...` marker lines (which YAML forbids inside any content, so the
 * split is exact) and parses each document on its own, reusing unchanged ones from the cache.
 * Streams with directives (`%YAML`, `%TAG`) are parsed whole.
 */
function parseDocuments(path: string, text: string): Document.Parsed[] {
  if (/^%/m.test(text)) return parseAllDocuments(text, PARSE_OPTIONS) as Document.Parsed[];
  const starts: number[] = [0];
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    if (m.index === 0) continue;
    // `...` ends a document: the next one starts after it (a following `---` is its own marker).
    starts.push(m[0] === '...' ? text.indexOf('\n', m.index) + 1 || text.length : m.index);
  }
  const previous = documentCache.get(path);
  const next = new Map<string, Document.Parsed[]>();
  const docs: Document.Parsed[] = [];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i];
    const end = i + 1 < starts.length ? starts[i + 1] : text.length;
    const chunk = text.slice(start, end);
    if (!chunk.trim() || onlyMarkerAndComments(chunk)) {
      if (i === 0 && starts.length > 1) continue; // comments or nothing before the first `---`
      if (!/^---/.test(chunk)) continue;
    }
    const reused = previous?.get(chunk)?.pop();
    let doc: Document.Parsed;
    if (reused) {
      shiftDocument(reused, start - (documentBase.get(reused) ?? 0));
      doc = reused;
    } else {
      doc = parseDocument(chunk, PARSE_OPTIONS) as Document.Parsed;
      shiftDocument(doc, start);
    }
    documentBase.set(doc, start);
    docs.push(doc);
    const list = next.get(chunk);
    if (list) list.push(doc);
    else next.set(chunk, [doc]);
  }
  documentCache.delete(path);
  documentCache.set(path, next);
  if (documentCache.size > CACHE_PATHS) documentCache.delete(documentCache.keys().next().value as string);
  return docs;
}

/** Parses a YAML file once per version (use it as `file.parse(parseYaml)`). */
export function parseYaml(file: LintFile): YamlFile {
  const all = parseDocuments(file.path, file.text);
  const list: Document.Parsed[] = [];
  const skipped: YamlFile['skipped'] = [];
  for (const d of all) {
    if (!d.errors.length) {
      list.push(d);
      continue;
    }
    const e = d.errors[0];
    const offset = Math.max(0, Math.min(e.pos[0], file.text.length));
    const message = e.message.split('\n')[0];
    skipped.push({ offset, message });
    file.notes.push({ range: file.lines.range(offset, offset), message: `YAML syntax error, ${all.length > 1 ? 'document' : 'file'} skipped: ${message}` });
  }
  const offsets = (node: Node | null | undefined): [number, number] | undefined => {
    const r = node?.range;
    if (!r) return undefined;
    let [start, end] = r;
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
        const k = offsets(node.key as Node);
        const v = offsets(node.value as Node);
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
  if (!isMap(map)) return undefined;
  // Hot path (every rule looks keys up in every container): compare the scalar's value directly.
  for (const p of map.items) {
    const k = p.key as { value?: unknown } | string | null;
    if (k === key || (k !== null && typeof k === 'object' && k.value === key)) return p;
  }
  return undefined;
}

/** The value node of a map's key. */
export function valueOf(map: unknown, key: string): Node | undefined {
  const v = pairOf(map, key)?.value;
  return (v ?? undefined) as Node | undefined;
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
  return isSeq(node) ? (node.items as Node[]) : [];
}

/** Whether a value is YAML-true (`true`, and the string spellings compose and Kubernetes users write). */
export function isTrue(node: unknown): boolean {
  if (!isScalar(node)) return false;
  return node.value === true || (typeof node.value === 'string' && /^(?:true|yes|on)$/i.test(node.value));
}

/** The indentation (column) of a node's first character, for edits that insert sibling keys. */
export function columnOf(file: LintFile, node: Node | null | undefined): number | undefined {
  const r = node?.range;
  return r ? file.lines.positionAt(r[0]).character : undefined;
}

/**
 * Whether a document chunk holds only an optional `---`/`...` marker, blank lines and comments. Line by
 * line, in linear time (a regex of nested quantifiers here took minutes on a `#####…` banner).
 */
function onlyMarkerAndComments(chunk: string): boolean {
  const body = chunk.startsWith('---') || chunk.startsWith('...') ? chunk.slice(3) : chunk;
  return body.split('\n').every((line) => {
    const t = line.trim();
    return t === '' || t.startsWith('#');
  });
}
