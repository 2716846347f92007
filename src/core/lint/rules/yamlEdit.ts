import type { LintFile } from '../file';
import { isMap } from '../parse/yaml';
import type { Node } from '../parse/yaml';
import type { TextEdit } from '../types';

/**
 * Inserts keys into a block mapping (a Kubernetes container, a compose service): new lines after the
 * map's last line, indented like its keys. `block` is YAML relative to that indentation. Undefined
 * for flow mappings (`{…}`), which are rare in manifests and better edited by hand.
 */
export function insertIntoMap(file: LintFile, map: Node, block: string): TextEdit | undefined {
  if (!isMap(map) || map.flow || !map.items.length) return undefined;
  const firstKey = map.items[0].key as Node;
  if (!firstKey?.range) return undefined;
  const indent = file.lines.positionAt(firstKey.range[0]).character;
  // The end of the last item's value (range[1] excludes trailing comments and blank lines).
  const last = map.items[map.items.length - 1];
  const endNode = (last.value ?? last.key) as Node;
  const end = endNode?.range?.[1];
  if (end === undefined) return undefined;
  let pos = file.lines.positionAt(end);
  // Block scalars and nested maps end at the start of the next line: step back onto the content.
  if (pos.character === 0 && pos.line > 0) pos = { line: pos.line - 1, character: file.lines.line(pos.line - 1).length };
  else pos = { line: pos.line, character: file.lines.line(pos.line).length };
  const pad = ' '.repeat(indent);
  const text = block
    .split('\n')
    .map((l) => '\n' + pad + l)
    .join('');
  return { range: { start: pos, end: pos }, newText: text };
}
