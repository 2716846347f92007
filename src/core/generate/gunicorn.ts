import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { header } from './common';

const py = (s: string) => JSON.stringify(s);

/** `gunicorn.conf.py`: read by gunicorn from the folder it starts in; command-line flags win over it. */
export function renderGunicornConf(plan: DeployPlan): GeneratedFile[] {
  const lines = [
    header(
      `gunicorn.conf.py: gunicorn settings of ${plan.name} (gunicorn reads this file from the folder it starts in).`,
      'gunicorn',
      `workers and timeout for your server. Keep bind equal to the nginx upstream and the systemd socket (${plan.socket}).`,
    ).trimEnd(),
    'import os',
    '',
  ];
  if (plan.settingsModule) lines.push(`os.environ.setdefault("DJANGO_SETTINGS_MODULE", ${py(plan.settingsModule)})`, '');
  lines.push(
    `wsgi_app = ${py(plan.appTarget)}`,
    '# Under systemd the socket unit hands gunicorn this socket; a Procfile or a container passes --bind instead.',
    `bind = [${py('unix:' + plan.socket)}]`,
  );
  if (plan.pythonPath !== '.') lines.push(`pythonpath = ${py(plan.pythonPath)}`);
  lines.push(
    '',
    plan.workersSource === 'server'
      ? `# WEB_CONCURRENCY (set by platforms and the image) wins; ${plan.workers} = 2 x the server's CPU cores + 1.`
      : plan.workersSource === 'given'
        ? '# WEB_CONCURRENCY (set by platforms and the image) wins; the default was chosen for this app.'
        : `# WEB_CONCURRENCY (set by platforms and the image) wins; ${plan.workers} = 2 x 1 core + 1, a default: use 2 x your server's cores + 1.`,
    `workers = int(os.environ.get("WEB_CONCURRENCY", "${plan.workers}"))`,
  );
  if (plan.workerClass) lines.push(`worker_class = ${py(plan.workerClass)}  # ASGI: an event loop per worker`);
  lines.push(
    `timeout = ${plan.timeout}`,
    `graceful_timeout = ${plan.timeout}`,
    'keepalive = 5',
    '',
    '# Restart each worker after a while, so a slow memory leak cannot grow forever; jitter spreads the restarts.',
    'max_requests = 1000',
    'max_requests_jitter = 100',
    '',
    '# Trust X-Forwarded-Proto/For only from the proxy in front (nginx on this host; containers set "*").',
    'forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")',
    '',
    '# Logs to stdout/stderr: the journal, the platform or the container runtime keeps them.',
    'accesslog = "-"',
    'errorlog = "-"',
    'loglevel = "info"',
    `proc_name = ${py(plan.name)}`,
    '',
  );
  return [{ kind: 'gunicorn', path: 'gunicorn.conf.py', content: lines.join('\n') }];
}
