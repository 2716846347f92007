// CW2xx: Django settings modules. The whole group is about *production* settings modules (the catalogue's
// section title), so every rule here is silent in development settings (settings/local.py, dev.py...).
// Rules read module-level assignments only: a value set inside `if`/`try` is a deliberate, conditional
// choice we cannot evaluate, and flagging it would be guessing.

import type { Fix, Range, TextEdit } from '../types';
import type { LintFile } from '../file';
import { registerRule, type RuleFinding, type WorkspaceView } from '../rule';
import { ParseError } from '../file';
import { debugOnByDefault, secretFallback, wildcardHostFallback } from './envDefault';
import {
  importEdit,
  indentOf,
  moduleAssignment,
  offsetOf,
  positionOf,
  pythonModuleOf,
  stringValue,
  type PyAssignment,
  type PyNode,
  type PythonModule,
} from '../parse/python';

type ListNode = Extract<PyNode, { kind: 'list' | 'tuple' | 'set' }>;
type DictNode = Extract<PyNode, { kind: 'dict' }>;

const ENV_DEBUG = 'os.environ.get("DJANGO_DEBUG", "") == "1"';
const ENV_HOSTS = '[host.strip() for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host.strip()]';

function fix(file: LintFile, title: string, edits: Array<TextEdit | undefined>): Fix {
  return { title, edits: [{ file: file.path, edits: edits.filter((e): e is TextEdit => !!e) }] };
}

/** `SILENCED_SYSTEM_CHECKS = [...]` entries: Django's own way to silence a check, honoured for ours. */
export function silencedChecks(mod: PythonModule): Set<string> {
  const out = new Set<string>();
  for (const a of mod.assignments) {
    if (!a.topLevel || !a.targets.some((t) => t.kind === 'name' && t.name === 'SILENCED_SYSTEM_CHECKS')) continue;
    const v = a.value;
    if (v && (v.kind === 'list' || v.kind === 'tuple' || v.kind === 'set')) {
      for (const item of v.items) {
        const s = stringValue(item);
        if (s) out.add(s);
      }
    }
  }
  return out;
}

/** Whether the module pulls names in with `from x import *` (a settings package's production.py from base.py). */
function hasStarImport(mod: PythonModule): boolean {
  return mod.imports.some((i) => i.names.includes('*'));
}

export function isList(node: PyNode | undefined): node is ListNode {
  return !!node && (node.kind === 'list' || node.kind === 'tuple') && !node.comprehension;
}

function literalTrue(node: PyNode | undefined): boolean {
  return node?.kind === 'const' && node.value === 'True';
}

/** Literally off: False, None, 0, '' (an absent-or-off HTTPS setting). */
function literalOff(node: PyNode | undefined): boolean {
  if (!node) return false;
  if (node.kind === 'const') return node.value !== 'True';
  if (node.kind === 'number') return /^0+$/.test(node.text.replace(/_/g, ''));
  return false;
}

/** Whether the name is changed after `after` anywhere (+=, .append/.extend/.insert, or re-assigned in a block). */
function modifiedLater(mod: PythonModule, name: string, after: PyAssignment): boolean {
  const line = after.range.end.line;
  for (const a of mod.assignments) {
    if (a === after || a.range.start.line < line) continue;
    if (a.targets.some((t) => t.kind === 'name' && t.name === name)) return true;
  }
  for (const c of mod.calls) {
    if (c.call.range.start.line < line) continue;
    const [obj, method] = splitLast(c.callee);
    if (obj === name && ['append', 'extend', 'insert', 'add', 'update'].includes(method)) return true;
  }
  return false;
}

function splitLast(dotted: string): [string, string] {
  const i = dotted.lastIndexOf('.');
  return i < 0 ? ['', dotted] : [dotted.slice(0, i), dotted.slice(i + 1)];
}

/** The dict value stored under a string key. */
export function dictGet(dict: PyNode | undefined, key: string): PyNode | undefined {
  if (!dict || dict.kind !== 'dict') return undefined;
  let found: PyNode | undefined;
  for (const e of dict.entries) if (e.key && stringValue(e.key) === key) found = e.value;
  return found;
}

function settings(file: LintFile): PythonModule {
  return file.parse(pythonModuleOf);
}

// --- settings packages ----------------------------------------------------------------------------
// `config/settings/base.py` holds what every environment shares; `production.py` does
// `from .base import *` and adds the production-only settings (HTTPS, hosts, STATIC_ROOT). The
// production settings are the base *plus* the importer: judging base.py alone would flag settings
// production.py sets. So a module that a non-development settings module star-imports is a shared
// base: CW204/CW205 credit what its importers set, CW206 is judged in the importers (with the
// base's settings merged in). Without the workspace (one file alone), a module named like a shared
// base inside a settings package is given the benefit of the doubt.

const BASE_NAMES = /^(?:base|common|shared|defaults?|core)$/i;

function slashes(p: string): string {
  return p.replace(/\\/g, '/');
}

function moduleOrUndefined(file: LintFile): PythonModule | undefined {
  try {
    return settings(file);
  } catch (e) {
    if (e instanceof ParseError) return undefined;
    throw e;
  }
}

/** The workspace file a `from X import *` in `file` names, if it is indexed. */
function resolveImport(file: LintFile, module: string, ws: WorkspaceView): LintFile | undefined {
  const dots = /^\.*/.exec(module)![0].length;
  const rest = module.slice(dots).split('.').filter(Boolean).join('/');
  if (dots > 0) {
    const parts = slashes(file.path).split('/');
    parts.pop(); // the file name
    for (let i = 1; i < dots; i++) parts.pop();
    const dir = parts.join('/');
    if (!rest) return ws.get(`${dir}/__init__.py`);
    const here = ws.get(`${dir}/${rest}.py`) ?? ws.get(`${dir}/${rest}/__init__.py`);
    if (here || dots > 1) return here;
    // A settings file kept outside its package and copied into it at build time (docker/config.py
    // doing `from .common import *`, copied to settings/config.py): the one settings module of that name.
    const named = [...ws.files('django-settings')].filter((f) => f !== file && slashes(f.path).endsWith(`/${rest}.py`));
    return named.length === 1 ? named[0] : undefined;
  }
  if (!rest) return undefined;
  for (const f of ws.files('django-settings')) {
    const p = slashes(f.path);
    if (p.endsWith(`/${rest}.py`) || p === `${rest}.py` || p.endsWith(`/${rest}/__init__.py`)) return f;
  }
  return undefined;
}

/** The modules `file` star-imports, transitively (found in the workspace), and whether some were not found. */
function starBases(file: LintFile, ws: WorkspaceView): { bases: PythonModule[]; unresolved: boolean } {
  const bases: PythonModule[] = [];
  let unresolved = false;
  const seen = new Set<LintFile>([file]);
  const todo = [file];
  while (todo.length) {
    const f = todo.pop()!;
    const mod = moduleOrUndefined(f);
    if (!mod) continue;
    for (const i of mod.imports) {
      if (!i.names.includes('*')) continue;
      const base = ws.complete ? resolveImport(f, i.module, ws) : undefined;
      if (!base) {
        unresolved = true;
        continue;
      }
      if (seen.has(base)) continue;
      seen.add(base);
      const baseMod = moduleOrUndefined(base);
      if (baseMod) bases.push(baseMod);
      todo.push(base);
    }
  }
  return { bases, unresolved };
}

/** Non-development settings modules that star-import `file`, directly or through another module. */
function productionImporters(file: LintFile, ws: WorkspaceView): PythonModule[] {
  if (!ws.complete) return [];
  const all = [...ws.files('django-settings')].filter((f) => f !== file);
  const out: PythonModule[] = [];
  const seen = new Set<LintFile>([file]);
  const todo = [file];
  while (todo.length) {
    const target = todo.pop()!;
    for (const f of all) {
      if (seen.has(f)) continue;
      const mod = moduleOrUndefined(f);
      if (!mod || !mod.imports.some((i) => i.names.includes('*') && resolveImport(f, i.module, ws) === target)) continue;
      seen.add(f);
      todo.push(f);
      if (!f.isDevelopment) out.push(mod);
    }
  }
  return out;
}

/** Whether `file` is a shared base of a settings package (see above). */
function isSharedBase(file: LintFile, ws: WorkspaceView): boolean {
  if (ws.complete) return productionImporters(file, ws).length > 0;
  const parts = slashes(file.path).split('/');
  const name = parts[parts.length - 1].replace(/\.py$/, '');
  return parts.length >= 2 && parts[parts.length - 2] === 'settings' && BASE_NAMES.test(name);
}

/** Whether a name is assigned at all in a module. */
function assigns(mod: PythonModule, name: string): boolean {
  return mod.assignments.some((a) => a.targets.some((t) => t.kind === 'name' && t.name === name));
}

/** Whether a module that builds on `file` sets `name` (or, without the workspace, it may). */
function setByImporter(file: LintFile, ws: WorkspaceView, name: string): boolean {
  if (!ws.complete) return isSharedBase(file, ws);
  return productionImporters(file, ws).some((m) => assigns(m, name));
}

// --- CW201 -------------------------------------------------------------------------------------------

/**
 * DEBUG read from the environment, off by default. With DEBUG off an empty ALLOWED_HOSTS answers every
 * request with 400 (CW204), so an empty list is read from the environment in the same fix.
 */
function debugFix(file: LintFile, mod: PythonModule, range: Range): Fix {
  const hosts = moduleAssignment(mod, 'ALLOWED_HOSTS');
  const emptyHosts = hosts && hosts.op === '=' && isList(hosts.value) && hosts.value.items.length === 0 && !modifiedLater(mod, 'ALLOWED_HOSTS', hosts);
  return fix(file, emptyHosts ? 'Read DEBUG (DJANGO_DEBUG=1 turns it on) and ALLOWED_HOSTS (DJANGO_ALLOWED_HOSTS) from the environment' : 'Read DEBUG from the environment (DJANGO_DEBUG=1 turns it on)', [
    { range, newText: ENV_DEBUG },
    emptyHosts ? { range: hosts.value!.range, newText: ENV_HOSTS } : undefined,
    importEdit(mod, 'os'),
  ]);
}

registerRule({
  id: 'CW201',
  severity: 'error',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: 'DEBUG = True as a literal in a production settings module',
  check(file, ctx) {
    const mod = settings(file);
    const debug = moduleAssignment(mod, 'DEBUG');
    if (!debug || silencedChecks(mod).has('security.W018')) return [];
    if (setByImporter(file, ctx.workspace, 'DEBUG')) return []; // production.py sets its own
    if (!literalTrue(debug.value)) {
      // Read from the environment, but on when the variable is unset (or says "0"/"False").
      const d = debugOnByDefault(debug.value);
      if (!d || modifiedLater(mod, 'DEBUG', debug)) return [];
      return [
        {
          message: 'DEBUG is on unless the environment turns it off',
          range: d.range,
          hint: `${d.why}. A production server started without the variable shows tracebacks and settings to anyone. Make the default off.`,
          fix: fix(file, 'Read DEBUG from the environment, off by default (DJANGO_DEBUG=1 turns it on)', [
            { range: debug.value!.range, newText: ENV_DEBUG },
            importEdit(mod, 'os'),
          ]),
        },
      ];
    }
    const value = debug.value!;
    return [
      {
        message: 'DEBUG is hard-coded to True',
        range: value.range,
        hint:
          'With DEBUG on, Django shows tracebacks, settings and SQL to anyone who triggers an error, and keeps every query in memory. Read it from the environment, off by default.',
        fix: debugFix(file, mod, value.range),
      },
    ];
  },
});

// --- CW202 -------------------------------------------------------------------------------------------

registerRule({
  id: 'CW202',
  severity: 'error',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: 'SECRET_KEY is a string literal',
  check(file, ctx) {
    const mod = settings(file);
    if (setByImporter(file, ctx.workspace, 'SECRET_KEY')) return []; // production.py sets its own
    const key = moduleAssignment(mod, 'SECRET_KEY');
    const value = key?.value;
    const fallback = secretFallback(value);
    if (fallback && !silencedChecks(mod).has('security.W009')) {
      return [
        {
          message: 'SECRET_KEY falls back to a key written in the source',
          range: fallback.range,
          hint: `When ${fallback.variable ?? 'the variable'} is not set, the key in the code is used, and anyone with the code can forge sessions and password-reset links. Fail instead: os.environ["${fallback.variable ?? 'DJANGO_SECRET_KEY'}"].`,
        },
      ];
    }
    // An empty key is not a secret (Django refuses to start with it); anything else written here is.
    if (!value || value.kind !== 'string' || value.bytes || value.value === '') return [];
    if (value.fstring && value.value.includes('{…}')) return []; // built from something else at run time
    if (silencedChecks(mod).has('security.W009')) return [];
    return [
      {
        message: 'SECRET_KEY is written in the source',
        range: value.range,
        hint:
          'Anyone with the code (a repository, an image, a backup) can forge sessions, password-reset links and signed cookies. Read the key from the environment or a secrets file.',
        fix: fix(file, 'Read SECRET_KEY from the environment (DJANGO_SECRET_KEY)', [
          { range: value.range, newText: 'os.environ["DJANGO_SECRET_KEY"]' },
          importEdit(mod, 'os'),
        ]),
      },
    ];
  },
});

// --- CW203 / CW204 -----------------------------------------------------------------------------------

function hostsFix(file: LintFile, mod: PythonModule, range: Range): Fix {
  return fix(file, 'Read ALLOWED_HOSTS from the environment (DJANGO_ALLOWED_HOSTS, comma-separated)', [
    { range, newText: ENV_HOSTS },
    importEdit(mod, 'os'),
  ]);
}

registerRule({
  id: 'CW203',
  severity: 'warning',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: "ALLOWED_HOSTS contains '*'",
  check(file, ctx) {
    const mod = settings(file);
    const out: RuleFinding[] = [];
    if (setByImporter(file, ctx.workspace, 'ALLOWED_HOSTS')) return []; // production.py sets its own
    const report = (star: PyNode, whole: Range | undefined) =>
      out.push({
        message: "ALLOWED_HOSTS accepts any host ('*')",
        range: star.range,
        hint:
          "With '*', Django trusts whatever Host header a client sends: password-reset e-mails and absolute URLs can point at an attacker's domain. List the real host names.",
        fix: whole ? hostsFix(file, mod, whole) : undefined,
      });
    for (const a of mod.assignments) {
      if (!a.targets.some((t) => t.kind === 'name' && t.name === 'ALLOWED_HOSTS')) continue;
      if (a.inDebugBranch || a.inFunction || a.inClass) continue; // `if DEBUG:` values are development values
      if (!isList(a.value)) continue;
      const star = a.value.items.find((i) => stringValue(i) === '*');
      if (star) report(star, a.op === '=' ? a.value.range : undefined);
    }
    for (const a of mod.assignments) {
      if (!a.targets.some((t) => t.kind === 'name' && t.name === 'ALLOWED_HOSTS') || a.inDebugBranch || a.inFunction || a.inClass) continue;
      const w = wildcardHostFallback(a.value);
      if (w) {
        out.push({
          message: `ALLOWED_HOSTS accepts any host ('*') when ${w.variable ?? 'the variable'} is unset`,
          range: w.range,
          hint: "With '*', Django trusts whatever Host header a client sends: password-reset e-mails and absolute URLs can point at an attacker's domain. Make the default empty (or the real host names).",
        });
      }
    }
    for (const c of mod.calls) {
      if (c.callee !== 'ALLOWED_HOSTS.append' && c.callee !== 'ALLOWED_HOSTS.extend') continue;
      if (c.inDebugBranch || c.inFunction) continue;
      const arg = c.call.args[0]?.value;
      const star = stringValue(arg) === '*' ? arg : isList(arg) ? arg.items.find((i) => stringValue(i) === '*') : undefined;
      if (star) report(star, undefined);
    }
    return out;
  },
});

registerRule({
  id: 'CW204',
  severity: 'error',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: 'ALLOWED_HOSTS is empty while DEBUG is off',
  check(file, ctx) {
    const mod = settings(file);
    const hosts = moduleAssignment(mod, 'ALLOWED_HOSTS');
    if (!hosts || hosts.op !== '=' || !isList(hosts.value) || hosts.value.items.length > 0) return [];
    if (literalTrue(moduleAssignment(mod, 'DEBUG')?.value)) return [];
    if (modifiedLater(mod, 'ALLOWED_HOSTS', hosts)) return [];
    if (setByImporter(file, ctx.workspace, 'ALLOWED_HOSTS')) return []; // production.py fills it in
    return [
      {
        message: 'ALLOWED_HOSTS is empty: every request gets 400 Bad Request',
        range: hosts.value.range,
        hint: 'With DEBUG off, Django answers only the host names listed in ALLOWED_HOSTS. Read the list from the environment.',
        fix: hostsFix(file, mod, hosts.value.range),
      },
    ];
  },
});

// --- CW205 -------------------------------------------------------------------------------------------

/** Storage backends that serve static files from elsewhere (S3, GCS, Azure...) and need no STATIC_ROOT. */
export function remoteStaticStorage(mod: PythonModule): boolean {
  const remote = (backend: string | undefined) =>
    !!backend && !backend.startsWith('django.contrib.staticfiles') && !backend.startsWith('whitenoise') && !backend.startsWith('django.core.files');
  if (remote(stringValue(moduleAssignment(mod, 'STATICFILES_STORAGE')?.value))) return true;
  const storages = moduleAssignment(mod, 'STORAGES')?.value;
  const staticfiles = dictGet(storages, 'staticfiles');
  return remote(stringValue(dictGet(staticfiles, 'BACKEND')));
}

registerRule({
  id: 'CW205',
  severity: 'warning',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: 'django.contrib.staticfiles installed but no STATIC_ROOT',
  check(file, ctx) {
    const mod = settings(file);
    let app: PyNode | undefined;
    for (const a of mod.assignments) {
      if (!a.topLevel || !a.targets.some((t) => t.kind === 'name' && t.name === 'INSTALLED_APPS')) continue;
      if (isList(a.value)) app = a.value.items.find((i) => stringValue(i) === 'django.contrib.staticfiles') ?? app;
    }
    if (!app) return [];
    // STATIC_ROOT set anywhere (even conditionally), inherited through a star import, or not needed.
    if (mod.assignments.some((a) => a.targets.some((t) => t.kind === 'name' && t.name === 'STATIC_ROOT'))) return [];
    if (hasStarImport(mod) || remoteStaticStorage(mod)) return [];
    if (setByImporter(file, ctx.workspace, 'STATIC_ROOT')) return [];
    return [
      {
        message: 'No STATIC_ROOT: collectstatic has nowhere to put static files',
        range: app.range,
        hint:
          'In production the web server (or WhiteNoise) serves static files from the folder `manage.py collectstatic` fills: STATIC_ROOT. Without it collectstatic fails and the admin has no CSS.',
        fix: staticRootFix(file, mod),
      },
    ];
  },
});

function staticRootFix(file: LintFile, mod: PythonModule): Fix {
  const base = moduleAssignment(mod, 'BASE_DIR');
  const baseText = base?.value ? mod.text.slice(offsetOf(mod, base.value.range.start), offsetOf(mod, base.value.range.end)) : '';
  let line: string;
  let importNeeded: TextEdit | undefined;
  if (base && /\bPath\b|pathlib/.test(baseText)) line = 'STATIC_ROOT = BASE_DIR / "staticfiles"';
  else if (base) {
    line = 'STATIC_ROOT = os.path.join(BASE_DIR, "staticfiles")';
    importNeeded = importEdit(mod, 'os');
  } else {
    line = 'STATIC_ROOT = Path(__file__).resolve().parent.parent / "staticfiles"';
    importNeeded = importEdit(mod, 'Path', 'from pathlib import Path');
  }
  // Right after STATIC_URL when there is one (where readers look for it), else at the end.
  const anchor = moduleAssignment(mod, 'STATIC_URL');
  const edit = insertAfterStatement(mod, anchor, line);
  return fix(file, `Add ${line}`, [edit, importNeeded]);
}

/** An edit inserting `line` after a module-level statement (or at the end of the module). */
export function insertAfterStatement(mod: PythonModule, after: PyAssignment | undefined, line: string): TextEdit {
  if (after) {
    const p = { line: after.range.end.line + 1, character: 0 };
    if (p.line < mod.lineStarts.length) return { range: { start: p, end: p }, newText: line + '\n' };
  }
  const end = positionOf(mod, mod.text.length);
  const needsBreak = mod.text.length > 0 && !mod.text.endsWith('\n');
  return { range: { start: end, end }, newText: (needsBreak ? '\n' : '') + line + '\n' };
}

// --- CW206 -------------------------------------------------------------------------------------------

const HTTPS_SETTINGS: Array<[string, string]> = [
  ['SECURE_SSL_REDIRECT', 'os.environ.get("DJANGO_HTTPS", "1") == "1"'],
  ['SESSION_COOKIE_SECURE', 'os.environ.get("DJANGO_HTTPS", "1") == "1"'],
  ['CSRF_COOKIE_SECURE', 'os.environ.get("DJANGO_HTTPS", "1") == "1"'],
  ['SECURE_HSTS_SECONDS', 'int(os.environ.get("DJANGO_HSTS_SECONDS", "3600")) if os.environ.get("DJANGO_HTTPS", "1") == "1" else 0'],
];

registerRule({
  id: 'CW206',
  severity: 'info',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: 'HTTPS settings absent or off',
  check(file, ctx) {
    const mod = settings(file);
    // A shared base is judged through the modules that import it.
    if (isSharedBase(file, ctx.workspace)) return [];
    const { bases, unresolved } = starBases(file, ctx.workspace);
    const missing: string[] = [];
    const edits: TextEdit[] = [];
    const add: string[] = [];
    let firstOff: PyNode | undefined;
    for (const [name, expr] of HTTPS_SETTINGS) {
      const all = mod.assignments.filter((a) => a.targets.some((t) => t.kind === 'name' && t.name === name));
      const top = moduleAssignment(mod, name);
      if (all.length === 0) {
        if (unresolved) continue; // may come from a star-imported module we cannot see
        const inBase = bases.map((b) => b.assignments.filter((a) => a.targets.some((t) => t.kind === 'name' && t.name === name)));
        // Set in a base (the last base to set it wins; anything but a literal off counts as set).
        const baseSet = inBase.find((list) => list.length > 0);
        if (baseSet && !(baseSet.length === 1 && baseSet[0].topLevel && literalOff(baseSet[0].value))) continue;
        missing.push(name);
        add.push(`${name} = ${expr}`);
      } else if (top && all.length === 1 && literalOff(top.value)) {
        missing.push(name);
        firstOff ??= top.value;
        edits.push({ range: top.value!.range, newText: expr });
      }
    }
    if (missing.length === 0) return [];
    const debug = moduleAssignment(mod, 'DEBUG');
    const anchor =
      firstOff?.range ?? debug?.targets[0].range ?? mod.assignments.find((a) => a.topLevel)?.targets[0].range ?? mod.imports.find((i) => i.names.includes('*'))?.range;
    if (!anchor) return []; // not a settings module we can say anything about
    // SECURE_SSL_REDIRECT turned on behind nginx or a platform router (how Cloudward deploys) loops
    // without the header that tells Django the original scheme (CW603): the fix sets both.
    const assigns = (m: PythonModule, name: string) => m.assignments.some((a) => a.targets.some((t) => t.kind === 'name' && t.name === name));
    const proxyHeader = missing.includes('SECURE_SSL_REDIRECT') && !assigns(mod, 'SECURE_PROXY_SSL_HEADER') && !bases.some((b) => assigns(b, 'SECURE_PROXY_SSL_HEADER'));
    if (add.length || proxyHeader) {
      const block = [
        '# HTTPS: on unless DJANGO_HTTPS=0 (e.g. a staging server without a certificate).',
        ...add,
        ...(proxyHeader ? ['# nginx or the platform\'s router ends HTTPS and says so in X-Forwarded-Proto (it must set it, overriding a client\'s).', 'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")'] : []),
      ].join('\n');
      edits.push(insertAfterStatement(mod, undefined, block));
    }
    const os = importEdit(mod, 'os');
    return [
      {
        message: `HTTPS settings missing or off: ${missing.join(', ')}`,
        range: anchor,
        hint:
          'Without them, sessions and CSRF cookies travel in clear text and browsers may use plain HTTP. Turn them on (behind a TLS-terminating proxy also set SECURE_PROXY_SSL_HEADER).',
        fix: fix(file, 'Add the HTTPS settings, driven by DJANGO_HTTPS', [...edits, os]),
      },
    ];
  },
});

// --- CW207 -------------------------------------------------------------------------------------------

const REQUIRED_MIDDLEWARE: Array<{ path: string; short: string; after?: string[] }> = [
  { path: 'django.middleware.security.SecurityMiddleware', short: 'SecurityMiddleware' },
  {
    path: 'django.middleware.csrf.CsrfViewMiddleware',
    short: 'CsrfViewMiddleware',
    after: ['django.middleware.common.CommonMiddleware', 'django.contrib.sessions.middleware.SessionMiddleware'],
  },
  { path: 'django.middleware.clickjacking.XFrameOptionsMiddleware', short: 'XFrameOptionsMiddleware', after: [] },
];

registerRule({
  id: 'CW207',
  severity: 'warning',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: 'SecurityMiddleware, CsrfViewMiddleware or XFrameOptionsMiddleware missing',
  check(file) {
    const mod = settings(file);
    const mw = moduleAssignment(mod, 'MIDDLEWARE');
    if (!mw || mw.op !== '=' || !isList(mw.value)) return [];
    const list = mw.value;
    const present = new Set(list.items.map(stringValue).filter((s): s is string => !!s));
    // Anything added later (+=, insert, append) counts: we only look for the names.
    for (const a of mod.assignments) {
      if (a !== mw && a.targets.some((t) => t.kind === 'name' && t.name === 'MIDDLEWARE')) collectStrings(a.value, present);
    }
    for (const c of mod.calls) if (c.callee.startsWith('MIDDLEWARE.')) for (const arg of c.call.args) collectStrings(arg.value, present);
    const out: RuleFinding[] = [];
    // `MIDDLEWARE = [...]`, or the name inside a tuple target (`MIDDLEWARE, X = ...`).
    if (mw.targets.length !== 1 || mw.targets[0].kind !== 'name') return [];
    const target = mw.targets[0];
    for (const m of REQUIRED_MIDDLEWARE) {
      if (present.has(m.path)) continue;
      out.push({
        message: `${m.short} is missing from MIDDLEWARE`,
        range: target.range,
        hint:
          m.short === 'SecurityMiddleware'
            ? 'SecurityMiddleware applies the HTTPS redirect, HSTS and other security headers; without it those settings do nothing.'
            : m.short === 'CsrfViewMiddleware'
              ? 'Without CsrfViewMiddleware, forms and cookie-authenticated POSTs are open to cross-site request forgery.'
              : 'Without XFrameOptionsMiddleware, pages can be framed by other sites (clickjacking).',
        fix: fix(file, `Add ${m.short} to MIDDLEWARE`, [middlewareInsert(mod, list, m)]),
      });
    }
    return out;
  },
});

function collectStrings(node: PyNode | undefined, into: Set<string>): void {
  if (!node) return;
  const s = stringValue(node);
  if (s) into.add(s);
  if (node.kind === 'list' || node.kind === 'tuple' || node.kind === 'set') node.items.forEach((i) => collectStrings(i, into));
  if (node.kind === 'op') node.parts.forEach((i) => collectStrings(i, into));
}

/** Inserts a middleware path into a list literal where Django's default order puts it, in the list's style. */
function middlewareInsert(mod: PythonModule, list: ListNode, m: (typeof REQUIRED_MIDDLEWARE)[number]): TextEdit {
  const items = list.items;
  const quote = items.find((i) => i.kind === 'string')?.kind === 'string' ? (items.find((i) => i.kind === 'string') as { quote: string }).quote : '"';
  const entry = `${quote}${m.path}${quote}`;
  if (items.length === 0) {
    return { range: list.range, newText: list.kind === 'tuple' ? `(${entry},)` : `[${entry}]` };
  }
  const multiline = list.range.start.line !== list.range.end.line;
  const indent = multiline ? indentOf(mod, items[0].range.start.line) : '';
  let afterIndex = -1;
  if (m.after === undefined) afterIndex = -1; // first
  else if (m.after.length === 0) afterIndex = items.length - 1; // last
  else {
    afterIndex = items.length - 1;
    for (const name of m.after) {
      const k = items.findIndex((i) => stringValue(i) === name);
      if (k >= 0) {
        afterIndex = k;
        break;
      }
    }
  }
  if (afterIndex < 0) {
    const p = items[0].range.start;
    return { range: { start: p, end: p }, newText: multiline ? `${entry},\n${indent}` : `${entry}, ` };
  }
  const item = items[afterIndex];
  // After the item's trailing comma when it has one.
  let off = offsetOf(mod, item.range.end);
  while (off < mod.text.length && (mod.text[off] === ' ' || mod.text[off] === '\t')) off++;
  if (mod.text[off] === ',') {
    const p = positionOf(mod, off + 1);
    return { range: { start: p, end: p }, newText: multiline ? `\n${indent}${entry},` : ` ${entry},` };
  }
  const p = item.range.end;
  return { range: { start: p, end: p }, newText: multiline ? `,\n${indent}${entry}` : `, ${entry}` };
}

// --- CW208 / CW209 -----------------------------------------------------------------------------------

function databases(mod: PythonModule): DictNode | undefined {
  const v = moduleAssignment(mod, 'DATABASES')?.value;
  return v?.kind === 'dict' ? v : undefined;
}

registerRule({
  id: 'CW208',
  severity: 'info',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: 'the default database is SQLite',
  check(file, ctx) {
    const mod = settings(file);
    if (setByImporter(file, ctx.workspace, 'DATABASES')) return []; // production.py sets its own
    const dbs = databases(mod);
    const def = dictGet(dbs, 'default');
    const engine = dictGet(def, 'ENGINE');
    if (!def || def.kind !== 'dict' || stringValue(engine) !== 'django.db.backends.sqlite3') return [];
    const name = dictGet(def, 'NAME');
    const nameText = name ? mod.text.slice(offsetOf(mod, name.range.start), offsetOf(mod, name.range.end)) : undefined;
    const indent = indentOf(mod, def.range.start.line);
    const inner = indent + '    ';
    // The database spoken of one way across the product (walkthrough, snippets, generated files): one
    // DATABASE_URL read by dj-database-url, with the current SQLite file as the default.
    const replacement = [
      'dj_database_url.config(',
      `${inner}# DATABASE_URL, e.g. postgres://USER:PASSWORD@HOST:5432/NAME; without it, the SQLite file below.`,
      `${inner}default=${nameText ? `"sqlite:///" + str(${nameText})` : '"sqlite:///db.sqlite3"'},`,
      `${inner}conn_max_age=600,`,
      `${indent})`,
    ].join('\n');
    return [
      {
        message: 'The default database is SQLite',
        range: engine!.range,
        hint:
          'SQLite locks the whole database on every write and lives on the server\'s disk (lost with a container). Use PostgreSQL or MySQL in production, given as DATABASE_URL (dj-database-url: add it to your requirements).',
        fix: fix(file, 'Read the database from DATABASE_URL (dj-database-url)', [{ range: def.range, newText: replacement }, importEdit(mod, 'dj_database_url')]),
      },
    ];
  },
});

registerRule({
  id: 'CW209',
  severity: 'error',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: 'a database PASSWORD is a literal',
  check(file, ctx) {
    const mod = settings(file);
    if (setByImporter(file, ctx.workspace, 'DATABASES')) return []; // production.py sets its own
    const dbs = databases(mod);
    if (!dbs) return [];
    const out: RuleFinding[] = [];
    for (const e of dbs.entries) {
      const alias = stringValue(e.key);
      const pw = dictGet(e.value, 'PASSWORD');
      const pwFallback = secretFallback(pw);
      if (alias && pwFallback) {
        out.push({
          message: `The "${alias}" database password falls back to one written in the source`,
          range: pwFallback.range,
          hint: `When ${pwFallback.variable ?? 'the variable'} is not set, the password in the code is used. Leave no default for a password.`,
        });
        continue;
      }
      if (!alias || !pw || pw.kind !== 'string' || pw.fstring || pw.value === '') continue;
      const env = alias === 'default' ? 'DJANGO_DB_PASSWORD' : `DJANGO_DB_${alias.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PASSWORD`;
      out.push({
        message: `The "${alias}" database password is written in the source`,
        range: pw.range,
        hint: 'Anyone who can read the code can reach the database. Read the password from the environment or a secrets file.',
        fix: fix(file, `Read the password from the environment (${env})`, [
          { range: pw.range, newText: `os.environ["${env}"]` },
          importEdit(mod, 'os'),
        ]),
      });
    }
    return out;
  },
});

// --- CW210 -------------------------------------------------------------------------------------------

registerRule({
  id: 'CW210',
  severity: 'error',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  summary: 'a CSRF_TRUSTED_ORIGINS entry has no scheme',
  check(file) {
    const mod = settings(file);
    const out: RuleFinding[] = [];
    for (const a of mod.assignments) {
      if (!a.targets.some((t) => t.kind === 'name' && t.name === 'CSRF_TRUSTED_ORIGINS') || !isList(a.value)) continue;
      for (const item of a.value.items) {
        if (item.kind !== 'string' || item.fstring) continue;
        const origin = item.value;
        if (origin === '' || origin.includes('://')) continue;
        const raw = mod.text.slice(offsetOf(mod, item.range.start), offsetOf(mod, item.range.end));
        const simple = raw === `${item.quote}${origin}${item.quote}`;
        out.push({
          message: `CSRF trusted origin "${origin}" has no scheme`,
          range: item.range,
          hint: 'Since Django 4.0 CSRF_TRUSTED_ORIGINS entries must start with the scheme (https://); without it Django refuses to start (4_0.E001) or rejects every POST.',
          fix: simple ? fix(file, `Use https://${origin}`, [{ range: item.range, newText: `${item.quote}https://${origin}${item.quote}` }]) : undefined,
        });
      }
    }
    return out;
  },
});

