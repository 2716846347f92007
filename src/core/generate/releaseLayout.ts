// The server layout that provision prepares and deploy fills (Capistrano-style releases, two colours):
//   <appDir>/releases/<id>/   one per deploy, built beside the live one; .venv links into shared/venvs
//   <appDir>/current          -> releases/<id>, switched by one rename
//   <appDir>/colors/{blue,green} -> releases/<id>   what each of the two app units runs
//   <appDir>/shared/{media,data,venvs}              kept across releases
//   <appDir>/.cloudward/      lock, journal (releases.jsonl), deploy logs, the agent
// Two template units (`<name>@.socket` / `<name>@.service`, one instance per colour) let a new release start and
// answer on its own socket while the old one still serves; nginx moves to it by a graceful reload.
import path = require('path');
import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { header, publicEnv } from './common';
import { hardening } from './hardening';

export const COLORS = ['blue', 'green'] as const;
export type Color = (typeof COLORS)[number];

export interface ReleaseLayout {
  appDir: string;
  releases: string;
  current: string;
  colors: string;
  shared: string;
  media: string;
  data: string;
  venvs: string;
  state: string;
  /** `/run/<name>/%i.sock`: the socket of a colour (%i = blue or green). */
  colorSocket: string;
  /** nginx include naming the live colour's socket (written by deploy). */
  upstreamFile: string;
  envDir: string;
  envFile: string;
  /** Login user that deploys (owns the code). */
  deployUser: string;
  /** System user and group the app runs as (no shell). */
  appUser: string;
  /** Static files: STATIC_ROOT of the live release, through `current`. */
  staticRoot: string;
  sudoersFile: string;
  unitSocket: string;
  unitService: string;
  nginxSite: string;
  nginxEnabled: string;
}

/** Rebases a path the plan put under appDir onto `current` (the live release). */
function underCurrent(plan: DeployPlan, p: string): string {
  const rel = path.posix.relative(plan.appDir, p);
  if (rel === '' || rel.startsWith('..') || path.posix.isAbsolute(rel)) return p;
  return path.posix.join(plan.appDir, 'current', rel);
}

export function releaseLayout(plan: DeployPlan, deployUser = 'deploy'): ReleaseLayout {
  const a = plan.appDir;
  return {
    appDir: a,
    releases: `${a}/releases`,
    current: `${a}/current`,
    colors: `${a}/colors`,
    shared: `${a}/shared`,
    media: `${a}/shared/media`,
    data: `${a}/shared/data`,
    venvs: `${a}/shared/venvs`,
    state: `${a}/.cloudward`,
    colorSocket: `/run/${plan.name}/%i.sock`,
    upstreamFile: `/etc/nginx/cloudward/${plan.name}/upstream.conf`,
    envDir: path.posix.dirname(plan.envFile),
    envFile: plan.envFile,
    deployUser,
    appUser: plan.user,
    staticRoot: underCurrent(plan, plan.staticRoot),
    sudoersFile: `/etc/sudoers.d/cloudward-${plan.name}`,
    unitSocket: `/etc/systemd/system/${plan.name}@.socket`,
    unitService: `/etc/systemd/system/${plan.name}@.service`,
    nginxSite: `/etc/nginx/sites-available/${plan.name}`,
    nginxEnabled: `/etc/nginx/sites-enabled/${plan.name}`,
  };
}

/** `<name>@.socket` and `<name>@.service`: one app instance per colour, on its own socket. */
export function renderReleaseUnits(plan: DeployPlan, layout = releaseLayout(plan)): GeneratedFile[] {
  const n = plan.name;
  const socket = [
    header(`${n}@.socket: the socket of one colour (blue or green) of ${n}; nginx connects to the live one.`, 'systemd',
      'nothing by hand: `cloudward deploy` starts and enables the colours.').trimEnd(),
    '[Unit]',
    `Description=${n} app socket (%i)`,
    '',
    '[Socket]',
    `ListenStream=${layout.colorSocket}`,
    `SocketUser=${layout.appUser}`,
    '# nginx (this group) and the app may connect; nobody else.',
    `SocketGroup=${plan.group}`,
    'SocketMode=0660',
    'DirectoryMode=0755',
    'Backlog=1024',
    '',
    '[Install]',
    'WantedBy=sockets.target',
    '',
  ].join('\n');
  const dir = `${layout.colors}/%i`;
  const exec = [`${dir}/.venv/bin/python`, '-m', 'gunicorn', '--config', `${dir}/gunicorn.conf.py`, '--preload'];
  if (plan.workerClass) exec.push('--worker-class', plan.workerClass);
  if (plan.pythonPath !== '.') exec.push('--pythonpath', plan.pythonPath);
  exec.push(plan.appTarget);
  const env = Object.entries(publicEnv(plan)).map(([k, v]) => `Environment=${k}=${v}`);
  const writable = plan.database === 'sqlite' ? [layout.media, layout.data] : [layout.media];
  const service = [
    header(`${n}@.service: ${n} (gunicorn) of one colour; %i runs the release ${layout.colors}/%i points at.`, 'systemd',
      `nothing by hand: secrets live in ${layout.envFile}; \`cloudward deploy\` starts the new colour, checks it, then stops the old one.`).trimEnd(),
    '[Unit]',
    `Description=${n} (gunicorn, %i)`,
    `Requires=${n}@%i.socket`,
    `After=network.target ${n}@%i.socket`,
    ...(plan.database === 'postgresql' || plan.postgres ? ['After=postgresql.service'] : plan.database === 'mysql' ? ['After=mysql.service mariadb.service'] : []),
    '',
    '[Service]',
    '# --preload: READY=1 is sent only once the app has been imported, so a broken release never reports ready.',
    'Type=notify',
    'NotifyAccess=main',
    `User=${layout.appUser}`,
    `Group=${layout.appUser}`,
    `WorkingDirectory=${dir}`,
    '# Secrets (SECRET_KEY, DATABASE_URL, ...) live here, never in this unit.',
    `EnvironmentFile=${layout.envFile}`,
    ...env,
    `ExecStart=${exec.join(' ')}`,
    '# New code never comes through HUP (it would reload the old release): deploy starts the other colour.',
    'KillMode=mixed',
    `TimeoutStopSec=${plan.timeout + 5}`,
    'Restart=on-failure',
    'RestartSec=2',
    '',
    ...hardening(plan, writable),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  return [
    { kind: 'systemd', path: layout.unitSocket, content: socket },
    { kind: 'systemd', path: layout.unitService, content: service },
  ];
}
