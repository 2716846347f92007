// CW606: static files with nothing to serve them. On a platform (Procfile, fly.toml, render.yaml, app.json),
// in a bare container or in Kubernetes there is no nginx in front of the app: `collectstatic` fills
// STATIC_ROOT and nobody serves it, so the admin and the site have no CSS. WhiteNoise lets the app serve
// its own static files; the fix adds its middleware right after SecurityMiddleware and its storage.

import type { Fix, TextEdit } from '../types';
import type { LintFile } from '../file';
import { registerRule, type WorkspaceView } from '../rule';
import { moduleAssignment, pythonModuleOf, stringValue, type PyNode, type PythonModule } from '../parse/python';
import { dictGet, insertAfterStatement, isList, remoteStaticStorage } from './cw2xx';

const WHITENOISE = 'whitenoise.middleware.WhiteNoiseMiddleware';
const SECURITY = 'django.middleware.security.SecurityMiddleware';

/** The files that run the app with no web server in front, and whether any file puts one there. */
export function platformTargets(ws: WorkspaceView): { starts: LintFile[]; proxied: boolean } {
  const starts = [...ws.files('procfile'), ...ws.files('platform'), ...ws.files('dockerfile'), ...ws.files('kubernetes')];
  // An nginx site, or a compose stack (whose generated form puts nginx in front), serves static files.
  // Fly.io's proxy serves [[statics]] from the image.
  const proxied = [...ws.files('nginx')].length > 0 || [...ws.files('compose')].length > 0 || [...ws.files('platform')].some((f) => /^\s*\[\[statics\]\]/m.test(f.text));
  return { starts, proxied };
}

function usesWhitenoise(mod: PythonModule): boolean {
  if (mod.imports.some((i) => i.module.startsWith('whitenoise'))) return true;
  const storage = stringValue(moduleAssignment(mod, 'STATICFILES_STORAGE')?.value) ?? stringValue(dictGet(dictGet(moduleAssignment(mod, 'STORAGES')?.value, 'staticfiles'), 'BACKEND'));
  if (storage?.startsWith('whitenoise')) return true;
  return mod.assignments.some((a) => a.targets.some((t) => t.kind === 'name' && t.name === 'MIDDLEWARE') && isList(a.value) && a.value.items.some((i) => stringValue(i) === WHITENOISE));
}

/**
 * Whether STATIC_URL puts the static files on another host: a full URL (`https://cdn…/static/`,
 * `//host/static/`) or an f-string starting with a host variable (`f"{TAIGA_URL}/static/"`). Then a
 * gateway or CDN serves them, not this app: nothing to add.
 */
function staticOnAnotherHost(mod: PythonModule): boolean {
  const v = moduleAssignment(mod, 'STATIC_URL')?.value;
  if (!v || v.kind !== 'string') return false;
  return /^(?:https?:)?\/\//i.test(v.value) || (v.fstring && /^\{/.test(v.value.trim()));
}

function whitenoiseFix(file: LintFile, mod: PythonModule): Fix | undefined {
  const middleware = moduleAssignment(mod, 'MIDDLEWARE');
  if (!middleware || !isList(middleware.value)) return undefined;
  const items = middleware.value.items;
  const edits: TextEdit[] = [];
  // Right after SecurityMiddleware (WhiteNoise's docs), else first: before anything that renders pages.
  const security = items.find((i) => stringValue(i) === SECURITY);
  const anchor = security ?? items[0];
  const line = anchor ? anchor.range.start.line : middleware.value.range.start.line;
  const indent = /^[ \t]*/.exec(mod.text.slice(mod.lineStarts[line], mod.lineStarts[line + 1] ?? mod.text.length))![0] || '    ';
  if (anchor && anchor.range.start.line !== middleware.value.range.start.line) {
    const at = security ? { line: security.range.end.line + 1, character: 0 } : { line: anchor.range.start.line, character: 0 };
    edits.push({ range: { start: at, end: at }, newText: `${indent}"${WHITENOISE}",\n` });
  } else {
    // A one-line list: insert as an element.
    const at = security ? security.range.end : { line: middleware.value.range.start.line, character: middleware.value.range.start.character + 1 };
    edits.push({ range: { start: at, end: at }, newText: security ? `, "${WHITENOISE}"` : `"${WHITENOISE}", ` });
  }
  if (!moduleAssignment(mod, 'STORAGES') && !moduleAssignment(mod, 'STATICFILES_STORAGE')) {
    const storages = [
      '# Static files served by the app itself (WhiteNoise): compressed, with hashed names cached for a year.',
      'STORAGES = {',
      '    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},',
      '    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},',
      '}',
    ].join('\n');
    edits.push(insertAfterStatement(mod, moduleAssignment(mod, 'STATIC_ROOT') ?? moduleAssignment(mod, 'STATIC_URL'), storages));
  }
  return { title: 'Serve static files with WhiteNoise (middleware and STORAGES)', edits: [{ file: file.path, edits: edits.filter((e): e is TextEdit => !!e) }] };
}

registerRule({
  id: 'CW606',
  severity: 'warning',
  kinds: ['django-settings'],
  silentInDevelopment: true,
  crossFile: true,
  summary: 'static files have no server: a platform or container target without nginx and without WhiteNoise',
  check(file, ctx) {
    const { starts, proxied } = platformTargets(ctx.workspace);
    if (!starts.length || proxied) return [];
    const mod = file.parse(pythonModuleOf);
    let app: PyNode | undefined;
    for (const a of mod.assignments) {
      if (!a.topLevel || !a.targets.some((t) => t.kind === 'name' && t.name === 'INSTALLED_APPS')) continue;
      if (isList(a.value)) app = a.value.items.find((i) => stringValue(i) === 'django.contrib.staticfiles') ?? app;
    }
    if (!app || usesWhitenoise(mod) || remoteStaticStorage(mod) || staticOnAnotherHost(mod)) return [];
    if (mod.imports.some((i) => i.names.includes('*'))) return []; // a settings package: the base may add it
    return [
      {
        message: 'Nothing serves the static files: add WhiteNoise',
        range: app.range,
        hint:
          `${starts.map((f) => f.path.split(/[\\/]/).pop()).filter((v, i, a) => a.indexOf(v) === i).join(', ')} start${starts.length === 1 ? 's' : ''} the app with no web server in front, and Django never serves static files in production: ` +
          'the admin and your pages would have no CSS. WhiteNoise serves them from the app (add `whitenoise` to your requirements); the platform\'s build runs collectstatic.',
        fix: whitenoiseFix(file, mod),
        related: starts.slice(0, 3).map((f) => ({ file: f.path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: 'starts the app without nginx' })),
      },
    ];
  },
});
