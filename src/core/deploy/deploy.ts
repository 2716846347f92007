// Deploy, rollback and releases over SSH, on the layout provision prepared (src/core/generate/releaseLayout.ts).
// The client plans and uploads (`git archive` of the commit + a job without secrets); the agent on the server
// runs the critical section detached, under a kernel flock (freed if it dies), writing a JSONL event log the
// client tails and can re-attach to after a dropped connection, and a journal of releases (the only order).
import { execFile } from 'child_process';
import { createHash } from 'crypto';
import os = require('os');
import { promisify } from 'util';
import type { DeployPlan } from '../plan/types';
import type { ServerConnection } from '../ssh/connection';
import { managePy, primaryDomain, publicEnv, settingsFlag } from '../generate/common';
import { renderGunicornConf } from '../generate/gunicorn';
import { releaseLayout } from '../generate/releaseLayout';
import { AGENT_HASH, AgentError, callAgent } from '../remote/agent';

const run = promisify(execFile);

export interface GitState {
  commit: string;
  dirty: boolean;
  /** The tree to archive: HEAD, or a stash commit of the working tree when dirty. */
  tree: string;
}

/** The project's commit, and whether the working tree differs from it (untracked files ignored, as git archive does). */
export async function gitState(projectDir: string): Promise<GitState> {
  let commit: string;
  try {
    commit = (await run('git', ['rev-parse', 'HEAD'], { cwd: projectDir })).stdout.trim();
  } catch {
    throw new DeployError('git', `${projectDir} is not a git repository with a commit: deploys ship a commit (git init, git add, git commit)`);
  }
  const status = (await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: projectDir })).stdout.trim();
  if (!status) return { commit, dirty: false, tree: commit };
  const stash = (await run('git', ['stash', 'create'], { cwd: projectDir })).stdout.trim();
  return { commit, dirty: true, tree: stash || commit };
}

export async function gitArchive(projectDir: string, tree: string): Promise<Buffer> {
  const r = await run('git', ['archive', '--format=tar', tree], { cwd: projectDir, encoding: 'buffer', maxBuffer: 1024 ** 3 });
  return r.stdout as unknown as Buffer;
}

/** The step a deploy stops at when its migrations drop or rename what the live release uses (see allowDestructive). */
export const DESTRUCTIVE_STEP = 'destructive-migrations';

/** A deploy, rollback or release listing that failed: the step and why, in plain words. */
export class DeployError extends Error {
  constructor(
    readonly step: string,
    readonly reason: string,
    readonly output = '',
    /** The release that serves now (the previous one, after a failure). */
    readonly live: string | null = null,
  ) {
    super(`${step}: ${reason}`);
  }
}

export interface DeployEvent {
  event: 'step' | 'log' | 'warning' | 'failed' | 'done';
  step?: string;
  text?: string;
  error?: string;
  output?: string;
  ok?: boolean;
  live?: string | null;
  t?: number;
  dbAhead?: string[];
  unchanged?: boolean;
}

export interface DeployHooks {
  onEvent?(e: DeployEvent): void;
  /** Checked while following: true stops following (the run goes on on the server; DeployError step "detached"). */
  cancelled?(): boolean;
  /** Diagnostic lines (reconnects). */
  log?(line: string): void;
}

export interface DeployOptions {
  plan: DeployPlan;
  projectDir: string;
  deployUser?: string;
  /** Deploy the working tree with its uncommitted changes, marked `-dirty` (after an explicit yes). */
  allowDirty?: boolean;
  /**
   * Apply migrations that drop or rename columns or tables while a release is live (after an explicit yes).
   * Without it such a deploy stops before migrating, with step DESTRUCTIVE_STEP and nothing changed.
   */
  allowDestructive?: boolean;
  /** Releases kept besides the live one. Default 5. */
  keep?: number;
  /** Who deploys (journal). Default user@host of this machine. */
  by?: string;
}

export interface DeployResult {
  runId: string;
  releaseId: string;
  live: string | null;
  ok: boolean;
  events: DeployEvent[];
}

function jobFor(plan: DeployPlan, deployUser: string, keep: number, by: string) {
  const L = releaseLayout(plan, deployUser);
  return {
    appDir: L.appDir,
    name: plan.name,
    envFile: L.envFile,
    publicEnv: publicEnv(plan),
    pythonPath: plan.pythonPath,
    managePy: managePy(plan).replace(/^.*\//, ''),
    settingsFlag: settingsFlag(plan),
    appTarget: plan.appTarget,
    framework: plan.framework,
    migrate: plan.migrate,
    collectstatic: plan.collectstatic,
    // Where the settings turn COMPRESS_OFFLINE on (file:line), or false: the agent checks it against the real environment.
    compress: plan.compressOffline ? `${plan.compressOffline.file}:${plan.compressOffline.line}` : false,
    requirements: plan.requirementsFile,
    extraPackages: plan.extraPackages,
    files: { 'gunicorn.conf.py': renderGunicornConf(plan)[0].content },
    upstreamFile: L.upstreamFile,
    colorSocket: L.colorSocket,
    host: primaryDomain(plan),
    healthPath: plan.healthPath,
    https: plan.https,
    listenPort: plan.listenPort,
    httpsPort: plan.httpsPort,
    keep,
    by,
    drainSeconds: 2,
  };
}

function who(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return os.hostname();
  }
}

/** Follows a run's events until it is done, re-attaching after a dropped connection (the run goes on without us). */
async function follow(conn: ServerConnection, appDir: string, runId: string, deployUser: string, hooks: DeployHooks): Promise<DeployEvent[]> {
  const events: DeployEvent[] = [];
  let offset = 0;
  let failures = 0;
  for (;;) {
    if (hooks.cancelled?.()) {
      throw new DeployError('detached', `the ${runId.startsWith('rollback') ? 'rollback' : 'deploy'} goes on on the server (its lock makes the next one wait); its outcome shows in the releases`);
    }
    let r: { events: DeployEvent[]; offset: number };
    try {
      r = await callAgent(conn, 'tail', { appDir, runId, offset, waitSeconds: 2 }, { asUser: deployUser, idempotent: true, timeoutMs: 30_000 });
      failures = 0;
    } catch (e) {
      // by code, not instanceof: the editor loads the SSH layer from another bundle (dist/ssh.js)
      const code = (e as { code?: string }).code;
      if ((code === 'CONNECTION_LOST' || code === 'COMMAND_TIMEOUT') && failures < 10) {
        failures++;
        hooks.log?.(`connection lost while following the deploy (${(e as Error).message}); re-attaching (the deploy goes on on the server)`);
        await new Promise((res) => setTimeout(res, 1000 * failures));
        continue;
      }
      throw e;
    }
    offset = r.offset;
    for (const ev of r.events) {
      events.push(ev);
      hooks.onEvent?.(ev);
      if (ev.event === 'done') return events;
    }
  }
}

async function startRun(conn: ServerConnection, appDir: string, deployUser: string, job: Record<string, unknown>, archive: Buffer): Promise<{ runId: string; releaseId: string }> {
  const up = await callAgent<{ job: string; agent: string }>(conn, 'upload', {
    appDir, agentHash: AGENT_HASH, sha256: createHash('sha256').update(archive).digest('hex'), job,
  }, { asUser: deployUser, payload: archive, timeoutMs: 10 * 60_000 });
  const st = await callAgent<{ locked: boolean; holder?: { pid?: number; run?: string; by?: string; since?: string }; runId?: string; releaseId?: string }>(
    conn, 'start', { appDir, job: up.job, agent: up.agent, by: job.by }, { asUser: deployUser });
  if (st.locked) {
    const h = st.holder ?? {};
    throw new DeployError('lock', `another deploy is running on this server${h.run ? ` (${h.run}${h.by ? ` by ${h.by}` : ''}${h.since ? ` since ${h.since}` : ''})` : ''}; nothing was changed. Wait for it to finish, then deploy again.`);
  }
  return { runId: st.runId!, releaseId: st.releaseId! };
}

function outcome(events: DeployEvent[], runId: string, releaseId: string): DeployResult {
  const done = events.find((e) => e.event === 'done');
  const failed = events.find((e) => e.event === 'failed');
  if (!done?.ok) {
    throw new DeployError(failed?.step ?? 'deploy', failed?.error ?? 'the deploy ended without saying why', failed?.output ?? '', done?.live ?? null);
  }
  return { runId, releaseId, live: done.live ?? null, ok: true, events };
}

/** Deploys the project's current commit. Throws DeployError (with the still-live release) when it fails. */
export async function deploy(conn: ServerConnection, o: DeployOptions, hooks: DeployHooks = {}): Promise<DeployResult> {
  const deployUser = o.deployUser ?? 'deploy';
  if (!o.plan.requirementsFile && o.plan.dependenciesDeclared) {
    throw new DeployError('dependencies', `the server installs from a requirements file and the project has none (its dependencies are in ${o.plan.lockFile ?? 'pyproject.toml'}): export one and commit it, e.g. \`uv export --no-hashes -o requirements.txt\` or \`poetry export -o requirements.txt\``);
  }
  const g = await gitState(o.projectDir);
  if (g.dirty && !o.allowDirty) {
    throw new DeployError('git', 'the project has uncommitted changes: commit them, or deploy them marked -dirty after saying yes (--allow-dirty)');
  }
  const archive = await gitArchive(o.projectDir, g.tree);
  const job = { ...jobFor(o.plan, deployUser, o.keep ?? 5, o.by ?? who()), kind: 'deploy', commit: g.commit, dirty: g.dirty, allowDestructive: !!o.allowDestructive };
  const appDir = releaseLayout(o.plan, deployUser).appDir;
  hooks.onEvent?.({ event: 'step', step: 'upload', text: `uploading ${g.commit.slice(0, 7)}${g.dirty ? '-dirty' : ''} (${Math.ceil(archive.length / 1024)} KiB)` });
  const { runId, releaseId } = await startRun(conn, appDir, deployUser, job, archive);
  const events = await follow(conn, appDir, runId, deployUser, hooks);
  return outcome(events, runId, releaseId);
}

/** Goes back to the previous good release (or `to`). Migrations are never reversed; a database ahead is reported. */
export async function rollback(conn: ServerConnection, o: { plan: DeployPlan; deployUser?: string; to?: string; by?: string }, hooks: DeployHooks = {}): Promise<DeployResult> {
  const deployUser = o.deployUser ?? 'deploy';
  const job = { ...jobFor(o.plan, deployUser, 5, o.by ?? who()), kind: 'rollback', target: o.to ?? null, releaseId: 'rollback-' + Date.now().toString(36) };
  const appDir = releaseLayout(o.plan, deployUser).appDir;
  const { runId, releaseId } = await startRun(conn, appDir, deployUser, job, Buffer.alloc(0));
  const events = await follow(conn, appDir, runId, deployUser, hooks);
  return outcome(events, runId, releaseId);
}

export interface ReleaseRecord {
  id: string;
  status?: 'building' | 'good' | 'failed' | 'abandoned' | 'rolled-back';
  commit?: string;
  dirty?: boolean;
  by?: string;
  started?: string;
  updated?: string;
  live: boolean;
  exists: boolean;
  step?: string;
  error?: string;
  migrations?: string[];
}

/** Where an app's releases live: its plan, or its folder on the server (the Servers view knows only that). */
export type AppRef = { plan: DeployPlan; deployUser?: string } | { appDir: string; deployUser?: string };

const appDirOf = (o: AppRef) => ('plan' in o ? releaseLayout(o.plan, o.deployUser ?? 'deploy').appDir : o.appDir);

export async function listReleases(conn: ServerConnection, o: AppRef): Promise<{ releases: ReleaseRecord[]; live: string | null; lock: unknown }> {
  const deployUser = o.deployUser ?? 'deploy';
  try {
    return await callAgent(conn, 'releases', { appDir: appDirOf(o) }, { asUser: deployUser, idempotent: true });
  } catch (e) {
    if (e instanceof AgentError) throw new DeployError('releases', e.message, e.output);
    throw e;
  }
}

/** The run that built a release: `deploy-<id>` (its events are kept on the server after the release is pruned). */
export const deployRunId = (releaseId: string) => `deploy-${releaseId}`;

/** The events of the deploy that built `releaseId`, from the server's `.cloudward/deploys/` log. */
export async function deployLog(conn: ServerConnection, o: AppRef & { releaseId: string }): Promise<DeployEvent[]> {
  const deployUser = o.deployUser ?? 'deploy';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(o.releaseId)) throw new DeployError('log', `"${o.releaseId}" is not a release id`);
  try {
    const r = await callAgent<{ events: DeployEvent[] }>(conn, 'tail', { appDir: appDirOf(o), runId: deployRunId(o.releaseId), offset: 0, waitSeconds: 0 },
      { asUser: deployUser, idempotent: true, timeoutMs: 60_000 });
    return r.events;
  } catch (e) {
    if (e instanceof AgentError && /FileNotFoundError/.test(e.message)) {
      throw new DeployError('log', `the server keeps no deploy log for ${o.releaseId} (it was built before logs were kept, or by another tool)`);
    }
    if (e instanceof AgentError) throw new DeployError('log', e.message, e.output);
    throw e;
  }
}

/** One event as a log line (the output channel, Show Deploy Log, the CLI): plain text, not yet made printable. */
export function formatDeployEvent(e: DeployEvent): string {
  const at = e.t ? `[${new Date(e.t * 1000).toISOString().slice(11, 19)}] ` : '';
  switch (e.event) {
    case 'step':
      return `${at}--> ${e.text ?? e.step ?? ''}`;
    case 'log':
      return e.text ?? '';
    case 'warning':
      return `${at}warning: ${e.text ?? ''}`;
    case 'failed':
      return `${at}FAILED at ${e.step ?? '?'}: ${e.error ?? ''}${e.output ? `\n${e.output}` : ''}`;
    case 'done':
      return `${at}${e.ok ? `done: ${e.live ?? '?'} is live${e.unchanged ? ' (unchanged)' : ''}` : `done: failed; ${e.live ? `${e.live} still serves` : 'no release serves'}`}`;
    default:
      return JSON.stringify(e);
  }
}

/**
 * The lines of a failed run worth opening first: from the start of the step that failed (the last one of that
 * name, a deploy's checks run several) to the end, at most `max` lines (the last ones). Plain text, not yet printable.
 */
export function deployFailureLines(events: readonly DeployEvent[], step: string | undefined, max = 200): string[] {
  let from = -1;
  for (let i = events.length - 1; i >= 0 && from < 0; i--) if (events[i].event === 'step' && events[i].step === step) from = i;
  if (from < 0) for (let i = events.length - 1; i >= 0 && from < 0; i--) if (events[i].event === 'step') from = i;
  const lines = events.slice(Math.max(0, from)).flatMap((e) => formatDeployEvent(e).split('\n'));
  return lines.length > max ? [`… (${lines.length - max} earlier lines in the full log)`, ...lines.slice(-max)] : lines;
}
