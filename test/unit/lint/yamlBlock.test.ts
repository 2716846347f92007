// The YAML reader's fast path (src/core/lint/parse/yamlBlock.ts) against js-yaml's event stream, the
// reference: whenever the fast path reads a text, it must send exactly js-yaml's events (offsets, styles,
// decoded values) and the tree built from them must be the same, node for node and range for range;
// anything it cannot read the same it must decline. Hand-written cases, generated documents, random
// mutations of both, and the bench's own 1 MB manifest.
import * as assert from 'assert';
import fc from 'fast-check';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { parseEvents, getScalarValue, EVENT_ID } from 'js-yaml5';
import { LintFile } from '../../../src/core/lint';
import { buildDocuments, buildWithEvents, parseYaml, Scalar, YAMLMap, YAMLSeq, Alias, type Document, type Node } from '../../../src/core/lint/parse/yaml';
import { scanBlockYaml, type YamlSink } from '../../../src/core/lint/parse/yamlBlock';

type Ev = Array<string | number>;

/** More runs and another seed for a longer search: CLOUDWARD_FUZZ_RUNS=100000 CLOUDWARD_FUZZ_SEED=7. */
const FUZZ = Number(process.env.CLOUDWARD_FUZZ_RUNS) || 1;
const SEED = Number(process.env.CLOUDWARD_FUZZ_SEED) || 11;

/** The fast path's events, or undefined when it declines. */
function fastEvents(text: string): Ev[] | undefined {
  const out: Ev[] = [];
  const sink: YamlSink = {
    document: () => void out.push(['D']),
    collection: (map, flow, start) => void out.push([map ? 'M' : 'S', flow ? 2 : 1, start]),
    scalar: (vs, ve, style, source) => void out.push(['V', vs, ve, style, vs === -1 ? '' : (source ?? text.slice(vs, ve))]),
    pop: () => void out.push(['P']),
  };
  return scanBlockYaml(text, sink) ? out : undefined;
}

/** js-yaml's events in the same shape (anchors, tags and aliases kept, so that they never compare equal). */
function referenceEvents(text: string): Ev[] {
  return parseEvents(text, { maxDepth: 1000 }).map((e): Ev => {
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
        return ['D'];
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        return e.anchorStart !== -1 || e.tagStart !== -1 ? ['props', e.anchorStart, e.tagStart] : [e.type === EVENT_ID.MAPPING ? 'M' : 'S', e.style, e.start];
      case EVENT_ID.SCALAR:
        if (e.anchorStart !== -1 || e.tagStart !== -1) return ['props', e.anchorStart, e.tagStart];
        return ['V', e.valueStart, e.valueEnd, e.style, e.valueStart === -1 ? '' : getScalarValue(text, e)];
      case EVENT_ID.ALIAS:
        return ['alias', e.anchorStart];
      default:
        return ['P'];
    }
  });
}

/** A tree as plain data: every node's class, range, style and value (NaN and -0 spelled out). */
function dump(n: Node | null): unknown {
  if (n === null) return null;
  if (n instanceof Scalar) return ['scalar', n.type, typeof n.value, Object.is(n.value, -0) ? '-0' : String(n.value), n.source, n.range];
  if (n instanceof YAMLMap) return ['map', n.flow, n.range, n.items.map((p) => [dump(p.key), dump(p.value)])];
  if (n instanceof YAMLSeq) return ['seq', n.flow, n.range, n.items.map(dump)];
  if (n instanceof Alias) return ['alias', n.source, n.range];
  return ['?'];
}
const dumpDocs = (docs: Document[]) => docs.map((d) => [d.range, dump(d.contents)]);

/** The tree as parse/yaml.ts builds it (fast path first), through a file of its own. */
let fileNo = 0;
function ourTree(text: string): unknown {
  const y = parseYaml(new LintFile(`/yaml-block-${fileNo++}.yaml`, text, 'kubernetes' as never, false));
  return { docs: dumpDocs(y.docs), skipped: y.skipped };
}

/**
 * The check: when the fast path reads `text`, js-yaml reads it too, with the same events and the same
 * tree. Returns whether the fast path read it.
 */
function agrees(text: string): boolean {
  const fast = fastEvents(text);
  if (!fast) return false;
  let reference: Ev[];
  try {
    reference = referenceEvents(text);
  } catch (e) {
    assert.fail(`the fast path read a text js-yaml rejects (${(e as Error).message.split('\n')[0]}): ${JSON.stringify(text)}`);
  }
  assert.deepStrictEqual(fast, reference, `events differ for ${JSON.stringify(text)}`);
  assert.deepStrictEqual(dumpDocs(buildDocuments(text)), dumpDocs(buildWithEvents(text)), `trees differ for ${JSON.stringify(text)}`);
  return true;
}

const read = [
  'a: 1\n',
  'a: 1',
  '---\na: b\n',
  '--- # comment\n# another\n\n  a: b   \n  c: d # e\n',
  'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec:\n  selector: { app: web }\n  ports: [{ port: 80, targetPort: 8000 }]\n',
  'a:\n  b:\n    c: 1\n  d: 2\ne: 3\n',
  'a:\n- 1\n- 2\nb: 3\n',
  'a:\n  - x\n  -   y\n  -\n  - # c\n    z: 1\n',
  '- a: b\n  c:\n- \n',
  '- - a\n  - b\n- c\n',
  '- a:\n  - x\n- b\n',
  'k: "x"\nl: \'it\'\'s\'\nm: ""\nn: \'\'\n',
  'k: a]b\nl: a{b}\nm: a,b\nn: a#b\no: -1\np: x:y\nq: http://e.com/a?b=c#d\n',
  'k: [a:b, c]\nl: {a: b:c}\nm: []\nn: {}\no: [ [1, 2], {x: "y"} ]\n',
  '"quoted key": 1\n\'single\' : 2\nkey with spaces: 3\n',
  'a: null\nb: ~\nc: true\nd: False\ne: 0x1F\nf: 0o17\ng: 1.5e3\nh: .inf\ni: -.Inf\nj: .nan\nk: +12\nl: 012\n',
  'a:\n\n\n  # c\n\n  b: 1\n\n',
  'a: 1\n# trailing\n',
  'spec:\n  containers:\n    - name: web\n      image: x:1\n      command: ["gunicorn", "a.wsgi:application", "--bind", "0.0.0.0:8000"]\n      env:\n        - name: A\n          value: "1"\n',
];
const declined = [
  '',
  '---\n',
  '# only\n',
  'a: &x 1\nb: *x\n',
  'a: !!str 1\n',
  'a: |\n  x\n',
  'a: >-\n  x\n',
  'a: b\n  c\n',
  'a: "x\n  y"\n',
  'a: "x\\ty"\n',
  'a: [1,\n  2]\n',
  'a:\tb\n',
  'a: b\r\n',
  '? a\n: b\n',
  'a: b: c\n',
  'key:\n  value\n',
  '[a, b]\n',
  'scalar\n',
  'a: [a, ]\n',
  '{a: 1}\n',
  'a: @x\n',
  'a: "x" y\n',
  'a: 1\n - b\n',
  '\ufeffa: 1\n',
];

describe('YAML fast path (parse/yamlBlock.ts) against js-yaml', () => {
  it('reads the plain block-style cases exactly as js-yaml does', () => {
    for (const t of read) assert.ok(agrees(t), `declined: ${JSON.stringify(t)}`);
  });

  it('declines what it does not read, and the reader still reads it through js-yaml', () => {
    for (const t of declined) {
      assert.strictEqual(fastEvents(t), undefined, `read: ${JSON.stringify(t)}`);
      // parseYaml still works on it (through js-yaml or as a skipped document)
      ourTree(t);
    }
  });

  // ---------- generated documents ----------
  const word = fc.stringMatching(/^[a-z][a-z0-9._/-]{0,8}$/);
  const plainScalar = fc.oneof(word, fc.constantFrom('1', '-1', '0.5', 'true', 'null', '~', '.inf', '0x1f', 'a b', 'a:b', 'x#y', 'http://h/p', '1e3', 'Yes', '012'));
  const quotedScalar = fc.tuple(fc.constantFrom('"', "'"), fc.stringMatching(/^[a-z '#:,[\]{}-]{0,8}$/)).map(([q, s]) => (q === '"' ? `"${s}"` : `'${s.replace(/'/g, "''")}'`));
  type Tree = { s: string } | { m: Array<[string, Tree]> } | { q: Tree[] } | { fm: Array<[string, Tree]> } | { fq: Tree[] };
  const { tree } = fc.letrec<{ tree: Tree; flow: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(plainScalar, quotedScalar).map((s) => ({ s })),
      fc.array(fc.tuple(fc.oneof(word, quotedScalar), tie('tree')), { minLength: 1, maxLength: 4 }).map((m) => ({ m })),
      fc.array(tie('tree'), { minLength: 1, maxLength: 4 }).map((q) => ({ q })),
      tie('flow'),
    ),
    flow: fc.oneof(
      { depthSize: 'small' },
      fc.array(fc.tuple(fc.oneof(word, quotedScalar), fc.oneof(plainScalar, quotedScalar).map((s): Tree => ({ s }))), { maxLength: 3 }).map((fm) => ({ fm })),
      fc.array(fc.oneof(fc.oneof(plainScalar, quotedScalar).map((s): Tree => ({ s })), tie('flow')), { maxLength: 3 }).map((fq) => ({ fq })),
    ),
  }));
  const style = fc.record({ indent: fc.integer({ min: 1, max: 4 }), comments: fc.boolean(), blank: fc.boolean(), spaces: fc.boolean(), marker: fc.boolean(), indentless: fc.boolean() });

  function render(t: Tree, st: { indent: number; comments: boolean; blank: boolean; spaces: boolean; marker: boolean; indentless: boolean }): string {
    let n = 0;
    const sp = () => (st.spaces && n++ % 3 === 0 ? '  ' : '');
    const cm = () => (st.comments && n++ % 2 === 0 ? ' # note' : '');
    const flow = (x: Tree): string =>
      's' in x ? x.s : 'fm' in x ? `{${x.fm.map(([k, v]) => ` ${k}: ${flow(v)}`).join(',')} }` : 'fq' in x ? `[${x.fq.map(flow).join(', ')}]` : 'null';
    const inline = (x: Tree) => 's' in x || 'fm' in x || 'fq' in x;
    const block = (x: Tree, pad: string): string[] => {
      const out: string[] = [];
      if ('m' in x)
        for (const [k, v] of x.m) {
          if (st.blank && n++ % 4 === 0) out.push('');
          if (st.comments && n++ % 5 === 0) out.push(`${pad}# about ${k}`);
          if (inline(v)) out.push(`${pad}${k}: ${sp()}${flow(v)}${sp()}${cm()}`);
          else {
            const inner = 'q' in v && st.indentless ? pad : pad + ' '.repeat(st.indent);
            out.push(`${pad}${k}:${cm()}`, ...block(v, inner));
          }
        }
      else if ('q' in x)
        for (const v of x.q) {
          if (inline(v)) out.push(`${pad}- ${flow(v)}${cm()}`);
          else {
            // The first line of a nested collection on the `-` line (compact), the rest below it.
            const inner = block(v, pad + '  ');
            out.push(`${pad}- ${inner[0].trimStart()}`, ...inner.slice(1));
          }
        }
      return out;
    };
    const body = inline(t) ? [`k: ${flow(t)}`] : block(t, '');
    return (st.marker ? '---\n' : '') + body.join('\n') + '\n';
  }

  it('reads generated block-style documents exactly as js-yaml does (and reads most of them)', () => {
    let readCount = 0;
    let total = 0;
    fc.assert(
      fc.property(tree, style, (t, st) => {
        const text = render(t, st);
        total++;
        if (agrees(text)) readCount++;
      }),
      { numRuns: 600 * FUZZ, seed: SEED },
    );
    assert.ok(readCount > total / 2, `the fast path read only ${readCount} of ${total} generated documents`);
  });

  it('never reads a mutated document differently from js-yaml (it reads it the same or declines)', () => {
    const alphabet = [' ', '  ', '\n', ':', ': ', '-', '- ', '#', ' #', '"', "'", '[', ']', '{', '}', ',', '&a ', '*a', '!', '|', '>', '?', 'a', '1', '\t', '\\', '---\n', '...', '%'];
    const base = fc.oneof(fc.constantFrom(...read), fc.tuple(tree, style).map(([t, st]) => render(t, st)));
    const mutation = fc.tuple(fc.nat(), fc.constantFrom(...alphabet), fc.integer({ min: 0, max: 2 }), fc.nat({ max: 3 }));
    fc.assert(
      fc.property(base, fc.array(mutation, { minLength: 1, maxLength: 3 }), (text, muts) => {
        let s = text;
        for (const [at, ins, del, mode] of muts) {
          const i = s.length ? at % (s.length + 1) : 0;
          s = mode === 0 ? s.slice(0, i) + s.slice(i + del) : s.slice(0, i) + ins + s.slice(i + (mode === 1 ? del : 0));
        }
        agrees(s);
        // And parse/yaml.ts on the whole text (split into documents) never throws.
        ourTree(s);
      }),
      { numRuns: 3000 * FUZZ, seed: SEED },
    );
  });

  it("reads every document of the bench's 1 MB manifest exactly as js-yaml does", async () => {
    const importEsm = new Function('u', 'return import(u)') as (u: string) => Promise<{ kubernetesYaml(bytes?: number): string }>;
    const { kubernetesYaml } = await importEsm(pathToFileURL(path.resolve(__dirname, '../../../../scripts/bench-core.mjs')).href);
    const text = kubernetesYaml();
    const chunks = text.split(/^(?=---)/m);
    for (const chunk of chunks) if (chunk.replace(/^---\s*/, '').trim()) assert.ok(agrees(chunk), `declined: ${JSON.stringify(chunk.slice(0, 200))}`);
    // And the whole file through parse/yaml.ts equals js-yaml's tree, document by document.
    const ours = parseYaml(new LintFile('/bench-manifest.yaml', text, 'kubernetes' as never, false));
    assert.strictEqual(ours.skipped.length, 0);
    assert.strictEqual(ours.docs.length, chunks.length);
  });
});
