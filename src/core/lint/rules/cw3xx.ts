// CW3xx: Flask / FastAPI application code (and django-cors-headers settings for CW304).

import type { Fix, Range, TextEdit } from '../types';
import type { LintFile } from '../file';
import { registerRule, type RuleContext, type RuleFinding } from '../rule';
import { productionValues, valueName } from '../flaskConfig';
import { debugOnByDefault, envRead, secretFallback } from './envDefault';
import {
  dottedName,
  importEdit,
  keywordArg,
  moduleAssignment,
  pythonModuleOf,
  stringValue,
  type PyArg,
  type PyCallSite,
  type PyNode,
  type PythonModule,
} from '../parse/python';

const ENV_FLASK_DEBUG = 'os.environ.get("FLASK_DEBUG", "") == "1"';
const ENV_ORIGINS = '[origin for origin in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if origin]';

function fix(file: LintFile, title: string, edits: Array<TextEdit | undefined>): Fix {
  return { title, edits: [{ file: file.path, edits: edits.filter((e): e is TextEdit => !!e) }] };
}

function isTrue(node: PyNode | undefined): boolean {
  return node?.kind === 'const' && node.value === 'True';
}

/** A non-empty string or bytes literal: a secret written in the code (Flask's quickstart writes `app.secret_key = b'...'`). */
function literalSecret(node: PyNode | undefined): node is Extract<PyNode, { kind: 'string' }> {
  return !!node && node.kind === 'string' && node.value.trim() !== '' && !(node.fstring && node.value.includes('{…}'));
}

function lastPart(dotted: string): string {
  return dotted.slice(dotted.lastIndexOf('.') + 1);
}

/** `X.config` (Flask's config mapping) for some plain name X. */
function isConfigObject(node: PyNode): boolean {
  return node.kind === 'attribute' && node.name === 'config' && dottedName(node.object) !== undefined;
}

/** Keyword arguments and dict-literal entries passed to a call, as [key, value, whole range]. */
function settingsPassed(call: PyCallSite['call']): Array<{ key: string; value: PyNode; range: Range }> {
  const out: Array<{ key: string; value: PyNode; range: Range }> = [];
  for (const a of call.args) {
    if (a.name) out.push({ key: a.name, value: a.value, range: a.range });
    else if (!a.star && a.value.kind === 'dict') {
      for (const e of a.value.entries) {
        const k = stringValue(e.key);
        if (k) out.push({ key: k, value: e.value, range: e.range });
      }
    }
  }
  return out;
}

function app(file: LintFile): PythonModule {
  return file.parse(pythonModuleOf);
}

// --- CW301 -------------------------------------------------------------------------------------------

registerRule({
  id: 'CW301',
  severity: 'error',
  kinds: ['python-app'],
  silentInDevelopment: true,
  summary: 'app.run(debug=True) outside if __name__ == "__main__"',
  check(file) {
    const mod = app(file);
    const out: RuleFinding[] = [];
    for (const c of mod.calls) {
      if (c.inMainGuard || lastPart(c.callee) !== 'run' || !c.callee.includes('.')) continue;
      if (c.callee === 'uvicorn.run' || c.callee === 'hypercorn.run') continue;
      const debug = keywordArg(c.call, 'debug');
      if (!debug || !isTrue(debug.value)) continue;
      out.push({
        message: `${c.callee}(debug=True) runs the debugger whenever this code runs`,
        range: debug.range,
        hint:
          'The Werkzeug debugger lets anyone who can trigger an error run Python on the server. Keep app.run for development, under if __name__ == "__main__":, and take debug from the environment.',
        fix: fix(file, 'Take debug from the environment (FLASK_DEBUG=1)', [
          { range: debug.value.range, newText: ENV_FLASK_DEBUG },
          importEdit(mod, 'os'),
        ]),
      });
    }
    return out;
  },
});

// --- CW302 -------------------------------------------------------------------------------------------

registerRule({
  id: 'CW302',
  severity: 'error',
  kinds: ['python-app', 'flask-config'],
  silentInDevelopment: true,
  readsWorkspace: true,
  summary: 'debug switched on in code (app.debug = True, config DEBUG = True, a production config class)',
  check(file, ctx) {
    const mod = app(file);
    const out: RuleFinding[] = configDebug(file, ctx, mod);
    if (file.kind === 'flask-config') return out;
    const report = (range: Range, value: PyNode, what: string) =>
      out.push({
        message: `Debug mode switched on in code (${what})`,
        range,
        hint: 'In debug mode Flask shows the interactive debugger and FastAPI/Starlette return tracebacks to clients. Take it from the environment, off by default.',
        fix: fix(file, 'Take debug from the environment (FLASK_DEBUG=1)', [
          { range: value.range, newText: ENV_FLASK_DEBUG },
          importEdit(mod, 'os'),
        ]),
      });
    for (const a of mod.assignments) {
      if (a.inMainGuard || !isTrue(a.value)) continue;
      for (const t of a.targets) {
        if (t.kind === 'attribute' && t.name === 'debug' && dottedName(t.object)) report(a.value!.range, a.value!, `${dottedName(t)} = True`);
        else if (t.kind === 'subscript' && isConfigObject(t.object) && stringValue(t.index) === 'DEBUG') report(a.value!.range, a.value!, 'config["DEBUG"] = True');
      }
    }
    for (const c of mod.calls) {
      if (c.inMainGuard) continue;
      const method = lastPart(c.callee);
      if ((method === 'update' || method === 'from_mapping') && c.call.callee.kind === 'attribute' && isConfigObject(c.call.callee.object)) {
        for (const s of settingsPassed(c.call)) if (s.key === 'DEBUG' && isTrue(s.value)) report(s.range, s.value, `config.${method}(DEBUG=True)`);
      } else if (method === 'FastAPI' || method === 'Starlette' || method === 'Quart') {
        const debug = keywordArg(c.call, 'debug');
        if (debug && isTrue(debug.value)) report(debug.range, debug.value, `${method}(debug=True)`);
      }
    }
    return out;
  },
});

// --- Flask config classes and modules (CW302, CW303) ------------------------------------------------
// `class ProductionConfig(Config): DEBUG = True`, a base class production inherits from, or a config
// module the app loads as a whole: the values production runs with (flaskConfig.ts decides which).

function configDebug(file: LintFile, ctx: RuleContext, mod: PythonModule): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const v of productionValues(file, ctx.workspace, (attr) => attr === 'DEBUG')) {
    const value = v.assignment.value!;
    const envFix = fix(file, 'Take DEBUG from the environment, off by default (FLASK_DEBUG=1)', [{ range: value.range, newText: ENV_FLASK_DEBUG }, importEdit(mod, 'os')]);
    const name = valueName(v, 'DEBUG');
    if (isTrue(value)) {
      out.push({
        message: `${name} = True in a production configuration`,
        range: value.range,
        hint: 'Production loads this configuration, so Flask runs with the interactive debugger: anyone who triggers an error can run Python on the server. Take it from the environment, off by default.',
        fix: envFix,
        related: v.related,
      });
      continue;
    }
    const d = debugOnByDefault(value);
    if (d) {
      out.push({
        message: `${name} is on unless the environment turns it off`,
        range: d.range,
        hint: `${d.why}. Production loads this configuration: a server started without the variable runs the interactive debugger. Make the default off.`,
        fix: envFix,
        related: v.related,
      });
    }
  }
  return out;
}

/** SECRET_KEY and the other signing keys of Flask extensions (JWT_SECRET_KEY, WTF_CSRF_SECRET_KEY). */
function isSecretKeyName(attr: string): boolean {
  return attr === 'SECRET_KEY' || attr.endsWith('_SECRET_KEY');
}

function configSecrets(file: LintFile, ctx: RuleContext, mod: PythonModule): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const v of productionValues(file, ctx.workspace, isSecretKeyName)) {
    const attr = (v.assignment.targets.find((t) => t.kind === 'name' && isSecretKeyName(t.name)) as { name: string } | undefined)?.name ?? 'SECRET_KEY';
    const value = v.assignment.value!;
    const name = valueName(v, attr);
    // os.environ.get: None when unset, so importing the config module (also in development) never fails;
    // Flask refuses to sign sessions without a key instead of signing them with a public one.
    const envFix = (variable: string) => fix(file, `Read ${attr} from the environment (${variable})`, [{ range: value.range, newText: `os.environ.get("${variable}")` }, importEdit(mod, 'os')]);
    if (literalSecret(value)) {
      out.push({
        message: `${name} is written in the source`,
        range: value.range,
        hint: 'Production loads this configuration: anyone with the code can forge the signed session cookies (and tokens signed with this key). Read the key from the environment or a secrets file.',
        fix: envFix(attr),
        related: v.related,
      });
      continue;
    }
    const fb = secretFallback(value);
    if (fb) {
      const read = envRead(value);
      out.push({
        message: `${name} falls back to a key written in the source`,
        range: fb.range,
        hint: `When ${fb.variable ?? 'the variable'} is not set, production signs sessions with the key in the code, which anyone with the code can use to forge them. Drop the fallback: without a key Flask refuses to sign sessions instead.`,
        fix: read?.raw && fb.variable ? envFix(fb.variable) : undefined,
        related: v.related,
      });
    }
  }
  return out;
}

// --- CW303 -------------------------------------------------------------------------------------------

registerRule({
  id: 'CW303',
  severity: 'error',
  kinds: ['python-app', 'flask-config'],
  silentInDevelopment: false,
  readsWorkspace: true,
  summary: 'a literal secret key in application code or a production config class',
  check(file, ctx) {
    const mod = app(file);
    const out: RuleFinding[] = configSecrets(file, ctx, mod);
    if (file.kind === 'flask-config') return out;
    const report = (value: Extract<PyNode, { kind: 'string' }>, what: string, env: string) =>
      out.push({
        message: `${what} is written in the source`,
        range: value.range,
        hint: 'Anyone with the code can forge the signed session cookies. Read the key from the environment or a secrets file.',
        fix: fix(file, `Read it from the environment (${env})`, [{ range: value.range, newText: `os.environ["${env}"]` }, importEdit(mod, 'os')]),
      });
    for (const a of mod.assignments) {
      if (!literalSecret(a.value)) continue;
      for (const t of a.targets) {
        if (t.kind === 'attribute' && t.name === 'secret_key' && dottedName(t.object)) report(a.value, `${dottedName(t)}`, 'FLASK_SECRET_KEY');
        else if (t.kind === 'subscript' && isConfigObject(t.object) && stringValue(t.index) === 'SECRET_KEY') report(a.value, 'config["SECRET_KEY"]', 'FLASK_SECRET_KEY');
      }
    }
    for (const c of mod.calls) {
      const method = lastPart(c.callee);
      if ((method === 'update' || method === 'from_mapping') && c.call.callee.kind === 'attribute' && isConfigObject(c.call.callee.object)) {
        for (const s of settingsPassed(c.call)) if (s.key === 'SECRET_KEY' && literalSecret(s.value)) report(s.value, 'config SECRET_KEY', 'FLASK_SECRET_KEY');
      }
      // Starlette/FastAPI sessions: add_middleware(SessionMiddleware, secret_key="...") or SessionMiddleware(app, secret_key=...).
      const isSession =
        method === 'SessionMiddleware' ||
        ((method === 'add_middleware' || method === 'Middleware') && lastPart(dottedName(c.call.args[0]?.value) ?? '') === 'SessionMiddleware');
      if (isSession) {
        const key = keywordArg(c.call, 'secret_key');
        if (key && literalSecret(key.value)) report(key.value, 'The session secret_key', 'SESSION_SECRET_KEY');
      }
    }
    return out;
  },
});

// --- CW304 -------------------------------------------------------------------------------------------

function starIn(node: PyNode | undefined): PyNode | undefined {
  if (!node) return undefined;
  if (stringValue(node) === '*') return node;
  if ((node.kind === 'list' || node.kind === 'tuple' || node.kind === 'set') && !node.comprehension) return node.items.find((i) => stringValue(i) === '*');
  return undefined;
}

const CORS_HINT =
  'With credentials allowed, a wildcard origin lets any website make logged-in requests on behalf of your users and read the answers. List the origins that may call the API.';

registerRule({
  id: 'CW304',
  severity: 'warning',
  kinds: ['python-app', 'django-settings'],
  silentInDevelopment: false,
  summary: 'CORS allows every origin together with credentials',
  check(file) {
    const mod = app(file);
    const out: RuleFinding[] = [];
    if (file.kind === 'django-settings') {
      // django-cors-headers: CORS_ALLOW_ALL_ORIGINS (or the old CORS_ORIGIN_ALLOW_ALL) with CORS_ALLOW_CREDENTIALS.
      const all = moduleAssignment(mod, 'CORS_ALLOW_ALL_ORIGINS') ?? moduleAssignment(mod, 'CORS_ORIGIN_ALLOW_ALL');
      const creds = moduleAssignment(mod, 'CORS_ALLOW_CREDENTIALS');
      if (all && isTrue(all.value) && creds && isTrue(creds.value)) {
        out.push({ message: 'CORS allows every origin with credentials', range: all.value!.range, hint: CORS_HINT });
      }
      return out;
    }
    for (const c of mod.calls) {
      const method = lastPart(c.callee);
      const first = c.call.args[0];
      const isStarletteCors =
        method === 'CORSMiddleware' || ((method === 'add_middleware' || method === 'Middleware') && lastPart(dottedName(first?.value) ?? '') === 'CORSMiddleware');
      if (isStarletteCors) {
        const origins = keywordArg(c.call, 'allow_origins');
        const creds = keywordArg(c.call, 'allow_credentials');
        const star = starIn(origins?.value);
        if (!star || !creds || !isTrue(creds.value)) continue;
        const list = origins!.value;
        out.push({
          message: 'CORS allows every origin ("*") with credentials',
          range: star.range,
          hint: CORS_HINT,
          fix:
            list.kind === 'list'
              ? fix(file, 'Read the allowed origins from the environment (CORS_ALLOWED_ORIGINS)', [{ range: list.range, newText: ENV_ORIGINS }, importEdit(mod, 'os')])
              : undefined,
        });
      } else if (method === 'CORS' || method === 'cross_origin') {
        // Flask-CORS: origins default to "*"; credentials only with supports_credentials=True.
        const creds = keywordArg(c.call, 'supports_credentials');
        if (!creds || !isTrue(creds.value)) continue;
        const origins = keywordArg(c.call, 'origins');
        const resources = keywordArg(c.call, 'resources');
        const wildcard = flaskCorsWildcard(origins, resources);
        if (!wildcard) continue;
        out.push({
          message: 'CORS allows every origin with credentials (supports_credentials=True)',
          range: wildcard === true ? creds.range : wildcard.range,
          hint: CORS_HINT,
        });
      }
    }
    return out;
  },
});

/** For Flask-CORS: the '*' origin node, true when origins default to '*', or undefined when origins are listed. */
function flaskCorsWildcard(origins: PyArg | undefined, resources: PyArg | undefined): PyNode | true | undefined {
  if (origins) return starIn(origins.value);
  if (!resources) return true;
  const r = resources.value;
  if (r.kind !== 'dict') return undefined; // a variable or a list of paths: cannot tell, stay silent
  for (const e of r.entries) {
    if (e.value.kind !== 'dict') continue;
    const o = e.value.entries.find((x) => stringValue(x.key) === 'origins');
    if (!o) return true;
    const star = starIn(o.value);
    if (star) return star;
  }
  return undefined;
}
