import { kubeContainers } from '../startCommands';
import { isMap, isScalar, parseYaml, valueOf, type Node } from '../parse/yaml';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { insertIntoMap } from './yamlEdit';

/**
 * The requests/limits a container lacks, kept per container node: parse/yaml.ts reuses an unchanged
 * document's nodes on the next version of the file, so a keystroke in a large manifest reads only the
 * edited document's containers (ranges and fixes are still made on each lint, from the moved nodes).
 */
const missingCache = new WeakMap<Node, string[]>();

const RESOURCES: ReadonlyArray<readonly [string, string]> = [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'cpu'], ['limits', 'memory']];

function missingResources(container: Node): string[] {
  let missing = missingCache.get(container);
  if (missing) return missing;
  missing = [];
  const res = valueOf(container, 'resources');
  // Index loops and whole names: this runs once per container, mostly before V8 optimises it.
  for (let i = 0; i < RESOURCES.length; i++) {
    const [group, r] = RESOURCES[i];
    const g = valueOf(res, group);
    if (!isMap(g) || !valueOf(g, r)) missing.push(`${group}.${r}`);
  }
  missingCache.set(container, missing);
  return missing;
}

registerRule({
  id: 'CW407',
  severity: 'warning',
  kinds: ['kubernetes'],
  silentInDevelopment: false,
  summary: 'A Kubernetes container without CPU/memory requests and limits',
  check(file) {
    const y = file.parse(parseYaml);
    const out: RuleFinding[] = [];
    for (const c of kubeContainers(file)) {
      const missing = missingResources(c.container);
      if (!missing.length) continue;
      const res = valueOf(c.container, 'resources');
      const name = valueOf(c.container, 'name');
      const edit = res ? undefined : insertIntoMap(file, c.container, 'resources:\n  requests:\n    cpu: 100m\n    memory: 256Mi\n  limits:\n    cpu: "1"\n    memory: 512Mi');
      out.push({
        message: `Container ${isScalar(name) ? String(name.value) + ' ' : ''}has no ${missing.join(', ')}`,
        hint: 'Without requests the scheduler packs pods blindly; without limits one leaking worker can starve the whole node.',
        range: y.range(name ?? c.container)!,
        fix: edit ? { title: 'Add resource requests and limits', edits: [{ file: file.path, edits: [edit] }] } : undefined,
      });
    }
    return out;
  },
});
