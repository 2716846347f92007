import { composeServices, kubeContainers } from '../startCommands';
import type { LintFile } from '../file';
import { parseDockerfile } from '../parse/dockerfile';
import { isScalar, parseYaml, valueOf } from '../parse/yaml';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import type { Fix } from '../types';
import { fix, replaceEdit } from './util';
import { IMAGE_TAGS } from '../../imageTags';

/** Current stable tags offered by the fix: the generators' own table (src/core/imageTags.ts). */
const KNOWN_TAGS: Record<string, string> = IMAGE_TAGS;

/** Splits `registry:5000/team/app:1.2@sha256:…` → name and tag (`undefined` when absent). */
export function imageTag(image: string): { name: string; tag?: string; digest: boolean } {
  const at = image.indexOf('@');
  const digest = at !== -1;
  const ref = digest ? image.slice(0, at) : image;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1), digest };
  return { name: ref, digest };
}

function check(image: string, start: number, end: number, file: LintFile, from = false): RuleFinding | undefined {
  if (!image || image.includes('$') || image.includes('{{')) return undefined;
  const { name, tag, digest } = imageTag(image);
  const short = name.replace(/^(?:docker\.io\/)?(?:library\/)?/, '');
  const known = KNOWN_TAGS[short];
  // `FROM python:slim`, `FROM nginx:stable`: an official image's variant with no version moves like :latest.
  if (from && !digest && tag && tag !== 'latest' && !/\d/.test(tag) && !short.includes('/')) {
    const pinned = known && tag !== known ? `${name}:${known}` : undefined;
    return {
      message: `${image}: '${tag}' moves to each new release: pin a version`,
      hint: 'A tag without a version follows every new release of the image (a new Python minor version, a new Debian): the same file builds a different image tomorrow. Pin a version, e.g. python:3.12-slim.',
      range: file.lines.range(start, end),
      fix: pinned ? fix(`Pin ${pinned}`, file, [replaceEdit(file, start, end, pinned)]) : undefined,
    };
  }
  if (digest || (tag && tag !== 'latest')) return undefined;
  let f: Fix | undefined;
  if (known) f = fix(`Pin ${short}:${known}`, file, [replaceEdit(file, start, end, `${name}:${known}`)]);
  return {
    message: tag ? `${image}: 'latest' changes under you: pin a version` : `${image} has no tag (means :latest): pin a version`,
    hint: 'A mutable tag makes builds and rollbacks unreproducible: the same file deploys a different image tomorrow. Pin a version (or a digest).',
    range: file.lines.range(start, end),
    fix: f,
  };
}

registerRule({
  id: 'CW404',
  severity: 'warning',
  kinds: ['dockerfile', 'compose', 'kubernetes'],
  silentInDevelopment: false,
  summary: 'A mutable image: FROM or image: without a tag, or :latest',
  check(file) {
    const out: RuleFinding[] = [];
    const push = (f: RuleFinding | undefined) => f && out.push(f);
    if (file.kind === 'dockerfile') {
      const df = file.parse(parseDockerfile);
      const stageNames = new Set<string>();
      for (const s of df.stages) {
        const image = s.from.getImage();
        const r = s.from.getImageRange();
        if (image && r && image !== 'scratch' && !stageNames.has(image.toLowerCase())) push(check(image, file.lines.offsetAt(r.start), file.lines.offsetAt(r.end), file, true));
        if (s.name) stageNames.add(s.name);
      }
      return out;
    }
    const y = file.parse(parseYaml);
    const nodes = file.kind === 'compose' ? composeServices(file).filter((s) => !valueOf(s.service, 'build')).map((s) => valueOf(s.service, 'image')) : kubeContainers(file).map((c) => valueOf(c.container, 'image'));
    for (const n of nodes) {
      if (!isScalar(n) || typeof n.value !== 'string') continue;
      const o = y.offsets(n)!;
      push(check(n.value, o[0], o[1], file));
    }
    return out;
  },
});
