import { kubeContainers } from '../startCommands';
import type { LintFile } from '../file';
import { lastOf, parseDockerfile } from '../parse/dockerfile';
import { isScalar, parseYaml, seqItems, valueOf, type Node } from '../parse/yaml';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { insertIntoMap } from './yamlEdit';

function probeCommand(port: string): string {
  // A TCP connect works whatever the app's ALLOWED_HOSTS or routes are, and needs only Python.
  return `HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import socket; socket.create_connection(('127.0.0.1', ${port}), 3)" || exit 1`;
}

function dockerfile(file: LintFile): RuleFinding[] {
  const df = file.parse(parseDockerfile);
  const final = df.final;
  if (!final) return [];
  const cmd = lastOf(final, 'CMD') ?? lastOf(final, 'ENTRYPOINT');
  // Only images that run a service: a final stage with a start command or an EXPOSE.
  if (!cmd && !lastOf(final, 'EXPOSE')) return [];
  if (lastOf(final, 'HEALTHCHECK') || df.stages.some((s) => s !== final && s.name === final.from.getImage()?.toLowerCase() && lastOf(s, 'HEALTHCHECK'))) return [];
  const port = /\d+/.exec(lastOf(final, 'EXPOSE')?.getArgumentsContent() ?? '')?.[0] ?? '8000';
  const at = cmd ? { line: cmd.getRange().start.line, character: 0 } : { line: file.lines.lineCount, character: 0 };
  return [
    {
      severity: 'info',
      message: 'The image has no HEALTHCHECK',
      hint: 'Without a health check Docker (and compose, Swarm) cannot tell a hung server from a healthy one.',
      range: final.from.getInstructionRange(),
      fix: { title: 'Add a HEALTHCHECK (TCP connect)', edits: [{ file: file.path, edits: [{ range: { start: at, end: at }, newText: (cmd || file.text.endsWith('\n') ? '' : '\n') + probeCommand(port) + '\n' }] }] },
    },
  ];
}

const HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'];

/** A probe's handler: which one (its index in HANDLERS) and its node, undefined when it has none. */
function handlerOf(probe: unknown): { kind: number; node: Node } | undefined {
  for (let i = 0; i < HANDLERS.length; i++) {
    const node = valueOf(probe, HANDLERS[i]);
    if (node) return { kind: i, node };
  }
  return undefined;
}

/**
 * Whether two handler nodes hold the same value. The same text at the same column is the same value
 * (an alias could name two anchors of one name: such text is compared by value); anything else is
 * compared as JSON, so `{port: 8000}` and a block map of the same port are the same check.
 */
function sameValue(file: LintFile, a: Node, b: Node): boolean {
  const text = file.text;
  const length = a.valueEnd - a.start;
  if (length === b.valueEnd - b.start && file.lines.positionAt(a.start).character === file.lines.positionAt(b.start).character) {
    const written = text.slice(a.start, a.valueEnd);
    if (!written.includes('*') && text.startsWith(written, b.start)) return true;
  }
  return JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON());
}

/** What a container's probes are: whether it has each, and whether both run the same check. */
interface Probes {
  readiness: boolean;
  liveness: Node | undefined;
  same: boolean;
}

/**
 * Each container's probes, by container: a container's node is kept while its document is unchanged
 * (startCommands.ts keeps the containers of each parsed document), so a keystroke elsewhere in a large
 * manifest reads no probe again.
 */
const probesCache = new WeakMap<object, Probes>();

function probesOf(file: LintFile, container: Node): Probes {
  let p = probesCache.get(container);
  if (!p) {
    const readiness = valueOf(container, 'readinessProbe');
    const liveness = valueOf(container, 'livenessProbe');
    // The same handler (httpGet, tcpSocket, exec, grpc) with the same settings.
    const r = readiness && liveness ? handlerOf(readiness) : undefined;
    const l = r ? handlerOf(liveness) : undefined;
    p = { readiness: !!readiness, liveness, same: !!r && !!l && r.kind === l.kind && sameValue(file, r.node, l.node) };
    probesCache.set(container, p);
  }
  return p;
}

function kubernetes(file: LintFile): RuleFinding[] {
  const y = file.parse(parseYaml);
  const out: RuleFinding[] = [];
  for (const c of kubeContainers(file)) {
    if (c.init || c.kind === 'Job' || c.kind === 'CronJob') continue;
    const { readiness, liveness, same } = probesOf(file, c.container);
    if (readiness && liveness) {
      // kube-score's "identical probes": the same check for both means a slow app is restarted
      // (liveness fails) at the moment it should only be taken out of rotation (readiness).
      if (same) {
        const pair = y.range(liveness);
        out.push({
          severity: 'warning',
          message: 'Readiness and liveness probes run the same check',
          hint: 'When the app is slow, both fail together: Kubernetes restarts it instead of only taking it out of rotation. Make liveness a cheaper, more tolerant check (a TCP connect, a longer period and threshold).',
          range: pair ?? y.range(c.container)!,
        });
      }
      continue;
    }
    if (readiness || liveness) continue;
    const name = valueOf(c.container, 'name');
    const port = seqItems(valueOf(c.container, 'ports')).map((p) => valueOf(p, 'containerPort')).find((p) => isScalar(p));
    const portText = isScalar(port) ? String(port.value) : '8000';
    const edit = insertIntoMap(file, c.container, `readinessProbe:\n  tcpSocket:\n    port: ${portText}\n  periodSeconds: 10\nlivenessProbe:\n  exec:\n    command: ["python", "-c", "import socket; socket.create_connection(('127.0.0.1', ${portText}), 3)"]\n  initialDelaySeconds: 15\n  periodSeconds: 20\n  failureThreshold: 5`);
    out.push({
      severity: 'warning',
      message: `Container ${isScalar(name) ? String(name.value) : ''} has no readiness or liveness probe`.replace('  ', ' '),
      hint: 'Without a readiness probe, traffic reaches pods before the app is up (errors on every rollout); without a liveness probe a hung server is never restarted.',
      range: y.range(name ?? c.container)!,
      fix: edit ? { title: 'Add TCP readiness and liveness probes', edits: [{ file: file.path, edits: [edit] }] } : undefined,
    });
  }
  return out;
}

registerRule({
  id: 'CW406',
  severity: 'warning',
  kinds: ['kubernetes', 'dockerfile'],
  silentInDevelopment: false,
  summary: 'No health check: a Kubernetes container without probes (warning), a Dockerfile without HEALTHCHECK (info)',
  check(file) {
    return file.kind === 'dockerfile' ? dockerfile(file) : kubernetes(file);
  },
});
