// Provisioning: turns a fresh Debian/Ubuntu server into a host ready for the app, as a converge plan.
// Facts are read in one round trip; each step compares them with what the deploy plan wants (probe), shows
// what it would change (with a diff per file), applies only that, and checks it (systemd-analyze verify,
// nginx -t, visudo -c) with the previous files put back when a check fails. A second run changes nothing.
import { createHmac, randomBytes } from 'crypto';
import type { DeployPlan } from '../plan/types';
import type { ServerConnection } from '../ssh/connection';
import { renderNginxSite } from '../generate/nginx';
import { renderGunicornConf } from '../generate/gunicorn';
import { COLORS, releaseLayout, renderReleaseUnits, type ReleaseLayout } from '../generate/releaseLayout';
import { AgentError, callAgent } from '../remote/agent';
import { unifiedDiff } from './diff';

export interface ProvisionOptions {
  plan: DeployPlan;
  /** Login user that deploys. Default `deploy`. */
  deployUser?: string;
  /** KEY=value secrets for the environment file (never printed; only their names are). */
  secrets?: Record<string, string>;
  /** Debian packages the project needs besides nginx and python3-venv (system libraries). */
  packages?: string[];
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
}

export interface FileChange {
  path: string;
  status: 'create' | 'change' | 'ok';
  /** Unified diff (empty when unchanged). For the environment file: key names only, never values. */
  diff: string;
}

export type StepId = 'packages' | 'users' | 'directories' | 'units' | 'nginx' | 'env' | 'sudoers';

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
  readonly actions: Map<StepId, { op: string; args: Record<string, unknown> }[]>;
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

const BASE_PACKAGES = ['nginx', 'python3-venv', 'sudo'];

interface Desired {
  layout: ReleaseLayout;
  packages: string[];
  deployGroups: string[];
  dirs: { path: string; owner: string; group: string; mode: number }[];
  units: { path: string; content: string }[];
  site: string;
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
  const layout = releaseLayout(plan, o.deployUser ?? 'deploy');
  const d = layout.deployUser;
  const app = layout.appUser;
  const sitePlan: DeployPlan = { ...plan, staticRoot: layout.staticRoot, mediaRoot: layout.media };
  const systemctl = facts?.tools.systemctl ?? '/usr/bin/systemctl';
  const nginx = facts?.tools.nginx ?? '/usr/sbin/nginx';
  return {
    layout,
    packages: [...new Set([...BASE_PACKAGES, ...(o.packages ?? [])])],
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
    ],
    units: renderReleaseUnits(plan, layout).map((f) => ({ path: f.path, content: f.content })),
    site: renderNginxSite(sitePlan, { upstreamInclude: layout.upstreamFile, path: layout.nginxSite })[0].content,
    upstream: `# Written by cloudward: no release is live yet (cloudward deploy writes the live colour here).\nserver unix:${layout.colorSocket.replace('%i', 'blue')} fail_timeout=0;\n`,
    sudoers: sudoersFor(plan, layout, systemctl, nginx),
    secrets: o.secrets ?? {},
    generate: plan.framework === 'django' ? ['SECRET_KEY'] : [],
  };
}

/** The gunicorn config a release gets when its commit has none (bind comes from systemd's socket). */
export function releaseGunicornConf(plan: DeployPlan): string {
  return renderGunicornConf(plan)[0].content;
}

/** Reads every fact provisioning needs in one round trip (as root). */
export async function readFacts(conn: ServerConnection, o: ProvisionOptions, nonce: string): Promise<ServerFacts> {
  const want = desiredState(o, null);
  const L = want.layout;
  return callAgent<ServerFacts>(conn, 'facts', {
    packages: want.packages,
    users: [L.deployUser, L.appUser],
    groups: [L.appUser],
    files: [...want.units.map((u) => u.path), L.nginxSite, L.nginxEnabled, '/etc/nginx/sites-enabled/default', L.upstreamFile, L.sudoersFile],
    dirs: want.dirs.map((x) => x.path),
    envFile: L.envFile,
    nonce,
    units: COLORS.map((c) => `${o.plan.name}@${c}.service`),
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
export function planProvision(o: ProvisionOptions, facts: ServerFacts, nonce: string): ProvisionPlan {
  const want = desiredState(o, facts);
  const L = want.layout;
  const steps: ProvisionStep[] = [];
  const actions = new Map<StepId, { op: string; args: Record<string, unknown> }[]>();
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
  steps.push({ id: 'packages', title: 'Packages', status: missing.length ? 'change' : 'ok', files: [],
    details: missing.length ? [`install ${missing.join(', ')}`] : [`${want.packages.join(', ')} installed`] });
  if (missing.length) actions.set('packages', [{ op: 'packages', args: { install: missing } }]);

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

  // sudoers
  const sudo = fileChange(L.sudoersFile, facts.files[L.sudoersFile], want.sudoers, 0o440, 'root', 'root');
  steps.push({ id: 'sudoers', title: 'sudo rules for deploys', status: sudo.status === 'ok' ? 'ok' : 'change', files: [sudo],
    details: sudo.status === 'ok' ? [`${L.deployUser} may start/stop the app's colours and reload nginx, nothing else`] : ['write the drop-in after visudo -c accepts it'] });
  if (sudo.status !== 'ok') actions.set('sudoers', [{ op: 'files', args: { files: [{ path: L.sudoersFile, content: want.sudoers, mode: 0o440, owner: 'root', group: 'root', validate: 'visudo' }] } }]);

  return { facts, layout: L, steps, blockers, warnings, actions };
}

export interface RunHooks {
  onStep?(step: ProvisionStep, phase: 'start' | 'done' | 'skipped', result?: StepResult): void;
  /** Checked between steps (the safe points): true stops before the next step. */
  cancelled?(): boolean;
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
        const r = await callAgent<{ changed: boolean; what?: string[] }>(conn, a.op, a.args, { root: true, timeoutMs: 30 * 60_000 });
        changed ||= r.changed;
        what.push(...(r.what ?? []));
      } catch (e) {
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
  return planProvision(o, facts, nonce);
}

/** `systemd-analyze security` of a colour of the app unit: its exposure score (lower is safer). */
export async function securityScore(conn: ServerConnection, plan: DeployPlan, color = 'blue'): Promise<{ score: number | null; output: string }> {
  return callAgent(conn, 'security', { unit: `${plan.name}@${color}.service` }, { root: true, idempotent: true });
}
