import type { DeployPlan, GeneratorKindId } from '../../core';

/**
 * The plan values worth a look before generating each kind: the user is asked only about what the
 * chosen files contain (a Procfile has no domain, a Dockerfile no unix socket). Order = order shown.
 */
const FIELDS_BY_KIND: Record<GeneratorKindId, (keyof DeployPlan)[]> = {
  procfile: ['pythonVersion', 'staticRoot'],
  gunicorn: ['socket', 'workers', 'timeout'],
  uwsgi: ['socket', 'workers', 'appDir', 'venv'],
  nginx: ['domain', 'https', 'listenPort', 'socket', 'staticRoot', 'mediaRoot', 'maxBodySize'],
  systemd: ['name', 'user', 'group', 'appDir', 'venv', 'envFile', 'socket', 'workers'],
  dockerfile: ['pythonVersion', 'packageManager', 'port', 'healthPath', 'staticRoot'],
  compose: ['name', 'port', 'image', 'domain', 'staticRoot'],
  kubernetes: ['name', 'image', 'replicas', 'domain', 'port', 'healthPath', 'autoscale', 'maxReplicas'],
};

/** Every file loads the application: what it is and how it is served always matter. */
const ALWAYS: (keyof DeployPlan)[] = ['appTarget', 'interface', 'settingsModule'];

export function fieldsForKinds(kinds: readonly string[]): (keyof DeployPlan)[] {
  const keys = new Set<keyof DeployPlan>(ALWAYS);
  for (const k of kinds) for (const f of FIELDS_BY_KIND[k as GeneratorKindId] ?? []) keys.add(f);
  return [...keys];
}

/** Detection gaps worth asking for these kinds (a Procfile does not need a domain). */
export function relevantGaps<G extends { key: keyof DeployPlan }>(gaps: G[], kinds: readonly string[]): G[] {
  const keys = new Set(fieldsForKinds(kinds));
  return gaps.filter((g) => keys.has(g.key));
}
