// Django: settings module (split settings too), WSGI/ASGI application, static and media paths, database.
import * as path from 'path';
import type { Database } from './types';
import { ProjectFiles, dirOf, joinRel } from './files';
import { asCall, keywordArg, splitTopLevel, stringLiteral, topLevelStatements } from './pysource';

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
  redis: boolean;
  notes: string[];
}

const DEV_SETTINGS = /^(local|dev|develop|development|test|tests|testing|ci)$/;
const PROD_SETTINGS = ['production', 'prod', 'live', 'deploy'];
// os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x") or os.environ["DJANGO_SETTINGS_MODULE"] = "x"
const SETTINGS_DEFAULT = /DJANGO_SETTINGS_MODULE['"]\s*(?:,|\]\s*=)\s*['"]([\w.]+)['"]/;

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
    for (const st of topLevelStatements(files.read(f) ?? '')) {
      const call = st.name ? asCall(st.text) : null;
      if (!call || !/(?:^|\.)get_wsgi_application$/.test(call.callee)) continue;
      const module = f.slice(prefix.length).replace(/\.py$/, '').replace(/\/__init__$/, '').split('/').join('.');
      return { target: `${module}:${st.name}`, file: f };
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
  const fromManage = manage ? SETTINGS_DEFAULT.exec(files.read(manage) ?? '')?.[1] ?? null : null;
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
  const fromWsgi = wsgiFile ? SETTINGS_DEFAULT.exec(files.read(wsgiFile) ?? '')?.[1] ?? null : null;
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
  const assignments = new Map<string, { expr: string; file: string }>();
  const texts: string[] = [];
  if (settingsFile) {
    const tooDeep = collectSettings(files, at(pythonPath), settingsFile, assignments, texts, new Set(), 0);
    if (tooDeep) notes.push(`settings: a chain of star imports deeper than ${MAX_STAR_IMPORT_DEPTH} modules; the settings beyond it are not read.`);
  }
  const all = texts.join('\n');
  const evaluator = new PathEvaluator(assignments, root);

  const target = (name: string): string | null => {
    const a = assignments.get(name);
    const v = a ? stringLiteral(a.expr) : null;
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
    return evaluator.string(a.expr);
  };
  const loc = (name: string): string | null => {
    const a = assignments.get(name);
    if (!a) return null;
    const v = evaluator.location(a.expr, a.file);
    if (v === null) notes.push(`${name === 'STATIC_ROOT' ? 'staticRoot' : 'mediaRoot'}: ${name} = ${a.expr.slice(0, 60)} could not be read without running Python.`);
    return v;
  };
  const staticRoot = loc('STATIC_ROOT');
  const mediaRoot = loc('MEDIA_ROOT');
  const staticfiles = /['"]django\.contrib\.staticfiles['"]/.test(all);
  if (!assignments.has('STATIC_ROOT') && settingsFile && staticfiles) notes.push('staticRoot: STATIC_ROOT is not set: collectstatic has nowhere to copy the static files.');
  if (!assignments.has('MEDIA_ROOT') && settingsFile) notes.push('mediaRoot: MEDIA_ROOT is not set.');

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
    database: databaseOf(assignments.get('DATABASES')?.expr ?? null, all),
    channels: /['"]channels['"]/.test(all),
    daphne: /['"]daphne['"]/.test(all),
    whitenoise: /whitenoise/.test(all),
    staticfiles,
    staticRootAssigned: assignments.has('STATIC_ROOT'),
    sqliteFile: sqliteFileOf(assignments.get('DATABASES'), evaluator),
    redis: /redis:\/\/|django_redis|channels_redis|RedisCache/.test(all),
    notes,
  };
}

/** Settings split over modules (`from .base import *`) are a few levels deep; a chain of thousands is hostile. */
const MAX_STAR_IMPORT_DEPTH = 64;

/** Returns true when a star-import chain was cut at MAX_STAR_IMPORT_DEPTH (no stack overflow, said in a note). */
function collectSettings(
  files: ProjectFiles, importRoot: string, file: string, into: Map<string, { expr: string; file: string }>, texts: string[], seen: Set<string>, depth: number,
): boolean {
  if (seen.has(file)) return false;
  if (depth >= MAX_STAR_IMPORT_DEPTH) return true;
  seen.add(file);
  const text = files.read(file);
  if (text === null) return false;
  let cut = false;
  texts.push(text);
  const pkg = path.posix.relative(importRoot === '.' ? '' : importRoot, dirOf(file)).replace(/\//g, '.');
  for (const s of topLevelStatements(text)) {
    const star = /^from\s+([\w.]+)\s+import\s+\*/.exec(s.text);
    if (!s.name && star) {
      const mod = star[1];
      let abs: string;
      if (mod.startsWith('.')) {
        const dots = /^\.+/.exec(mod)![0].length;
        const up = pkg.split('.').slice(0, pkg.split('.').length - (dots - 1));
        abs = [...up, mod.slice(dots)].filter(Boolean).join('.');
      } else abs = mod;
      const f = moduleFile(files, importRoot, abs);
      if (f && collectSettings(files, importRoot, f, into, texts, seen, depth + 1)) cut = true;
      continue;
    }
    if (s.name) into.set(s.name, { expr: s.text, file });
  }
  return cut;
}

/** The NAME of an SQLite database in DATABASES, e.g. `BASE_DIR / 'db.sqlite3'` → `db.sqlite3`. */
function sqliteFileOf(databases: { expr: string; file: string } | undefined, evaluator: PathEvaluator): string | null {
  if (!databases || !/sqlite3/.test(databases.expr)) return null;
  const m = /['"]NAME['"]\s*:\s*([^,\n}]+)/.exec(databases.expr);
  return m ? evaluator.location(m[1].trim(), databases.file) : null;
}

function databaseOf(expr: string | null, all: string): Database | null {
  const text = expr ?? '';
  const fromEngine = (t: string): Database | null => {
    if (/django\.db\.backends\.(postgresql|postgresql_psycopg2)|contrib\.gis\.db\.backends\.postgis|postgres(ql)?:\/\//.test(t)) return 'postgresql';
    if (/django\.db\.backends\.mysql|mysql:\/\/|mariadb/.test(t)) return 'mysql';
    if (/django\.db\.backends\.sqlite3|sqlite:\/\//.test(t)) return 'sqlite';
    return null;
  };
  return fromEngine(text) ?? (expr === null ? fromEngine(all) : null);
}

type Loc = { abs: boolean; path: string; fromEnv?: boolean };

/** Evaluates the path expressions Django settings use (`BASE_DIR / "x"`, `os.path.join(...)`) to a folder. */
class PathEvaluator {
  constructor(
    private readonly vars: Map<string, { expr: string; file: string }>,
    private readonly root: string,
  ) {}

  /** A location relative to the project root (POSIX), or an absolute path; null when unknown. */
  location(expr: string, file: string): string | null {
    const loc = this.eval(expr, file, 0);
    if (!loc) return null;
    if (loc.abs) return loc.path;
    const r = path.posix.relative(this.root === '.' ? '' : this.root, loc.path);
    return r === '' ? '.' : r;
  }

  string(expr: string): string | null {
    const lit = stringLiteral(expr);
    if (lit !== null) return lit;
    const env = this.envDefault(expr);
    return env !== undefined ? stringLiteral(env) : null;
  }

  private envDefault(expr: string): string | undefined {
    const call = asCall(expr);
    if (!call) return undefined;
    if (/^(env(\.\w+)?|os\.environ\.get|os\.getenv|config|environ\.get)$/.test(call.callee) && call.args.length) {
      return keywordArg(call.args, 'default') ?? (call.args[1] && !call.args[1].includes('=') ? call.args[1] : undefined);
    }
    return undefined;
  }

  private eval(raw: string, file: string, depth: number): Loc | null {
    if (depth > 20) return null;
    let expr = raw.trim();
    while (/^\(([\s\S]*)\)$/.test(expr) && asCall('f' + expr)) expr = expr.slice(1, -1).trim();
    const lit = stringLiteral(expr);
    if (lit !== null) return lit.startsWith('/') ? { abs: true, path: path.posix.normalize(lit) } : { abs: false, path: norm(joinRel(this.root, lit)) };
    if (expr === '__file__') return { abs: false, path: file };
    // BASE_DIR / "static" / "x"
    const slash = splitTopLevel(expr, '/');
    if (slash.length > 1) {
      let base = this.eval(slash[0], file, depth + 1);
      for (const part of slash.slice(1)) {
        const s = stringLiteral(part);
        if (!base || s === null) return null;
        base = join(base, s);
      }
      return base;
    }
    // environ.Path(__file__) - 3
    const minus = /^([\s\S]+?)\s*-\s*(\d+)$/.exec(expr);
    if (minus) {
      const base = this.eval(minus[1], file, depth + 1);
      return base ? up(base, Number(minus[2])) : null;
    }
    // X.parent, X.parents[2], X.resolve(), X.absolute()
    const attr = /^([\s\S]+)\.(parent|parents\[(\d+)\]|resolve\([^()]*\)|absolute\(\)|expanduser\(\))$/.exec(expr);
    if (attr) {
      const base = this.eval(attr[1], file, depth + 1);
      if (!base) return null;
      if (attr[2] === 'parent') return up(base, 1);
      if (attr[3] !== undefined) return up(base, Number(attr[3]) + 1);
      return base;
    }
    const joinpath = /^([\s\S]+)\.joinpath\(([\s\S]*)\)$/.exec(expr);
    if (joinpath) {
      let base = this.eval(joinpath[1], file, depth + 1);
      for (const a of splitTopLevel(joinpath[2], ',')) {
        const s = stringLiteral(a);
        if (!base || s === null) return null;
        base = join(base, s);
      }
      return base;
    }
    const call = asCall(expr);
    if (call) {
      const { callee, args } = call;
      if (/^(str|Path|pathlib\.Path|os\.fspath|os\.path\.abspath|os\.path\.realpath|os\.path\.normpath|environ\.Path)$/.test(callee) && args.length === 1) {
        return this.eval(args[0], file, depth + 1);
      }
      if (callee === 'os.path.dirname' && args.length === 1) {
        const base = this.eval(args[0], file, depth + 1);
        return base ? up(base, 1) : null;
      }
      if (callee === 'os.path.join' && args.length >= 1) {
        let base = this.eval(args[0], file, depth + 1);
        for (const a of args.slice(1)) {
          const s = stringLiteral(a);
          if (!base || s === null) return null;
          base = join(base, s);
        }
        return base;
      }
      const env = this.envDefault(expr);
      if (env !== undefined) {
        const v = this.eval(env, file, depth + 1);
        return v ? { ...v, fromEnv: true } : null;
      }
      // ROOT_DIR("staticfiles") with django-environ's Path
      const v = this.vars.get(callee);
      if (v && args.every((a) => stringLiteral(a) !== null)) {
        let base = this.eval(v.expr, v.file, depth + 1);
        for (const a of args) base = base ? join(base, stringLiteral(a)!) : null;
        return base;
      }
      return null;
    }
    if (/^[A-Za-z_]\w*$/.test(expr)) {
      const v = this.vars.get(expr);
      return v ? this.eval(v.expr, v.file, depth + 1) : null;
    }
    return null;
  }
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
