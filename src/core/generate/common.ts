// Pieces shared by the generators: the header every file starts with, the start command, container paths.
import path = require('path');
import type { DeployPlan } from '../plan/types';

/** Where the image keeps the code: every container file (Dockerfile, compose, Kubernetes) uses it. */
export const CONTAINER_APP_DIR = '/app';
/** Numeric so that Kubernetes can check `runAsNonRoot` against the image's user. */
export const CONTAINER_UID = 10001;

/**
 * The comment a generated file starts with: what it is, which command made it, what to edit.
 * `prefix` is the comment marker of the file's language.
 */
export function header(what: string, kind: string, edit: string, prefix = '#'): string {
  return [
    `${prefix} ${commentText(what)}`,
    `${prefix} Made by \`cloudward generate ${kind}\` (VS Code: Cloudward: Generate…) from the project's deploy plan.`,
    `${prefix} Edit: ${commentText(edit)}`,
  ].join('\n') + '\n';
}

// ── Escaping by format. The plan's validator already refuses what these would have to escape; they are the
// second line of defence, so that no value can ever end a comment, a shell word or a config line.

/**
 * Every line terminator a parser of a generated file may honour: YAML 1.1 (libyaml, kubectl, compose, PyYAML)
 * breaks lines at CR, NEL, LS and PS as well as LF; Python at VT and FF too.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const LINE_BREAKING = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Text for inside a comment line (YAML, Dockerfile, ini, nginx, systemd, Python): stays on its line. */
export function commentText(text: string): string {
  return text.replace(LINE_BREAKING, '?');
}

/** One word for a POSIX shell line (a Dockerfile RUN, a Procfile): single-quoted unless plainly safe. */
export function shWord(word: string): string {
  if (word.search(LINE_BREAKING) >= 0) throw new Error(`refusing a line break or control character in a shell word: ${JSON.stringify(word)}`);
  return /^[\w.:/=,@+%-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** A value for a `key = value` line of an ini file (uWSGI) or a bare nginx word: no quoting exists, so refuse. */
export function configWord(value: string, where: string): string {
  if (!/^[\w.:/=,@+%~*-]+$/.test(value)) throw new Error(`refusing ${JSON.stringify(value)} in ${where}: only letters, digits and . : / = , @ + % ~ * - may appear there`);
  return value;
}

/** Folder of the SQLite database inside the image: a volume (compose) or a PersistentVolumeClaim (Kubernetes). */
export const SQLITE_DATA_DIR = '/app/data';

/** Where Django's settings open the SQLite file inside the image (a link into SQLITE_DATA_DIR), or null. */
export function sqliteInContainer(plan: DeployPlan): string | null {
  if (plan.database !== 'sqlite' || !plan.sqliteFile) return null;
  return plan.sqliteFile.startsWith('/') ? plan.sqliteFile : path.posix.join(CONTAINER_APP_DIR, plan.sqliteFile);
}

/** The app's folder inside the image for a path of the server layout (STATIC_ROOT follows BASE_DIR). */
export function inContainer(plan: DeployPlan, serverPath: string): string {
  const rel = path.posix.relative(plan.appDir, serverPath);
  if (rel === '') return CONTAINER_APP_DIR;
  if (rel.startsWith('..')) return serverPath;
  return path.posix.join(CONTAINER_APP_DIR, rel);
}

/** `manage.py` relative to the app folder. */
export function managePy(plan: DeployPlan): string {
  return plan.pythonPath === '.' ? 'manage.py' : `${plan.pythonPath}/manage.py`;
}

/** `--settings=x` for manage.py when the production settings module is not manage.py's usual default. */
export function settingsFlag(plan: DeployPlan): string[] {
  return plan.settingsModule && !/^[A-Za-z_]\w*\.settings$/.test(plan.settingsModule) ? [`--settings=${plan.settingsModule}`] : [];
}

/** gunicorn's (or uWSGI's) argument vector to serve the app on `bind`, without the program name. */
export function gunicornArgs(plan: DeployPlan, bind: string): string[] {
  const args = ['--bind', bind];
  if (plan.workerClass) args.push('--worker-class', plan.workerClass);
  if (plan.pythonPath !== '.') args.push('--pythonpath', plan.pythonPath);
  args.push('--access-logfile', '-', plan.appTarget);
  return args;
}

/** The main host name of the plan. */
export function primaryDomain(plan: DeployPlan): string {
  return plan.domain.split(/\s+/)[0];
}

/** The Django project package (first part of the app target), e.g. for `celery -A`. */
export function rootPackage(plan: DeployPlan): string {
  return (plan.settingsModule ?? plan.appTarget).split(/[.:]/)[0];
}

/** Environment values that are not secret and that every runtime of the app should see. */
export function publicEnv(plan: DeployPlan): Record<string, string> {
  const env: Record<string, string> = {};
  if (plan.settingsModule) env.DJANGO_SETTINGS_MODULE = plan.settingsModule;
  return env;
}

/** Host names a stack run on the developer's machine answers besides the domain (compose). */
export const LOCAL_HOSTS = ['localhost', '127.0.0.1'];

/**
 * `DJANGO_ALLOWED_HOSTS` as the settings quick fixes read it (comma-separated): the plan's domain names,
 * plus `extra` (compose also answers on localhost). Without it Django answers every request with 400 and
 * probes never pass. Django only: other frameworks have no such list.
 */
export function allowedHostsEnv(plan: DeployPlan, extra: readonly string[] = []): Record<string, string> {
  if (plan.framework !== 'django') return {};
  const hosts = [...new Set([...plan.domain.split(/\s+/).filter(Boolean), ...extra])];
  return { DJANGO_ALLOWED_HOSTS: hosts.join(',') };
}

/** `celery`'s arguments for the background worker of the plan (every path runs one when Celery is used). */
export function celeryArgs(plan: DeployPlan): string[] {
  return ['-A', rootPackage(plan), 'worker', '--loglevel=info'];
}
