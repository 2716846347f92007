// Flask configuration: the classes and modules an app loads with `app.config.from_object(...)` /
// `from_pyfile(...)`, and which of them production runs. A config module usually holds a shared base
// (`Config`), a `DevelopmentConfig`, a `TestingConfig` and a `ProductionConfig`: only production's
// values matter to the deploy rules, and a base value matters only where a production class inherits it
// (a value production overrides is never used there). Read with the shared Python reader (parse/python.ts);
// classes are found from its tokens, so the reader itself stays as it is.
import { basename, dirname, normalizePath } from './classify';
import { plainEnvRead } from '../project/envVars';
import { envVars, type EnvVar } from './env';
import { ParseError, type LintFile } from './file';
import { dottedName, pythonModuleOf, stringValue, type PyAssignment, type PyNode, type PythonModule } from './parse/python';
import type { WorkspaceView } from './rule';
import type { Range, RelatedInformation } from './types';

export interface ConfigClass {
  file: LintFile;
  name: string;
  nameRange: Range;
  /** Base classes as written (dotted names; the last part names the class). */
  bases: string[];
  /** Upper-case attributes assigned in the class body (the last assignment of each). */
  values: Map<string, PyAssignment>;
  /** Upper-case names defined as methods or properties (`@property def SECRET_KEY(self)`): they override a base's value too. */
  methods: Set<string>;
}

/** Why a class or module is judged production: shown as the finding's related information. */
export interface ProductionReason {
  message: string;
  file: string;
  range: Range;
}

/** A config value production uses, and why production uses it. */
export interface ProductionValue {
  assignment: PyAssignment;
  /** The class that holds it (undefined: a module-level value of a loaded config module). */
  owner?: ConfigClass;
  /** The production class that uses it (itself or a subclass). */
  user?: ConfigClass;
  related: RelatedInformation[];
}

const UPPER = /^[A-Z][A-Z0-9_]*$/;
/** Words in a class name that mark development, test or local configurations. */
const DEV_WORDS = new Set(['dev', 'develop', 'development', 'test', 'tests', 'testing', 'local', 'debug', 'ci', 'e2e', 'example', 'sample']);
const PROD_WORDS = new Set(['prod', 'production', 'prd', 'live']);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_.-]+/)
    .filter(Boolean);
}

export function isDevelopmentName(name: string): boolean {
  return words(name).some((w) => DEV_WORDS.has(w));
}

export function isProductionName(name: string): boolean {
  return words(name).some((w) => PROD_WORDS.has(w));
}

function moduleOf(file: LintFile): PythonModule | undefined {
  try {
    return file.parse(pythonModuleOf);
  } catch (e) {
    if (e instanceof ParseError) return undefined;
    throw e;
  }
}

function readClasses(file: LintFile): ConfigClass[] {
  const mod = moduleOf(file);
  if (!mod) return [];
  const toks = mod.tokens.filter((t) => t.kind !== 'comment');
  type Header = { cls: ConfigClass; indent: number; line: number; end: number };
  const headers: Header[] = [];
  const open: Header[] = [];
  let lineStart = true;
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.kind === 'newline') {
      lineStart = true;
      continue;
    }
    if (!lineStart) continue;
    lineStart = false;
    // A statement starting at or left of a class's indentation ends that class's body.
    while (open.length && t.character <= open[open.length - 1].indent && t.line > open[open.length - 1].line) open.pop()!.end = t.line;
    if (t.kind === 'name' && t.text === 'def' && toks[k + 1]?.kind === 'name' && UPPER.test(toks[k + 1].text)) {
      const owner = open[open.length - 1];
      if (owner && t.character > owner.indent) owner.cls.methods.add(toks[k + 1].text);
      continue;
    }
    if (t.kind !== 'name' || t.text !== 'class' || toks[k + 1]?.kind !== 'name') continue;
    const nameTok = toks[k + 1];
    const bases: string[] = [];
    if (toks[k + 2]?.text === '(') {
      let depth = 0;
      let current = '';
      let keyword = false;
      for (let j = k + 2; j < toks.length && toks[j].kind !== 'newline'; j++) {
        const x = toks[j];
        if (x.text === '(' || x.text === '[' || x.text === '{') depth++;
        if (x.text === ')' || x.text === ']' || x.text === '}') depth--;
        if (depth === 1 && x.kind === 'name' && !keyword) current += x.text;
        else if (depth === 1 && x.text === '.' && current) current += '.';
        else if (depth === 1 && x.text === '=') keyword = true;
        if ((depth === 1 && x.text === ',') || depth === 0) {
          if (current && !keyword) bases.push(current);
          current = '';
          keyword = false;
          if (depth === 0) break;
        }
      }
    }
    const h: Header = { cls: { file, name: nameTok.text, nameRange: nameTok.range, bases, values: new Map(), methods: new Set() }, indent: t.character, line: t.line, end: Number.MAX_SAFE_INTEGER };
    headers.push(h);
    open.push(h);
  }
  for (const a of mod.assignments) {
    if (!a.inClass || a.inFunction || a.op === ':' || !a.value) continue;
    const line = a.range.start.line;
    let owner: Header | undefined;
    for (const h of headers) if (h.line < line && line < h.end && a.indent > h.indent && (!owner || h.indent > owner.indent)) owner = h;
    if (!owner) continue;
    for (const t of a.targets) if (t.kind === 'name' && UPPER.test(t.name)) owner.cls.values.set(t.name, a);
  }
  return headers.map((h) => h.cls);
}

/** The classes of a file, with their upper-case attributes. */
export function configClasses(file: LintFile): ConfigClass[] {
  try {
    return file.parse(readClasses);
  } catch (e) {
    if (e instanceof ParseError) return [];
    throw e;
  }
}

// --- where the app loads its configuration ------------------------------------------------------------

/** One `app.config.from_object(...)` / `from_pyfile(...)` call. */
export interface ConfigLoad {
  file: LintFile;
  range: Range;
  line: number;
  method: string;
  /** What it loads, when that is fixed in the code: a class, or a whole module. */
  target?: { file: LintFile; className?: string };
  /** The argument is a parameter's default (create_app(config_class=Config)): loaded unless a caller passes another. */
  viaDefault?: string;
  /** Passed to the factory that loads it: `create_app(ProductionConfig)`. */
  viaCall?: string;
  /**
   * Chosen by an environment variable a production deploy file sets (`from_object(os.getenv("APP_SETTINGS"))`
   * with APP_SETTINGS=project.config.ProductionConfig in the Kubernetes manifest): `APP_SETTINGS=…`. Such a
   * load is what production runs, whatever the class is called.
   */
  viaEnv?: string;
  /** The loader call itself (for a load through a factory's caller, the factory's from_object). */
  loader: { file: LintFile; line: number };
  /** For a load chosen at run time from a mapping (`from_object(config[name])`): the module the mapping comes from. */
  module?: LintFile;
}


function slashes(p: string): string {
  return normalizePath(p);
}

function pythonFiles(ws: WorkspaceView): LintFile[] {
  return [...ws.files('flask-config'), ...ws.files('python-app')];
}

/** The workspace file of a dotted module (`project.config`), or of a relative one from `from`. */
function resolveModule(ws: WorkspaceView, module: string, from?: LintFile): LintFile | undefined {
  const dots = /^\.*/.exec(module)![0].length;
  const rest = module.slice(dots).split('.').filter(Boolean).join('/');
  if (dots > 0 && from) {
    const parts = slashes(from.path).split('/');
    parts.pop();
    for (let i = 1; i < dots; i++) parts.pop();
    const dir = parts.join('/');
    const prefix = dir ? `${dir}/` : '';
    return ws.get(`${prefix}${rest}.py`) ?? ws.get(`${prefix}${rest}/__init__.py`);
  }
  if (!rest) return undefined;
  const found = pythonFiles(ws).filter((f) => {
    const p = slashes(f.path);
    return p === `${rest}.py` || p.endsWith(`/${rest}.py`) || p === `${rest}/__init__.py` || p.endsWith(`/${rest}/__init__.py`);
  });
  if (found.length <= 1 || !from) return found.length === 1 ? found[0] : undefined;
  // Several (a vendored copy of the app under third_party/, a monorepo): the one whose import root is a
  // folder above the importing file, the nearest such root when there are several.
  const dir = slashes(dirname(from.path));
  let best: { f: LintFile; root: string } | undefined;
  for (const f of found) {
    const p = slashes(f.path);
    const suffix = p.endsWith(`/${rest}/__init__.py`) || p === `${rest}/__init__.py` ? `${rest}/__init__.py` : `${rest}.py`;
    const root = p.slice(0, p.length - suffix.length).replace(/\/$/, '');
    const above = root === '' || root === '.' || dir === root || dir.startsWith(`${root}/`);
    if (above && (!best || root.length > best.root.length)) best = { f, root };
  }
  return best?.f;
}

/** A dotted name `pkg.config.ProductionConfig` or `config`: a module, or a class in a module. */
function resolveDotted(ws: WorkspaceView, dotted: string, from: LintFile): ConfigLoad['target'] {
  const parts = dotted.split('.');
  const whole = resolveModule(ws, dotted, from);
  if (whole) return { file: whole };
  if (parts.length < 2) return undefined;
  const mod = resolveModule(ws, parts.slice(0, -1).join('.'), from);
  return mod ? { file: mod, className: parts[parts.length - 1] } : undefined;
}

/** What a name means in a file: a class defined there, or something imported. */
function resolveName(ws: WorkspaceView, file: LintFile, mod: PythonModule, name: string): ConfigLoad['target'] {
  if (configClasses(file).some((c) => c.name === name)) return { file, className: name };
  for (const i of mod.imports) {
    if (i.names.includes(name)) {
      const asModule = resolveModule(ws, i.module.endsWith('.') ? `${i.module}${name}` : `${i.module}.${name}`, file);
      if (asModule) return { file: asModule };
      const m = resolveModule(ws, i.module, file);
      return m ? { file: m, className: name } : undefined;
    }
    if (i.names.length === 0 && (i.module === name || i.module.endsWith(`.${name}`))) {
      const m = resolveModule(ws, i.module, file);
      return m ? { file: m } : undefined;
    }
  }
  return undefined;
}

/** The function a line is in (the last `def` above it): its name, its parameters in order, and their defaults as written. */
function enclosingDef(mod: PythonModule, line: number): { name: string; params: string[]; defaults: Map<string, PyNode> } | undefined {
  // The last `def` that starts before the line (the reader keeps no function ends: a call after a
  // function's body at module level is not a factory's load, and takes no parameter of it either).
  let last: PythonModule['functions'][number] | undefined;
  for (const f of mod.functions) if (f.nameRange.start.line <= line) last = f;
  if (!last) return undefined;
  const params = last.params.filter((p) => p.name !== 'self' && p.name !== 'cls').map((p) => p.name);
  const defaults = new Map<string, PyNode>();
  for (const p of last.params) if (p.default) defaults.set(p.name, p.default);
  return { name: last.name, params, defaults };
}


/** A parameter default as written (`Config`, `"pkg.config.Config"`, `config.ProdConfig`) as a node. */
type Target = NonNullable<ConfigLoad['target']>;

/** What a loader's argument names: a class, a module, or nothing fixed. */
function resolveArg(ws: WorkspaceView, file: LintFile, mod: PythonModule, node: PyNode, method: string): Target | undefined {
  const s = stringValue(node);
  if (method === 'from_pyfile') {
    if (s === undefined) return undefined;
    const rel = slashes(s).replace(/^\.\//, '');
    const candidates = ws.complete ? pythonFiles(ws).filter((f) => slashes(f.path).endsWith(`/${rel}`) || slashes(f.path) === rel) : [];
    const here = candidates.find((f) => slashes(dirname(f.path)) === slashes(dirname(file.path)) || /(^|\/)instance\//.test(slashes(f.path)));
    return here ? { file: here } : candidates.length === 1 ? { file: candidates[0] } : undefined;
  }
  if (s !== undefined) return canonical(resolveDotted(ws, s, file));
  if (node.kind === 'name' && node.name === '__name__') return { file };
  const dotted = dottedName(node);
  if (!dotted) return undefined;
  const [first, ...rest] = dotted.split('.');
  if (rest.length === 0) return canonical(resolveName(ws, file, mod, first));
  // `config.ProductionConfig` with `from app import config` / `import config`.
  const head = resolveName(ws, file, mod, first);
  if (head && !head.className && rest.length === 1) return canonical({ file: head.file, className: rest[0] });
  return canonical(resolveDotted(ws, dotted, file));
}

/** `Config = ServerConfig()` / `Config = ProductionConfig` in the config module (CTFd): the class behind the name. */
function canonical(t: Target | undefined): Target | undefined {
  if (!t?.className || configClasses(t.file).some((c) => c.name === t.className)) return t;
  const mod = moduleOf(t.file);
  const a = mod && [...mod.assignments].reverse().find((x) => x.topLevel && x.targets.some((y) => y.kind === 'name' && y.name === t.className));
  const v = a?.value?.kind === 'call' && a.value.args.length === 0 ? a.value.callee : a?.value;
  const name = v?.kind === 'name' ? v.name : undefined;
  return name && configClasses(t.file).some((c) => c.name === name) ? { file: t.file, className: name } : t;
}

/** `config_by_name[env]` with `from app.config import config_by_name`: the module the mapping is imported from (or this one). */
function mappingModule(ws: WorkspaceView, file: LintFile, mod: PythonModule, node: PyNode): LintFile | undefined {
  if (node.kind !== 'subscript') return undefined;
  const name = dottedName(node.object);
  if (!name || name.includes('.')) return undefined;
  return resolveName(ws, file, mod, name)?.file;
}

/**
 * The environment variable a loader's argument reads (`os.getenv("APP_SETTINGS")`, `os.environ.get(…)`,
 * `os.environ["APP_SETTINGS"]`), directly or through a name assigned from one earlier in the module, and
 * the fallback written in the code.
 */
function envChoice(mod: PythonModule, node: PyNode, line: number): { variable: string; fallback?: PyNode } | undefined {
  let n: PyNode | undefined = node;
  if (n.kind === 'name') {
    const name = n.name;
    let value: PyNode | undefined;
    for (const a of mod.assignments) {
      if (a.range.start.line >= line) break;
      if (a.op === '=' && a.targets.length === 1 && a.targets[0].kind === 'name' && a.targets[0].name === name) value = a.value;
    }
    n = value;
  }
  return plainEnvRead(n);
}

/** The loads an environment variable makes: one per value a production deploy file gives it that names a class or module. */
function envLoads(ws: WorkspaceView, file: LintFile, mod: PythonModule, choice: { variable: string; fallback?: PyNode }, method: string, line: number): ConfigLoad[] {
  const out: ConfigLoad[] = [];
  for (const deploy of ws.files()) {
    if (deploy.isDevelopment) continue;
    let vars: EnvVar[];
    try {
      vars = deploy.parse(envVars);
    } catch {
      continue;
    }
    for (const v of vars) {
      if (v.name !== choice.variable || !v.value) continue;
      const target = canonical(resolveDotted(ws, v.value.trim(), file));
      if (!target) continue;
      const range = deploy.lines.range(v.valueStart, v.valueEnd);
      out.push({ file: deploy, range, line: range.start.line, method, target, viaEnv: `${v.name}=${v.value.trim()}`, loader: { file, line } });
    }
  }
  // Unset in every production file: the fallback in the code is what runs.
  if (!out.length && choice.fallback) {
    const target = resolveArg(ws, file, mod, choice.fallback, method);
    if (target) out.push({ file, range: choice.fallback.range, line, method, target, viaDefault: `${choice.variable} when it is unset`, loader: { file, line } });
  }
  return out;
}

const FOLLOWED_LOADERS = new Set(['from_object', 'from_pyfile']);
/** Loaders whose source is chosen at run time (an environment variable): they can only override. */
const RUNTIME_LOADERS = new Set(['from_envvar', 'from_prefixed_env']);

/** The loads of a workspace, computed once per set of file versions (every config file's check reads them). */
const loadsCache = new WeakMap<WorkspaceView, { files: LintFile[]; loads: ConfigLoad[] }>();

/** Deploy files that may set the environment variable a load is chosen by (env.ts reads them). */
const ENV_KINDS = new Set(['dockerfile', 'compose', 'kubernetes', 'systemd', 'uwsgi', 'shell']);

function readLoads(ws: WorkspaceView): ConfigLoad[] {
  const python = pythonFiles(ws).filter((f) => !f.isDevelopment); // tests/conftest.py loading TestingConfig says nothing about production
  // The key: every file the loads were read from, the deploy files an environment choice reads included.
  const files = [...python, ...[...ws.files()].filter((f) => ENV_KINDS.has(f.kind))];
  const cached = loadsCache.get(ws);
  if (cached && cached.files.length === files.length && cached.files.every((f, i) => f === files[i])) return cached.loads;
  const loads = computeLoads(ws, python);
  loadsCache.set(ws, { files, loads });
  return loads;
}

function computeLoads(ws: WorkspaceView, files: LintFile[]): ConfigLoad[] {
  const out: ConfigLoad[] = [];
  for (const file of files) {
    const mod = moduleOf(file);
    if (!mod) continue;
    for (const c of mod.calls) {
      const parts = c.callee.split('.');
      const method = parts[parts.length - 1];
      if (parts[parts.length - 2] !== 'config' || c.inDebugBranch) continue;
      const line = c.call.range.start.line;
      if (RUNTIME_LOADERS.has(method)) {
        out.push({ file, range: c.call.range, line, method, loader: { file, line } });
        continue;
      }
      if (!FOLLOWED_LOADERS.has(method)) continue;
      const arg = c.call.args.find((a) => !a.name && !a.star);
      if (!arg) continue;
      const direct = resolveArg(ws, file, mod, arg.value, method);
      const choice = !direct && method === 'from_object' && ws.complete ? envChoice(mod, arg.value, line) : undefined;
      if (choice) {
        out.push({ file, range: arg.value.range, line, method, loader: { file, line } }, ...envLoads(ws, file, mod, choice, method, line));
        continue;
      }
      const param = !direct && arg.value.kind === 'name' ? enclosingDef(mod, line) : undefined;
      if (!param || !param.params.includes((arg.value as { name: string }).name)) {
        out.push({ file, range: arg.value.range, line, method, target: direct, loader: { file, line }, module: direct ? undefined : mappingModule(ws, file, mod, arg.value) });
        continue;
      }
      // The argument is a parameter of the factory: its default, and what the factory's callers pass.
      const pname = (arg.value as { name: string }).name;
      const dn = param.defaults.get(pname);
      const viaDefault = dn && resolveArg(ws, file, mod, dn, method);
      out.push({ file, range: arg.value.range, line, method, target: viaDefault, viaDefault: viaDefault ? pname : undefined, loader: { file, line } });
      const index = param.params.indexOf(pname);
      for (const caller of files) {
        const cm = moduleOf(caller);
        for (const call of cm?.calls ?? []) {
          if (call.callee.split('.').pop() !== param.name || call.inDebugBranch) continue;
          const given = call.call.args.find((a) => a.name === pname) ?? call.call.args.filter((a) => !a.name && !a.star)[index];
          if (!given) continue;
          const t = resolveArg(ws, caller, cm!, given.value, method);
          if (t) out.push({ file: caller, range: given.value.range, line: call.call.range.start.line, method, target: t, viaCall: param.name, loader: { file, line } });
        }
      }
    }
  }
  return out;
}

function howLoaded(load: ConfigLoad): string {
  return load.viaEnv ? ` (${load.viaEnv})` : load.viaDefault ? ` (the default of ${load.viaDefault})` : load.viaCall ? ` through ${load.viaCall}(...)` : '';
}

function where(load: ConfigLoad, from: LintFile): string {
  const a = slashes(load.file.path).split('/');
  const b = slashes(from.path).split('/');
  let i = 0;
  while (i < a.length - 1 && i < b.length - 1 && a[i] === b[i]) i++;
  return `${a.slice(i).join('/')}:${load.line + 1}`;
}

/** Later loads in the same file whose target is not fixed (`from_pyfile(config)`): they may override what the fixed one set. */
function laterOverrides(load: ConfigLoad, loads: ConfigLoad[], from: LintFile): RelatedInformation[] {
  return loads
    .filter((l) => l.loader.file === load.loader.file && l.loader.line > load.loader.line && !l.target && !l.viaCall)
    .map((l) => ({ file: l.file.path, range: l.range, message: `app.config.${l.method} in ${where(l, from)} loads a configuration chosen at run time afterwards; values it sets override these` }));
}

// --- production -------------------------------------------------------------------------------------------

interface ClassRole {
  production: boolean;
  reason?: ProductionReason;
  also?: RelatedInformation[];
}

/** Every config class of the workspace (or of the one file), by name. */
function allClasses(file: LintFile, ws: WorkspaceView): ConfigClass[] {
  const files = ws.complete ? pythonFiles(ws) : [file];
  if (!files.includes(file)) files.push(file);
  return files.filter((f) => !f.isDevelopment || f === file).flatMap((f) => configClasses(f));
}

function findBase(name: string, from: ConfigClass, classes: ConfigClass[]): ConfigClass | undefined {
  const short = name.slice(name.lastIndexOf('.') + 1);
  const same = classes.find((c) => c.file === from.file && c.name === short && c !== from);
  if (same) return same;
  const others = classes.filter((c) => c.name === short && c !== from);
  return others.length === 1 ? others[0] : undefined;
}

/** The class a production class takes `attr` from (itself or the first base in Python's lookup order that sets it). */
function lookup(cls: ConfigClass, attr: string, classes: ConfigClass[], seen = new Set<ConfigClass>()): ConfigClass | undefined {
  if (seen.has(cls)) return undefined;
  seen.add(cls);
  if (cls.values.has(attr) || cls.methods.has(attr)) return cls;
  for (const b of cls.bases) {
    const base = findBase(b, cls, classes);
    const found = base && lookup(base, attr, classes, seen);
    if (found) return found;
  }
  return undefined;
}

function roleOf(cls: ConfigClass, loads: ConfigLoad[], from: LintFile, reached: Set<LintFile>): ClassRole {
  if (cls.file.isDevelopment) return { production: false };
  // A production deploy file choosing the class by its environment wins over the class's name.
  const chosen = loads.find((l) => l.viaEnv && l.target?.file === cls.file && l.target.className === cls.name);
  if (!chosen && isDevelopmentName(cls.name)) return { production: false };
  const load = chosen ?? loads.find((l) => l.target?.file === cls.file && l.target.className === cls.name);
  if (load) {
    const how = howLoaded(load);
    return { production: true, reason: { message: `${cls.name} is loaded by app.config.${load.method}${how} in ${where(load, from)}`, file: load.file.path, range: load.range }, also: laterOverrides(load, loads, from) };
  }
  // A production name in a module no load reaches, while the loads show which modules the app uses (a
  // blueprint's unused copy of the config module): not what production runs.
  if (isProductionName(cls.name) && reached.size && !reached.has(cls.file)) return { production: false };
  if (isProductionName(cls.name)) return { production: true, reason: { message: `${cls.name}: its name marks it as the production configuration`, file: cls.file.path, range: cls.nameRange } };
  return { production: false };
}

/**
 * The config modules the app's loads reach (a fixed target, the module of a `config[name]` mapping) and
 * the modules those import (a config package's `__init__.py` importing production.py). Empty when no load
 * says (the whole workspace is not known, or the loads are chosen by environment variables).
 */
function reachedModules(ws: WorkspaceView, loads: ConfigLoad[]): Set<LintFile> {
  const out = new Set<LintFile>();
  for (const l of loads) {
    const f = l.target?.file ?? l.module;
    if (!f || out.has(f)) continue;
    out.add(f);
    const mod = moduleOf(f);
    for (const i of mod?.imports ?? []) {
      const m = resolveModule(ws, i.module, f);
      if (m) out.add(m);
      for (const n of i.names) {
        const sub = resolveModule(ws, i.module.endsWith('.') ? `${i.module}${n}` : `${i.module}.${n}`, f);
        if (sub) out.add(sub);
      }
    }
  }
  return out;
}

/**
 * The config values of `file` that a production configuration uses, for the attributes in `names`: values
 * of production classes, values of base classes a production class inherits without overriding, and the
 * module-level values of a module the app loads as a whole (`from_object("config")`, `from_pyfile`).
 */
export function productionValues(file: LintFile, ws: WorkspaceView, names: (attr: string) => boolean): ProductionValue[] {
  if (file.isDevelopment) return [];
  const loads = readLoads(ws);
  const out: ProductionValue[] = [];
  const classes = allClasses(file, ws);
  const reached = reachedModules(ws, loads);
  const roles = new Map(classes.map((c) => [c, roleOf(c, loads, file, reached)]));
  const production = classes.filter((c) => roles.get(c)!.production);
  for (const cls of configClasses(file)) {
    for (const [attr, assignment] of cls.values) {
      if (!names(attr)) continue;
      const users = production.filter((p) => lookup(p, attr, classes) === cls);
      if (!users.length) continue;
      const user = users.includes(cls) ? cls : users[0];
      const role = roles.get(user)!;
      const related: RelatedInformation[] = [role.reason!, ...(role.also ?? [])];
      if (user !== cls) related.unshift({ file: user.file.path, range: user.nameRange, message: `${user.name} (production) inherits ${attr} from ${cls.name} without overriding it` });
      out.push({ assignment, owner: cls, user, related });
    }
  }
  const moduleLoad = loads.find((l) => l.target?.file === file && !l.target.className);
  if (moduleLoad) {
    const mod = moduleOf(file);
    const last = new Map<string, PyAssignment>();
    for (const a of mod?.assignments ?? []) {
      if (!a.topLevel || a.op === ':' || !a.value || a.inDebugBranch) continue;
      for (const t of a.targets) if (t.kind === 'name' && UPPER.test(t.name)) last.set(t.name, a);
    }
    const how = howLoaded(moduleLoad);
    const message = moduleLoad.file === file && moduleLoad.method === 'from_object' ? `this module loads its own upper-case names with app.config.from_object in ${where(moduleLoad, file)}` : `${basename(file.path)} is loaded by app.config.${moduleLoad.method}${how} in ${where(moduleLoad, file)}`;
    const also = laterOverrides(moduleLoad, loads, file);
    for (const [attr, assignment] of last) {
      if (names(attr)) out.push({ assignment, related: [{ file: moduleLoad.file.path, range: moduleLoad.range, message }, ...also] });
    }
  }
  return out;
}

/** Where a value lives, for messages: `ProductionConfig.DEBUG`, `Config.SECRET_KEY`, or `DEBUG`. */
export function valueName(v: ProductionValue, attr: string): string {
  return v.owner ? `${v.owner.name}.${attr}` : attr;
}
