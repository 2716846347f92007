// Dependencies, package manager and Python version, read from the packaging files.
import { parse as parseToml } from 'smol-toml';
import type { PackageManager } from './types';
import { ProjectFiles, dirOf, joinRel } from './files';
import { productionDockerfiles } from './productionImages';
import { parseDockerfile, pythonImageVersion } from '../lint/parse/dockerfile';

/** PEP 503 normalised name: `Django_Redis` → `django-redis`. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The distribution name at the start of a PEP 508 requirement, or null. */
export function requirementName(req: string): string | null {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(req);
  return m ? normaliseName(m[1]) : null;
}

/** The extras of a PEP 508 requirement: `celery[redis,sqs]>=5` → ['redis', 'sqs']. */
export function requirementExtras(req: string): string[] {
  const m = /^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*\[([^\]]*)\]/.exec(req);
  return m ? m[1].split(',').map((e) => normaliseName(e.trim())).filter(Boolean) : [];
}

type Toml = Record<string, unknown>;

function table(v: unknown): Toml | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Toml) : undefined;
}

export interface Packaging {
  dependencies: Set<string>;
  /** Extras asked for in any requirement (`celery[redis]` → redis). */
  extras: Set<string>;
  packageManager: PackageManager | null;
  lockFile: string | null;
  requirementsFile: string | null;
  /** [project].name or [tool.poetry].name. */
  projectName: string | null;
  /** [tool.fastapi] entrypoint. */
  fastapiEntrypoint: string | null;
  pythonVersion: string | null;
  pythonVersionFile: string | null;
  notes: string[];
}

export function parseTomlFile(files: ProjectFiles, rel: string, notes: string[]): Toml | undefined {
  const text = files.read(rel);
  if (text === null) return undefined;
  try {
    return parseToml(text) as Toml;
  } catch (e) {
    notes.push(`${rel} is not valid TOML (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): it was ignored.`);
    return undefined;
  }
}

/** Requirements of a requirements file, following `-r other.txt` includes. */
function readRequirements(files: ProjectFiles, rel: string, into: Set<string>, extras: Set<string>, seen = new Set<string>()): void {
  if (seen.has(rel)) return;
  seen.add(rel);
  const text = files.read(rel);
  if (text === null) return;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const inc = /^(?:-r|--requirement)\s*=?\s*(\S+)/.exec(line);
    if (inc) {
      readRequirements(files, joinRel(dirOf(rel), inc[1]), into, extras, seen);
      continue;
    }
    if (line.startsWith('-')) continue;
    const egg = /#egg=([\w.-]+)/.exec(raw);
    const name = egg ? normaliseName(egg[1]) : requirementName(line);
    if (name) into.add(name);
    for (const e of requirementExtras(line)) extras.add(e);
  }
}

/** The requirements file a production install uses, by preference. */
function pickRequirementsFile(files: ProjectFiles, root: string): string | null {
  const preferred = [
    'requirements.txt', 'requirements/production.txt', 'requirements/prod.txt', 'requirements/base.txt',
    'requirements/common.txt', 'requirements-prod.txt', 'requirements_prod.txt', 'requirements/requirements.txt',
  ];
  for (const p of preferred) if (files.has(joinRel(root, p))) return p;
  const any = files
    .inDir(root)
    .map((f) => f.slice(root === '.' ? 0 : root.length + 1))
    .filter((f) => /^requirements.*\.txt$/.test(f) && !/dev|test|local|lint|doc/.test(f));
  return any.sort()[0] ?? null;
}

/** `major.minor` from a version text such as `3.11.4`, `python-3.12`, `pypy3.10`, `3.11-dev`. */
export function majorMinor(text: string): string | null {
  const m = /(\d+)\.(\d+)/.exec(text);
  return m && m[1] === '3' ? `${m[1]}.${m[2]}` : null;
}

/** Python minors a deployment can choose from, newest last. */
const KNOWN_MINORS = [8, 9, 10, 11, 12, 13, 14];

/**
 * A `major.minor` satisfying a specifier such as `>=3.10`, `^3.11`, `~=3.12`, `>=3.10,<3.13`:
 * the newest known minor below an upper bound, else the lowest allowed one.
 */
export function versionFromSpecifier(spec: string): string | null {
  const s = spec.replace(/\s+/g, '');
  const exact = /^(?:==|===|\^|~=?)?(3)\.(\d+)/.exec(s);
  if (exact && !/^(>=|>)/.test(s)) return `3.${exact[2]}`;
  let low: number | undefined;
  let high: number | undefined;
  for (const part of s.split(',')) {
    const m = /^(>=|>|<=|<|!=|==|~=|\^)?3\.(\d+)/.exec(part);
    if (!m) continue;
    const minor = Number(m[2]);
    if (m[1] === '>=' || m[1] === '~=' || m[1] === '^' || m[1] === '==') low = Math.max(low ?? 0, minor);
    else if (m[1] === '>') low = Math.max(low ?? 0, minor + (/3\.\d+\.\d+/.test(part) ? 0 : 1));
    else if (m[1] === '<') high = Math.min(high ?? 99, /3\.\d+\.[1-9]/.test(part) ? minor : minor - 1);
    else if (m[1] === '<=') high = Math.min(high ?? 99, minor);
  }
  if (high !== undefined) {
    const ok = KNOWN_MINORS.filter((v) => v <= high! && (low === undefined || v >= low));
    if (ok.length) return `3.${ok[ok.length - 1]}`;
  }
  return low !== undefined ? `3.${low}` : null;
}

export function readPackaging(files: ProjectFiles, root: string): Packaging {
  const notes: string[] = [];
  const deps = new Set<string>();
  const extras = new Set<string>();
  const at = (p: string) => joinRel(root, p);
  const pyproject = parseTomlFile(files, at('pyproject.toml'), notes);
  const project = table(pyproject?.project);
  const tool = table(pyproject?.tool);
  const poetry = table(tool?.poetry);
  const pipfile = files.has(at('Pipfile')) ? parseTomlFile(files, at('Pipfile'), notes) : undefined;

  if (project && Array.isArray(project.dependencies)) {
    for (const d of project.dependencies) if (typeof d === 'string') addRequirement(deps, extras, d);
  }
  const optional = table(project?.['optional-dependencies']);
  for (const group of ['prod', 'production', 'server', 'deploy']) {
    const list = optional?.[group];
    if (Array.isArray(list)) for (const d of list) if (typeof d === 'string') addRequirement(deps, extras, d);
  }
  const poetryDeps = table(poetry?.dependencies);
  if (poetryDeps) for (const k of Object.keys(poetryDeps)) if (k.toLowerCase() !== 'python') deps.add(normaliseName(k));
  const pipPackages = table(pipfile?.packages);
  if (pipPackages) for (const k of Object.keys(pipPackages)) deps.add(normaliseName(k));

  const requirementsFile = pickRequirementsFile(files, root);
  if (requirementsFile) readRequirements(files, at(requirementsFile), deps, extras);

  // The package manager: a lock file is the strongest sign, then the tool's own pyproject table.
  let packageManager: PackageManager | null = null;
  let lockFile: string | null = null;
  const locks: Array<[string, PackageManager]> = [['uv.lock', 'uv'], ['poetry.lock', 'poetry'], ['pdm.lock', 'pdm'], ['Pipfile.lock', 'pipenv']];
  for (const [file, pm] of locks) {
    if (files.has(at(file))) {
      packageManager = pm;
      lockFile = file;
      break;
    }
  }
  if (!packageManager) {
    if (tool?.uv) packageManager = 'uv';
    else if (poetry) packageManager = 'poetry';
    else if (tool?.pdm) packageManager = 'pdm';
    else if (pipfile) packageManager = 'pipenv';
    else if (requirementsFile || project) packageManager = 'pip';
    if (packageManager && packageManager !== 'pip') notes.push(`No lock file for ${packageManager}: builds are not reproducible until you commit one.`);
  }
  if (!packageManager) notes.push('packageManager: no pyproject.toml, requirements*.txt or Pipfile found.');

  // Python version, in the order of preference of the issue.
  let pythonVersion: string | null = null;
  let pythonVersionFile: string | null = null;
  const sources: Array<[string, () => string | null]> = [
    ['.python-version', () => {
      const line = (files.read(at('.python-version')) ?? '').split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
      return line ? majorMinor(line) : null;
    }],
    ['runtime.txt', () => majorMinor(files.read(at('runtime.txt')) ?? '')],
    // The project's own production image says which Python runs it in production.
    ...imagePythonSource(files, root),
    ['pyproject.toml', () => {
      const spec = typeof project?.['requires-python'] === 'string' ? (project['requires-python'] as string)
        : typeof poetryDeps?.python === 'string' ? (poetryDeps.python as string) : null;
      return spec ? versionFromSpecifier(spec) : null;
    }],
    ['Pipfile', () => {
      const req = table(pipfile?.requires);
      const v = req?.python_version ?? req?.python_full_version;
      return typeof v === 'string' ? majorMinor(v) : null;
    }],
    ['.tool-versions', () => {
      const m = /^\s*python\s+(\S+)/m.exec(files.read(at('.tool-versions')) ?? '');
      return m ? majorMinor(m[1]) : null;
    }],
  ];
  const image = imagePythonSource(files, root)[0];
  const imageVersion = image ? image[1]() : null;
  for (const [file, read] of sources) {
    if (!files.has(at(file)) && !(image && file === image[0])) continue;
    const v = read();
    // A version file that contradicts the production image loses to it (the image is what runs).
    if (v && imageVersion && v !== imageVersion && file !== image![0]) {
      notes.push(`pythonVersion: ${file} says ${v} but ${image![0]} runs python:${imageVersion}; using ${imageVersion}.`);
      pythonVersion = imageVersion;
      pythonVersionFile = image![0];
      break;
    }
    if (v) {
      pythonVersion = v;
      pythonVersionFile = file;
      break;
    }
  }
  if (!pythonVersion) notes.push('pythonVersion: none of .python-version, runtime.txt, pyproject.toml requires-python, Pipfile, .tool-versions names a Python 3 version.');

  const entry = table(tool?.fastapi)?.entrypoint;
  const name = typeof project?.name === 'string' ? project.name : typeof poetry?.name === 'string' ? poetry.name : null;
  return {
    dependencies: deps,
    extras,
    packageManager,
    lockFile,
    requirementsFile: packageManager === 'pip' ? requirementsFile : null,
    projectName: name,
    fastapiEntrypoint: typeof entry === 'string' ? entry : null,
    pythonVersion,
    pythonVersionFile,
    notes,
  };
}

function addRequirement(into: Set<string>, extras: Set<string>, req: string): void {
  const name = requirementName(req);
  if (name) into.add(name);
  for (const e of requirementExtras(req)) extras.add(e);
}

/**
 * `FROM python:3.12-slim` in the project's production Dockerfile (as the linter decides production: not a
 * dev container's or a test image's), from its parsed stages: the image the final stage is built on, one whose
 * name or folder says production first, then the shallowest.
 */
function imagePythonSource(files: ProjectFiles, root: string): Array<[string, () => string | null]> {
  const candidates = [...productionDockerfiles(files, root)].sort((a, b) => Number(b.named) - Number(a.named) || a.path.split('/').length - b.path.split('/').length);
  for (const d of candidates) {
    let v: string | null = null;
    try {
      v = pythonImageVersion(d.file.parse(parseDockerfile));
    } catch {
      // an unreadable Dockerfile names no version
    }
    if (v) return [[d.path, () => v]];
  }
  return [];
}
