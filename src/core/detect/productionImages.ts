// The project's production Dockerfiles, chosen once per detection for everything detection reads from
// them (the Python version of the image, the system packages it installs) and chosen the way the linter
// chooses production files: by the project's roles (names, folders, what compose files build), then, when
// several are production, those whose name or folder says so, with the project's own base image they
// start from (`FROM wger/base` ← extras/docker/base/Dockerfile).
import path = require('path');
import type { ProjectFiles } from './files';
import { classify } from '../lint/classify';
import { LintWorkspace } from '../lint/engine';
import type { LintFile } from '../lint/file';
import { parseDockerfile } from '../lint/parse/dockerfile';
import { hasProdPart } from '../project/roles';

export interface ProductionDockerfile {
  /** Relative to the files' root (as ProjectFiles lists it). */
  path: string;
  /** The parsed file (its Dockerfile parse is cached on it). */
  file: LintFile;
  /** Its name or a folder says production (`Dockerfile.prod`, `docker/production/`). */
  named: boolean;
}

const cache = new WeakMap<ProjectFiles, Map<string, ProductionDockerfile[]>>();

/** Production Dockerfiles under `root`, in the order ProjectFiles lists them. */
export function productionDockerfiles(files: ProjectFiles, root: string): ProductionDockerfile[] {
  let byRoot = cache.get(files);
  if (!byRoot) cache.set(files, (byRoot = new Map()));
  const known = byRoot.get(root);
  if (known) return known;
  const ws = new LintWorkspace();
  const candidates: string[] = [];
  for (const f of files.under(root)) {
    const kind = classify(f, undefined);
    if (kind !== 'dockerfile' && kind !== 'compose') continue;
    const text = files.read(f);
    if (text === null) continue;
    ws.setFile(path.join(files.root, f), text);
    if (kind === 'dockerfile') candidates.push(f);
  }
  const abs = (f: string) => path.join(files.root, f);
  let production = candidates.filter((f) => ws.roleOf(abs(f))?.production);
  const named = production.filter((f) => f.split('/').some((part) => hasProdPart(part)));
  if (named.length) {
    const bases = new Set<string>();
    for (const f of named) {
      for (const stage of ws.get(abs(f))?.parse(parseDockerfile).stages ?? []) {
        const image = stage.from.getImageName() ?? '';
        if (image.includes('/')) bases.add(image.slice(image.lastIndexOf('/') + 1).toLowerCase());
      }
    }
    production = production.filter((f) => named.includes(f) || bases.has(path.posix.basename(path.posix.dirname(f)).toLowerCase()));
  }
  const out = production.map((f) => ({ path: f, file: ws.get(abs(f))!, named: named.includes(f) }));
  byRoot.set(root, out);
  return out;
}
