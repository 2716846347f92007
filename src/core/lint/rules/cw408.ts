import { composeServices, kubeContainers } from '../startCommands';
import type { LintFile } from '../file';
import { isMap, isScalar, isTrue, parseYaml, seqItems, valueOf } from '../parse/yaml';
import type { Node } from '../parse/yaml';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { deleteLineEdit, fix, replaceEdit } from './util';

const DOCKER_SOCK = /(?:^|:)\/(?:var\/)?run\/docker\.sock(?::|$)/;
const HINT = 'A privileged container (or one holding the Docker socket) can take over the host: any code execution in the app becomes root on the node.';

function flagTrue(file: LintFile, node: Node | undefined, what: string, out: RuleFinding[]): void {
  if (!isScalar(node) || !isTrue(node)) return;
  const o = file.parse(parseYaml).offsets(node)!;
  out.push({ message: `${what}: true lets the container take over the host`, hint: HINT, range: file.lines.range(o[0], o[1]), fix: fix(`Set ${what}: false`, file, [replaceEdit(file, o[0], o[1], 'false')]) });
}

registerRule({
  id: 'CW408',
  severity: 'warning',
  kinds: ['kubernetes', 'compose'],
  silentInDevelopment: false,
  summary: 'Privileged: privileged: true, allowPrivilegeEscalation: true, hostNetwork/hostPID/hostIPC: true, a mounted docker.sock',
  check(file) {
    const y = file.parse(parseYaml);
    const out: RuleFinding[] = [];
    if (file.kind === 'compose') {
      for (const { service } of composeServices(file)) {
        flagTrue(file, valueOf(service, 'privileged'), 'privileged', out);
        for (const v of seqItems(valueOf(service, 'volumes'))) {
          const text = isScalar(v) ? String(v.value) : isMap(v) ? String((valueOf(v, 'source') as { value?: unknown } | undefined)?.value ?? '') : '';
          if (!DOCKER_SOCK.test(text) && !/^\/(?:var\/)?run\/docker\.sock$/.test(text)) continue;
          const r = y.range(v)!;
          out.push({ message: 'The Docker socket is mounted: root on the host', hint: HINT, range: r, fix: isScalar(v) && r.start.line === r.end.line ? fix('Remove the docker.sock mount', file, [deleteLineEdit(file, r.start.line)]) : undefined });
        }
      }
      return out;
    }
    const seenPods = new Set<Node>();
    for (const c of kubeContainers(file)) {
      const sc = valueOf(c.container, 'securityContext');
      flagTrue(file, valueOf(sc, 'privileged'), 'privileged', out);
      flagTrue(file, valueOf(sc, 'allowPrivilegeEscalation'), 'allowPrivilegeEscalation', out);
      if (seenPods.has(c.podSpec)) continue;
      seenPods.add(c.podSpec);
      // The pod shares the node's network, process or IPC namespace: it sees (and can reach) everything on the node.
      for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) flagTrue(file, valueOf(c.podSpec, key), key, out);
      for (const vol of seqItems(valueOf(c.podSpec, 'volumes'))) {
        const path = valueOf(valueOf(vol, 'hostPath'), 'path');
        if (isScalar(path) && /^\/(?:var\/)?run\/docker\.sock$/.test(String(path.value))) {
          out.push({ message: 'A hostPath volume mounts the Docker socket: root on the node', hint: HINT, range: y.range(path)! });
        }
      }
    }
    return out;
  },
});
