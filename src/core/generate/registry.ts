import { PlanError } from '../plan/plan';
// The generator kinds, in the order the UI and `cloudward generate all` list them.
import type { DeployPlan } from '../plan/types';
import type { GeneratedFile, GeneratorKind, GeneratorKindId } from './types';
import { renderProcfile } from './procfile';
import { renderGunicornConf } from './gunicorn';
import { renderUwsgiIni, uwsgiFactoryModulePath, uwsgiUnsupported } from './uwsgi';
import { nginxSitePath, renderNginxSite } from './nginx';
import { renderSystemdUnits, systemdPaths } from './systemd';
import { renderDockerfile } from './dockerfile';
import { renderCompose } from './compose';
import { kubernetesPaths, renderKubernetes } from './kubernetes';

export const GENERATOR_KINDS: readonly GeneratorKind[] = [
  {
    id: 'procfile', title: 'Procfile', description: 'web process with gunicorn on $PORT, release phase with migrations (Heroku-style platforms)',
    files: (p) => ['Procfile', ...(p.writePythonVersion ? ['.python-version'] : [])], render: renderProcfile,
  },
  { id: 'gunicorn', title: 'gunicorn config', description: 'gunicorn.conf.py: bind, workers, timeouts, proxy trust, logs to stdout', files: () => ['gunicorn.conf.py'], render: renderGunicornConf },
  { id: 'uwsgi', title: 'uWSGI config', description: 'uwsgi.ini: module, master, processes, socket, harakiri', files: (p) => ['uwsgi.ini', ...(uwsgiFactoryModulePath(p) ? [uwsgiFactoryModulePath(p)!] : [])], render: renderUwsgiIni, unsupported: uwsgiUnsupported },
  {
    id: 'nginx', title: 'nginx site', description: 'reverse proxy to the app socket, static and media files, catch-all 444, optional HTTPS',
    files: (p) => [nginxSitePath(p)], render: renderNginxSite,
  },
  {
    id: 'systemd', title: 'systemd units', description: 'socket-activated service running the app server as its own user, hardened',
    files: (p) => Object.values(systemdPaths(p)).filter((f): f is string => !!f), render: renderSystemdUnits,
  },
  {
    id: 'dockerfile', title: 'Dockerfile', description: 'multi-stage image, non-root, collectstatic at build, health check; .dockerignore',
    files: () => ['Dockerfile', '.dockerignore'], render: renderDockerfile,
  },
  { id: 'compose', title: 'compose file', description: 'compose.yaml: app, nginx with static files, database with health check, Celery worker; .env.example of its secrets', files: () => ['compose.yaml', '.env.example'], render: renderCompose },
  {
    id: 'kubernetes', title: 'Kubernetes manifests', description: 'Deployment, Service, Ingress, ConfigMap, Secret template, migrations Job, optional autoscaler',
    files: (p) => Object.values(kubernetesPaths(p)), render: renderKubernetes,
  },
];

export const GENERATOR_KIND_IDS: readonly GeneratorKindId[] = GENERATOR_KINDS.map((k) => k.id);

export function isGeneratorKind(id: string): id is GeneratorKindId {
  return (GENERATOR_KIND_IDS as readonly string[]).includes(id);
}

export function generatorKind(id: GeneratorKindId): GeneratorKind {
  const k = GENERATOR_KINDS.find((g) => g.id === id);
  if (!k) throw new Error(`unknown generator kind '${id}'`);
  return k;
}

/** Renders the files of the given kinds (in catalogue order, each kind once) from one plan. */
export function renderFiles(plan: DeployPlan, kinds: readonly GeneratorKindId[]): GeneratedFile[] {
  const wanted = new Set(kinds);
  const files = GENERATOR_KINDS.filter((k) => wanted.has(k.id)).flatMap((k) => k.render(plan));
  // The last guard of the class: no generated file holds a line break other than \n or a control
  // character (a CR or U+2028 is a new line to libyaml, kubectl and compose, and would end a comment).
  for (const f of files) {
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    const bad = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/.exec(f.content);
    if (bad) throw new PlanError('', `refusing to write ${f.path}: a plan value holds the control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`);
  }
  return files;
}

/** The kinds among `kinds` that cannot serve this plan's app, with the reason (`all` leaves them out). */
export function unsupportedKinds(plan: DeployPlan, kinds: readonly GeneratorKindId[]): { kind: GeneratorKindId; reason: string }[] {
  return GENERATOR_KINDS.filter((k) => kinds.includes(k.id))
    .map((k) => ({ kind: k.id, reason: k.unsupported?.(plan) }))
    .filter((u): u is { kind: GeneratorKindId; reason: string } => u.reason !== undefined);
}
