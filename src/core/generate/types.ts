import type { DeployPlan } from '../plan/types';

export type GeneratorKindId = 'procfile' | 'gunicorn' | 'uwsgi' | 'nginx' | 'systemd' | 'dockerfile' | 'compose' | 'kubernetes';

export interface GeneratedFile {
  kind: GeneratorKindId;
  /** Relative to the output folder (POSIX separators), e.g. `deploy/nginx/mysite.conf`. */
  path: string;
  content: string;
}

export interface GeneratorKind {
  id: GeneratorKindId;
  /** e.g. "nginx site". */
  title: string;
  description: string;
  /** The files this kind writes for a plan (relative paths). */
  files(plan: DeployPlan): string[];
  render(plan: DeployPlan): GeneratedFile[];
  /** Why this kind cannot serve the plan's app (e.g. uWSGI and an ASGI-only app), or undefined. */
  unsupported?(plan: DeployPlan): string | undefined;
}
