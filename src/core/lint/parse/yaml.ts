import { parseAllDocuments, isMap, isScalar, isSeq, isPair, Scalar, YAMLMap, YAMLSeq, Pair } from 'yaml';
import type { Document, Node } from 'yaml';
import type { LintFile } from '../file';
import type { Range } from '../types';

export { isMap, isScalar, isSeq, isPair, Scalar, YAMLMap, YAMLSeq, Pair };
export type { Document, Node };

/**
 * A YAML file as the rules see it: every document of the stream (the `yaml` library's document API,
 * so nodes carry source offsets), and helpers that turn nodes into ranges of the exact token.
 * Syntax errors do not stop the lint: the library recovers, and the rules read what it could parse.
 */
export interface YamlFile {
  docs: Document.Parsed[];
  /** The range of a node; for a quoted scalar, the text inside the quotes. */
  range(node: Node | Pair | null | undefined): Range | undefined;
  /** The source offsets [start, end) of a node (end excludes trailing comments). */
  offsets(node: Node | null | undefined): [number, number] | undefined;
}

/** Parses a YAML file once (use it as `file.parse(parseYaml)`). */
export function parseYaml(file: LintFile): YamlFile {
  const docs = parseAllDocuments(file.text, { prettyErrors: false, uniqueKeys: false, strict: false });
  const list = Array.isArray(docs) ? docs : [];
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
  for (const p of map.items) {
    const k = p.key;
    if ((isScalar(k) ? k.value : k) === key) return p;
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
