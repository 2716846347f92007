import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { commentText, configWord, header } from './common';
import { PlanError } from '../plan/plan';

/** The small module uWSGI loads for an app factory, relative to the project (in the import root). */
export function uwsgiFactoryModulePath(plan: DeployPlan): string | null {
  if (!plan.wsgiTarget?.endsWith('()')) return null;
  return plan.pythonPath === '.' ? 'uwsgi_app.py' : `${plan.pythonPath}/uwsgi_app.py`;
}

/**
 * What `module =` names: uWSGI loads `module:callable` and never calls a factory, so for
 * `app:create_app()` a small module creates the app once (the form Flask's uWSGI docs give).
 * ASGI-only apps cannot be served by uWSGI at all: a clear error instead of a broken file.
 */
export function uwsgiUnsupported(plan: DeployPlan): string | undefined {
  return plan.wsgiTarget ? undefined
    : `uWSGI serves WSGI apps only, and ${plan.appTarget} is an ASGI app (${plan.framework}): use the gunicorn config instead (gunicorn with uvicorn workers).`;
}

function uwsgiModule(plan: DeployPlan): string {
  const why = uwsgiUnsupported(plan);
  if (why || !plan.wsgiTarget) throw new PlanError('server', why ?? 'no WSGI application');
  return plan.wsgiTarget.endsWith('()') ? 'uwsgi_app:application' : plan.wsgiTarget;
}

function factoryModule(plan: DeployPlan): string {
  const [module, call] = plan.wsgiTarget!.split(':');
  const factory = call.replace(/\(\)$/, '');
  return [
    header(`uwsgi_app.py: the application uWSGI loads for ${plan.name} (uWSGI loads an object and cannot call a factory itself).`, 'uwsgi',
      'nothing usually; uwsgi.ini points module at uwsgi_app:application.').trimEnd(),
    `from ${module} import ${factory}`,
    '',
    `application = ${factory}()`,
    '',
  ].join('\n');
}

/** `uwsgi.ini`: the classic uWSGI layout behind nginx (uwsgi protocol over the plan's socket). */
export function renderUwsgiIni(plan: DeployPlan): GeneratedFile[] {
  const module = uwsgiModule(plan);
  const notes: string[] = [];
  if (plan.interface === 'asgi') notes.push(`# uWSGI speaks WSGI only: it serves Django's WSGI application ${commentText(plan.wsgiTarget ?? '')} (no WebSockets; for those use gunicorn with uvicorn workers).`);
  const lines = [
    header(
      `uwsgi.ini: uWSGI settings of ${plan.name}; nginx talks to it over ${plan.socket} (generate the nginx site with --set server=uwsgi).`,
      'uwsgi',
      'processes and harakiri for your server; keep socket equal to the nginx upstream.',
    ).trimEnd(),
    ...notes,
    '[uwsgi]',
    'strict = true',
    `chdir = ${configWord(plan.pythonPath === '.' ? plan.appDir : `${plan.appDir}/${plan.pythonPath}`, 'uwsgi.ini chdir')}`,
    `home = ${configWord(plan.venv, 'uwsgi.ini home')}`,
    `module = ${configWord(module, 'uwsgi.ini module')}`,
  ];
  if (plan.settingsModule) lines.push(`env = DJANGO_SETTINGS_MODULE=${configWord(plan.settingsModule, 'uwsgi.ini env')}`);
  lines.push(
    'master = true',
    `processes = ${plan.workers}`,
    'enable-threads = true',
    'single-interpreter = true',
    'need-app = true',
    '',
    '# Under systemd the socket unit hands this socket over; otherwise uWSGI creates it.',
    `socket = ${configWord(plan.socket, 'uwsgi.ini socket')}`,
    'chmod-socket = 660',
    'vacuum = true',
    'die-on-term = true',
    `harakiri = ${plan.timeout}`,
    'max-requests = 1000',
    'buffer-size = 32768',
    'log-x-forwarded-for = true',
    '',
  );
  const files: GeneratedFile[] = [{ kind: 'uwsgi', path: 'uwsgi.ini', content: lines.join('\n') }];
  const factoryPath = uwsgiFactoryModulePath(plan);
  if (factoryPath) files.push({ kind: 'uwsgi', path: factoryPath, content: factoryModule(plan) });
  return files;
}
