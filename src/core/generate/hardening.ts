// The sandboxing of every app unit Cloudward writes (`generate systemd`'s service and Celery worker, and the
// release layout's `<name>@.service`): one list, so the units a user generates and the ones deploy installs are
// hardened alike. Each line closes something a web app never needs; together they bring `systemd-analyze security`
// from 9.x to under 2 while gunicorn still serves and Django still migrates (checked on a real Debian 12 by the
// deploy e2e tests).
//
// Not in the list, on purpose: IPAddressDeny=any/IPAddressAllow=localhost (it scored 0.2 better). It also cuts the
// app off from everything a real site talks to outside the machine: a managed PostgreSQL, an SMTP relay for
// password-reset mail, S3, payment APIs. The failure would show only once the site is live (the deploy's checks
// run outside the unit), so a stronger score is not worth it.
import type { DeployPlan } from '../plan/types';

/** The lines both kinds of units share (no ProtectHome, ReadWritePaths: see `hardening()`). */
export const HARDENING: readonly string[] = [
  'NoNewPrivileges=true',
  'ProtectSystem=strict',
  'PrivateTmp=true',
  'PrivateDevices=true',
  'PrivateUsers=true',
  'ProtectHostname=true',
  'ProtectClock=true',
  'ProtectKernelTunables=true',
  'ProtectKernelModules=true',
  'ProtectKernelLogs=true',
  'ProtectControlGroups=true',
  'ProtectProc=invisible',
  'ProcSubset=pid',
  'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6',
  'RestrictNamespaces=true',
  'RestrictRealtime=true',
  'RestrictSUIDSGID=true',
  'LockPersonality=true',
  'MemoryDenyWriteExecute=true',
  'RemoveIPC=true',
  'UMask=0007',
  'CapabilityBoundingSet=',
  'AmbientCapabilities=',
  'DevicePolicy=closed',
  'KeyringMode=private',
  'SystemCallArchitectures=native',
  'SystemCallFilter=@system-service',
  'SystemCallFilter=~@privileged @resources',
  'SystemCallErrorNumber=EPERM',
];

/**
 * The sandboxing block of an app unit: the app writes only `writable` (ProtectSystem=strict makes the rest
 * read-only) and cannot see /home, unless its code lives there (then read-only).
 */
export function hardening(plan: DeployPlan, writable: readonly string[]): string[] {
  return [
    '# Sandboxing: the app cannot gain privileges, sees the system read-only and writes only these folders.',
    `ReadWritePaths=${writable.join(' ')}`,
    plan.appDir.startsWith('/home/') ? 'ProtectHome=read-only' : 'ProtectHome=true',
    ...HARDENING,
  ];
}
