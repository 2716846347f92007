import { composeServices, kubeContainers } from '../startCommands';
import type { KubeContainer } from '../startCommands';
import type { LintFile } from '../file';
import { lastOf, parseDockerfile } from '../parse/dockerfile';
import type { DockerStage } from '../parse/dockerfile';
import { isMap, isScalar, parseYaml, valueOf } from '../parse/yaml';
import type { Node } from '../parse/yaml';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { fix, replaceEdit } from './util';
import { insertIntoMap } from './yamlEdit';

const ROOT = /^(?:root|0)(?::.*)?$/;
const SERVICE_IMAGE = /^(?:nginx|postgres|postgis\/postgis|mysql|mariadb|redis|memcached|httpd|caddy|traefik|mongo|rabbitmq|haproxy|varnish|elasticsearch)$/i;
const HINT = 'A process running as root inside a container is root on the host if it escapes: one bug away from the whole machine.';

function effectiveUser(stages: DockerStage[], stage: DockerStage, depth = 0): { user?: string; ins?: ReturnType<typeof lastOf> } {
  const ins = lastOf(stage, 'USER');
  if (ins) return { user: ins.getArgumentsContent() ?? undefined, ins };
  // `FROM base AS final`: inherits the USER of an earlier stage named `base`.
  const image = stage.from.getImage()?.toLowerCase();
  const parent = stages.find((s) => s.name === image && s !== stage);
  if (parent && depth < 10) return effectiveUser(stages, parent, depth + 1);
  return {};
}

function dockerfile(file: LintFile): RuleFinding[] {
  const df = file.parse(parseDockerfile);
  const final = df.final;
  if (!final) return [];
  const image = final.from.getImage() ?? '';
  // Images that already run unprivileged.
  if (/nonroot|distroless.*:.*nonroot|chainguard|:.*-rootless/i.test(image) || image === 'scratch') return [];
  // Service images (nginx, PostgreSQL, Redis…) start as root by design and drop to their own user in
  // their entrypoint: the project only adds its configuration to them.
  if (SERVICE_IMAGE.test(image.replace(/^(?:docker\.io\/)?(?:library\/)?/, '').replace(/[:@].*$/, ''))) return [];
  const { user, ins } = effectiveUser(df.stages, final);
  const alpine = /alpine/i.test(image);
  const create = alpine ? 'RUN addgroup -S app && adduser -S -G app app' : 'RUN groupadd --system app && useradd --system --gid app --no-create-home app';
  if (user === undefined) {
    const anchor = lastOf(final, 'CMD') ?? lastOf(final, 'ENTRYPOINT');
    const line = anchor ? anchor.getRange().start.line : file.lines.lineCount;
    const insertAt = { line, character: 0 };
    const atEnd = !anchor;
    const prefix = atEnd && !file.text.endsWith('\n') ? '\n' : '';
    return [
      {
        message: 'The image runs as root: no USER in the final stage',
        hint: HINT,
        range: final.from.getInstructionRange(),
        fix: { title: 'Add a non-root user', edits: [{ file: file.path, edits: [{ range: { start: insertAt, end: insertAt }, newText: `${prefix}${create}\nUSER app\n` }] }] },
      },
    ];
  }
  if (ins && ROOT.test(user.trim())) {
    const r = ins.getArgumentsRange()!;
    const e = file.lines.offsetAt(r.end);
    return [{ message: `USER ${user.trim()}: the container runs as root`, hint: HINT, range: r, fix: fix('Run as a non-root user', file, [replaceEdit(file, file.lines.offsetAt(ins.getRange().start), e, `${create}\nUSER app`)]) }];
  }
  return [];
}

function nonRoot(sc: Node | undefined): boolean | undefined {
  if (!isMap(sc)) return undefined;
  const user = valueOf(sc, 'runAsUser');
  if (isScalar(user) && typeof user.value === 'number') return user.value > 0;
  const nr = valueOf(sc, 'runAsNonRoot');
  if (isScalar(nr) && nr.value === true) return true;
  if (isScalar(nr) && nr.value === false) return false;
  return undefined;
}

/**
 * Whether a container may run as root, kept per container node (its pod spec is in the same parsed
 * document): parse/yaml.ts reuses an unchanged document's nodes, so a keystroke in a large manifest
 * reads only the edited document's containers.
 */
const rootCache = new WeakMap<Node, boolean>();

function mayRunAsRoot(c: KubeContainer): boolean {
  let root = rootCache.get(c.container);
  if (root === undefined) {
    const own = nonRoot(valueOf(c.container, 'securityContext'));
    const pod = nonRoot(valueOf(c.podSpec, 'securityContext'));
    root = !(own === true || (own === undefined && pod === true));
    rootCache.set(c.container, root);
  }
  return root;
}

function kubernetes(file: LintFile): RuleFinding[] {
  const y = file.parse(parseYaml);
  const out: RuleFinding[] = [];
  for (const c of kubeContainers(file)) {
    if (!mayRunAsRoot(c)) continue;
    out.push({
      message: `Container ${containerName(c) ?? ''} may run as root: set runAsNonRoot`.replace('  ', ' '),
      hint: HINT + ' Set securityContext.runAsNonRoot: true (and a non-zero runAsUser) so the kubelet refuses to start it as root.',
      range: y.range(valueOf(c.container, 'name') ?? c.container)!,
      fix: securityContextFix(file, c),
    });
  }
  return out;
}

function containerName(c: KubeContainer): string | undefined {
  const n = valueOf(c.container, 'name');
  return isScalar(n) ? String(n.value) : undefined;
}

function securityContextFix(file: LintFile, c: KubeContainer) {
  const sc = valueOf(c.container, 'securityContext');
  const edit = isMap(sc) ? insertIntoMap(file, sc, 'runAsNonRoot: true\nrunAsUser: 10001') : sc ? undefined : insertIntoMap(file, c.container, 'securityContext:\n  runAsNonRoot: true\n  runAsUser: 10001');
  return edit ? { title: 'Run as non-root (runAsNonRoot, runAsUser 10001)', edits: [{ file: file.path, edits: [edit] }] } : undefined;
}

function compose(file: LintFile): RuleFinding[] {
  const y = file.parse(parseYaml);
  const out: RuleFinding[] = [];
  for (const { service } of composeServices(file)) {
    const u = valueOf(service, 'user');
    if (!isScalar(u) || u.value === null || !ROOT.test(String(u.value))) continue;
    const o = y.offsets(u)!;
    out.push({ message: `user: ${String(u.value)} runs the service as root`, hint: HINT, range: file.lines.range(o[0], o[1]), fix: fix('Run as uid 10001', file, [replaceEdit(file, o[0], o[1], u.type === 'PLAIN' ? '"10001:10001"' : '10001:10001')]) });
  }
  return out;
}

registerRule({
  id: 'CW401',
  severity: 'warning',
  kinds: ['dockerfile', 'kubernetes', 'compose'],
  silentInDevelopment: false,
  summary: 'The container runs as root (no USER, USER root, no runAsNonRoot, user: root)',
  check(file) {
    if (file.kind === 'dockerfile') return dockerfile(file);
    if (file.kind === 'kubernetes') return kubernetes(file);
    return compose(file);
  },
});
