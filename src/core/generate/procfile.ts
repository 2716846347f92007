import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { gunicornArgs, header, managePy, settingsFlag } from './common';

/** `Procfile` for Heroku-style platforms: gunicorn on $PORT, migrations in the release phase. */
export function renderProcfile(plan: DeployPlan): GeneratedFile[] {
  const web = plan.server === 'uwsgi'
    ? `uwsgi --http-socket 0.0.0.0:$PORT --master --processes \${WEB_CONCURRENCY:-${plan.workers}} --die-on-term --module ${plan.appTarget}`
    : ['gunicorn', ...gunicornArgs(plan, '0.0.0.0:$PORT')].join(' ');
  const release: string[] = [];
  const manage = `python ${managePy(plan)}`;
  const flags = settingsFlag(plan).map((f) => ` ${f}`).join('');
  if (plan.migrate) release.push(`${manage} migrate --noinput${flags}`);
  if (plan.collectstatic) release.push(`${manage} collectstatic --noinput${flags}`);
  const lines = [
    header(
      `Procfile: the processes of ${plan.name} on a Heroku-style platform (web on $PORT, release before each deploy).`,
      'procfile',
      'the worker count with the WEB_CONCURRENCY setting of the platform; secrets go in its config vars, never here.',
    ).trimEnd(),
    `web: ${web}`,
  ];
  if (release.length) lines.push(`release: ${release.join(' && ')}`);
  const files: GeneratedFile[] = [{ kind: 'procfile', path: 'Procfile', content: lines.join('\n') + '\n' }];
  if (plan.writePythonVersion) {
    files.push({ kind: 'procfile', path: '.python-version', content: `${plan.pythonVersion}\n` });
  }
  return files;
}
