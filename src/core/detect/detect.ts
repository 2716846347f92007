// detectProject: what a Python web project is and how it runs, from its files alone (no Python is run).
import path = require('path');
import type { AppInterface, Database, Detection, Framework } from './types';
import { ProjectFiles, dirOf, joinRel } from './files';
import { parse as parseToml } from 'smol-toml';
import { readPackaging } from './dependencies';
import { analyseDjango } from './django';
import { classify } from '../lint/classify';
import { LintFile } from '../lint/file';
import { appOperand, invocations } from '../lint/startCommands';
import { assignedNames, dottedName, parsePython } from '../lint/parse/python';
import type { PyAssignment, PythonModule } from '../lint/parse/python';
import type { FileKind } from '../lint/types';
import { settingsEnvVars } from '../project/envVars';
import { systemPackagesOf } from '../project/systemPackages';
import { productionDockerfiles } from './productionImages';
import type { SystemPackages } from '../project/systemPackages';
import type { SettingsEnvRead } from './types';

const ROOT_MARKERS = ['manage.py', 'pyproject.toml', 'Pipfile', 'setup.py', 'setup.cfg'];
const isRequirements = (name: string) => /^requirements.*\.txt$/.test(name);
/** How deep below the folder asked about a project folder is looked for. */
const ROOT_SEARCH_DEPTH = 3;
const NO_ROOT_NOTE = 'projectRoot: no manage.py, pyproject.toml, requirements*.txt or Pipfile found; using the folder itself.';

/**
 * Where detection looked for a project, in words, when it found none (no manage.py, pyproject.toml,
 * setup.py/setup.cfg, requirements*.txt or Pipfile in the folder or its subfolders): undefined when it
 * found one. Generating from such a folder would mix whatever code lies around into one plan.
 */
export function projectNotFound(d: Detection, dir: string): string | undefined {
  if (!d.notes.includes(NO_ROOT_NOTE)) return undefined;
  return `no Python project found in ${dir}: looked there and in its subfolders (${ROOT_SEARCH_DEPTH} levels down, not in tests, docs, examples or virtualenvs) for ${ROOT_MARKERS.join(', ')}, requirements*.txt`;
}
/** Folders where an app's code is not: never the place of the app target. */
const NOT_APP_DIRS = /(^|\/)(tests?|migrations|docs?|scripts|examples?|alembic|node_modules|static|templates|fixtures)(\/|$)/;
/** Django project packages whose name says nothing about the app. */
const GENERIC_PACKAGES = new Set(['config', 'core', 'project', 'settings', 'app', 'src', 'backend', 'server', 'web', 'main', 'site', 'conf']);

export async function detectProject(dir: string): Promise<Detection> {
  return detectProjectSync(dir);
}

/** The same as detectProject; synchronous because a few small reads are faster without the event loop. */
export function detectProjectSync(dir: string): Detection {
  const files = new ProjectFiles(path.resolve(dir));
  const notes: string[] = [];
  const root = findProjectRoot(files, notes);
  const at = (p: string) => joinRel(root, p);
  const pack = readPackaging(files, root);
  notes.push(...pack.notes);
  const deps = pack.dependencies;
  const has = (...names: string[]) => names.some((n) => deps.has(n));

  // A manage.py makes a Django project only when it is Django's: Flask projects ship one built on
  // FlaskGroup, others a database helper module of that name.
  const djangoManage = (f: string) => (f === at('manage.py') || f.endsWith('/manage.py')) && isDjangoManage(files.read(f) ?? '');
  const django = has('django') || files.under(root).some(djangoManage)
    ? analyseDjango(files, root) : null;

  let framework: Framework | null = null;
  let iface: AppInterface | null = null;
  let appTarget: string | null = null;
  let pythonPath = '.';
  let wsgiModule: string | null = null;
  let asgiModule: string | null = null;

  if (django && ((django.managePy && djangoManage(django.managePy)) || has('django'))) {
    framework = 'django';
    notes.push(...django.notes);
    pythonPath = django.pythonPath;
    const asgiReason = django.asgiSetting ? 'ASGI_APPLICATION is set'
      : django.channels || has('channels') ? 'it uses channels'
      : django.daphne || has('daphne') ? 'it uses daphne'
      : has('uvicorn', 'uvicorn-worker') ? 'uvicorn is a dependency' : null;
    wsgiModule = django.wsgiModule;
    asgiModule = django.asgiModule;
    if (asgiReason && (django.asgiTarget || django.asgiModule)) {
      iface = 'asgi';
      appTarget = django.asgiTarget ?? `${django.asgiModule}:application`;
      notes.push(`interface: ASGI because ${asgiReason}.`);
    } else {
      if (asgiReason) notes.push(`interface: ${asgiReason} but no asgi.py was found; using WSGI.`);
      iface = 'wsgi';
      appTarget = django.wsgiTarget;
    }
    if (!appTarget) notes.push('appTarget: no WSGI_APPLICATION setting and no wsgi.py in the Django project package.');
  } else {
    const found = findPythonApp(files, root, pack.fastapiEntrypoint, notes);
    framework = has('fastapi') ? 'fastapi' : has('flask') ? 'flask' : found?.framework ?? null;
    if (found) {
      appTarget = found.target;
      pythonPath = found.pythonPath;
      framework = found.framework === 'fastapi' || found.framework === 'flask' ? found.framework : framework ?? found.framework;
    }
    // The project's own start command (Procfile, Dockerfile CMD, compose command, entrypoint script)
    // is the strongest evidence of what production loads.
    const started = !found?.certain ? startCommandTarget(files, root) : undefined;
    if (started && started.target !== appTarget) {
      notes.push(`appTarget: ${started.target}, as the start command in ${started.file} runs it.`);
      appTarget = started.target;
      pythonPath = '.';
    }
    if (!framework && (has('starlette', 'quart', 'litestar', 'sanic'))) framework = 'asgi';
    iface = framework === 'fastapi' || framework === 'asgi' ? 'asgi' : framework ? 'wsgi' : null;
    if (appTarget) {
      if (iface === 'asgi') asgiModule = appTarget.split(':')[0];
      else wsgiModule = appTarget.split(':')[0];
    }
    if (!iface) notes.push('interface: WSGI or ASGI cannot be told without knowing the framework.');
    if (!framework) notes.push('framework: no Django, Flask or FastAPI in the dependencies and no WSGI/ASGI application in the code.');
    if (!appTarget) notes.push('appTarget: no module creating the application (Flask(...), FastAPI(...), a create_app() factory, a wsgi.py) was found.');
    else if (found && !found.certain && !started) notes.push(`appTarget: ${appTarget} (found in ${found.file}; check it is the one production should load).`);
  }

  let database: Database | null = django?.database ?? null;
  if (!database) {
    database = has('psycopg', 'psycopg2', 'psycopg2-binary', 'psycopg-binary', 'asyncpg', 'pg8000') ? 'postgresql'
      : has('mysqlclient', 'pymysql', 'mysql-connector-python', 'aiomysql', 'asyncmy') ? 'mysql'
      : framework === 'django' && django?.settingsModule ? null : has('aiosqlite') ? 'sqlite' : null;
    if (database) notes.push(`database: ${database} from the dependencies (the settings do not name it literally).`);
    else notes.push('database: neither the settings nor the dependencies name PostgreSQL, MySQL or SQLite.');
  }

  const staticUrl = django?.staticUrl ?? null;
  if (framework === 'django' && !staticUrl && django?.staticfiles) notes.push('staticUrl: STATIC_URL is not set literally in the settings.');
  const name = appName(django?.projectPackage ?? null, pack.projectName, root === '.' ? path.basename(path.resolve(dir)) : path.posix.basename(root));
  if (root !== '.') notes.push(`projectRoot: the project is in the subfolder ${root}.`);
  if (pythonPath !== '.') notes.push(`pythonPath: imports start in ${pythonPath}/ (the server needs --chdir or --pythonpath ${pythonPath}).`);

  const settingsEnv = framework === 'django' && django?.settingsFile ? settingsEnvOf(files, root, django.settingsFile) : [];
  const required = settingsEnv.filter((v) => v.required).map((v) => v.name);
  if (required.length) notes.push(`settingsEnv: the production settings cannot start without ${required.join(', ')} (a build gets throwaway values, a server the real ones).`);
  const compressOffline = framework === 'django' ? django?.compressOffline ?? null : null;
  if (compressOffline) notes.push(`compressOffline: COMPRESS_OFFLINE is on (${compressOffline.file}:${compressOffline.line}): \`manage.py compress\` runs after collectstatic.`);
  const systemPackages = productionSystemPackages(files, root);
  if (systemPackages?.runtime.length || systemPackages?.build.length) {
    notes.push(`systemPackages: the project's Dockerfile installs ${[...systemPackages.runtime, ...systemPackages.build].join(' ')} (${[...new Set([...systemPackages.sources.runtime, ...systemPackages.sources.build])].join(', ')}): the generated image keeps them.`);
  }
  if (systemPackages?.foreign.length) {
    notes.push(`systemPackages: ${systemPackages.foreign.join(' ')} are installed on ${systemPackages.foreignImages.join(', ')} (${systemPackages.foreignSources.join(', ')}), not from Debian's own archive: the generated image leaves them to you.`);
  }

  return {
    framework,
    interface: iface,
    appTarget,
    settingsModule: django && framework === 'django' ? django.settingsModule : null,
    staticUrl: framework === 'django' ? staticUrl : null,
    staticRoot: framework === 'django' ? django?.staticRoot ?? null : null,
    mediaUrl: framework === 'django' ? django?.mediaUrl ?? null : null,
    mediaRoot: framework === 'django' ? django?.mediaRoot ?? null : null,
    pythonVersion: pack.pythonVersion,
    pythonVersionFile: pack.pythonVersionFile,
    packageManager: pack.packageManager,
    lockFile: pack.lockFile,
    requirementsFile: pack.requirementsFile,
    database,
    redis: has('redis', 'django-redis', 'channels-redis', 'hiredis', 'rq') || pack.extras.has('redis') || (django?.redis ?? false),
    celery: has('celery'),
    whitenoise: has('whitenoise') || (framework === 'django' && (django?.whitenoise ?? false)),
    channels: has('channels', 'websockets', 'python-socketio', 'flask-socketio') || (framework === 'django' && (django?.channels ?? false)),
    dependencies: [...deps].sort(),
    projectRoot: root,
    pythonPath,
    wsgiModule,
    asgiModule,
    djangoProjectPackage: framework === 'django' ? django?.projectPackage ?? null : null,
    hasManagePy: !!django?.managePy,
    usesStaticfiles: framework === 'django' && (django?.staticfiles ?? false),
    sqliteFile: database === 'sqlite' ? django?.sqliteFile ?? null : null,
    staticRootSet: framework === 'django' && (django?.staticRootAssigned ?? false),
    settingsFile: framework === 'django' ? django?.settingsFile ?? null : null,
    settingsEnv,
    staticRootUnread: framework === 'django' ? django?.staticRootUnread ?? null : null,
    compressOffline,
    systemPackages,
    name,
    notes,
  };
}

/** The one member of a root uv workspace that has no [project] of its own, when exactly one member has a pyproject.toml. */
function uvWorkspaceMember(files: ProjectFiles): string | undefined {
  const text = files.read('pyproject.toml');
  if (!text || !/^\[tool\.uv\.workspace\]/m.test(text)) return undefined;
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const project = doc.project as { dependencies?: unknown[] } | undefined;
  if (project && Array.isArray(project.dependencies) && project.dependencies.length) return undefined;
  const members = ((doc.tool as { uv?: { workspace?: { members?: unknown } } } | undefined)?.uv?.workspace?.members ?? []) as unknown[];
  const dirs = members.filter((m): m is string => typeof m === 'string' && !/[*?[]/.test(m)).map((m) => m.replace(/^\.\//, '').replace(/\/+$/, ''));
  const withProject = dirs.filter((d) => files.has(`${d}/pyproject.toml`));
  return withProject.length === 1 ? withProject[0] : undefined;
}

/** The folder holding the project: the folder asked about, or the shallowest subfolder with project files. */
function findProjectRoot(files: ProjectFiles, notes: string[]): string {
  const marked = (f: string) => {
    const base = f.slice(f.lastIndexOf('/') + 1);
    return ROOT_MARKERS.includes(base) || isRequirements(base);
  };
  const base = (f: string) => f.slice(f.lastIndexOf('/') + 1);
  // A uv workspace root with no project of its own (only tooling) and one member holding the app:
  // the project is that member (its imports and its [tool.fastapi] entrypoint are relative to it).
  const member = uvWorkspaceMember(files);
  if (member) {
    notes.push(`projectRoot: ${member}, the uv workspace member (pyproject.toml [tool.uv.workspace]) holding the application.`);
    return member;
  }
  // A Procfile at the top is what Heroku-style platforms deploy: the project is the folder itself.
  if (files.inDir('.').some(marked) || files.has('Procfile')) {
    // A root pyproject.toml of tooling only (linters, a monorepo) beside a Django project in its own folder
    // with its own dependency file: the project is that folder.
    const rootDeclaresApp = files.has('manage.py') || files.has('Pipfile') || files.inDir('.').some((f) => isRequirements(f));
    if (!rootDeclaresApp) {
      const subs = files.files.filter((f) => /^[^/]+\/manage\.py$/.test(f)
        && files.inDir(dirOf(f)).some((g) => isRequirements(base(g)) || base(g) === 'pyproject.toml' || base(g) === 'Pipfile'));
      if (subs.length === 1) return dirOf(subs[0]);
    }
    return '.';
  }
  const dirs = new Map<string, number>();
  for (const f of files.files) {
    if (!marked(f) || NOT_APP_DIRS.test(dirOf(f))) continue;
    const d = dirOf(f);
    const depth = d.split('/').length;
    if (depth > ROOT_SEARCH_DEPTH) continue;
    dirs.set(d, (dirs.get(d) ?? 0) + (f.endsWith('manage.py') || f.endsWith('pyproject.toml') ? 2 : 1));
  }
  if (dirs.size === 0) {
    notes.push(NO_ROOT_NOTE);
    return '.';
  }
  // A folder inside another candidate is part of it (requirements/ inside the project): keep the outer ones.
  const candidates = [...dirs.keys()].filter((d) => ![...dirs.keys()].some((o) => o !== d && d.startsWith(o + '/')));
  candidates.sort((a, b) => a.split('/').length - b.split('/').length || dirs.get(b)! - dirs.get(a)! || a.localeCompare(b));
  if (candidates.length > 1) notes.push(`projectRoot: several projects found (${candidates.slice(0, 5).join(', ')}); using ${candidates[0]}.`);
  return candidates[0];
}

interface FoundApp {
  target: string;
  framework: Framework;
  file: string;
  pythonPath: string;
  /** From an explicit declaration ([tool.fastapi], FLASK_APP) rather than read from the code. */
  certain: boolean;
}

const APP_CLASSES: Record<string, Framework> = { Flask: 'flask', FastAPI: 'fastapi', Starlette: 'asgi', Quart: 'asgi', Litestar: 'asgi', Sanic: 'asgi' };
/** App factories called at module level (`app = create_app()`) and defined (`def create_app(...)`). */
const FACTORIES = new Set(['create_app', 'make_app', 'app_factory', 'get_app']);
const DEFINED_FACTORIES = new Set(['create_app', 'make_app', 'app_factory']);
const FILE_BONUS: Record<string, number> = { 'wsgi.py': 5, 'asgi.py': 5, 'main.py': 4, 'app.py': 4, 'application.py': 3, 'server.py': 3, 'api.py': 3, '__init__.py': 2 };

function findPythonApp(files: ProjectFiles, root: string, fastapiEntrypoint: string | null, notes: string[]): FoundApp | null {
  const rel = (p: string) => (root === '.' ? p : p.slice(root.length + 1));
  const hasSrc = files.under(joinRel(root, 'src')).some((f) => f.endsWith('.py'));
  const moduleOf = (file: string): { module: string; pythonPath: string } => {
    let r = rel(file);
    let pythonPath = '.';
    if (r.startsWith('src/') && !files.has(joinRel(root, 'src/__init__.py'))) {
      r = r.slice(4);
      pythonPath = 'src';
    }
    const module = r.replace(/\.py$/, '').replace(/\/__init__$/, '').replace(/\//g, '.');
    return { module, pythonPath };
  };

  if (fastapiEntrypoint) {
    const mod = fastapiEntrypoint.split(':')[0];
    const file = ['', 'src/'].map((p) => joinRel(root, p + mod.replace(/\./g, '/'))).flatMap((b) => [b + '.py', b + '/__init__.py']).find((f) => files.has(f));
    if (!file) notes.push(`appTarget: [tool.fastapi] entrypoint ${fastapiEntrypoint} names a module that was not found.`);
    return { target: fastapiEntrypoint.includes(':') ? fastapiEntrypoint : `${fastapiEntrypoint}:app`, framework: 'fastapi', file: file ? rel(file) : 'pyproject.toml', pythonPath: file && rel(file).startsWith('src/') && hasSrc ? 'src' : '.', certain: true };
  }
  const flaskApp = /^FLASK_APP\s*=\s*["']?([^"'\s#]+)/m.exec(files.read(joinRel(root, '.flaskenv')) ?? '')?.[1];

  const candidates = files
    .under(root)
    .filter((f) => f.endsWith('.py') && !NOT_APP_DIRS.test(rel(f)) && rel(f).split('/').length <= 4 && !/(^|\/)(test_|conftest|setup\.py|manage\.py|gunicorn)/.test(rel(f)))
    .slice(0, 400);
  let best: (FoundApp & { score: number }) | null = null;
  for (const file of candidates) {
    const text = files.read(file);
    if (!text || !/Flask|FastAPI|Starlette|Quart|Litestar|Sanic|create_app|make_app|application/.test(text)) continue;
    const base = file.slice(file.lastIndexOf('/') + 1);
    const bonus = (FILE_BONUS[base] ?? 0) - rel(file).split('/').length;
    const { module, pythonPath } = moduleOf(file);
    const consider = (c: FoundApp, score: number) => {
      if (!best || score > best.score) best = { ...c, score };
    };
    const mod = files.python(file) ?? parsePython(text);
    const framework = frameworkOf(mod);
    const assigned = mod.assignments.filter((a) => a.topLevel && a.op === '=' && assignedNames(a).length);
    const called = (a: PyAssignment) => (a.value?.kind === 'call' ? dottedName(a.value.callee)?.split('.').pop() : undefined);
    for (const a of assigned) {
      const cls = called(a);
      if (cls && Object.hasOwn(APP_CLASSES, cls)) consider({ target: `${module}:${assignedNames(a)[0].name}`, framework: APP_CLASSES[cls], file: rel(file), pythonPath, certain: false }, 20 + bonus);
    }
    for (const a of assigned) {
      const factory = a.value?.kind === 'call' ? dottedName(a.value.callee) : undefined;
      if (factory && FACTORIES.has(factory)) consider({ target: `${module}:${assignedNames(a)[0].name}`, framework, file: rel(file), pythonPath, certain: false }, 20 + bonus);
    }
    for (const f of mod.functions) {
      // A factory whose parameters all have defaults can be called by the server: `module:create_app()`.
      if (!f.topLevel || !DEFINED_FACTORIES.has(f.name) || f.params.some((p) => !p.star && !p.hasDefault)) continue;
      consider({ target: `${module}:${f.name}()`, framework, file: rel(file), pythonPath, certain: false }, 10 + bonus);
    }
    if ((base === 'wsgi.py' || base === 'asgi.py') && assigned.some((a) => assignedNames(a).some((n) => n.name === 'application'))) {
      consider({ target: `${module}:application`, framework: base === 'wsgi.py' ? 'wsgi' : 'asgi', file: rel(file), pythonPath, certain: false }, 8 + bonus);
    }
  }
  if (flaskApp) {
    // FLASK_APP=module, module:app or module:create_app()
    const target = flaskApp.includes(':') ? flaskApp : flaskApp.replace(/\.py$/, '');
    const found = best as FoundApp | null;
    if (target.includes(':')) return { target, framework: 'flask', file: '.flaskenv', pythonPath: found?.pythonPath ?? '.', certain: true };
    if (found && found.target.startsWith(target + ':')) return { ...found, certain: true };
  }
  return best;
}

/** The framework a module's code names (comments and strings left out). */
function frameworkOf(mod: PythonModule): Framework {
  const names = new Set(mod.tokens.filter((t) => t.kind === 'name').map((t) => t.text));
  if (names.has('FastAPI')) return 'fastapi';
  if (names.has('Flask')) return 'flask';
  if (['Starlette', 'Quart', 'Litestar', 'Sanic'].some((n) => names.has(n))) return 'asgi';
  return 'wsgi';
}

/** A name usable for a unit, an image and Kubernetes objects: `[a-z][a-z0-9-]*`. */
export function appName(pkg: string | null, projectName: string | null, folder: string): string | null {
  const candidates = [pkg && !GENERIC_PACKAGES.has(pkg) ? pkg : null, projectName, folder, pkg];
  for (const c of candidates) {
    if (!c) continue;
    const n = c.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+/, '').replace(/-+$/, '').slice(0, 40).replace(/-+$/, '');
    if (n) return n;
  }
  return null;
}

/** Whether a manage.py is Django's (it names Django or its settings variable, and is no FlaskGroup script). */
export function isDjangoManage(text: string): boolean {
  const mod = parsePython(text);
  if (mod.tokens.some((t) => t.kind === 'name' && t.text === 'FlaskGroup') || mod.imports.some((i) => i.module === 'flask' || i.module.startsWith('flask.'))) return false;
  return /django/i.test(text);
}

/** The app the project's own start commands serve, when one names a module that exists in the project. */
function startCommandTarget(files: ProjectFiles, root: string): { target: string; file: string } | undefined {
  const prefix = root === '.' ? '' : `${root}/`;
  const rank = (f: string) => (/procfile$/i.test(f) ? 0 : /dockerfile/i.test(f) ? (/prod/i.test(f) ? 1 : 2) : /compose/i.test(f) ? 3 : 4);
  const candidates = files
    .under(root)
    .filter((f) => !/(^|\/)(?:\.?devcontainer|tests?|e2e|node_modules)\//i.test(f))
    .map((f) => ({ f, kind: classify(f, undefined) ?? (f.endsWith('.sh') ? 'shell' : undefined) }))
    .filter((c) => c.kind === 'procfile' || c.kind === 'dockerfile' || c.kind === 'compose' || c.kind === 'shell')
    .sort((a, b) => rank(a.f) - rank(b.f));
  for (const { f, kind } of candidates) {
    const text = files.read(f);
    if (!text || text.length > 256 * 1024) continue;
    let found: string | undefined;
    try {
      for (const { inv } of invocations(new LintFile(f, text, kind as FileKind, false))) {
        const w = appOperand(inv);
        if (!w) continue;
        const [module] = w.value.split(':');
        const rel = module.split('.').join('/');
        if (files.has(`${prefix}${rel}.py`) || files.has(`${prefix}${rel}/__init__.py`)) {
          found = w.value.includes(':') ? w.value : `${w.value}`;
          break;
        }
      }
    } catch {
      continue; // an unreadable file says nothing
    }
    if (found) return { target: found, file: f };
  }
  return undefined;
}

/**
 * The variables the production settings require (and DEBUG's), read from the parsed settings and what they
 * star-import; files relative to the project root.
 */
function settingsEnvOf(files: ProjectFiles, root: string, settingsFile: string): SettingsEnvRead[] {
  const projectDir = path.join(files.root, root);
  try {
    // Read through the project's files (its size limits and skipped folders) and their parse cache: analyseDjango
    // parsed the same modules already.
    const rel = (abs: string) => path.relative(files.root, abs).split(path.sep).join('/');
    const read = (abs: string) => files.read(rel(abs)) ?? undefined;
    const parse = (abs: string, text: string) => files.python(rel(abs)) ?? parsePython(text);
    return settingsEnvVars(path.join(projectDir, settingsFile), read, parse)
      .filter((v) => v.required || v.role === 'debug')
      .filter((v) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(v.name))
      .map((v) => ({
        name: v.name, required: v.required, role: v.role, ...(v.cast ? { cast: v.cast } : {}), ...(v.trueText !== undefined ? { trueText: v.trueText } : {}),
        file: path.relative(projectDir, v.file).split(path.sep).join('/'),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return []; // settings that cannot be parsed say nothing here (detection notes already say what was read)
  }
}

/**
 * What the project's production Dockerfiles install with apt-get/apk. Which Dockerfiles are production is
 * decided as the linter decides it (project/roles.ts; see productionImages.ts).
 */
function productionSystemPackages(files: ProjectFiles, root: string): SystemPackages | null {
  const rel = (f: string) => (root === '.' ? f : f.slice(root.length + 1));
  return systemPackagesOf(productionDockerfiles(files, root).map((d) => ({ file: d.file, label: rel(d.path) }))) ?? null;
}
