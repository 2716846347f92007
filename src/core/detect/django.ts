// Django: settings module (split settings too), WSGI/ASGI application, static and media paths, database.
import path = require('path');
import type { Database } from './types';
import { ProjectFiles, dirOf, joinRel } from './files';
import { assignedNames, dottedName, keywordArg, parsePython, settingsModuleDefault, stringValue, textOf } from '../lint/parse/python';
import type { PyNode, PythonModule } from '../lint/parse/python';

export interface DjangoFacts {
  managePy: string | null;
  /** Import root relative to the project root. */
  pythonPath: string;
  settingsModule: string | null;
  projectPackage: string | null;
  wsgiTarget: string | null;
  asgiTarget: string | null;
  wsgiModule: string | null;
  asgiModule: string | null;
  asgiSetting: boolean;
  staticUrl: string | null;
  staticRoot: string | null;
  mediaUrl: string | null;
  mediaRoot: string | null;
  database: Database | null;
  channels: boolean;
  daphne: boolean;
  whitenoise: boolean;
  staticfiles: boolean;
  /** STATIC_ROOT is assigned in the settings (even when its value cannot be read without Python). */
  staticRootAssigned: boolean;
  /** SQLite NAME of the default database, relative to the project (or absolute), when it can be read. */
  sqliteFile: string | null;
  /** The production settings module's file, relative to the project root. */
  settingsFile: string | null;
  /** Where STATIC_ROOT is assigned in a way that cannot be read without running Python (1-based line). */
  staticRootUnread: { file: string; line: number; expression: string } | null;
  /** django-compressor with COMPRESS_OFFLINE on: where the settings turn it on (1-based line). */
  compressOffline: { file: string; line: number } | null;
  redis: boolean;
  notes: string[];
}

const DEV_SETTINGS = /^(local|dev|develop|development|test|tests|testing|ci)$/;
const PROD_SETTINGS = ['production', 'prod', 'live', 'deploy'];

/** `a.b.c` → the file that defines it, relative to the project root, or null. */
/** A module (wsgi.py, or any module of a wsgi/ folder) assigning `<name> = get_wsgi_application()`, outside tests. */
function wsgiModuleElsewhere(files: ProjectFiles, importRoot: string): { target: string; file: string } | undefined {
  const prefix = importRoot === '.' ? '' : `${importRoot}/`;
  const candidates = files
    .under(importRoot)
    .filter((f) => f.endsWith('.py') && (f.endsWith('/wsgi.py') || f === 'wsgi.py' || /(?:^|\/)wsgi\/[^/]+\.py$/.test(f)))
    .filter((f) => !/(?:^|\/)(?:tests?|docs?|scripts|\.?devcontainer)\//.test(f.slice(prefix.length)))
    .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  for (const f of candidates) {
    for (const a of files.python(f)?.assignments ?? []) {
      const name = a.topLevel && a.op === '=' ? assignedNames(a)[0]?.name : undefined;
      if (!name || a.value?.kind !== 'call' || !/(?:^|\.)get_wsgi_application$/.test(dottedName(a.value.callee) ?? '')) continue;
      const module = f.slice(prefix.length).replace(/\.py$/, '').replace(/\/__init__$/, '').split('/').join('.');
      return { target: `${module}:${name}`, file: f };
    }
  }
  return undefined;
}

function moduleFile(files: ProjectFiles, pythonPath: string, module: string): string | null {
  const base = joinRel(pythonPath, module.replace(/\./g, '/'));
  if (files.has(base + '.py')) return base + '.py';
  if (files.has(base + '/__init__.py')) return base + '/__init__.py';
  return null;
}

export function findManagePy(files: ProjectFiles, root: string): string | null {
  const candidates = files.under(root).filter((f) => f === joinRel(root, 'manage.py') || f.endsWith('/manage.py'));
  candidates.sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  return candidates[0] ?? null;
}

export function analyseDjango(files: ProjectFiles, root: string): DjangoFacts {
  const notes: string[] = [];
  const rel = (p: string) => (root === '.' ? p : p.slice(root.length + 1));
  const manage = findManagePy(files, root);
  let pythonPath = manage ? dirOf(rel(manage)) : files.has(joinRel(root, 'src')) || files.under(joinRel(root, 'src')).length ? 'src' : '.';
  const at = (p: string) => joinRel(root, p);

  // Settings module: the default in wsgi.py (what production loads) beats manage.py's (what the laptop uses).
  const fromManage = manage ? settingsModuleDefault(files.python(manage) ?? parsePython('')) ?? null : null;
  let projectPackage = fromManage ? fromManage.split('.')[0] : null;
  if (!projectPackage) {
    // No manage.py default: the package that holds settings.py (or a settings/ package) and wsgi.py/asgi.py.
    const settingsFile = files.under(root).map(rel).find((f) => /(^|\/)[\w]+\/(settings\.py|settings\/__init__\.py)$/.test(f) && files.has(at(joinRel(dirOf(f).replace(/\/settings$/, ''), 'wsgi.py'))))
      ?? files.under(root).map(rel).find((f) => /(^|\/)[\w]+\/settings\.py$/.test(f));
    if (settingsFile) {
      const pkgDir = dirOf(settingsFile).replace(/\/settings$/, '');
      if (!manage) pythonPath = dirOf(pkgDir);
      projectPackage = pkgDir.split('/').pop() ?? null;
    }
  }
  const wsgiFile = projectPackage ? moduleFile(files, at(pythonPath), `${projectPackage}.wsgi`) : null;
  const asgiFile = projectPackage ? moduleFile(files, at(pythonPath), `${projectPackage}.asgi`) : null;
  const fromWsgi = wsgiFile ? settingsModuleDefault(files.python(wsgiFile) ?? parsePython('')) ?? null : null;
  let settingsModule = fromWsgi ?? fromManage;
  if (fromWsgi && fromManage && fromWsgi !== fromManage) notes.push(`settingsModule: ${fromWsgi} from ${projectPackage}/wsgi.py (manage.py uses ${fromManage} for development).`);
  if (!settingsModule && projectPackage) {
    if (moduleFile(files, at(pythonPath), `${projectPackage}.settings`)) {
      settingsModule = `${projectPackage}.settings`;
      notes.push(`settingsModule: no DJANGO_SETTINGS_MODULE default in manage.py or wsgi.py; using ${settingsModule}, the settings of package ${projectPackage}.`);
    }
  }
  // A development module of a split settings package: use its production sibling when there is one.
  if (settingsModule) {
    const parts = settingsModule.split('.');
    const last = parts[parts.length - 1];
    if (DEV_SETTINGS.test(last) && parts.length > 1) {
      const sibling = PROD_SETTINGS.map((p) => [...parts.slice(0, -1), p].join('.')).find((m) => moduleFile(files, at(pythonPath), m));
      if (sibling) {
        notes.push(`settingsModule: ${sibling} rather than ${settingsModule}, which is for development.`);
        settingsModule = sibling;
      } else notes.push(`settingsModule: ${settingsModule} looks like development settings and no production module was found beside it.`);
    }
    // A settings package whose __init__ only picks a module: name the production module if it has one.
    if (settingsModule && moduleFile(files, at(pythonPath), settingsModule)?.endsWith('/__init__.py')) {
      const prod = PROD_SETTINGS.map((p) => `${settingsModule}.${p}`).find((m) => moduleFile(files, at(pythonPath), m));
      if (prod) settingsModule = prod;
    }
  }
  const settingsFile = settingsModule ? moduleFile(files, at(pythonPath), settingsModule) : null;
  if (settingsModule && !settingsFile) notes.push(`settingsModule: ${settingsModule} is named but no file defines it.`);
  if (!settingsModule) notes.push('settingsModule: no DJANGO_SETTINGS_MODULE default in manage.py or wsgi.py and no settings.py found.');

  // Every assignment of the settings, following `from .base import *` (the importing module wins).
  const assignments = new Map<string, Setting>();
  const modules: PythonModule[] = [];
  if (settingsFile) {
    const tooDeep = collectSettings(files, at(pythonPath), settingsFile, assignments, modules, new Set(), 0);
    if (tooDeep) notes.push(`settings: a chain of star imports deeper than ${MAX_STAR_IMPORT_DEPTH} modules; the settings beyond it are not read.`);
  }
  // What the settings modules name, in string literals and in code (comments left out).
  const strings = new Set<string>();
  const words: string[] = [];
  for (const m of modules) {
    for (const t of m.tokens) {
      if (t.kind === 'string' && t.value !== undefined) {
        strings.add(t.value);
        words.push(t.value);
      } else if (t.kind === 'name') words.push(t.text);
    }
  }
  const all = words.join('\n');
  const evaluator = new PathEvaluator(assignments, root);

  const target = (name: string): string | null => {
    const a = assignments.get(name);
    const v = a ? stringValue(a.value) : undefined;
    if (!v) return null;
    const i = v.lastIndexOf('.');
    return i > 0 ? `${v.slice(0, i)}:${v.slice(i + 1)}` : null;
  };
  let wsgiTarget = target('WSGI_APPLICATION');
  const asgiTarget = target('ASGI_APPLICATION');
  if (!wsgiTarget && wsgiFile) {
    wsgiTarget = `${projectPackage}.wsgi:application`;
    if (settingsFile) notes.push(`appTarget: no WSGI_APPLICATION in the settings; using ${wsgiTarget} (${rel(wsgiFile)}).`);
  }
  if (!wsgiTarget) {
    // A WSGI module outside the settings package (kitsune's wsgi/app.py): the module that assigns
    // `application = get_wsgi_application()`, named by its path from the import root.
    const found = wsgiModuleElsewhere(files, at(pythonPath));
    if (found) {
      wsgiTarget = found.target;
      notes.push(`appTarget: no WSGI_APPLICATION in the settings; using ${found.target}, which ${found.file} assigns with get_wsgi_application().`);
    }
  }

  const str = (name: string): string | null => {
    const a = assignments.get(name);
    if (!a) return null;
    return evaluator.string(a.value);
  };
  const loc = (name: string): string | null => {
    const a = assignments.get(name);
    if (!a) return null;
    const v = evaluator.location(a.value, a.file);
    if (v === null) notes.push(`${name === 'STATIC_ROOT' ? 'staticRoot' : 'mediaRoot'}: ${name} = ${exprText(a).slice(0, 60)} could not be read without running Python.`);
    return v;
  };
  const staticRoot = loc('STATIC_ROOT');
  const mediaRoot = loc('MEDIA_ROOT');
  const staticfiles = strings.has('django.contrib.staticfiles');
  if (!assignments.has('STATIC_ROOT') && settingsFile && staticfiles) notes.push('staticRoot: STATIC_ROOT is not set: collectstatic has nowhere to copy the static files.');
  if (!assignments.has('MEDIA_ROOT') && settingsFile) notes.push('mediaRoot: MEDIA_ROOT is not set.');

  const staticAssignment = assignments.get('STATIC_ROOT');
  const staticRootUnread = staticAssignment && staticRoot === null
    ? { file: rel(staticAssignment.file), line: staticAssignment.line + 1, expression: exprText(staticAssignment).replace(/\s+/g, ' ').slice(0, 120) }
    : null;

  return {
    managePy: manage ? rel(manage) : null,
    pythonPath,
    settingsModule,
    projectPackage,
    wsgiTarget,
    asgiTarget,
    wsgiModule: wsgiTarget ? wsgiTarget.split(':')[0] : null,
    asgiModule: asgiTarget ? asgiTarget.split(':')[0] : asgiFile ? `${projectPackage}.asgi` : null,
    asgiSetting: asgiTarget !== null,
    staticUrl: str('STATIC_URL'),
    staticRoot,
    mediaUrl: str('MEDIA_URL'),
    mediaRoot,
    database: databaseOf(assignments.get('DATABASES')?.value ?? null, [...strings].join('\n')),
    channels: strings.has('channels'),
    daphne: strings.has('daphne'),
    whitenoise: /whitenoise/.test(all),
    staticfiles,
    staticRootAssigned: assignments.has('STATIC_ROOT'),
    sqliteFile: sqliteFileOf(assignments.get('DATABASES'), evaluator),
    redis: /redis:\/\/|django_redis|channels_redis|RedisCache/.test(all),
    settingsFile: settingsFile ? rel(settingsFile) : null,
    staticRootUnread,
    compressOffline: compressOfflineOf(assignments, strings, evaluator, rel),
    notes,
  };
}

/** Settings split over modules (`from .base import *`) are a few levels deep; a chain of thousands is hostile. */
const MAX_STAR_IMPORT_DEPTH = 64;

/** A module-level setting: its value as the reader parsed it, and the file and module that assign it. */
interface Setting {
  value: PyNode | undefined;
  file: string;
  mod: PythonModule;
  /** 0-based line of the assignment. */
  line: number;
}

/** The source text of a setting's value, for notes. */
function exprText(s: Setting): string {
  return s.value ? textOf(s.mod, s.value.range) : '';
}

/** Returns true when a star-import chain was cut at MAX_STAR_IMPORT_DEPTH (no stack overflow, said in a note). */
function collectSettings(
  files: ProjectFiles, importRoot: string, file: string, into: Map<string, Setting>, modules: PythonModule[], seen: Set<string>, depth: number,
): boolean {
  if (seen.has(file)) return false;
  if (depth >= MAX_STAR_IMPORT_DEPTH) return true;
  seen.add(file);
  const mod = files.python(file);
  if (!mod) return false;
  let cut = false;
  modules.push(mod);
  const pkg = path.posix.relative(importRoot === '.' ? '' : importRoot, dirOf(file)).replace(/\//g, '.');
  // Module-level star imports and assignments in source order: a later one overrides an earlier one.
  const steps: Array<{ line: number; character: number; run: () => void }> = [];
  for (const i of mod.imports) {
    if (!i.topLevel || i.names.length !== 1 || i.names[0] !== '*' || !i.module) continue;
    steps.push({ ...i.range.start, run: () => {
      let abs: string;
      if (i.module.startsWith('.')) {
        const dots = /^\.+/.exec(i.module)![0].length;
        const up = pkg.split('.').slice(0, pkg.split('.').length - (dots - 1));
        abs = [...up, i.module.slice(dots)].filter(Boolean).join('.');
      } else abs = i.module;
      const f = moduleFile(files, importRoot, abs);
      if (f && collectSettings(files, importRoot, f, into, modules, seen, depth + 1)) cut = true;
    } });
  }
  for (const a of mod.assignments) {
    if (!a.topLevel || a.op !== '=') continue;
    const names = assignedNames(a);
    if (names.length) steps.push({ ...a.range.start, run: () => { for (const n of names) into.set(n.name, { value: a.value, file, mod, line: a.range.start.line }); } });
  }
  steps.sort((x, y) => x.line - y.line || x.character - y.character);
  for (const s of steps) s.run();
  return cut;
}

/**
 * Where django-compressor's offline compression is turned on: `compressor` installed and COMPRESS_OFFLINE
 * True (literally, or as the default of an environment read), COMPRESS_ENABLED not literally False (then
 * `manage.py compress` refuses to run). Null when the settings do not say so plainly.
 */
function compressOfflineOf(assignments: Map<string, Setting>, strings: Set<string>, evaluator: PathEvaluator, rel: (p: string) => string): { file: string; line: number } | null {
  const offline = assignments.get('COMPRESS_OFFLINE');
  if (!offline || !strings.has('compressor')) return null;
  const isConst = (node: PyNode | undefined, value: 'True' | 'False') => node?.kind === 'const' && node.value === value;
  const v = offline.value;
  const env = v?.kind === 'call' ? evaluator.envDefaultOf(v) : undefined;
  const truthy = isConst(v, 'True') || /^(?:true|1|yes|on)$/i.test(evaluator.string(v) ?? '') || isConst(env, 'True');
  if (!truthy) return null;
  const enabled = assignments.get('COMPRESS_ENABLED');
  if (enabled && isConst(enabled.value, 'False')) return null;
  return { file: rel(offline.file), line: offline.line + 1 };
}

/** The NAME of an SQLite database in DATABASES, e.g. `BASE_DIR / 'db.sqlite3'` → `db.sqlite3`. */
function sqliteFileOf(databases: Setting | undefined, evaluator: PathEvaluator): string | null {
  if (!databases?.value || !stringsIn(databases.value).some((s) => s.includes('sqlite3'))) return null;
  const name = firstEntry(databases.value, 'NAME');
  return name ? evaluator.location(name, databases.file) : null;
}

function databaseOf(value: PyNode | null | undefined, allStrings: string): Database | null {
  const fromEngine = (t: string): Database | null => {
    if (/django\.db\.backends\.(postgresql|postgresql_psycopg2)|contrib\.gis\.db\.backends\.postgis|postgres(ql)?:\/\//.test(t)) return 'postgresql';
    if (/django\.db\.backends\.mysql|mysql:\/\/|mariadb/.test(t)) return 'mysql';
    if (/django\.db\.backends\.sqlite3|sqlite:\/\//.test(t)) return 'sqlite';
    return null;
  };
  if (value === null) return fromEngine(allStrings);
  return value ? fromEngine(stringsIn(value).join('\n')) : null;
}

/** Children of a node, in source order. */
function childrenOf(n: PyNode): PyNode[] {
  switch (n.kind) {
    case 'call':
      return [n.callee, ...n.args.map((a) => a.value)];
    case 'attribute':
      return [n.object];
    case 'subscript':
      return [n.object, n.index];
    case 'list':
    case 'tuple':
    case 'set':
      return n.items;
    case 'dict':
      return n.entries.flatMap((e) => (e.key ? [e.key, e.value] : [e.value]));
    case 'op':
      return n.parts;
    case 'starred':
      return [n.value];
    case 'other':
      return n.children;
    default:
      return [];
  }
}

/** Every string literal's value in an expression (f-strings too), in source order. */
function stringsIn(node: PyNode): string[] {
  const out: string[] = [];
  const todo = [node];
  while (todo.length) {
    const n = todo.pop()!;
    if (n.kind === 'string') out.push(n.value);
    else todo.push(...childrenOf(n).reverse());
  }
  return out;
}

/** The value of the first dict entry keyed by the string `key`, anywhere in an expression. */
function firstEntry(node: PyNode, key: string): PyNode | undefined {
  const todo = [node];
  while (todo.length) {
    const n = todo.pop()!;
    if (n.kind === 'dict') {
      const e = n.entries.find((x) => stringValue(x.key) === key);
      if (e) return e.value;
    }
    todo.push(...childrenOf(n).reverse());
  }
  return undefined;
}

type Loc = { abs: boolean; path: string; fromEnv?: boolean };
type Call = Extract<PyNode, { kind: 'call' }>;

const ENV_READERS = /^(env(\.\w+)?|os\.environ\.get|os\.getenv|config|environ\.get)$/;
const SAME_PATH = /^(str|Path|pathlib\.Path|os\.fspath|os\.path\.abspath|os\.path\.realpath|os\.path\.normpath|environ\.Path)$/;

/** The values of a call's arguments when all are positional. */
function positional(call: Call): PyNode[] | undefined {
  return call.args.every((a) => !a.name && !a.star) ? call.args.map((a) => a.value) : undefined;
}

/** Evaluates the path expressions Django settings use (`BASE_DIR / "x"`, `os.path.join(...)`) to a folder. */
class PathEvaluator {
  constructor(
    private readonly vars: Map<string, Setting>,
    private readonly root: string,
  ) {}

  /** A location relative to the project root (POSIX), or an absolute path; null when unknown. */
  location(node: PyNode | undefined, file: string): string | null {
    const loc = this.eval(node, file, 0);
    if (!loc) return null;
    if (loc.abs) return loc.path;
    const r = path.posix.relative(this.root === '.' ? '' : this.root, loc.path);
    return r === '' ? '.' : r;
  }

  string(node: PyNode | undefined): string | null {
    const lit = literal(node);
    if (lit !== undefined) return lit;
    const env = node?.kind === 'call' ? this.envDefault(node) : undefined;
    return literal(env) ?? null;
  }

  /** The default of an environment read (`env.bool("X", default=True)` → `True`), if any. */
  envDefaultOf(call: Call): PyNode | undefined {
    return this.envDefault(call);
  }

  /** `env("X", default=...)`, `os.environ.get("X", ...)`: the default's expression. */
  private envDefault(call: Call): PyNode | undefined {
    if (!ENV_READERS.test(dottedName(call.callee) ?? '') || !call.args.length) return undefined;
    const second = call.args[1];
    return keywordArg(call, 'default')?.value ?? (second && !second.name && !second.star ? second.value : undefined);
  }

  private eval(node: PyNode | undefined, file: string, depth: number): Loc | null {
    if (!node || depth > 20) return null;
    const lit = literal(node);
    if (lit !== undefined) return lit.startsWith('/') ? { abs: true, path: path.posix.normalize(lit) } : { abs: false, path: norm(joinRel(this.root, lit)) };
    switch (node.kind) {
      case 'name': {
        if (node.name === '__file__') return { abs: false, path: file };
        const v = this.vars.get(node.name);
        return v ? this.eval(v.value, v.file, depth + 1) : null;
      }
      case 'op': {
        // BASE_DIR / "static" / "x"
        if (node.ops.every((o) => o === '/') && node.parts.length > 1) return this.joinAll(this.eval(node.parts[0], file, depth + 1), node.parts.slice(1));
        // environ.Path(__file__) - 3
        if (node.ops.every((o) => o === '-') && node.parts.length > 1 && node.parts.slice(1).every((p) => p.kind === 'number' && /^\d+$/.test(p.text))) {
          const base = this.eval(node.parts[0], file, depth + 1);
          const n = node.parts.slice(1).reduce((sum, p) => sum + Number(p.kind === 'number' ? p.text : 0), 0);
          return base ? up(base, n) : null;
        }
        return null;
      }
      case 'attribute':
        // X.parent
        if (node.name !== 'parent') return null;
        return this.upFrom(this.eval(node.object, file, depth + 1), 1);
      case 'subscript':
        // X.parents[2]
        if (node.object.kind !== 'attribute' || node.object.name !== 'parents' || node.index.kind !== 'number' || !/^\d+$/.test(node.index.text)) return null;
        return this.upFrom(this.eval(node.object.object, file, depth + 1), Number(node.index.text) + 1);
      case 'call':
        return this.evalCall(node, file, depth);
      default:
        return null;
    }
  }

  private evalCall(call: Call, file: string, depth: number): Loc | null {
    const args = positional(call);
    const callee = call.callee;
    // X.resolve(), X.absolute(), X.expanduser(), X.joinpath("a", "b")
    if (callee.kind === 'attribute') {
      const method = callee.name;
      if (method === 'resolve' || ((method === 'absolute' || method === 'expanduser') && call.args.length === 0)) return this.eval(callee.object, file, depth + 1);
      if (method === 'joinpath' && args) return this.joinAll(this.eval(callee.object, file, depth + 1), args);
    }
    const name = dottedName(callee) ?? '';
    if (SAME_PATH.test(name) && args?.length === 1) return this.eval(args[0], file, depth + 1);
    if (name === 'os.path.dirname' && args?.length === 1) return this.upFrom(this.eval(args[0], file, depth + 1), 1);
    if (name === 'os.path.join' && args && args.length >= 1) return this.joinAll(this.eval(args[0], file, depth + 1), args.slice(1));
    const env = this.envDefault(call);
    if (env !== undefined) {
      const v = this.eval(env, file, depth + 1);
      return v ? { ...v, fromEnv: true } : null;
    }
    // ROOT_DIR("staticfiles") with django-environ's Path
    const v = this.vars.get(name);
    if (v && args && args.every((a) => literal(a) !== undefined)) return this.joinAll(this.eval(v.value, v.file, depth + 1), args);
    return null;
  }

  private joinAll(base: Loc | null, parts: PyNode[]): Loc | null {
    for (const p of parts) {
      const s = literal(p);
      if (!base || s === undefined) return null;
      base = join(base, s);
    }
    return base;
  }

  private upFrom(base: Loc | null, n: number): Loc | null {
    return base ? up(base, n) : null;
  }
}

/** A plain string literal's value (no f-string, no bytes). */
function literal(node: PyNode | undefined): string | undefined {
  return node?.kind === 'string' && !node.bytes ? stringValue(node) : undefined;
}

function norm(p: string): string {
  const n = path.posix.normalize(p);
  return n === '' ? '.' : n.replace(/\/$/, '');
}

function join(base: Loc, s: string): Loc {
  if (s.startsWith('/')) return { abs: true, path: norm(s) };
  return { ...base, path: norm(base.abs ? path.posix.join(base.path, s) : joinRel(base.path, s)) };
}

function up(base: Loc, n: number): Loc {
  let p = base.path;
  for (let i = 0; i < n; i++) p = base.abs ? path.posix.dirname(p) : p === '.' ? '..' : p.startsWith('..') ? `../${p}` : dirOf(p);
  return { ...base, path: p };
}
