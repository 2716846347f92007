// The environment a Django settings module reads, from its parsed source: which variables it cannot start
// without (`os.environ["X"]`, `env("X")`, `config("X")` with no default), which one turns DEBUG on and which
// one lists the hosts, and how the project already loads a `.env` file (django-environ, python-dotenv,
// python-decouple). Two uses: a development `.env` for `runserver` after CW202's fix, and throwaway values
// for `manage.py check --deploy` against the production settings module.
import type * as Crypto from 'crypto';
import fs = require('fs');
import path = require('path');
import { dottedName, importInsertLine, parsePython, stringValue } from '../lint/parse/python';
import type { PyNode, PythonModule } from '../lint/parse/python';
import { readRegularFile } from '../safeFs';

type Call = Extract<PyNode, { kind: 'call' }>;

export type EnvVarRole = 'secret-key' | 'debug' | 'hosts' | 'database' | 'other';

export interface SettingsEnvVar {
  name: string;
  /** The settings cannot be imported without it (no default in the code). */
  required: boolean;
  /** What the variable feeds, from the setting it is assigned to (and its name). */
  role: EnvVarRole;
  /** The setting assigned from it (SECRET_KEY, DEBUG, ...), when it is a plain module-level name. */
  setting?: string;
  /** How the reader converts the text, when it says: env.bool / cast=bool, env.int / cast=int, env.list. */
  cast?: 'bool' | 'int' | 'list';
  /** For `DEBUG = os.environ.get("X", "") == "1"`: the text that means true ("1"). */
  trueText?: string;
  /** The file that reads it. */
  file: string;
}

export type EnvLoader =
  | { kind: 'django-environ' | 'python-dotenv' | 'python-decouple'; file: string; /** Where the loader reads `.env`: an absolute path, or undefined when the code computes it some other way. */ envFile?: string }
  | { kind: 'none'; envFile?: undefined };

const RAW_GET = new Set(['os.environ.get', 'environ.get', 'os.getenv', 'getenv']);
const ENVIRON = new Set(['os.environ', 'environ']);
/** django-environ's typed readers (env.str, env.bool, env.db...), decouple's config and common helpers. */
const HELPER_CALL = /^(?:env\w*|config|get_?env\w*)$/i;
const ENV_METHOD = /^(?:str|bool|int|float|list|tuple|dict|json|url|path|db|db_url|cache|cache_url|email|email_url|search_url|parse_value)$/;

function argOf(call: Call, index: number, name: string): PyNode | undefined {
  const kw = call.args.find((a) => a.name === name);
  if (kw) return kw.value;
  return call.args.filter((a) => !a.name && !a.star)[index]?.value;
}

/**
 * A plain read of one environment variable: `os.getenv("X")`, `os.environ.get("X", fallback)` or
 * `os.environ["X"]`, with the fallback written in the code (none for a subscript).
 */
export function plainEnvRead(node: PyNode | undefined): { variable: string; fallback?: PyNode } | undefined {
  if (node?.kind === 'call' && RAW_GET.has(dottedName(node.callee) ?? '')) {
    const variable = stringValue(argOf(node, 0, 'key'));
    return variable ? { variable, fallback: argOf(node, 1, 'default') } : undefined;
  }
  if (node?.kind === 'subscript' && ENVIRON.has(dottedName(node.object) ?? '')) {
    const variable = stringValue(node.index);
    return variable ? { variable } : undefined;
  }
  return undefined;
}

function roleOf(setting: string | undefined, name: string): EnvVarRole {
  if (setting === 'SECRET_KEY' || /SECRET_KEY$/.test(name)) return 'secret-key';
  if (setting === 'DEBUG' || /(^|_)DEBUG$/.test(name)) return 'debug';
  if (setting === 'ALLOWED_HOSTS' || /ALLOWED_HOSTS$/.test(name)) return 'hosts';
  if (setting === 'DATABASES' || /DATABASE_URL$|^DB_URL$/.test(name)) return 'database';
  return 'other';
}

/** Every environment read under `node`, with whether it has a default. */
function readsIn(node: PyNode | undefined, schemeDefaults: Set<string>): Array<Omit<SettingsEnvVar, 'role' | 'setting' | 'file'>> {
  const out: Array<Omit<SettingsEnvVar, 'role' | 'setting' | 'file'>> = [];
  if (!node) return out;
  const todo: PyNode[] = [node];
  let guard = 0;
  while (todo.length && guard++ < 20_000) {
    const x = todo.pop()!;
    if (x.kind === 'subscript') {
      const read = plainEnvRead(x);
      if (read) out.push({ name: read.variable, required: true });
      todo.push(x.object, x.index);
      continue;
    }
    if (x.kind === 'call' && /^(?:int|float)$/.test(dottedName(x.callee) ?? '')) {
      // int(os.environ["WORKERS"]): the text must parse as a number.
      for (const a of x.args) for (const r of readsIn(a.value, schemeDefaults)) out.push({ ...r, cast: r.cast ?? 'int' });
      continue;
    }
    if (x.kind === 'call') {
      const r = readOfCall(x, schemeDefaults);
      if (r) out.push(r);
      todo.push(x.callee, ...x.args.map((a) => a.value));
      continue;
    }
    if (x.kind === 'attribute') todo.push(x.object);
    else if (x.kind === 'list' || x.kind === 'tuple' || x.kind === 'set') todo.push(...x.items);
    else if (x.kind === 'dict') for (const e of x.entries) todo.push(...(e.key ? [e.key] : []), e.value);
    else if (x.kind === 'op') todo.push(...x.parts);
    else if (x.kind === 'starred') todo.push(x.value);
    else if (x.kind === 'other') todo.push(...x.children);
  }
  return out;
}

function readOfCall(x: Call, schemeDefaults: Set<string>): Omit<SettingsEnvVar, 'role' | 'setting' | 'file'> | undefined {
  const callee = dottedName(x.callee) ?? '';
  if (RAW_GET.has(callee)) {
    const read = plainEnvRead(x);
    return read ? { name: read.variable, required: false } : undefined;
  }
  // dj-database-url: DATABASE_URL (or env=) unless a default is given.
  if (callee === 'dj_database_url.config') {
    const name = stringValue(argOf(x, 99, 'env')) ?? 'DATABASE_URL';
    return { name, required: !argOf(x, 99, 'default') };
  }
  const parts = callee.split('.');
  const last = parts[parts.length - 1];
  const cast = castOf(x, last);
  // django-environ: env.db() / env.cache() / env.email() read their default variable.
  if (parts.length === 2 && /^env$/i.test(parts[0]) && ENV_METHOD.test(last)) {
    const given = stringValue(argOf(x, 0, 'var'));
    const name = given ?? ({ db: 'DATABASE_URL', db_url: 'DATABASE_URL', cache: 'CACHE_URL', cache_url: 'CACHE_URL', email: 'EMAIL_URL', email_url: 'EMAIL_URL', search_url: 'SEARCH_URL' } as Record<string, string>)[last];
    if (!name) return undefined;
    // django-environ's typed readers take the default second (env.bool("X", False)); list/tuple/dict take a cast first.
    const defaultAt = given === undefined ? 99 : /^(?:list|tuple|dict)$/.test(last) ? 2 : 1;
    return { name, required: !argOf(x, defaultAt, 'default') && !schemeDefaults.has(name), cast };
  }
  if (parts.length === 1 && HELPER_CALL.test(last)) {
    const name = stringValue(argOf(x, 0, 'var') ?? argOf(x, 0, 'option'));
    if (!name) return undefined;
    // decouple's config(name, default, cast): the second positional is the default; django-environ's
    // env(name, cast, default): the second is the cast, so only default= counts there.
    // A project's own helper (healthchecks' envbool("DEBUG", "True")) takes the default second as well.
    const defaultSecond = !/^env$/i.test(last);
    const hasDefault = !!x.args.find((a) => a.name === 'default') || (defaultSecond && x.args.filter((a) => !a.name && !a.star).length >= 2);
    const named = /bool$/i.test(last) ? 'bool' : /int$/i.test(last) ? 'int' : /list$/i.test(last) ? 'list' : undefined;
    // Whether a project's own env* helper fails without the variable is not known (healthchecks' envsecret("X") returns None).
    const ownHelper = /^env\w+$/i.test(last);
    return { name, required: !ownHelper && !hasDefault && !schemeDefaults.has(name), cast: cast ?? named };
  }
  return undefined;
}

function castOf(x: Call, method: string): SettingsEnvVar['cast'] {
  if (method === 'bool' || method === 'int' || method === 'list') return method;
  const c = x.args.find((a) => a.name === 'cast')?.value;
  const n = c && dottedName(c);
  if (n === 'bool' || n === 'int') return n;
  if (n === 'Csv' || c?.kind === 'call' && dottedName(c.callee) === 'Csv') return 'list';
  return undefined;
}

/** `env = environ.Env(DEBUG=(bool, False))`: variables with a default in django-environ's scheme. */
function schemeDefaultsOf(mod: PythonModule): Set<string> {
  const out = new Set<string>();
  for (const c of mod.calls) {
    if (!/(^|\.)Env$/.test(c.callee)) continue;
    for (const a of c.call.args) if (a.name && a.value.kind === 'tuple' && a.value.items.length >= 2) out.add(a.name);
  }
  return out;
}

/** The text that makes `X == "1"` (or `"1" == X`) true, when DEBUG is written that way. */
function trueTextOf(node: PyNode | undefined): string | undefined {
  if (node?.kind !== 'op' || node.ops.length !== 1 || node.ops[0] !== '==') return undefined;
  return stringValue(node.parts[1]) ?? stringValue(node.parts[0]);
}

/** The environment variables one parsed settings module reads, each once (required wins). */
export function envVarsOfModule(mod: PythonModule, file: string): SettingsEnvVar[] {
  const byName = new Map<string, SettingsEnvVar>();
  const schemeDefaults = schemeDefaultsOf(mod);
  for (const a of mod.assignments) {
    if (a.inFunction || a.inClass || a.inDebugBranch || a.inMainGuard || !a.value) continue;
    const target = a.targets.length === 1 && a.targets[0].kind === 'name' ? a.targets[0].name : undefined;
    for (const r of readsIn(a.value, schemeDefaults)) {
      // A read inside an `if`/`try` block is conditional: never required.
      const required = r.required && !a.inBlock;
      const prev = byName.get(r.name);
      const role = roleOf(target, r.name);
      const v: SettingsEnvVar = { ...r, required: required || !!prev?.required, role: prev && prev.role !== 'other' ? prev.role : role, setting: prev?.setting ?? target, file };
      if (role === 'debug') v.trueText = trueTextOf(a.value) ?? prev?.trueText;
      v.cast ??= prev?.cast;
      byName.set(r.name, v);
    }
  }
  return [...byName.values()];
}

function readText(file: string): string | undefined {
  const r = readRegularFile(file, 4 * 1024 * 1024);
  return 'text' in r ? r.text : undefined;
}

/**
 * The files a settings module is made of: the module's file, then (recursively) the modules of its own
 * package it star-imports (`from .base import *`, `from config.settings.base import *`).
 */
/**
 * The settings module and the modules it star-imports, parsed. `read` and `parse` default to the disk and
 * the Python reader; detection passes its own (the project's file policy, each module parsed once).
 */
export function settingsFilesOf(
  settingsFile: string,
  read: (f: string) => string | undefined = readText,
  parse: (file: string, text: string) => PythonModule = (_file, text) => parsePython(text),
): Array<{ file: string; mod: PythonModule }> {
  const out: Array<{ file: string; mod: PythonModule }> = [];
  const seen = new Set<string>();
  const visit = (file: string, depth: number) => {
    if (seen.has(file) || depth > 5) return;
    seen.add(file);
    const text = read(file);
    if (text === undefined) return;
    const mod = parse(file, text);
    out.push({ file, mod });
    const dir = path.dirname(file);
    for (const imp of mod.imports) {
      if (!imp.names.includes('*')) continue;
      const m = /^(\.+)?([\w.]*)$/.exec(imp.module);
      if (!m) continue;
      let base: string;
      if (m[1]) {
        base = dir;
        for (let i = 1; i < m[1].length; i++) base = path.dirname(base);
        if (!m[2]) continue;
      } else {
        // An absolute import of a sibling module of the same package: match on its last name.
        base = dir;
      }
      const last = m[1] ? m[2].split('.') : m[2].split('.').slice(-1);
      const target = path.join(base, ...last);
      for (const candidate of [`${target}.py`, path.join(target, '__init__.py')]) {
        if (read === readText ? fs.existsSync(candidate) : read(candidate) !== undefined) {
          visit(candidate, depth + 1);
          break;
        }
      }
    }
  };
  visit(settingsFile, 0);
  return out;
}

/** The variables the settings module at `settingsFile` (and what it star-imports) reads. */
export function settingsEnvVars(settingsFile: string, read?: (f: string) => string | undefined, parse?: (file: string, text: string) => PythonModule): SettingsEnvVar[] {
  const byName = new Map<string, SettingsEnvVar>();
  // Later files (the base the module imports) first, so the module's own reads win.
  for (const { file, mod } of settingsFilesOf(settingsFile, read, parse).reverse()) {
    for (const v of envVarsOfModule(mod, file)) {
      const prev = byName.get(v.name);
      byName.set(v.name, { ...v, required: v.required || !!prev?.required, role: v.role !== 'other' ? v.role : prev?.role ?? 'other' });
    }
  }
  return [...byName.values()];
}

/** How the settings load a `.env` file, and where that file is, when the code says plainly. */
export function envLoaderOf(settingsFile: string, projectDir: string, read?: (f: string) => string | undefined): EnvLoader {
  for (const { file, mod } of settingsFilesOf(settingsFile, read)) {
    for (const c of mod.calls) {
      if (c.inFunction || c.inClass) continue;
      const last = c.callee.split('.').pop() ?? '';
      if (last === 'read_env' || last === 'load_dotenv' || last === 'read_dotenv') {
        const kind = last === 'read_env' ? 'django-environ' : 'python-dotenv';
        const arg = c.call.args.find((a) => !a.name || a.name === 'env_file' || a.name === 'dotenv_path')?.value;
        let envFile: string | undefined;
        if (!arg) {
          // read_env() reads the .env beside the calling file; load_dotenv() searches up from it (manage.py's folder is on the way).
          envFile = kind === 'django-environ' ? path.join(path.dirname(file), '.env') : path.join(projectDir, '.env');
        } else {
          const text = mod.text.slice(offsetIn(mod, arg.range.start), offsetIn(mod, arg.range.end)).replace(/\s+/g, '');
          // BASE_DIR / ".env", str(BASE_DIR / ".env"), os.path.join(BASE_DIR, ".env"), ".env" (the working directory: manage.py's).
          const m = /^(?:str\()?(?:(?:BASE_DIR|ROOT_DIR|PROJECT_ROOT|BASE_PATH)\/|os\.path\.join\((?:BASE_DIR|ROOT_DIR|PROJECT_ROOT|BASE_PATH),)?["'](\.env[\w.-]*)["']\)?\)?$/.exec(text);
          if (m) envFile = path.join(projectDir, m[1]);
        }
        return { kind, file, envFile };
      }
    }
    if (mod.imports.some((i) => i.module === 'decouple' || i.module.startsWith('decouple.'))) {
      // decouple's AutoConfig searches from the settings file's folder upwards: manage.py's folder is found.
      return { kind: 'python-decouple', file, envFile: path.join(projectDir, '.env') };
    }
  }
  return { kind: 'none' };
}

function offsetIn(mod: PythonModule, p: { line: number; character: number }): number {
  return (mod.lineStarts[p.line] ?? mod.text.length) + p.character;
}

// Letters, digits and a few marks no .env reader treats specially ($ is interpolated by django-environ,
// # starts a comment, quotes and spaces need quoting): 64 characters from 68, ~390 bits.
const KEY_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+*^@';

/** A random Django secret key (64 characters: Django asks for at least 50 with 5 different ones). */
export function randomSecretKey(): string {
  let s = '';
  // node:crypto loads here, not with every command that reads the project.
  const { randomInt } = require('crypto') as typeof Crypto;
  for (let i = 0; i < 64; i++) s += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return s;
}

/** The value a development `.env` gives a variable, or undefined when only the user can know it. */
function developmentValue(v: SettingsEnvVar): string | undefined {
  if (v.role === 'secret-key') return randomSecretKey();
  if (v.role === 'debug') return v.trueText ?? (v.cast === 'bool' ? 'True' : '1');
  if (v.role === 'hosts') return 'localhost,127.0.0.1';
  if (v.role === 'database') return 'sqlite:///db.sqlite3';
  return undefined;
}

export interface DevEnvFile {
  content: string;
  /** Variables written with a value. */
  set: string[];
  /** Required variables only the user can fill (written commented out). */
  toFill: string[];
}

/**
 * A development `.env` for the variables the settings read: a random secret key, DEBUG on, the local
 * hosts, a SQLite database URL; the other required ones listed for the user to fill.
 */
export function developmentEnvFile(vars: SettingsEnvVar[]): DevEnvFile {
  const lines = [
    '# Development settings for this machine only (created by Cloudward). Git-ignored: never commit it.',
    '# Production gets its own values from the server or platform (systemd EnvironmentFile, config vars, a Secret).',
  ];
  const set: string[] = [];
  const toFill: string[] = [];
  const wanted = vars.filter((v) => v.required || v.role === 'debug' || v.role === 'hosts');
  for (const v of wanted.sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name))) {
    const value = developmentValue(v);
    if (value !== undefined) {
      lines.push(`${v.name}=${value}`);
      set.push(v.name);
    } else {
      lines.push(`# ${v.name}=   (required by ${path.basename(v.file)}${v.setting ? ` for ${v.setting}` : ''}: fill in a development value)`);
      toFill.push(v.name);
    }
  }
  return { content: lines.join('\n') + '\n', set, toFill };
}

function order(v: SettingsEnvVar): number {
  return ['secret-key', 'debug', 'hosts', 'database', 'other'].indexOf(v.role);
}

/**
 * Throwaway values for `manage.py check --deploy` against the production settings: every required
 * variable gets one, DEBUG's variable is set off (a development `.env` loaded by the settings must not
 * turn it on: none of the loaders override a variable already set), nothing here is a real secret.
 */
export function throwawayCheckEnv(vars: SettingsEnvVar[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of vars) {
    if (v.role === 'debug') env[v.name] = debugOff(v);
    else if (!v.required) continue;
    else env[v.name] = v.role === 'secret-key' ? randomSecretKey() : placeholderFor(v, 'cloudward-check-placeholder');
  }
  return env;
}

/** The value that turns DEBUG off, in the shape its reader parses. */
function debugOff(v: Pick<SettingsEnvVar, 'trueText' | 'cast'>): string {
  return v.trueText === '0' ? '' : v.cast === 'bool' ? 'False' : '0';
}

/** A value of the right shape for a required variable that is no secret key (a URL parses, a bool or an int cast succeeds). */
function placeholderFor(v: Pick<SettingsEnvVar, 'name' | 'role' | 'cast'>, text: string): string {
  if (v.role === 'hosts') return 'example.com';
  if (v.role === 'database') return 'sqlite:///:memory:';
  if (v.cast === 'bool') return 'False';
  if (v.cast === 'int' || /(_PORT|_TIMEOUT|_SECONDS|_AGE|_COUNT|_SIZE)$/.test(v.name)) return '1';
  if (v.cast === 'list') return text;
  if (/^CACHE_URL$/.test(v.name)) return 'locmemcache://';
  if (/^EMAIL_URL$/.test(v.name)) return 'consolemail://';
  if (/(REDIS|CACHE|BROKER|CELERY).*URL$/.test(v.name)) return 'redis://localhost:6379/0';
  if (/URL$/.test(v.name)) return 'https://example.com/';
  return text;
}

/**
 * Throwaway values for running a management command at image build (`collectstatic`, `compress`), where no
 * real secret may go (it would stay in a layer): every required variable gets a value of the right shape,
 * DEBUG's is set off. Always the same values, so the generated Dockerfile does not change from run to run.
 */
export function buildTimeEnv(vars: ReadonlyArray<Pick<SettingsEnvVar, 'name' | 'role' | 'cast' | 'trueText' | 'required'>>): Array<{ name: string; value: string }> {
  const out: Array<{ name: string; value: string }> = [];
  for (const v of vars) {
    if (v.role === 'debug') out.push({ name: v.name, value: debugOff(v) });
    else if (v.required) out.push({ name: v.name, value: v.role === 'secret-key' ? 'build-time-only-not-a-secret' : placeholderFor(v, 'build-time-placeholder') });
  }
  return out;
}

/** Whether a `.gitignore` text already ignores a root `.env` (`.env`, `/.env`, `.env*`, `*.env`). */
export function gitignoreCoversEnv(text: string, name = '.env'): boolean {
  let covered = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negated = line.startsWith('!');
    const pattern = (negated ? line.slice(1) : line).replace(/^\//, '').replace(/^\*\*\//, '');
    const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
    if (re.test(name)) covered = !negated;
  }
  return covered;
}

/** The two lines that load a `.env` with python-dotenv, for settings that load none; after BASE_DIR when it is a Path. */
export function dotenvLoadLines(mod: PythonModule): { line: number; text: string } {
  const base = mod.assignments.find((a) => a.topLevel && a.targets.some((t) => t.kind === 'name' && t.name === 'BASE_DIR'));
  const baseText = base?.value ? mod.text.slice(offsetIn(mod, base.value.range.start), offsetIn(mod, base.value.range.end)) : '';
  const arg = !base ? '' : /\bPath\b|\.parent\b/.test(baseText) ? 'BASE_DIR / ".env"' : 'os.path.join(BASE_DIR, ".env")';
  const line = base ? base.range.end.line + 1 : importInsertLine(mod);
  return { line, text: `\nfrom dotenv import load_dotenv  # python-dotenv: reads the git-ignored .env of development\nload_dotenv(${arg})\n` };
}

export interface DevEnvPlan {
  /** Where the development .env goes (where the settings' loader reads it). */
  envFile: string;
  /** It is there already: Cloudward leaves it as it is. */
  exists: boolean;
  /** The new file (when it is not there). */
  file?: DevEnvFile;
  /** Required variables an existing .env does not set. */
  missing: string[];
  loader: EnvLoader;
  /** The settings load no .env: the two lines to add (python-dotenv), in the file that reads the secret key. */
  loadLines?: { file: string; line: number; text: string };
  /** requirements.txt lacks python-dotenv (needed by those two lines): the file to add it to. */
  requirements?: string;
  /** The .gitignore to add `.env` to (undefined when it already ignores it). */
  gitignore?: { file: string; exists: boolean };
  vars: SettingsEnvVar[];
}

/** Names an existing .env sets (`NAME=`, `export NAME=`). */
export function envFileNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (m) out.add(m[1]);
  }
  return out;
}

/**
 * What a development .env for the project of `projectDir` (manage.py's folder) needs: read from the
 * development settings module (`settingsFile`, manage.py's default), never writing anything.
 * `repoRoot` is where the .gitignore goes (the git root, else the workspace folder).
 */
export function planDevEnv(projectDir: string, settingsFile: string, repoRoot: string, read: (f: string) => string | undefined = readText): DevEnvPlan {
  const vars = settingsEnvVars(settingsFile, read);
  const loader = envLoaderOf(settingsFile, projectDir, read);
  const envFile = (loader.kind !== 'none' && loader.envFile) || path.join(projectDir, '.env');
  const existing = read(envFile);
  const exists = existing !== undefined || fs.existsSync(envFile);
  const names = existing !== undefined ? envFileNames(existing) : new Set<string>();
  const missing = exists ? vars.filter((v) => v.required && !names.has(v.name)).map((v) => v.name) : [];
  const plan: DevEnvPlan = { envFile, exists, missing, loader, vars };
  if (!exists) plan.file = developmentEnvFile(vars);
  if (loader.kind === 'none') {
    const target = vars.find((v) => v.role === 'secret-key' && v.required)?.file ?? settingsFile;
    const text = read(target);
    if (text !== undefined) plan.loadLines = { file: target, ...dotenvLoadLines(parsePython(text)) };
    const req = path.join(projectDir, 'requirements.txt');
    const reqText = read(req);
    if (reqText !== undefined && !/^\s*python-dotenv\b/im.test(reqText)) plan.requirements = req;
  }
  const gitignore = path.join(repoRoot, '.gitignore');
  const ignoreText = read(gitignore);
  const rel = path.relative(repoRoot, envFile).split(path.sep).join('/');
  if (!ignoreText || !(gitignoreCoversEnv(ignoreText, path.basename(envFile)) || gitignoreCoversEnv(ignoreText, rel))) {
    plan.gitignore = { file: gitignore, exists: ignoreText !== undefined };
  }
  return plan;
}

/** The line the .gitignore gets for the .env: its name (any folder) when it is `.env`, else its path. */
export function gitignoreLine(plan: DevEnvPlan, repoRoot: string): string {
  const rel = path.relative(repoRoot, plan.envFile).split(path.sep).join('/');
  return path.basename(plan.envFile) === '.env' ? '.env' : `/${rel}`;
}

/**
 * Writes what `planDevEnv` found: the .gitignore line first (the key never sits un-ignored), then the
 * .env (created exclusively, mode 600: an existing file is never overwritten), then, when asked, the
 * two loading lines and python-dotenv in requirements.txt.
 */
export function applyDevEnv(plan: DevEnvPlan, repoRoot: string, opts: { addLoadLines: boolean }): { created: boolean; loadLinesAdded: boolean; requirementsUpdated: boolean; gitignoreUpdated: boolean } {
  let gitignoreUpdated = false;
  if (plan.gitignore) {
    const line = gitignoreLine(plan, repoRoot);
    const before = plan.gitignore.exists ? fs.readFileSync(plan.gitignore.file, 'utf8') : '';
    const sep = before === '' || before.endsWith('\n') ? '' : '\n';
    fs.appendFileSync(plan.gitignore.file, `${sep}${before === '' ? '' : '\n'}# Development secrets (Cloudward)\n${line}\n`);
    gitignoreUpdated = true;
  }
  let created = false;
  if (plan.file && !plan.exists) {
    try {
      fs.writeFileSync(plan.envFile, plan.file.content, { flag: 'wx', mode: 0o600 });
      created = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  let loadLinesAdded = false;
  let requirementsUpdated = false;
  if (opts.addLoadLines && plan.loadLines) {
    const text = fs.readFileSync(plan.loadLines.file, 'utf8');
    // At the start of the line, as the editor inserts it.
    let at = 0;
    for (let i = 0; i < plan.loadLines.line && at !== -1; i++) at = text.indexOf('\n', at) + 1 || -1;
    if (at === -1) at = text.length;
    fs.writeFileSync(plan.loadLines.file, text.slice(0, at) + plan.loadLines.text + text.slice(at));
    loadLinesAdded = true;
    if (plan.requirements) {
      const req = fs.readFileSync(plan.requirements, 'utf8');
      fs.writeFileSync(plan.requirements, `${req}${req === '' || req.endsWith('\n') ? '' : '\n'}python-dotenv\n`);
      requirementsUpdated = true;
    }
  }
  return { created, loadLinesAdded, requirementsUpdated, gitignoreUpdated };
}
