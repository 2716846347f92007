// Provisioning: turns a fresh Debian/Ubuntu server into a host ready for the app, as a converge plan.
// Facts are read in one round trip; each step compares them with what the deploy plan wants (probe), shows
// what it would change (with a diff per file), applies only that, and checks it (systemd-analyze verify,
// nginx -t, visudo -c) with the previous files put back when a check fails. A second run changes nothing.
import { createHmac, randomBytes } from 'crypto';
import { lookup } from 'dns/promises';
import type { DeployPlan } from '../plan/types';
import type { ServerConnection } from '../ssh/connection';
import { ACME_WEBROOT, renderNginxSite } from '../generate/nginx';
import { primaryDomain } from '../generate/common';
import { COLORS, releaseLayout, renderReleaseUnits, type ReleaseLayout } from '../generate/releaseLayout';
import { AgentError, callAgent } from '../remote/agent';
import { unifiedDiff } from './diff';
import { howToDeclare } from '../plan/warnings';

export interface ProvisionOptions {
  plan: DeployPlan;
  /** Login user that deploys. Default `deploy`. */
  deployUser?: string;
  /** KEY=value secrets for the environment file (never printed; only their names are). */
  secrets?: Record<string, string>;
  /** Debian packages the project needs besides nginx and python3-venv (system libraries). */
  packages?: string[];
  /** HTTPS (plan.https with a domain): the ACME server and how certbot registers. Default: Let's Encrypt. */
  acme?: {
    /** ACME directory URL (certbot --server), e.g. a staging or private CA. */
    server?: string;
    /** A CA bundle ON THE SERVER that certbot trusts for that ACME server (REQUESTS_CA_BUNDLE). */
    caBundle?: string;
    /** Account e-mail for expiry notices; none registers without one. */
    email?: string;
  };
  /** A firewall (nftables table `inet cloudward`): SSH (the live port), 80 and 443 in, the rest dropped. Guarded. */
  firewall?: boolean;
  /** An sshd drop-in: logins by key only (no passwords). Guarded. */
  sshKeysOnly?: boolean;
  /** Seconds a guarded change waits for a new SSH connection to confirm it before it reverts itself. Default 60. */
  revertAfterSeconds?: number;
}

export interface ServerFacts {
  sshConnection: string;
  osRelease: Record<string, string>;
  arch: string;
  uid: number;
  memoryBytes: number | null;
  diskFreeBytes: number;
  pid1: string | null;
  python: string;
  tools: Record<string, string | null>;
  installed: string[];
  users: Record<string, { uid: number; home: string; shell: string; groups: string[] } | null>;
  groups: Record<string, string[] | null>;
  files: Record<string, { mode: number; owner: string; group: string; type: 'file' | 'dir' | 'link'; content?: string; target?: string } | null>;
  env?: { exists: boolean; keys: Record<string, string>; mode?: number; owner?: string; group?: string };
  units: Record<string, { enabled: string; active: string }>;
  /** Each domain as the server resolves it (HTTPS preflight). */
  resolved?: Record<string, { addresses: string[]; error: string | null }>;
  /** The server's own interface addresses. */
  addresses?: string[];
  certs?: Record<string, { exists: boolean; renewalConf: boolean; notAfter?: string | null; domains?: string[]; expiresWithin30Days?: boolean }>;
  /** Number of keys in each user's authorized_keys. */
  authorizedKeys?: Record<string, number>;
  /** `sshd -T`: the effective settings, lower-case keys. */
  sshd?: Record<string, string>;
  firewall?: { ufwActive: boolean; nft: boolean; table: string | null };
  /** PostgreSQL as the server has it (asked when the plan has `postgres`); never a password, only what it opens. */
  postgres?: PostgresFacts;
}

export interface PostgresFacts {
  /** pg_lsclusters: each cluster's version, name, port and whether it runs. */
  clusters: { version: string; cluster: string; port: number; online: boolean }[];
  /** `systemctl is-enabled postgresql`. */
  enabled: string;
  /** The app's role exists (null: no cluster runs to ask). */
  role: boolean | null;
  /** The owner of the app's database, '' when it does not exist (null: no cluster runs to ask). */
  databaseOwner: string | null;
  /** DATABASE_URL in the env file: none, the app's local database, or another one (the user's). */
  databaseUrl: 'missing' | 'local' | 'other';
  /** A local DATABASE_URL logs in over TCP with its password (null: not tried). */
  login: boolean | null;
}

export interface FileChange {
  path: string;
  status: 'create' | 'change' | 'ok';
  /** Unified diff (empty when unchanged). For the environment file: key names only, never values. */
  diff: string;
}

export type StepId = 'packages' | 'users' | 'directories' | 'units' | 'nginx' | 'env' | 'postgres' | 'sudoers' | 'https' | 'firewall' | 'sshd';

export interface ProvisionStep {
  id: StepId;
  title: string;
  /** `ok`: already as wanted; `change`: apply would change something. */
  status: 'ok' | 'change';
  /** What is fine or will change, in words. */
  details: string[];
  files: FileChange[];
}

export interface ProvisionPlan {
  facts: ServerFacts;
  layout: ReleaseLayout;
  steps: ProvisionStep[];
  /** Problems that stop provisioning before anything is touched (unsupported OS, no systemd). */
  blockers: string[];
  /** Worth knowing, not blocking. */
  warnings: string[];
  /** Internal: the agent calls of each step. */
  readonly actions: Map<StepId, StepAction[]>;
}

/** One agent call of a step. A guarded call returns a token that a new SSH connection must confirm (with `confirm`). */
interface StepAction {
  op: string;
  args: Record<string, unknown>;
  confirm?: Record<string, unknown>;
}

export interface StepResult {
  id: StepId;
  changed: boolean;
  what: string[];
}

/** A step that failed on the server: which, why, and that what it touched was put back. */
export class ProvisionStepError extends Error {
  constructor(
    readonly step: StepId,
    readonly reason: string,
    readonly output: string,
    readonly done: StepResult[],
  ) {
    super(`step "${step}" failed: ${reason}`);
  }
}

const FIREWALL_FILE = '/etc/cloudward/firewall.nft';
const FIREWALL_UNIT = '/etc/systemd/system/cloudward-firewall.service';
const SSHD_DROPIN = '/etc/ssh/sshd_config.d/10-cloudward.conf';
const RENEW_HOOK = '/etc/letsencrypt/renewal-hooks/deploy/50-cloudward-reload-nginx';

/** The live SSH port of the connection provisioning runs on (SSH_CONNECTION's 4th field), default 22. */
export function liveSshPort(facts: ServerFacts): number {
  const p = Number(facts.sshConnection.trim().split(/\s+/)[3]);
  return Number.isInteger(p) && p > 0 ? p : 22;
}

export function firewallRuleset(sshPort: number, plan: DeployPlan): string {
  const ports = [...new Set([sshPort, plan.listenPort, ...(plan.https ? [plan.httpsPort] : [])])];
  return [
    '#!/usr/sbin/nft -f',
    `# Written by cloudward provision: the firewall of this server, in a table of its own (inet cloudward).`,
    `# In: SSH on port ${sshPort} (the port provisioning came in on), HTTP${plan.https ? ' and HTTPS' : ''}; replies to what the server`,
    '# sent out; ping. Everything else coming in is dropped. Loading this file replaces the table in one transaction.',
    'table inet cloudward',
    'delete table inet cloudward',
    'table inet cloudward {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tiif "lo" accept',
    '\t\tct state established,related accept',
    '\t\tct state invalid drop',
    // numbers, not names: nft reads protocol names from /etc/protocols, which a minimal image may lack
    '\t\tmeta l4proto { 1, 58 } accept comment "ICMP and ICMPv6 (ping, path MTU, IPv6 neighbours)"',
    `\t\ttcp dport { ${ports.join(', ')} } accept`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

const FIREWALL_UNIT_TEXT = [
  '# Written by cloudward provision: loads the firewall (nftables table inet cloudward) at boot.',
  '[Unit]',
  'Description=Cloudward firewall (nftables table inet cloudward)',
  'Wants=network-pre.target',
  'Before=network-pre.target',
  'After=nftables.service',
  'DefaultDependencies=no',
  '',
  '[Service]',
  'Type=oneshot',
  'RemainAfterExit=yes',
  `ExecStart=/usr/sbin/nft -f ${FIREWALL_FILE}`,
  '',
  '[Install]',
  'WantedBy=multi-user.target',
  '',
].join('\n');

const SSHD_DROPIN_TEXT = [
  '# Written by cloudward provision: logins by key only, never by password.',
  '# sshd keeps the FIRST value it reads: this file comes before others in sshd_config.d (some cloud images',
  '# allow passwords in 50-cloud-init.conf).',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  'PermitRootLogin prohibit-password',
  '',
].join('\n');

const RENEW_HOOK_TEXT = [
  '#!/bin/sh',
  '# Written by cloudward provision: certbot runs this after it renewed a certificate; nginx then serves it.',
  'set -e',
  'nginx -t -q',
  'systemctl reload nginx',
  '',
].join('\n');

const isLoopback = (a: string) => a.startsWith('127.') || a === '::1';

const BASE_PACKAGES = ['nginx', 'python3-venv', 'sudo'];

interface Desired {
  layout: ReleaseLayout;
  packages: string[];
  /**
   * The system libraries the project's production Dockerfile installs (plan.systemPackages: runtime and
   * build, as the release's pip install builds on the server), not already in `packages`. Installed
   * when the server's archive has them: the image's Debian release may name a library differently
   * from this server's Ubuntu or Debian, and such a name is skipped with a note, not a failure.
   */
  projectPackages: string[];
  deployGroups: string[];
  dirs: { path: string; owner: string; group: string; mode: number }[];
  units: { path: string; content: string }[];
  site: string;
  /** The HTTPS site once the certificate exists (= site without HTTPS). */
  fullSite: string;
  upstream: string;
  sudoers: string;
  secrets: Record<string, string>;
  generate: string[];
}

function sudoersFor(plan: DeployPlan, layout: ReleaseLayout, systemctl: string, nginx: string): string {
  const cmds: string[] = [];
  for (const c of COLORS) {
    for (const a of ['start', 'stop', 'stop --no-block']) cmds.push(`${systemctl} ${a} ${plan.name}@${c}.service`);
    for (const a of ['enable', 'disable', 'stop', 'stop --no-block']) cmds.push(`${systemctl} ${a} ${plan.name}@${c}.socket`);
  }
  cmds.push(`${nginx} -t`, `${systemctl} reload nginx`);
  const alias = `CLOUDWARD_${plan.name.toUpperCase().replace(/-/g, '_')}`;
  return [
    `# Made by cloudward provision: the only commands \`cloudward deploy\` runs as root for ${plan.name}.`,
    `Cmnd_Alias ${alias} = \\`,
    ...cmds.map((c, i) => `    ${c}${i < cmds.length - 1 ? ', \\' : ''}`),
    `${layout.deployUser} ALL=(root) NOPASSWD: ${alias}`,
    '',
  ].join('\n');
}

function desiredState(o: ProvisionOptions, facts: ServerFacts | null): Desired {
  const plan = o.plan;
  const packages = [...new Set([...BASE_PACKAGES, ...(plan.https ? ['certbot'] : []), ...(o.firewall ? ['nftables'] : []),
    // the facts are read before the step is decided: ask about the package whenever the plan mentions PostgreSQL
    ...(facts ? (postgresWanted(o, facts).on ? ['postgresql'] : []) : plan.postgres ? ['postgresql'] : []), ...(o.packages ?? [])])];
  const sp = plan.systemPackages;
  const layout = releaseLayout(plan, o.deployUser ?? 'deploy');
  const d = layout.deployUser;
  const app = layout.appUser;
  const sitePlan: DeployPlan = { ...plan, staticRoot: layout.staticRoot, mediaRoot: layout.media };
  const systemctl = facts?.tools.systemctl ?? '/usr/bin/systemctl';
  const nginx = facts?.tools.nginx ?? '/usr/sbin/nginx';
  return {
    layout,
    packages,
    projectPackages: [...new Set([...(sp?.runtime ?? []), ...(sp?.build ?? [])])].filter((p) => !packages.includes(p)),
    // the plan's group (www-data) lets deploy reach a colour's socket for the health check
    deployGroups: [...new Set([app, 'systemd-journal', plan.group])],
    dirs: [
      { path: layout.appDir, owner: d, group: d, mode: 0o755 },
      { path: layout.releases, owner: d, group: d, mode: 0o755 },
      { path: layout.colors, owner: d, group: d, mode: 0o755 },
      { path: layout.shared, owner: d, group: d, mode: 0o755 },
      { path: layout.venvs, owner: d, group: d, mode: 0o755 },
      // the only places the app writes: uploads (nginx reads them) and data such as SQLite
      { path: layout.media, owner: app, group: app, mode: 0o2775 },
      { path: layout.data, owner: app, group: app, mode: 0o2770 },
      { path: layout.state, owner: d, group: d, mode: 0o750 },
      { path: layout.envDir, owner: d, group: app, mode: 0o2750 },
      { path: '/etc/nginx/cloudward', owner: 'root', group: 'root', mode: 0o755 },
      { path: layout.upstreamFile.replace(/\/[^/]+$/, ''), owner: d, group: d, mode: 0o755 },
      ...(plan.https ? [{ path: ACME_WEBROOT, owner: 'root', group: 'root', mode: 0o755 }] : []),
    ],
    units: renderReleaseUnits(plan, layout).map((f) => ({ path: f.path, content: f.content })),
    site: renderNginxSite(sitePlan, { upstreamInclude: layout.upstreamFile, path: layout.nginxSite,
      acmeBeforeCertificate: plan.https && !facts?.certs?.[primaryDomain(plan)]?.exists })[0].content,
    fullSite: renderNginxSite(sitePlan, { upstreamInclude: layout.upstreamFile, path: layout.nginxSite })[0].content,
    upstream: `# Written by cloudward: no release is live yet (cloudward deploy writes the live colour here).\nserver unix:${layout.colorSocket.replace('%i', 'blue')} fail_timeout=0;\n`,
    sudoers: sudoersFor(plan, layout, systemctl, nginx),
    secrets: o.secrets ?? {},
    generate: plan.framework === 'django' ? ['SECRET_KEY'] : [],
  };
}

/** Reads every fact provisioning needs in one round trip (as root). */
export async function readFacts(conn: ServerConnection, o: ProvisionOptions, nonce: string): Promise<ServerFacts> {
  const want = desiredState(o, null);
  const L = want.layout;
  return callAgent<ServerFacts>(conn, 'facts', {
    packages: [...want.packages, ...want.projectPackages],
    users: [L.deployUser, L.appUser],
    groups: [L.appUser],
    files: [...want.units.map((u) => u.path), L.nginxSite, L.nginxEnabled, '/etc/nginx/sites-enabled/default', L.upstreamFile, L.sudoersFile,
      ...(o.plan.https ? [RENEW_HOOK] : []), ...(o.firewall ? [FIREWALL_FILE, FIREWALL_UNIT] : []), ...(o.sshKeysOnly ? [SSHD_DROPIN] : [])],
    dirs: want.dirs.map((x) => x.path),
    envFile: L.envFile,
    nonce,
    units: [...COLORS.map((c) => `${o.plan.name}@${c}.service`), ...(o.plan.https ? ['certbot.timer'] : []), ...(o.firewall ? ['cloudward-firewall.service'] : [])],
    resolve: o.plan.https ? o.plan.domain.split(' ').filter(Boolean) : [],
    certs: o.plan.https ? [primaryDomain(o.plan)] : [],
    authorizedKeys: o.sshKeysOnly ? ['root', L.deployUser] : [],
    sshd: !!o.sshKeysOnly,
    firewall: !!o.firewall,
    ...(o.plan.postgres && !postgresNames(o.plan).error ? { postgres: { ...postgresNames(o.plan), envFile: L.envFile } } : {}),
  }, { root: true, idempotent: true });
}

function fileChange(path: string, current: ServerFacts['files'][string] | undefined, content: string, mode: number, owner: string, group: string): FileChange {
  if (!current) return { path, status: 'create', diff: unifiedDiff('', content, '/dev/null', path) };
  const diff = current.type === 'file' ? unifiedDiff(current.content ?? '', content, path, path) : `${path} is a ${current.type}; it becomes a file\n`;
  const meta = current.mode !== mode || current.owner !== owner || current.group !== group
    ? `${path}: ${current.owner}:${current.group} ${current.mode.toString(8)} → ${owner}:${group} ${mode.toString(8)}\n` : '';
  return { path, status: diff || meta ? 'change' : 'ok', diff: diff + meta };
}

const SUPPORTED: Record<string, string[]> = { debian: ['12', '13'], ubuntu: ['22.04', '24.04'] };

/** Computes the steps from the facts: nothing is changed on the server. */
export function planProvision(o: ProvisionOptions, facts: ServerFacts, nonce: string, clientAddresses: string[] = []): ProvisionPlan {
  const want = desiredState(o, facts);
  const L = want.layout;
  const steps: ProvisionStep[] = [];
  const actions = new Map<StepId, StepAction[]>();
  const blockers: string[] = [];
  const warnings: string[] = [];
  const id = facts.osRelease.ID ?? '?';
  const ver = facts.osRelease.VERSION_ID ?? '?';
  if (!SUPPORTED[id]?.includes(ver)) warnings.push(`${facts.osRelease.PRETTY_NAME ?? id} is not one of Debian 12/13 or Ubuntu 22.04/24.04: the steps may still work, but nobody tested them there.`);
  if (facts.pid1 !== 'systemd') blockers.push(`systemd is not running as PID 1 here (PID 1 is ${facts.pid1 ?? 'unknown'}): the app's units need it.`);
  if (!facts.tools['apt-get']) blockers.push('apt-get is missing: only Debian and Ubuntu servers are supported.');
  if (facts.memoryBytes !== null && facts.memoryBytes < 400 * 1024 * 1024) warnings.push('Less than 400 MiB of memory: two releases side by side during a deploy may not fit.');
  if (facts.diskFreeBytes < 1024 ** 3) warnings.push('Less than 1 GiB free on /: a release with its virtualenv may not fit.');

  // packages
  const missing = want.packages.filter((p) => !facts.installed.includes(p));
  const projectMissing = want.projectPackages.filter((p) => !facts.installed.includes(p));
  const fromImage = o.plan.systemPackages ? [...new Set([...o.plan.systemPackages.sources.runtime, ...o.plan.systemPackages.sources.build])].join(', ') : '';
  steps.push({ id: 'packages', title: 'Packages', status: missing.length || projectMissing.length ? 'change' : 'ok', files: [],
    details: [
      missing.length ? `install ${missing.join(', ')}` : `${want.packages.join(', ')} installed`,
      ...(projectMissing.length ? [`install ${projectMissing.join(', ')} (the project's ${fromImage} installs them; a name this server's archive lacks is skipped)`]
        : want.projectPackages.length ? [`${want.projectPackages.join(', ')} (from ${fromImage}) installed`] : []),
    ] });
  if (missing.length || projectMissing.length) actions.set('packages', [{ op: 'packages', args: { install: missing, optional: projectMissing } }]);

  // users
  const du = facts.users[L.deployUser];
  const au = facts.users[L.appUser];
  const userDetails: string[] = [];
  if (!facts.groups[L.appUser]) userDetails.push(`create group ${L.appUser}`);
  if (!au) userDetails.push(`create system user ${L.appUser} (no shell, no login)`);
  if (!du) userDetails.push(`create login user ${L.deployUser}${facts.uid === 0 ? " (with root's authorized SSH keys)" : ''}`);
  for (const g of want.deployGroups) if (!du?.groups.includes(g)) userDetails.push(`add ${L.deployUser} to group ${g}`);
  if (au && au.shell !== '/usr/sbin/nologin' && au.shell !== '/bin/false') warnings.push(`The app user ${L.appUser} has the shell ${au.shell}; a service user should have none.`);
  steps.push({ id: 'users', title: 'Users', status: userDetails.length ? 'change' : 'ok', files: [],
    details: userDetails.length ? userDetails : [`${L.deployUser} deploys (in group ${L.appUser}); ${L.appUser} runs the app`] });
  if (userDetails.length) {
    actions.set('users', [{ op: 'users', args: { appUser: L.appUser, deployUser: L.deployUser, appHome: L.appDir, deployGroups: want.deployGroups, copyRootKeys: facts.uid === 0 } }]);
  }

  // directories
  const dirDetails: string[] = [];
  for (const dd of want.dirs) {
    const f = facts.files[dd.path];
    if (!f) dirDetails.push(`create ${dd.path} (${dd.owner}:${dd.group} ${dd.mode.toString(8)})`);
    else if (f.type !== 'dir') blockers.push(`${dd.path} exists and is not a folder.`);
    else if (f.owner !== dd.owner || f.group !== dd.group || f.mode !== dd.mode) dirDetails.push(`${dd.path}: ${f.owner}:${f.group} ${f.mode.toString(8)} → ${dd.owner}:${dd.group} ${dd.mode.toString(8)}`);
  }
  steps.push({ id: 'directories', title: 'Folders of the release layout', status: dirDetails.length ? 'change' : 'ok', files: [],
    details: dirDetails.length ? dirDetails : [`${L.appDir} with releases/, shared/, colors/ as wanted`] });
  if (dirDetails.length) actions.set('directories', [{ op: 'dirs', args: { dirs: want.dirs } }]);

  // systemd units
  const unitFiles = want.units.map((u) => fileChange(u.path, facts.files[u.path], u.content, 0o644, 'root', 'root'));
  const unitsChange = unitFiles.some((f) => f.status !== 'ok');
  steps.push({ id: 'units', title: 'systemd units', status: unitsChange ? 'change' : 'ok', files: unitFiles,
    details: unitsChange ? ['write the units, then systemd-analyze verify (put back when it fails)'] : ['units as generated'] });
  if (unitsChange) {
    actions.set('units', [{ op: 'files', args: {
      files: want.units.map((u) => ({ path: u.path, content: u.content, mode: 0o644, owner: 'root', group: 'root' })),
      // Before the first deploy no release exists yet: its interpreter missing is expected, anything else is not.
      verify: [{ kind: 'systemd', units: COLORS.map((c) => `${o.plan.name}@${c}.service`),
        ignore: [`: Command ${L.colors.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(blue|green)/\\.venv/bin/python is not executable: No such file or directory$`] }],
    } }]);
  }

  // nginx site
  const siteFiles = [fileChange(L.nginxSite, facts.files[L.nginxSite], want.site, 0o644, 'root', 'root')];
  const enabled = facts.files[L.nginxEnabled];
  const linkOk = enabled?.type === 'link' && enabled.target === L.nginxSite;
  const defaultSite = facts.files['/etc/nginx/sites-enabled/default'];
  const upstreamMissing = !facts.files[L.upstreamFile];
  if (upstreamMissing) siteFiles.push({ path: L.upstreamFile, status: 'create', diff: unifiedDiff('', want.upstream, '/dev/null', L.upstreamFile) });
  const nginxDetails: string[] = [];
  if (!linkOk) nginxDetails.push(`enable the site (${L.nginxEnabled})`);
  if (defaultSite) nginxDetails.push("disable nginx's default site (its default_server would take the catch-all; sites-available/default is kept)");
  const nginxChange = siteFiles.some((f) => f.status !== 'ok') || nginxDetails.length > 0;
  steps.push({ id: 'nginx', title: 'nginx site', status: nginxChange ? 'change' : 'ok', files: siteFiles,
    details: nginxChange ? [...nginxDetails, 'nginx -t, then a graceful reload (everything put back when the test fails)'] : [`${o.plan.domain} served by ${L.nginxSite}`] });
  if (nginxChange) {
    const files = [{ path: L.nginxSite, content: want.site, mode: 0o644, owner: 'root', group: 'root' }];
    if (upstreamMissing) files.push({ path: L.upstreamFile, content: want.upstream, mode: 0o644, owner: L.deployUser, group: L.deployUser });
    actions.set('nginx', [{ op: 'files', args: {
      files,
      links: [{ path: L.nginxEnabled, target: L.nginxSite }],
      remove: defaultSite ? ['/etc/nginx/sites-enabled/default'] : [],
      verify: [{ kind: 'nginx' }],
      after: [['systemctl', 'reload-or-restart', 'nginx']],
    } }]);
  }

  // environment file: names only, never values
  const env = facts.env ?? { exists: false, keys: {} };
  const envDetails: string[] = [];
  for (const [k, v] of Object.entries(want.secrets)) {
    const h = createHmac('sha256', nonce).update(v).digest('hex');
    if (!(k in env.keys)) envDetails.push(`add ${k}`);
    else if (env.keys[k] !== h) envDetails.push(`change ${k}`);
  }
  for (const k of want.generate) if (!(k in env.keys) && !(k in want.secrets)) envDetails.push(`generate ${k} on the server (never sent or shown)`);
  const envMeta = env.exists && (env.mode !== 0o640 || env.owner !== L.deployUser || env.group !== L.appUser);
  if (envMeta) envDetails.push(`set owner ${L.deployUser}:${L.appUser}, mode 640`);
  if (!env.exists && !envDetails.length) envDetails.push('create it (empty)');
  steps.push({ id: 'env', title: `Secrets (${L.envFile})`, status: envDetails.length ? 'change' : 'ok', files: [
    { path: L.envFile, status: !env.exists ? 'create' : envDetails.length ? 'change' : 'ok', diff: envDetails.map((x) => `# ${x}`).join('\n') + (envDetails.length ? '\n' : '') },
  ], details: envDetails.length ? envDetails : [`${Object.keys(env.keys).length} variable(s): ${Object.keys(env.keys).sort().join(', ') || 'none'}`] });
  if (envDetails.length) {
    actions.set('env', [{ op: 'env', args: { path: L.envFile, owner: L.deployUser, group: L.appUser, mode: 0o640, set: want.secrets, generate: want.generate } }]);
  }

  if (o.plan.postgres) postgresStep(o, facts, L, steps, actions, blockers, warnings);

  // sudoers
  const sudo = fileChange(L.sudoersFile, facts.files[L.sudoersFile], want.sudoers, 0o440, 'root', 'root');
  steps.push({ id: 'sudoers', title: 'sudo rules for deploys', status: sudo.status === 'ok' ? 'ok' : 'change', files: [sudo],
    details: sudo.status === 'ok' ? [`${L.deployUser} may start/stop the app's colours and reload nginx, nothing else`] : ['write the drop-in after visudo -c accepts it'] });
  if (sudo.status !== 'ok') actions.set('sudoers', [{ op: 'files', args: { files: [{ path: L.sudoersFile, content: want.sudoers, mode: 0o440, owner: 'root', group: 'root', validate: 'visudo' }] } }]);

  if (o.plan.https) httpsStep(o, facts, want, clientAddresses, steps, actions, blockers, warnings);
  if (o.firewall) firewallStep(o, facts, steps, actions, blockers);
  if (o.sshKeysOnly) sshdStep(o, facts, L, steps, actions, blockers);
  return { facts, layout: L, steps, blockers, warnings, actions };
}

/** The app's PostgreSQL role and database: the app name with - as _ (both), or why that name cannot be one. */
export function postgresNames(plan: DeployPlan): { role: string; database: string; error?: string } {
  const n = plan.name.replace(/-/g, '_');
  const reserved = ['postgres', 'public', 'none', 'template0', 'template1', 'current_user', 'session_user', 'current_role', 'user'];
  const error = !/^[a-z_][a-z0-9_]{0,62}$/.test(n) ? `the app name ${plan.name} does not make a PostgreSQL name (a-z, 0-9 and _, at most 63)`
    : n.startsWith('pg_') || reserved.includes(n) ? `the app name ${plan.name} would make the PostgreSQL role and database ${n}, a name PostgreSQL keeps for itself: give the app another name (--set name=...)`
    : undefined;
  return { role: n, database: n, ...(error ? { error } : {}) };
}

/**
 * Whether provisioning sets up PostgreSQL: the plan says so, except when only detection said so and the user
 * gave a DATABASE_URL (their secrets, or one already in the env file pointing at another database): that
 * database is the app's, and a local server would sit unused.
 */
export function postgresWanted(o: ProvisionOptions, facts: ServerFacts | null): { on: boolean; why?: string } {
  const plan = o.plan;
  if (!plan.postgres) return { on: false };
  if (plan.postgresSource === 'given') return { on: true };
  if (o.secrets && 'DATABASE_URL' in o.secrets) {
    return { on: false, why: 'DATABASE_URL is among the secrets you give: the app uses that database, so no PostgreSQL server is set up here (postgres=true sets one up anyway: --set postgres=true, or the setting cloudward.provision.postgresql).' };
  }
  if (facts?.postgres?.databaseUrl === 'other') {
    return { on: false, why: `DATABASE_URL in ${plan.envFile} points at another database: the app uses that one, so no PostgreSQL server is set up here (postgres=true sets one up anyway: --set postgres=true, or the setting cloudward.provision.postgresql).` };
  }
  return { on: true };
}

/**
 * PostgreSQL (the package comes with the packages step): the cluster running and started at boot, a role and a
 * database owned by it for the app, and DATABASE_URL in the env file with a password made on the server (it
 * never leaves it: the agent sets it as a SCRAM verifier through psql's stdin). A DATABASE_URL the user gave
 * is kept.
 */
function postgresStep(o: ProvisionOptions, facts: ServerFacts, L: ReleaseLayout, steps: ProvisionStep[], actions: Map<StepId, StepAction[]>, blockers: string[], warnings: string[]): void {
  const plan = o.plan;
  const wanted = postgresWanted(o, facts);
  if (!wanted.on) {
    if (wanted.why) warnings.push(wanted.why);
    return;
  }
  const names = postgresNames(plan);
  if (names.error) {
    blockers.push(`PostgreSQL: ${names.error}; nothing was changed.`);
    return;
  }
  const { role, database } = names;
  const djangoDrivers = ['psycopg', 'psycopg-binary', 'psycopg-c', 'psycopg2', 'psycopg2-binary'];
  if (!plan.postgresDriver || (plan.framework === 'django' && !djangoDrivers.includes(plan.postgresDriver))) {
    warnings.push(`The project declares no PostgreSQL driver${plan.framework === 'django' ? ' Django can use (psycopg or psycopg2)' : ''}: the app cannot reach the database this step sets up, and a deploy stops at its import check ("Error loading psycopg2 or psycopg module"). ${howToDeclare(plan, ['psycopg[binary]']).replace(/^./, (c) => c.toUpperCase())}, commit, then deploy.`);
  }
  const pg = facts.postgres;
  const installed = facts.installed.includes('postgresql');
  const cluster = pg?.clusters.find((c) => c.online && c.port === 5432) ?? pg?.clusters.find((c) => c.online) ?? pg?.clusters[0];
  const port = cluster?.port ?? 5432;
  const details: string[] = [];
  if (!installed || !pg) details.push('PostgreSQL comes with the packages step; then its cluster runs (pg_createcluster when it has none)');
  else if (!cluster) details.push('create a cluster (pg_createcluster) and start it');
  else if (!cluster.online) details.push(`start the cluster ${cluster.version}/${cluster.cluster}`);
  if (installed && pg && pg.enabled !== 'enabled') details.push('start PostgreSQL at boot (systemctl enable postgresql)');
  if (!pg || pg.role === null || !pg.role) details.push(`create the role ${role} (login; no superuser, cannot create roles or databases)`);
  if (pg?.databaseOwner && pg.databaseOwner !== role) {
    blockers.push(`PostgreSQL: the database ${database} exists and belongs to ${pg.databaseOwner}, not ${role}: Cloudward does not take over a database it did not make. Give it to ${role} (ALTER DATABASE ${database} OWNER TO ${role}) or give the app another name; nothing was changed.`);
    return;
  }
  if (!pg || !pg.databaseOwner) details.push(`create the database ${database} owned by ${role} (UTF-8)`);
  const given = !!o.secrets && 'DATABASE_URL' in o.secrets;
  const keepUrl = given || pg?.databaseUrl === 'other';
  if (keepUrl) warnings.push(`DATABASE_URL ${given ? 'comes from the secrets you give' : `in ${L.envFile} points at another database`}: kept, so the app uses that database, not the local ${database}.`);
  else if (!pg || pg.databaseUrl === 'missing') details.push(`make ${role}'s password on the server and add DATABASE_URL=postgresql://${role}:…@localhost:${port}/${database} to ${L.envFile} (never sent or shown)`);
  else if (pg.login === false) details.push(`DATABASE_URL in ${L.envFile} does not log in as ${role}: make a new password on the server and write DATABASE_URL again`);
  const ok = details.length === 0;
  steps.push({ id: 'postgres', title: 'PostgreSQL database', status: ok ? 'ok' : 'change', files: [],
    details: ok ? [`PostgreSQL ${cluster?.version ?? '?'}/${cluster?.cluster ?? '?'} on port ${port}: database ${database} owned by ${role}${keepUrl ? '' : `, DATABASE_URL in ${L.envFile} logs in`}`] : details });
  if (!ok) {
    actions.set('postgres', [{ op: 'postgres', args: { role, database, envFile: L.envFile, owner: L.deployUser, group: L.appUser, mode: 0o640, setUrl: !keepUrl } }]);
  }
}

/**
 * HTTPS: the DNS part of the preflight runs here, on the facts (a domain that points elsewhere blocks
 * provisioning before anything changes); the HTTP part (a token fetched back through the domain) runs first in
 * the step, before certbot. Then `certbot certonly --webroot` (never --nginx: the site stays ours), the HTTPS
 * site behind nginx -t, the renewal hook and timer.
 */
function httpsStep(o: ProvisionOptions, facts: ServerFacts, want: Desired, clientAddresses: string[], steps: ProvisionStep[], actions: Map<StepId, StepAction[]>, blockers: string[], warnings: string[]): void {
  const plan = o.plan;
  const L = want.layout;
  const domains = plan.domain.split(' ').filter(Boolean);
  const certName = primaryDomain(plan);
  const cert = facts.certs?.[certName];
  const details: string[] = [];
  const acts: StepAction[] = [];
  const mine = new Set([...(facts.addresses ?? []), facts.sshConnection.trim().split(/\s+/)[2] ?? '', ...clientAddresses].filter(Boolean));
  const missingDomains = cert?.exists && cert.domains ? domains.filter((d) => !cert.domains!.includes(d)) : [];
  const needCert = !cert?.exists || missingDomains.length > 0 || !!cert.expiresWithin30Days;
  if (needCert) {
    for (const d of domains) {
      const r = facts.resolved?.[d];
      if (!r || r.error || !r.addresses.length) {
        blockers.push(`DNS: ${d} does not resolve${r?.error ? ` (${r.error})` : ''}: add an A record (and AAAA for IPv6) for it pointing at this server, then provision again; nothing was changed.`);
        continue;
      }
      const elsewhere = r.addresses.filter((a) => !mine.has(a));
      if (elsewhere.length) {
        blockers.push(`DNS points elsewhere: ${d} resolves to ${elsewhere.join(', ')}, which ${elsewhere.length > 1 ? 'are' : 'is'} not this server (${[...mine].filter((a) => !isLoopback(a) || r.addresses.every(isLoopback)).join(', ') || 'unknown'}): Let's Encrypt would validate there. Fix the A/AAAA records of ${d}, wait for them to spread, then provision again; nothing was changed.`);
      }
    }
    if (!o.acme?.email) warnings.push('No e-mail for the certificate account (--email): certbot registers without one, so nobody gets expiry notices if renewal ever fails.');
    details.push(`preflight: a token in ${ACME_WEBROOT} fetched back through http://${domains.join(', http://')}/ on port 80`);
    details.push(cert?.exists ? `renew the certificate ${certName}${missingDomains.length ? ` to cover ${missingDomains.join(', ')}` : ' (expires within 30 days)'}` : `get a certificate for ${domains.join(', ')} (certbot certonly --webroot${o.acme?.server ? ` --server ${o.acme.server}` : ''})`);
    acts.push({ op: 'acme_preflight', args: { domains, webroot: ACME_WEBROOT } });
    acts.push({ op: 'certbot', args: { domains, certName, webroot: ACME_WEBROOT, server: o.acme?.server, caBundle: o.acme?.caBundle, email: o.acme?.email } });
  }
  const files: FileChange[] = [];
  const siteNow = facts.files[L.nginxSite]?.content ?? '';
  if (siteNow !== want.fullSite || !cert?.exists) {
    files.push({ path: L.nginxSite, status: 'change', diff: unifiedDiff(cert?.exists ? siteNow : want.site, want.fullSite, L.nginxSite, L.nginxSite) });
    details.push('the HTTPS site (HTTP redirects to it, HSTS), nginx -t, then a graceful reload (put back when the test fails)');
    acts.push({ op: 'files', args: { files: [{ path: L.nginxSite, content: want.fullSite, mode: 0o644, owner: 'root', group: 'root' }], verify: [{ kind: 'nginx' }], after: [['systemctl', 'reload', 'nginx']] } });
  }
  const hook = fileChange(RENEW_HOOK, facts.files[RENEW_HOOK], RENEW_HOOK_TEXT, 0o755, 'root', 'root');
  if (hook.status !== 'ok') {
    files.push(hook);
    details.push('a renewal hook that reloads nginx after certbot renewed the certificate');
    acts.push({ op: 'files', args: { files: [{ path: RENEW_HOOK, content: RENEW_HOOK_TEXT, mode: 0o755, owner: 'root', group: 'root' }] } });
  }
  const timer = facts.units['certbot.timer'];
  if (!timer || timer.enabled !== 'enabled' || timer.active !== 'active') {
    details.push('enable and start certbot.timer (renews twice a day when a certificate nears its end)');
    acts.push({ op: 'systemctl', args: { commands: [['enable', '--now', 'certbot.timer']] } });
  }
  steps.push({ id: 'https', title: 'HTTPS certificate', status: acts.length ? 'change' : 'ok', files, details: acts.length ? details
    : [`certificate ${certName} valid until ${cert?.notAfter ?? '?'}; renewed by certbot.timer, nginx reloaded by ${RENEW_HOOK}`] });
  if (acts.length) actions.set('https', acts);
}

function firewallStep(o: ProvisionOptions, facts: ServerFacts, steps: ProvisionStep[], actions: Map<StepId, StepAction[]>, blockers: string[]): void {
  const port = liveSshPort(facts);
  const rules = firewallRuleset(port, o.plan);
  const fw = facts.firewall;
  if (fw?.ufwActive) {
    blockers.push('ufw is active on this server and manages its firewall: leave the firewall option off (or disable ufw first) so two firewalls do not fight.');
    return;
  }
  const file = fileChange(FIREWALL_FILE, facts.files[FIREWALL_FILE], rules, 0o644, 'root', 'root');
  const unit = fileChange(FIREWALL_UNIT, facts.files[FIREWALL_UNIT], FIREWALL_UNIT_TEXT, 0o644, 'root', 'root');
  const u = facts.units['cloudward-firewall.service'];
  const live = !!fw?.table;
  const ok = file.status === 'ok' && unit.status === 'ok' && u?.enabled === 'enabled' && live;
  const after = o.revertAfterSeconds ?? 60;
  steps.push({ id: 'firewall', title: 'Firewall (nftables)', status: ok ? 'ok' : 'change', files: ok ? [file, unit] : [file, unit].filter((f) => f.status !== 'ok'),
    details: ok ? [`in: SSH ${port}, HTTP${o.plan.https ? ', HTTPS' : ''}; the rest dropped`]
      : [`allow SSH on port ${port} (this connection's) first, then HTTP${o.plan.https ? ' and HTTPS' : ''}; drop the rest`,
        `reverts itself after ${after} s unless a new SSH connection logs in and confirms`] });
  if (!ok) {
    actions.set('firewall', [{ op: 'guarded', args: { kind: 'firewall', ruleset: rules, revertAfter: after }, confirm: {
      files: [{ path: FIREWALL_FILE, content: rules, mode: 0o644, owner: 'root', group: 'root' }, { path: FIREWALL_UNIT, content: FIREWALL_UNIT_TEXT, mode: 0o644, owner: 'root', group: 'root' }],
      after: [['systemctl', 'daemon-reload'], ['systemctl', 'enable', '--now', 'cloudward-firewall.service']],
    } }]);
  }
}

function sshdStep(o: ProvisionOptions, facts: ServerFacts, L: ReleaseLayout, steps: ProvisionStep[], actions: Map<StepId, StepAction[]>, blockers: string[]): void {
  const file = fileChange(SSHD_DROPIN, facts.files[SSHD_DROPIN], SSHD_DROPIN_TEXT, 0o644, 'root', 'root');
  const eff = facts.sshd ?? {};
  const effective = eff.passwordauthentication === 'no' && eff.kbdinteractiveauthentication !== 'yes';
  const ok = file.status === 'ok' && effective;
  const loginUser = facts.uid === 0 ? 'root' : L.deployUser;
  if (!ok && !(facts.authorizedKeys?.[loginUser] ?? 0) && !(facts.authorizedKeys?.[L.deployUser] ?? 0)) {
    blockers.push(`Neither ${loginUser} nor ${L.deployUser} has a key in ~/.ssh/authorized_keys: turning passwords off would lock everyone out. Add your public key first (ssh-copy-id).`);
    return;
  }
  const after = o.revertAfterSeconds ?? 60;
  steps.push({ id: 'sshd', title: 'SSH: keys only', status: ok ? 'ok' : 'change', files: ok ? [file] : [file],
    details: ok ? ['password logins are off (sshd -T: passwordauthentication no)']
      : [`${SSHD_DROPIN}: no password logins (sshd -t first)`, `reverts itself after ${after} s unless a new SSH connection logs in and confirms`] });
  if (!ok) actions.set('sshd', [{ op: 'guarded', args: { kind: 'sshd', path: SSHD_DROPIN, content: SSHD_DROPIN_TEXT, revertAfter: after }, confirm: {} }]);
}

export interface RunHooks {
  onStep?(step: ProvisionStep, phase: 'start' | 'done' | 'skipped', result?: StepResult): void;
  /** Checked between steps (the safe points): true stops before the next step. */
  cancelled?(): boolean;
  /**
   * Confirms a guarded change (firewall, sshd) from a NEW SSH connection. Default: a fresh connection to the
   * same server runs the agent's `confirm`. A rejection leaves the change to revert itself.
   */
  confirm?(step: StepId, token: string, confirmArgs: Record<string, unknown>): Promise<void>;
}

/** The default confirmation: a new connection (new TCP, new login) runs `confirm`; proves the change let us in. */
export async function confirmOnNewConnection(conn: ServerConnection, token: string, confirmArgs: Record<string, unknown>): Promise<void> {
  const fresh = conn.fresh();
  try {
    await callAgent(fresh, 'confirm', { ...confirmArgs, token }, { root: true, timeoutMs: 30_000 });
  } finally {
    fresh.dispose();
  }
}

/** Applies the steps that need a change, in order; stops at the first failure (which puts back what it touched). */
export async function applyProvision(conn: ServerConnection, p: ProvisionPlan, hooks: RunHooks = {}): Promise<StepResult[]> {
  const done: StepResult[] = [];
  for (const step of p.steps) {
    if (hooks.cancelled?.()) break;
    const acts = p.actions.get(step.id);
    if (!acts) {
      hooks.onStep?.(step, 'skipped');
      continue;
    }
    hooks.onStep?.(step, 'start');
    const what: string[] = [];
    let changed = false;
    for (const a of acts) {
      try {
        const r = await callAgent<{ changed: boolean; what?: string[]; token?: string; revertAt?: number }>(conn, a.op, a.args, { root: true, timeoutMs: 30 * 60_000 });
        changed ||= r.changed;
        what.push(...(r.what ?? []));
        if (a.confirm && r.token) {
          try {
            await (hooks.confirm ? hooks.confirm(step.id, r.token, a.confirm) : confirmOnNewConnection(conn, r.token, a.confirm));
            what.splice(0, what.length, `${step.id} confirmed by a new SSH connection`);
          } catch (e) {
            const at = r.revertAt ? new Date(r.revertAt * 1000).toISOString().slice(11, 19) : '?';
            throw new ProvisionStepError(step.id, `a new SSH connection could not confirm the change (${(e as Error).message}): it reverts by itself at ${at} UTC`, '', done);
          }
        }
      } catch (e) {
        if (e instanceof ProvisionStepError) throw e;
        if (e instanceof AgentError) throw new ProvisionStepError(step.id, e.message, e.output, done);
        throw e;
      }
    }
    const res = { id: step.id, changed, what };
    done.push(res);
    hooks.onStep?.(step, 'done', res);
  }
  return done;
}

/** Reads the facts and computes the plan (the preview). */
export async function previewProvision(conn: ServerConnection, o: ProvisionOptions): Promise<ProvisionPlan> {
  const nonce = randomBytes(16).toString('hex');
  const facts = await readFacts(conn, o, nonce);
  // the address this client reached the server at counts as the server's (behind 1:1 NAT it is on no interface)
  let client: string[] = [];
  if (o.plan.https) {
    const host = (await conn.resolve()).host;
    client = await lookup(host, { all: true }).then((r) => r.map((x) => x.address), () => []);
  }
  return planProvision(o, facts, nonce, client);
}
