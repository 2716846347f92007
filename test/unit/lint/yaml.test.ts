import * as assert from 'assert';
import fc from 'fast-check';
import { parseAllDocuments, visit } from 'yaml';
import { LintFile } from '../../../src/core/lint';
import { documentStarts, isMap, isScalar, isSeq, parseYaml, sameNode, valueOf } from '../../../src/core/lint/parse/yaml';
import type { Document, Node } from '../../../src/core/lint/parse/yaml';
import { lintText, LintWorkspace } from './helpers';

/** Every scalar's value and source range [start, end), in document order (the `yaml` library's documents). */
function scalars(docs: unknown[]): Array<[unknown, number[] | undefined]> {
  const out: Array<[unknown, number[] | undefined]> = [];
  for (const d of docs) visit(d as never, { Scalar: (_k, n) => void out.push([n.value, n.range ? n.range.slice(0, 2) : undefined]) });
  return out;
}

/** The same from our reader's documents. */
function ourScalars(docs: Document[]): Array<[unknown, number[] | undefined]> {
  const out: Array<[unknown, number[] | undefined]> = [];
  const walk = (n: Node | null) => {
    if (isScalar(n)) out.push([n.value, n.range.slice(0, 2)]);
    else if (isMap(n))
      for (const p of n.items) {
        walk(p.key);
        walk(p.value);
      }
    else if (isSeq(n)) n.items.forEach(walk);
  };
  for (const d of docs) walk(d.contents);
  return out;
}

const DOC = fc.constantFrom(
  'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      image: web\n',
  'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: "a:1", args: [--reload]}]\n',
  '# a comment\nkind: Service\napiVersion: v1\n',
  'key: |\n  text\n  ---not a marker\n',
  '"quoted": \'x\'\n',
  '',
  '- a\n- b\n',
  'x: [unclosed\n',
);

describe('YAML documents (split, cached parse)', () => {
  it('gives the same values and source ranges as the `yaml` library parsing the stream whole', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(DOC, fc.constantFrom('---\n', '--- \n', '...\n---\n')), { maxLength: 8 }), fc.boolean(), (parts, leadingMarker) => {
        const text = (leadingMarker ? '---\n' : '') + parts.map(([d, sep], i) => (i ? sep : '') + d).join('');
        const file = new LintFile(`/t/${Math.random()}.yaml`, text, 'kubernetes', false);
        // Empty documents (a bare `---`, a stream starting with `...`) carry nothing to lint: compare the rest.
        const meaningful = (d: { toJS(): unknown }) => d.toJS() !== null && d.toJS() !== undefined;
        const parsed = file.parse(parseYaml);
        const ours = parsed.docs.filter(meaningful);
        const whole = parseAllDocuments(text);
        // Documents with a syntax error are skipped (and listed), never linted from the parser's guess.
        const all = Array.isArray(whole) ? whole : [];
        const wholeDocs = all.filter((d) => !d.errors.length).filter(meaningful);
        assert.strictEqual(parsed.skipped.length, all.filter((d) => d.errors.length).length);
        assert.deepStrictEqual(ourScalars(ours), scalars(wholeDocs));
        assert.deepStrictEqual(ours.map((d) => d.toJS()), wholeDocs.map((d) => d.toJS()));
      }),
      { numRuns: 300 },
    );
  });

  it('two visits of a node give two views that sameNode() tells apart from other nodes', () => {
    const y = parseYaml(new LintFile('/same-node.yaml', 'a: {x: 1}\nb: {x: 1}\n', 'kubernetes' as never, false));
    const root = y.docs[0].contents;
    assert.notStrictEqual(valueOf(root, 'a'), valueOf(root, 'a'));
    assert.ok(sameNode(valueOf(root, 'a'), valueOf(root, 'a')));
    assert.ok(!sameNode(valueOf(root, 'a'), valueOf(root, 'b')));
    assert.ok(sameNode(undefined, undefined) && !sameNode(valueOf(root, 'a'), undefined));
  });

  it('re-linting after an edit in one document gives the findings of a fresh lint', () => {
    const doc = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: ${name}\n      image: ${name}:1\n`;
    const ws = new LintWorkspace({});
    let text = [doc('a'), doc('b'), doc('c'), doc('b')].join('---\n');
    ws.setFile('/w/k8s.yaml', text);
    ws.lintFile('/w/k8s.yaml');
    // Grow the first document: every later one moves; the two identical ones must not share nodes.
    text = text.replace('name: a\nspec', 'name: a\n  labels: {app: a}\nspec');
    ws.setFile('/w/k8s.yaml', text);
    const cached = ws.lintFile('/w/k8s.yaml').map((f) => [f.rule, f.range]);
    const fresh = lintText('/fresh/k8s.yaml', text).map((f) => [f.rule, f.range]);
    assert.deepStrictEqual(cached, fresh);
    assert.ok(cached.length >= 8);
  });
});

describe('YAML streams split into documents', () => {
  it('finds the markers a multiline regular expression finds: `---` and `...` at line starts, before a space, a break or the end', () => {
    const byRegExp = (text: string): number[] => {
      const starts = [0];
      const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
      for (let m = marker.exec(text); m; m = marker.exec(text)) {
        if (m.index !== 0) starts.push(m[0] === '...' ? text.indexOf('\n', m.index) + 1 || text.length : m.index);
      }
      return starts;
    };
    const piece = fc.constantFrom('---', '...', '-', '.', '\n', '\r', '\r\n', ' ', '\t', 'a: 1', '\u2028', '\u2029', '#', '- x');
    fc.assert(fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
      const text = parts.join('');
      assert.deepStrictEqual(documentStarts(text), byRegExp(text));
    }), { numRuns: 3000 });
  });
});
