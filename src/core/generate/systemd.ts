import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { celeryArgs, gunicornArgs, header, publicEnv } from './common';
import { hardening } from './hardening';

export function systemdPaths(plan: DeployPlan): { service: string; socket: string; worker?: string } {
  return {
    service: `deploy/systemd/${plan.name}.service`,
    socket: `deploy/systemd/${plan.name}.socket`,
    ...(plan.celery ? { worker: `deploy/systemd/${plan.name}-worker.service` } : {}),
  };
}

/** `<name>-worker.service`: the Celery worker, as the app's user, with the app's environment. */
function renderWorkerUnit(plan: DeployPlan): string {
  const unit = `${plan.name}-worker`;
  return [
    header(
      `${unit}.service: runs the Celery worker of ${plan.name} as ${plan.user}, so background jobs run on this server too.`,
      'systemd',
      `the concurrency (celery's --concurrency) and the paths; secrets stay in ${plan.envFile}. Then \`systemctl enable --now ${unit}\`.`,
    ).trimEnd(),
    '[Unit]',
    `Description=${plan.name} Celery worker`,
    'After=network.target redis-server.service',
    ...(plan.database === 'postgresql' ? ['After=postgresql.service'] : plan.database === 'mysql' ? ['After=mysql.service mariadb.service'] : []),
    '',
    '[Service]',
    'Type=exec',
    `User=${plan.user}`,
    `Group=${plan.group}`,
    `WorkingDirectory=${plan.appDir}`,
    `EnvironmentFile=${plan.envFile}`,
    ...Object.entries(publicEnv(plan)).map(([k, v]) => `Environment=${k}=${v}`),
    `ExecStart=${[`${plan.venv}/bin/celery`, ...celeryArgs(plan)].join(' ')}`,
    '# TERM: Celery finishes the tasks it is running (a warm shutdown) before it exits.',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=600',
    'Restart=on-failure',
    'RestartSec=5',
    '',
    ...hardening(plan, writablePaths(plan).map((p) => `-${p}`)),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** Folders the app may write to; everything else is read-only (ProtectSystem=strict). */
function writablePaths(plan: DeployPlan): string[] {
  const paths = [plan.mediaRoot];
  // SQLite writes its database and journal beside each other, in the app folder by default.
  if (plan.database === 'sqlite') paths.push(plan.appDir);
  return [...new Set(paths)];
}

/** `<name>.socket` + `<name>.service`: gunicorn under systemd with socket activation, as gunicorn's docs describe. */
export function renderSystemdUnits(plan: DeployPlan): GeneratedFile[] {
  const paths = systemdPaths(plan);
  const unit = plan.name;
  const socket = [
    header(
      `${unit}.socket: systemd opens ${plan.socket} for nginx and starts ${unit}.service on the first request.`,
      'systemd',
      'SocketGroup if nginx runs in another group; copy to /etc/systemd/system/, then `systemctl enable --now ' + unit + '.socket`.',
    ).trimEnd(),
    '[Unit]',
    `Description=${plan.name} app server socket`,
    '',
    '[Socket]',
    `ListenStream=${plan.socket}`,
    '# Only the app and nginx (a member of this group) may connect.',
    `SocketGroup=${plan.group}`,
    'SocketMode=0660',
    '',
    '[Install]',
    'WantedBy=sockets.target',
    '',
  ].join('\n');

  const exec = plan.server === 'uwsgi'
    ? `${plan.venv}/bin/uwsgi --ini ${plan.appDir}/uwsgi.ini`
    : [`${plan.venv}/bin/gunicorn`, '--config', `${plan.appDir}/gunicorn.conf.py`, ...gunicornArgs(plan, `unix:${plan.socket}`)].join(' ');
  const env = Object.entries(publicEnv(plan)).map(([k, v]) => `Environment=${k}=${v}`);
  const service = [
    header(
      `${unit}.service: runs ${plan.name} (${plan.server}) as ${plan.user}; started by ${unit}.socket.`,
      'systemd',
      `User/Group, the paths, and the secrets in ${plan.envFile} (KEY=value lines, mode 600). Reload code with \`systemctl reload ${unit}\`.`,
    ).trimEnd(),
    '[Unit]',
    `Description=${plan.name} (${plan.server})`,
    `Requires=${unit}.socket`,
    'After=network.target',
    ...(plan.database === 'postgresql' ? ['After=postgresql.service'] : plan.database === 'mysql' ? ['After=mysql.service mariadb.service'] : []),
    '',
    '[Service]',
    // gunicorn and uWSGI tell systemd when they are ready.
    'Type=notify',
    `NotifyAccess=${plan.server === 'uwsgi' ? 'all' : 'main'}`,
    `User=${plan.user}`,
    `Group=${plan.group}`,
    `WorkingDirectory=${plan.appDir}`,
    '# Secrets (SECRET_KEY, DATABASE_URL, ...) live here, never in this unit.',
    `EnvironmentFile=${plan.envFile}`,
    ...env,
    `ExecStart=${exec}`,
    '# HUP: the app server starts workers with the new code, then stops the old ones (no dropped requests).',
    'ExecReload=/bin/kill -s HUP $MAINPID',
    'KillMode=mixed',
    `TimeoutStopSec=${plan.timeout + 5}`,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    ...hardening(plan, writablePaths(plan).map((p) => `-${p}`)),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  return [
    { kind: 'systemd', path: paths.service, content: service },
    { kind: 'systemd', path: paths.socket, content: socket },
    ...(paths.worker ? [{ kind: 'systemd' as const, path: paths.worker, content: renderWorkerUnit(plan) }] : []),
  ];
}
