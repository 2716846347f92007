// Which deploy files of a project are production files, and why.
//
// A file's own name says a lot (`Procfile.dev`, `compose.override.yaml`: the development-file globs),
// but on real projects the project as a whole says more: a plain `docker-compose.yml` beside a
// `docker-compose.prod.yml` is the development one; a Dockerfile that only a development compose file
// builds is a development image; `.devcontainer/`, `tests/` and `e2e/` hold tooling; a compose file
// that selects `settings.dev` or `DevelopmentConfig` runs the development configuration. Production
// rules stay silent in those files; the reason is kept so a finding (or a user) can say why.
import { resolve } from 'path';
import { basename, dirname, normalizePath } from '../lint/classify';
import type { LintFile } from '../lint/file';
import { parseDockerfile } from '../lint/parse/dockerfile';
import { isMap, isScalar, isSeq, parseYaml, scalarText, seqItems, valueOf } from '../lint/parse/yaml';
import type { Node } from '../lint/parse/yaml';
import type { WorkspaceView } from '../lint/rule';

export interface FileRole {
  production: boolean;
  /** Why a file is not production (shown to users), or why it is, when that was decided by another file. */
  why?: string;
}

/** Name parts (split on `.`, `-`, `_`) that mark development, test and tooling files. */
const DEV_PARTS = new Set(['dev', 'develop', 'development', 'local', 'test', 'tests', 'testing', 'override', 'ci', 'e2e', 'playwright', 'cypress', 'selenium', 'windows', 'devcontainer', 'debug', 'sample', 'example', 'minikube']);
/** Name parts that mark production files. */
const PROD_PARTS = new Set(['prod', 'production', 'prd', 'live', 'release', 'deploy', 'deployment']);
/** Folders whose contents are development, test or tooling files. */
const DEV_DIRS = new Set(['.devcontainer', 'devcontainer', '.vscode', 'tests', 'test', 'testing', 'e2e', 'playwright', 'cypress', 'fixtures', 'testdata', 'test_data', 'development', 'dev']);

function parts(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[._-]+/)
    .filter(Boolean)
    .map((p) => (/^(?:smoke|unit|integration|func|functional|load|py|system)tests?$/.test(p) ? 'test' : p));
}

/** The development/test part of a file name (`Procfile.windows`, `local.Dockerfile`, `settings/local_dev.py`), if any. */
export function devNamePart(path: string): string | undefined {
  const name = basename(path);
  const lower = name.toLowerCase();
  // Only names built around a deploy-file stem: `Dockerfile.dev`, `dev.Dockerfile`, `docker-compose.test.yml`, settings modules.
  return parts(lower).find((p) => DEV_PARTS.has(p));
}

export function hasProdPart(path: string): boolean {
  return parts(basename(path)).some((p) => PROD_PARTS.has(p));
}

/** A development, test or tooling folder on the path (relative to the workspace when known). */
function devDir(path: string): string | undefined {
  const dirs = normalizePath(path).split('/').slice(0, -1);
  return dirs.find((d) => DEV_DIRS.has(d.toLowerCase()) || /devcontainer/i.test(d));
}

// --- compose services and their builds ---------------------------------------------------------------

export interface ComposeBuild {
  service: string;
  /** Build context folder (as a path in the workspace's spelling). */
  context: string;
  /** The Dockerfile it builds. */
  dockerfile: string;
  /** `build.target`, when a stage is selected. */
  target?: string;
}

export interface ComposeModel {
  builds: ComposeBuild[];
  /** Services, and how many name an image or a build (an overlay such as compose.deploy.yml names few). */
  services: number;
  complete: number;
  /** Environment values of every service (name → values). */
  env: Map<string, string[]>;
}

function join(dir: string, rel: string): string {
  const r = rel.replace(/\\/g, '/');
  if (r.startsWith('/')) return r;
  const out = dir === '.' ? [] : dir.replace(/\\/g, '/').split('/');
  for (const p of r.split('/')) {
    if (!p || p === '.') continue;
    if (p === '..' && out.length && out[out.length - 1] !== '..' && out[out.length - 1] !== '') out.pop();
    else out.push(p);
  }
  return out.join('/') || '.';
}

function envEntries(node: Node | undefined): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (isMap(node)) {
    for (const p of node.items) {
      const k = scalarText(p.key);
      const v = scalarText(p.value);
      if (k !== undefined && v !== undefined) out.push([k, v]);
    }
  } else if (isSeq(node)) {
    for (const item of seqItems(node)) {
      const s = scalarText(item);
      const i = s?.indexOf('=') ?? -1;
      if (s && i > 0) out.push([s.slice(0, i), s.slice(i + 1)]);
    }
  }
  return out;
}

function readCompose(file: LintFile): ComposeModel {
  const y = file.parse(parseYaml);
  const dir = dirname(file.path);
  const builds: ComposeBuild[] = [];
  const env = new Map<string, string[]>();
  let count = 0;
  let complete = 0;
  for (const d of y.docs) {
    const services = valueOf(d.contents, 'services');
    if (!isMap(services)) continue;
    for (const p of services.items) {
      if (!isScalar(p.key) || !isMap(p.value)) continue;
      const name = String(p.key.value);
      const svc = p.value as Node;
      const build = valueOf(svc, 'build');
      count++;
      if (build !== undefined || valueOf(svc, 'image') !== undefined || valueOf(svc, 'extends') !== undefined) complete++;
      let context: string | undefined;
      let dockerfile = 'Dockerfile';
      let target: string | undefined;
      if (isScalar(build)) context = scalarText(build);
      else if (isMap(build)) {
        context = scalarText(valueOf(build, 'context')) ?? '.';
        dockerfile = scalarText(valueOf(build, 'dockerfile')) ?? 'Dockerfile';
        target = scalarText(valueOf(build, 'target'));
      }
      if (context !== undefined && !/^[a-z]+:\/\//i.test(context) && !context.includes('$')) {
        const ctxDir = join(dir, context);
        builds.push({ service: name, context: ctxDir, dockerfile: join(ctxDir, dockerfile), target });
      }
      for (const [k, v] of envEntries(valueOf(svc, 'environment'))) {
        const list = env.get(k) ?? [];
        list.push(v);
        env.set(k, list);
      }
      const args = isMap(build) ? valueOf(build, 'args') : undefined;
      for (const [k, v] of envEntries(args)) {
        const list = env.get(k) ?? [];
        list.push(v);
        env.set(k, list);
      }
    }
  }
  return { builds, env, services: count, complete };
}

/** The services, builds and environment of a compose file (parsed once per file version). */
export function composeModel(file: LintFile): ComposeModel {
  try {
    return file.parse(readCompose);
  } catch {
    return { builds: [], env: new Map(), services: 0, complete: 0 };
  }
}

const DEV_ENV_VALUE = /^(?:dev|develop|development|local|test|testing)$/i;
const SETTINGS_VARS = /^(?:DJANGO_SETTINGS_MODULE|APP_SETTINGS|APP_CONFIG|CONFIG|FLASK_CONFIG|DJANGO_CONFIGURATION|SETTINGS|SETTINGS_MODULE)$/;
const ENV_VARS = /^(?:ENV|ENVIRONMENT|APP_ENV|DJANGO_ENV|RUN_ENV|STAGE|DEPLOY_ENV)$/;

/** Why a compose file runs a development configuration (a dev settings module, ENVIRONMENT=dev, a dev build target), if it does. */
function composeDevConfig(file: LintFile): string | undefined {
  const m = composeModel(file);
  for (const [k, values] of m.env) {
    for (const v of values) {
      if (SETTINGS_VARS.test(k)) {
        const last = v.split(/[.:]/).pop() ?? '';
        if (parts(last).some((p) => DEV_PARTS.has(p)) || /^(?:dev|development|local|test|testing)(?:config|settings)$/i.test(last)) return `it selects ${k}=${v}`;
      }
      if (ENV_VARS.test(k) && DEV_ENV_VALUE.test(v)) return `it sets ${k}=${v}`;
    }
  }
  const t = m.builds.find((b) => b.target && DEV_ENV_VALUE.test(b.target));
  if (t) return `it builds the "${t.target}" stage`;
  return undefined;
}

// --- roles --------------------------------------------------------------------------------------------

function sameDir(a: string, b: string): boolean {
  return normalizePath(dirname(a)).toLowerCase() === normalizePath(dirname(b)).toLowerCase();
}

/** A sibling with a production part and the same stem (`docker-compose.prod.yml` for `docker-compose.yml`, `Dockerfile.prod`, `entrypoint.prod.sh`). */
function prodSibling(file: LintFile, ws: WorkspaceView): string | undefined {
  const name = basename(file.path).toLowerCase();
  if (hasProdPart(name)) return undefined;
  const stem = parts(name).filter((p) => !['yml', 'yaml', 'sh', 'py', 'conf', 'ini'].includes(p));
  for (const other of ws.files(file.kind)) {
    if (other === file || !sameDir(other.path, file.path)) continue;
    const op = parts(basename(other.path));
    if (!op.some((p) => PROD_PARTS.has(p))) continue;
    if (file.kind === 'compose') {
      // An overlay (`docker compose -f compose.yml -f compose.deploy.yml`) builds on this file: both are production.
      const m = composeModel(other);
      if (m.complete * 2 < m.services) continue;
    }
    const ostem = op.filter((p) => !PROD_PARTS.has(p) && !['yml', 'yaml', 'sh', 'py', 'conf', 'ini'].includes(p));
    if (ostem.join('.') === stem.join('.')) return basename(other.path);
  }
  return undefined;
}

function samePath(a: string, b: string): boolean {
  return normalizePath(a).toLowerCase() === normalizePath(b).toLowerCase() || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

/** The workspace's Dockerfile that a compose build builds, if it is one of the workspace's files. */
export function dockerfileOfBuild(ws: WorkspaceView, build: ComposeBuild): LintFile | undefined {
  return ws.get(build.dockerfile) ?? [...ws.files('dockerfile')].find((d) => samePath(d.path, build.dockerfile));
}

/**
 * The role of every deploy file of a workspace. `nameIsDev` is the development-file globs (the
 * user's setting): a file they match is development whatever the project says.
 */
export function projectRoles(ws: WorkspaceView, nameIsDev: (path: string) => boolean, root?: string): Map<LintFile, FileRole> {
  const roles = new Map<LintFile, FileRole>();
  const rel = (p: string) => {
    const n = normalizePath(root ? resolve(p) : p);
    const r = root ? normalizePath(root).replace(/\/+$/, '') : '';
    return r && n.startsWith(`${r}/`) ? n.slice(r.length + 1) : n;
  };
  const own = (f: LintFile): FileRole => {
    if (nameIsDev(f.path)) return { production: false, why: `${basename(f.path)} is named as a development file` };
    const d = devDir(rel(f.path));
    if (d) return { production: false, why: `it is under ${d}/ (development, test or tooling files)` };
    if (f.kind !== 'kubernetes') {
      const p = devNamePart(f.path);
      if (p && !hasProdPart(f.path)) return { production: false, why: `"${p}" in its name marks it as a development, test or local file` };
    }
    return { production: true };
  };
  // 1. Names and folders; compose files by their siblings and the configuration they select.
  for (const f of ws.files()) roles.set(f, own(f));
  for (const f of ws.files('compose')) {
    if (!roles.get(f)!.production) continue;
    const sib = prodSibling(f, ws);
    if (sib) {
      roles.set(f, { production: false, why: `${sib} beside it is the production compose file` });
      continue;
    }
    const dev = composeDevConfig(f);
    if (dev) roles.set(f, { production: false, why: `${dev}: a development configuration` });
  }
  // 1b. A compose file that builds only development images (docker/local.Dockerfile) is a development file.
  for (const f of ws.files('compose')) {
    if (!roles.get(f)!.production) continue;
    const builds = composeModel(f).builds.map((b) => ({ b, df: dockerfileOfBuild(ws, b) }));
    if (builds.length && builds.every((x) => x.df && !roles.get(x.df)?.production)) {
      roles.set(f, { production: false, why: `it builds only development images (${basename(builds[0].df!.path)})` });
    }
  }
  // 2. Dockerfiles and entrypoints beside a production variant.
  for (const kind of ['dockerfile', 'shell', 'procfile'] as const) {
    for (const f of ws.files(kind)) {
      if (!roles.get(f)!.production) continue;
      const sib = prodSibling(f, ws);
      if (sib) roles.set(f, { production: false, why: `${sib} beside it is the production variant` });
    }
  }
  // 3. Dockerfiles that only development compose files build (the whole file, not one stage of it).
  const builtBy = new Map<LintFile, Array<{ compose: LintFile; build: ComposeBuild }>>();
  for (const c of ws.files('compose')) {
    for (const b of composeModel(c).builds) {
      const df = dockerfileOfBuild(ws, b);
      if (!df) continue;
      const list = builtBy.get(df) ?? [];
      list.push({ compose: c, build: b });
      builtBy.set(df, list);
    }
  }
  // ...and only when the project has a production image for the same service (app/Dockerfile.prod built
  // by docker-compose.prod.yml's `web`): a production Dockerfile that a dev compose file also builds stays production.
  for (const [df, by] of builtBy) {
    if (!roles.get(df)?.production) continue;
    if (!by.every((b) => !roles.get(b.compose)?.production && !b.build.target)) continue;
    const services = new Set(by.map((b) => b.build.service));
    const alternative = [...builtBy].find(([other, obs]) => other !== df && roles.get(other)?.production && obs.some((b) => services.has(b.build.service) && roles.get(b.compose)?.production));
    if (alternative) roles.set(df, { production: false, why: `only ${basename(by[0].compose.path)} (a development compose file) builds it; ${basename(alternative[0].path)} is the production image` });
  }
  return roles;
}

// --- build contexts -------------------------------------------------------------------------------------

/**
 * The build context of a Dockerfile: the one a compose file gives it (`build.context`), else the
 * folder its COPY sources are relative to (a Dockerfile under `docker/` that copies
 * `requirements.txt` is built from the project root), else its own folder.
 */
/** Files that mark a folder as holding the project an image copies in. */
const PROJECT_FILES = ['pyproject.toml', 'setup.py', 'setup.cfg', 'requirements.txt', 'Pipfile', 'manage.py', 'package.json'];

export function buildContextOf(df: LintFile, ws: WorkspaceView): { dir: string; why: string } {
  for (const c of ws.files('compose')) {
    const b = composeModel(c).builds.find((x) => samePath(resolve(x.dockerfile), resolve(df.path)));
    if (b) return { dir: b.context, why: `${basename(c.path)} builds it with context ${b.context}` };
  }
  const own = dirname(df.path);
  const sources = new Set<string>();
  let parsed: ReturnType<typeof parseDockerfile> | undefined;
  try {
    parsed = df.parse(parseDockerfile);
  } catch {
    parsed = undefined; // a Dockerfile that does not parse: its own folder
  }
  for (const stage of parsed?.stages ?? []) {
    for (const i of stage.instructions) {
      const k = i.getKeyword();
      if (k !== 'COPY' && k !== 'ADD') continue;
      const words = i.getArguments().map((a) => a.getValue());
      if (words.some((w) => /^--from=/i.test(w))) continue;
      const args = words.filter((a) => a && !a.startsWith('--'));
      for (const a of args.slice(0, -1)) {
        const first = a.replace(/^\.\//, '').split('/')[0];
        if (first && first !== '.' && !first.includes('*') && !first.includes('$') && !/^[a-z]+:/i.test(a)) sources.add(first);
      }
    }
  }
  if (!sources.size) {
    // Only `COPY .`: a Dockerfile kept in docker/ beside no .dockerignore of its own is built from the
    // folder above when that one has the .dockerignore.
    const up = dirname(own);
    // `COPY .` of a folder that holds only the Docker files copies no app: the folder above, holding the
    // project, is the context (Netflix/dispatch builds docker/Dockerfile from the root, whatever docker/.dockerignore says).
    const holdsProject = (d: string) => PROJECT_FILES.some((m) => ws.exists(d === '.' ? m : `${d}/${m}`));
    if (own !== '.' && up !== own && !holdsProject(own) && holdsProject(up)) return { dir: up, why: `${own} holds no project to copy; ${up} does` };
    const ownIgnore = ws.exists(own === '.' ? '.dockerignore' : `${own}/.dockerignore`);
    if (!ownIgnore && up !== own && own !== '.' && ws.exists(up === '.' ? '.dockerignore' : `${up}/.dockerignore`)) return { dir: up, why: `the .dockerignore is in ${up}` };
    return { dir: own, why: 'its own folder' };
  }
  const candidates: string[] = [];
  for (let d = own, i = 0; i < 4; i++) {
    candidates.push(d);
    const up = dirname(d);
    if (up === d || d === '.' || d === '/') break;
    d = up;
  }
  const known = new Set<string>();
  for (const p of ws.paths()) {
    const parts = resolve(p).replace(/\\/g, '/').split('/');
    for (let i = 1; i <= parts.length; i++) known.add(parts.slice(0, i).join('/'));
  }
  let best = { dir: own, hits: 0 };
  for (const c of candidates) {
    const base = resolve(c).replace(/\\/g, '/');
    let hits = 0;
    for (const s of sources) if (known.has(`${base}/${s}`)) hits++;
    if (hits > best.hits) best = { dir: c, hits };
  }
  return best.dir === own ? { dir: own, why: 'its own folder' } : { dir: best.dir, why: `its COPY sources are in ${best.dir}` };
}
