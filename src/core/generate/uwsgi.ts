import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { header } from './common';

/** `uwsgi.ini`: the classic uWSGI layout behind nginx (uwsgi protocol over the plan's socket). */
export function renderUwsgiIni(plan: DeployPlan): GeneratedFile[] {
  const warnings: string[] = [];
  if (plan.interface === 'asgi') warnings.push('# Warning: uWSGI serves WSGI only; this app is ASGI: prefer gunicorn with uvicorn workers.');
  if (plan.appTarget.endsWith('()')) warnings.push('# Warning: uWSGI cannot call an app factory: add a wsgi.py with `app = create_app()` and point module at it.');
  const [module, callable] = plan.appTarget.replace(/\(\)$/, '').split(':');
  const lines = [
    header(
      `uwsgi.ini: uWSGI settings of ${plan.name}; nginx talks to it over ${plan.socket} (generate the nginx site with --set server=uwsgi).`,
      'uwsgi',
      'processes and harakiri for your server; keep socket equal to the nginx upstream.',
    ).trimEnd(),
    ...warnings,
    '[uwsgi]',
    'strict = true',
    `chdir = ${plan.pythonPath === '.' ? plan.appDir : `${plan.appDir}/${plan.pythonPath}`}`,
    `home = ${plan.venv}`,
    `module = ${module}:${callable}`,
  ];
  if (plan.settingsModule) lines.push(`env = DJANGO_SETTINGS_MODULE=${plan.settingsModule}`);
  lines.push(
    'master = true',
    `processes = ${plan.workers}`,
    'enable-threads = true',
    'single-interpreter = true',
    'need-app = true',
    '',
    '# Under systemd the socket unit hands this socket over; otherwise uWSGI creates it.',
    `socket = ${plan.socket}`,
    'chmod-socket = 660',
    'vacuum = true',
    'die-on-term = true',
    `harakiri = ${plan.timeout}`,
    'max-requests = 1000',
    'buffer-size = 32768',
    'log-x-forwarded-for = true',
    '',
  );
  return [{ kind: 'uwsgi', path: 'uwsgi.ini', content: lines.join('\n') }];
}
