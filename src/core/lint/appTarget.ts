import { basename, dirname, normalizePath } from './classify';
import { envValue } from './env';
import type { LintFile } from './file';
import { START_KINDS, startCommands } from './startCommands';
import type { StartCommand } from './startCommands';
import type { AppTarget, LintOptions, WorkspaceView } from './rule';

const PACKAGE = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z0-9_]+)*$/;

/**
 * The project package a file's settings module names: DJANGO_SETTINGS_MODULE=mysite.settings.prod as the
 * file sets it (envVars: ENV, compose/Kubernetes env, Environment=, uWSGI env, export) or on one of its
 * start commands, or a `--settings mysite.settings` option there. The package is the first part.
 */
function settingsPackage(file: LintFile): string | undefined {
  const candidates: Array<string | undefined> = [envValue(file, 'DJANGO_SETTINGS_MODULE')];
  if (START_KINDS.includes(file.kind)) {
    let starts: StartCommand[] = [];
    try {
      starts = file.parse(startCommands);
    } catch {
      // unreadable: no hint from its commands
    }
    for (const s of starts) {
      for (const c of s.commands) {
        for (let i = 0; i < c.words.length; i++) {
          const w = c.words[i].value;
          if (w.startsWith('DJANGO_SETTINGS_MODULE=')) candidates.push(w.slice('DJANGO_SETTINGS_MODULE='.length));
          else if (w.startsWith('--settings=')) candidates.push(w.slice('--settings='.length));
          else if (w === '--settings') candidates.push(c.words[i + 1]?.value);
        }
      }
    }
  }
  for (const c of candidates) {
    const m = c ? PACKAGE.exec(c.trim()) : null;
    if (m) return m[1];
  }
  return undefined;
}

function relativeModule(fromDir: string, file: string): string | undefined {
  const from = normalizePath(fromDir === '.' ? '' : fromDir);
  const f = normalizePath(file).replace(/\.py$/, '');
  const prefix = from ? from + '/' : '';
  if (prefix && !f.startsWith(prefix)) return undefined;
  const rest = f.slice(prefix.length);
  return /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*$/.test(rest) ? rest.replace(/\//g, '.') : undefined;
}

/**
 * The application a production server should run for `file`, in gunicorn/uvicorn's `module[:attr]`
 * spelling: options.appTarget when given; else a `wsgi.py` (`asgi.py` for ASGI) beside the Django
 * settings found in the workspace, relative to the folder of `manage.py` (else to the file's folder);
 * else the project package named by a DJANGO_SETTINGS_MODULE / --settings in the file itself.
 */
export function deriveAppTarget(file: LintFile, workspace: WorkspaceView, options: LintOptions): AppTarget | undefined {
  const iface = options.interface;
  if (options.appTarget) {
    return { target: options.appTarget, interface: iface ?? (/\basgi\b/.test(options.appTarget) ? 'asgi' : 'wsgi') };
  }
  const want = iface ?? 'wsgi';
  const candidates: string[] = [];
  const managers: string[] = [];
  for (const p of workspace.paths()) {
    const b = basename(p);
    if (b === `${want}.py`) candidates.push(p);
    else if (b === 'manage.py') managers.push(p);
  }
  const hinted = settingsPackage(file);
  const ranked = candidates
    .filter((c) => {
      const dir = dirname(c);
      return workspace.exists(`${dir}/settings.py`) || [...workspace.paths()].some((p) => dirname(p) === `${dir}/settings`);
    })
    .sort((a, b) => (hinted && basename(dirname(a)) === hinted ? -1 : 0) - (hinted && basename(dirname(b)) === hinted ? -1 : 0) || a.length - b.length);
  for (const c of ranked.length ? ranked : candidates) {
    const roots = [...managers.map(dirname), dirname(file.path)];
    for (const root of roots) {
      const mod = relativeModule(root, c);
      if (mod) return { target: mod, interface: want };
    }
  }
  if (hinted) return { target: `${hinted}.${want}`, interface: want };
  return undefined;
}
