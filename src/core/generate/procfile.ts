import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { celeryArgs, commentText, gunicornArgs, header, managePy, settingsFlag } from './common';

/** Platforms run Procfile lines with a shell: `app:create_app()` must be quoted, `$PORT` must not. */
function shellWord(word: string): string {
  return /^[\w.:/=$,@+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * `Procfile` for Heroku-style platforms: gunicorn on $PORT, migrations in the release phase, the Celery
 * worker. No collectstatic in release: the release phase runs in a one-off dyno whose files are thrown
 * away; the platform's build runs collectstatic (Heroku's Python buildpack does when it finds manage.py)
 * and WhiteNoise serves the result (lint rule CW606).
 */
export function renderProcfile(plan: DeployPlan): GeneratedFile[] {
  const web = plan.server === 'uwsgi'
    ? `uwsgi --http-socket 0.0.0.0:$PORT --master --processes \${WEB_CONCURRENCY:-${plan.workers}} --die-on-term --module ${shellWord(plan.appTarget)}`
    : ['gunicorn', ...gunicornArgs(plan, '0.0.0.0:$PORT')].map(shellWord).join(' ');
  const release: string[] = [];
  const manage = `python ${managePy(plan)}`;
  const flags = settingsFlag(plan).map((f) => ` ${f}`).join('');
  if (plan.migrate) release.push(`${manage} migrate --noinput${flags}`);
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
  if (plan.staticRootMissing) lines.push('# TODO: STATIC_ROOT is not set in the settings, so the build\'s collectstatic fails (lint rule CW205 offers the fix).');
  else if (plan.collectstatic) lines.push('# Static files: the build runs collectstatic (not the release phase, whose files are discarded); WhiteNoise serves them.');
  if (plan.compressOffline) {
    lines.push(`# TODO: COMPRESS_OFFLINE is on (${commentText(plan.compressOffline.file)}:${plan.compressOffline.line}): the build must run \`python ${managePy(plan)} compress${flags}\` after collectstatic (Heroku's Python buildpack runs bin/post_compile then); the release phase's files are discarded.`);
  }
  if (plan.database === 'sqlite') lines.push('# TODO: SQLite lives on the dyno\'s disk, which each deploy and restart throws away: use DATABASE_URL (lint rule CW607).');
  if (plan.writePythonVersion && plan.pythonVersionGuessed) lines.push(`# TODO: .python-version says ${plan.pythonVersion}, a guess: no file named the project's Python version. Check it.`);
  // A Procfile cannot carry settings: the platform's config vars do. The settings read the hosts from this one.
  if (plan.framework === 'django') lines.push(`# Config vars to set on the platform: DJANGO_ALLOWED_HOSTS=${plan.domain.split(/\s+/).filter(Boolean).join(',')} (else every request gets 400), DJANGO_SECRET_KEY, DATABASE_URL.`);
  lines.push(`web: ${web}`);
  if (release.length) lines.push(`release: ${release.join(' && ')}`);
  if (plan.celery) lines.push(`worker: ${['celery', ...celeryArgs(plan)].join(' ')}`);
  const files: GeneratedFile[] = [{ kind: 'procfile', path: 'Procfile', content: lines.join('\n') + '\n' }];
  if (plan.writePythonVersion) {
    files.push({ kind: 'procfile', path: '.python-version', content: `${plan.pythonVersion}\n` });
  }
  return files;
}
