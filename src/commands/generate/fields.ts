import type { DeployPlan, GeneratorKindId } from '../../core';

/**
 * The plan values worth a look before generating each kind: the user is asked only about what the
 * chosen files contain (a Procfile has no domain, a Dockerfile no unix socket). Order = order shown.
 */
const FIELDS_BY_KIND: Record<GeneratorKindId, (keyof DeployPlan)[]> = {
  procfile: ['pythonVersion'],
  gunicorn: ['socket', 'workers', 'timeout'],
  uwsgi: ['socket', 'workers', 'appDir', 'venv'],
  nginx: ['domain', 'https', 'listenPort', 'socket', 'staticRoot', 'mediaRoot', 'maxBodySize'],
  systemd: ['name', 'user', 'group', 'appDir', 'venv', 'envFile', 'socket', 'workers'],
  dockerfile: ['pythonVersion', 'packageManager', 'port', 'healthPath', 'workers', 'staticRoot'],
  compose: ['name', 'port', 'image', 'domain', 'staticRoot'],
  kubernetes: ['name', 'image', 'replicas', 'domain', 'port', 'healthPath', 'autoscale', 'maxReplicas', 'workers'],
  flyio: ['name', 'domain', 'port', 'healthPath', 'workers'],
  render: ['name', 'domain', 'healthPath', 'workers'],
  appjson: ['name', 'domain'],
};

/**
 * The kinds whose files load the application: what it is and how it is served matter to them. The nginx
 * site only proxies to a socket, so it does not ask these.
 */
const LOADS_APP: GeneratorKindId[] = ['procfile', 'gunicorn', 'uwsgi', 'systemd', 'dockerfile', 'compose', 'kubernetes', 'flyio', 'render'];
const APP_FIELDS: (keyof DeployPlan)[] = ['appTarget', 'interface', 'settingsModule'];

export function fieldsForKinds(kinds: readonly string[]): (keyof DeployPlan)[] {
  const keys = new Set<keyof DeployPlan>();
  if (kinds.some((k) => (LOADS_APP as string[]).includes(k))) for (const f of APP_FIELDS) keys.add(f);
  for (const k of kinds) for (const f of FIELDS_BY_KIND[k as GeneratorKindId] ?? []) keys.add(f);
  return [...keys];
}

/** Whether a field matters for this plan at all (no static folder without collectstatic, no settings module outside Django). */
export function fieldApplies(key: keyof DeployPlan, plan: DeployPlan): boolean {
  switch (key) {
    case 'settingsModule': return plan.framework === 'django';
    case 'staticRoot': return plan.collectstatic || plan.staticRootMissing;
    case 'mediaRoot': return plan.serveMedia;
    case 'maxReplicas': return plan.autoscale;
    default: return true;
  }
}

/** Detection gaps worth asking for these kinds (a Procfile does not need a domain). */
export function relevantGaps<G extends { key: keyof DeployPlan }>(gaps: G[], kinds: readonly string[]): G[] {
  const keys = new Set(fieldsForKinds(kinds));
  return gaps.filter((g) => keys.has(g.key));
}
