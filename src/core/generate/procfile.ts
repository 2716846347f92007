import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { gunicornArgs, header, managePy, settingsFlag } from './common';

/** Platforms run Procfile lines with a shell: `app:create_app()` must be quoted, `$PORT` must not. */
function shellWord(word: string): string {
  return /^[\w.:/=$,@+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** `Procfile` for Heroku-style platforms: gunicorn on $PORT, migrations in the release phase. */
export function renderProcfile(plan: DeployPlan): GeneratedFile[] {
  const web = plan.server === 'uwsgi'
    ? `uwsgi --http-socket 0.0.0.0:$PORT --master --processes \${WEB_CONCURRENCY:-${plan.workers}} --die-on-term --module ${shellWord(plan.appTarget)}`
    : ['gunicorn', ...gunicornArgs(plan, '0.0.0.0:$PORT')].map(shellWord).join(' ');
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
  ];
  // Comments are ignored by the platforms: the TODOs stay next to the lines they concern.
  if (!plan.dependenciesDeclared) lines.push('# TODO: the project declares no dependencies (no requirements.txt, pyproject.toml or Pipfile): the platform will install nothing. Add requirements.txt.');
  else if (plan.extraPackages.length) lines.push(`# TODO: declare ${plan.extraPackages.join(' and ')} in the project's dependencies: the platform installs only those.`);
  if (plan.staticRootMissing) lines.push('# TODO: no collectstatic in release: STATIC_ROOT is not set in the settings (lint rule CW205 offers the fix); generate again after setting it.');
  if (plan.writePythonVersion && plan.pythonVersionGuessed) lines.push(`# TODO: .python-version says ${plan.pythonVersion}, a guess: no file named the project's Python version. Check it.`);
  lines.push(`web: ${web}`);
  if (release.length) lines.push(`release: ${release.join(' && ')}`);
  const files: GeneratedFile[] = [{ kind: 'procfile', path: 'Procfile', content: lines.join('\n') + '\n' }];
  if (plan.writePythonVersion) {
    files.push({ kind: 'procfile', path: '.python-version', content: `${plan.pythonVersion}\n` });
  }
  return files;
}
