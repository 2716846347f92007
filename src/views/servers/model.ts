// The Servers view's model: which servers there are (settings + SSH config), the last facts of each,
// and the background refreshes that gather them over the SSH layer (loaded lazily, never at activation).
import * as vscode from 'vscode';
import type { Ctx } from '../../ctx';
import type { ConnectionState, ServerConnection, ServerSpec, SshPool, Snapshot } from '../../core/ssh';
import { errorMessage, log, logFailure } from '../../log';
import { contextKeys, setContext } from '../../contextKeys';
import type { ProjectFacts, ReleasesInfo, RowCommand } from './nodes';
import { deployedApp, projectFacts } from './project';
import { rememberServerCpus } from './cores';
import { SshPrompts } from './prompts';
import { HostKeyTrustStore, ServerSecrets } from './trust';

export interface ServerProblem {
  message: string;
  /** The SSH layer's error code, when the error came from it. */
  code?: string;
  actions: RowCommand[];
  /** Found by a background refresh, which never asks: the user has not been asked yet. */
  background?: boolean;
}

export interface ServerState {
  /** `settings:<name>` or `ssh-config:<alias>`: stable while the server stays in the list. */
  id: string;
  spec: ServerSpec;
  /** A refresh is queued or running. */
  loading: boolean;
  snapshot?: Snapshot;
  /** The snapshot is not current: the last refresh failed or the connection dropped since. */
  stale: boolean;
  /** When the snapshot stopped being current. */
  staleSince?: string;
  /** Why it stopped being current, in a few words ("connection lost", the refresh's error). */
  staleReason?: string;
  /** The linked project's facts (spec.project), or why there are none. */
  project?: ProjectFacts | { problem: string };
  /** The releases of the linked project's app, or of the app last deployed there from this editor. */
  releases?: ReleasesInfo;
  problem?: ServerProblem;
  connection?: ConnectionState;
}

/** A failure in a few words, for "stale since 10:02: <reason>". */
function shortReason(e: unknown): string {
  switch ((e as { code?: string })?.code) {
    case 'UNREACHABLE':
      return 'server unreachable';
    case 'COMMAND_TIMEOUT':
      return 'no answer in time';
    case 'CONNECTION_LOST':
      return 'connection lost';
    case 'AUTH_FAILED':
      return 'login refused';
    case 'HOST_KEY_CHANGED':
      return 'host key changed';
    case 'HOST_KEY_UNKNOWN':
      return 'host key not trusted';
    default:
      return errorMessage(e).split(/[.:\n]/)[0].slice(0, 60) || 'refresh failed';
  }
}

export function serverId(spec: ServerSpec): string {
  return `${spec.source ?? 'settings'}:${spec.name}`;
}

/** Runs at most `limit()` tasks at once, in submission order. */
class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: () => number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= Math.max(1, this.limit())) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

export class ServersModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  /** Fires with a server id when that server changed, undefined when the list changed. */
  readonly onDidChange = this.changed.event;

  readonly trust: HostKeyTrustStore;
  readonly secrets: ServerSecrets;
  readonly prompts: SshPrompts;

  private states = new Map<string, ServerState>();
  private listed = false;
  private listProblems: string[] = [];
  private pool: SshPool | undefined;
  private inflight = new WeakMap<ServerState, Promise<void>>();
  private readonly inflightInteractive = new WeakSet<ServerState>();
  private readonly limiter: Limiter;
  private readonly disposables: vscode.Disposable[] = [];
  /** Bumped when the pool is replaced, so that late results of the old one are dropped. */
  private generation = 0;
  private disposed = false;

  constructor(private readonly ctx: Ctx) {
    this.trust = new HostKeyTrustStore(ctx.extension.globalState);
    this.secrets = new ServerSecrets(ctx.secrets, ctx.extension.globalState);
    this.prompts = new SshPrompts(this.secrets);
    this.limiter = new Limiter(() => ctx.config.concurrency);
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        // Only what changes servers or how to reach them resets connections (not concurrency, logLines).
        if ((ctx.config.affects(e, 'servers') || ctx.config.affects(e, 'serversView')) && this.listSettings() !== this.lastListSettings) this.reload();
      }),
    );
  }

  /** Problems of the setting's entries (invalid names, hosts, units), for the user to fix. */
  get problems(): readonly string[] {
    this.ensureListed();
    return this.listProblems;
  }

  servers(): ServerState[] {
    this.ensureListed();
    return [...this.states.values()];
  }

  get(id: string): ServerState | undefined {
    this.ensureListed();
    return this.states.get(id);
  }

  byName(name: string): ServerState | undefined {
    return this.servers().find((s) => s.spec.name === name);
  }

  private ensureListed(): void {
    if (this.listed) return;
    this.listed = true;
    this.lastListSettings = this.listSettings();
    const options = {
      settings: this.ctx.config.servers,
      sshConfigFile: this.ctx.config.sshConfigFile || undefined,
      includeSshConfigHosts: this.ctx.config.showSshConfigHosts,
    };
    let listed: { servers: ServerSpec[]; problems: string[] };
    try {
      listed = this.ctx.ssh.listServers(options);
    } catch (e) {
      // An unreadable SSH config must not hide the servers of the settings.
      listed = this.ctx.ssh.listServers({ ...options, includeSshConfigHosts: false });
      listed.problems.push(`Could not list the hosts of ${options.sshConfigFile ?? '~/.ssh/config'}: ${errorMessage(e)}`);
    }
    const { servers, problems } = listed;
    if (problems.length && problems.join('\n') !== this.listProblems.join('\n')) {
      for (const p of problems) log().warn(`cloudward.servers: ${p}`);
      void vscode.window.showWarningMessage(`Cloudward: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}: see the log)` : ''}`, 'Open Settings').then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.action.openSettings', 'cloudward.servers');
      });
    }
    this.listProblems = problems;
    const next = new Map<string, ServerState>();
    for (const spec of servers) {
      const id = serverId(spec);
      const old = this.states.get(id);
      // Keep what we know of a server whose entry did not change; start afresh otherwise.
      next.set(id, old && JSON.stringify(old.spec) === JSON.stringify(spec) ? old : { id, spec, loading: false, stale: false });
    }
    this.states = next;
    void setContext(contextKeys.hasServers, next.size > 0);
  }

  private lastListSettings = '';
  private poolSettings = '';

  private listSettings(): string {
    const c = this.ctx.config;
    return JSON.stringify([c.servers, c.sshConfigFile, c.showSshConfigHosts, c.commandTimeoutMs]);
  }

  /**
   * Re-reads the server list (settings or SSH config changed). Connections of unchanged servers stay
   * (open terminals keep working); those of removed or edited servers are closed.
   */
  reload(): void {
    const before = new Map(this.states);
    this.listed = false;
    this.ensureListed();
    const c = this.ctx.config;
    const poolSettings = JSON.stringify([c.sshConfigFile, c.commandTimeoutMs]);
    if (this.pool && poolSettings !== this.poolSettings) {
      // How to reach every server may have changed: start over.
      this.generation++;
      this.inflight = new WeakMap();
      this.pool.dispose();
      this.pool = undefined;
      for (const s of this.states.values()) {
        s.loading = false;
        if (s.snapshot && !s.stale) this.markStale(s, 'the SSH settings changed');
      }
    } else {
      for (const [id, old] of before) if (this.states.get(id) !== old) this.pool?.drop(old.spec.name);
    }
    this.changed.fire(undefined);
  }

  private getPool(): SshPool {
    if (this.disposed) throw new Error('The Servers view is closed.');
    if (!this.pool) {
      const ssh = this.ctx.ssh;
      this.poolSettings = JSON.stringify([this.ctx.config.sshConfigFile, this.ctx.config.commandTimeoutMs]);
      this.pool = new ssh.SshPool({
        trustStore: this.trust,
        callbacks: this.prompts.callbacks(),
        sshConfigFile: this.ctx.config.sshConfigFile || undefined,
        commandTimeoutMs: this.ctx.config.commandTimeoutMs,
        lookupServer: (name) => this.byName(name)?.spec,
        // Diagnostic lines of the SSH layer never hold secrets.
        log: (line) => log().debug(line),
      });
    }
    return this.pool;
  }

  /** The cached connection of a server (connects on first use). */
  connection(id: string): ServerConnection {
    const state = this.get(id);
    if (!state) throw new Error('That server is no longer in the list: refresh the Servers view.');
    const pool = this.getPool();
    const conn = pool.get(state.spec);
    if (!this.watched.has(conn)) {
      this.watched.add(conn);
      conn.onStateChange((cs: ConnectionState) => {
        // Only the connection currently serving this very entry speaks for it.
        const s = this.states.get(id);
        if (s !== state || this.pool !== pool || pool.find(s.spec.name) !== conn) return;
        s.connection = cs;
        if ((cs === 'disconnected' || cs === 'failed' || cs === 'reconnecting') && s.snapshot && !s.stale) {
          this.markStale(s, cs === 'failed' ? 'could not reconnect' : 'connection lost');
          this.changed.fire(id);
        }
      });
    }
    return conn;
  }
  private readonly watched = new WeakSet<object>();

  /**
   * Closes a server's pooled connection, so that the next command logs in again. After provisioning: the
   * login user was just added to the app's group, and a session keeps the groups it logged in with (a deploy
   * over the old session could not open the app's data folder).
   */
  reconnect(id: string): void {
    const state = this.get(id);
    if (state) this.pool?.drop(state.spec.name);
  }

  private markStale(s: ServerState, reason: string): void {
    s.stale = true;
    s.staleSince = new Date().toISOString();
    s.staleReason = reason;
  }

  /**
   * Gathers a server's facts in the background. `interactive`: the user asked (expanded it, clicked
   * refresh), so host-key and secret prompts may be shown; background refreshes never prompt.
   */
  refresh(id: string, interactive: boolean): Promise<void> {
    const state = this.get(id);
    if (!state) return Promise.resolve();
    const existing = this.inflight.get(state);
    if (existing) {
      // A background refresh cannot ask anything: when the user asks meanwhile, go again after it, with prompts.
      if (interactive && !this.inflightInteractive.has(state)) return existing.then(() => (state.problem ? this.refresh(id, true) : undefined));
      return existing;
    }
    if (interactive) this.inflightInteractive.add(state);
    else this.inflightInteractive.delete(state);
    state.loading = true;
    this.changed.fire(id);
    const generation = this.generation;
    const p = this.limiter
      .run(async () => {
        if (generation !== this.generation) return;
        const release = interactive ? this.prompts.allow(state.spec.name) : undefined;
        try {
          // A server linked to a workspace folder is asked about that project's units, site, socket and certificate.
          if (state.spec.project) state.project = await projectFacts(this.ctx, state.spec.project).catch((e) => ({ problem: errorMessage(e) }));
          const p = state.project && 'name' in state.project ? state.project : undefined;
          const snapshot = await this.connection(id).snapshot(
            p ? { units: [...p.units, ...(p.colors ?? []).flatMap((c) => c.units)], appDir: p.appDir, paths: [p.nginxSite, p.socket, ...(p.colors ?? []).map((c) => c.socket), ...(p.certificate ? [p.certificate] : [])] } : {},
          );
          const releases = await this.readReleases(state, p);
          if (generation !== this.generation || this.states.get(id) !== state) return;
          state.snapshot = snapshot;
          state.releases = releases;
          // The worker count of the plan of a linked project follows this server's cores.
          rememberServerCpus(this.ctx, state.spec.name, snapshot.cpus).catch(logFailure(`Remembering the cores of ${state.spec.name}`));
          state.stale = false;
          state.staleSince = undefined;
          state.staleReason = undefined;
          state.problem = undefined;
        } catch (e) {
          if (generation !== this.generation) return;
          this.lastErrors.set(id, e);
          state.problem = { ...this.describeProblem(state, e, interactive), ...(interactive ? {} : { background: true }) };
          log().warn(`${state.spec.name}: ${errorMessage(e)}`);
          if (state.snapshot && !state.stale) this.markStale(state, shortReason(e));
        } finally {
          release?.();
        }
      })
      .finally(() => {
        if (this.inflight.get(state) === p) this.inflight.delete(state);
        if (generation !== this.generation || this.states.get(id) !== state) return;
        state.loading = false;
        this.changed.fire(id);
      });
    this.inflight.set(state, p);
    return p;
  }

  /** The app's releases from the server's journal (one agent call); undefined when no app is known for it. */
  private async readReleases(state: ServerState, project: ProjectFacts | undefined): Promise<ReleasesInfo | undefined> {
    const app = project ? { app: project.name, appDir: project.appDir } : deployedApp(this.ctx, state.spec.name);
    if (!app) return undefined;
    try {
      const r = await this.ctx.core.listReleases(this.connection(state.id), { appDir: app.appDir });
      return { ...app, releases: r.releases, live: r.live };
    } catch (e) {
      return { ...app, releases: [], live: null, error: errorMessage(e) };
    }
  }

  /**
   * Refreshes the servers of the settings, and the SSH config's hosts only once the user opened them:
   * that config also lists git hosts and bastions, which are not to be connected to uninvited.
   */
  refreshAll(interactive: boolean): Promise<void> {
    const servers = this.servers().filter((s) => s.spec.source !== 'ssh-config' || s.snapshot || s.problem);
    return Promise.all(servers.map((s) => this.refresh(s.id, interactive))).then(() => undefined);
  }

  /** Turns a failure into the reason shown in the tree and the action that helps. */
  describeProblem(state: ServerState, e: unknown, interactive: boolean): ServerProblem {
    const retry: RowCommand = { command: 'cloudward.servers.refreshServer', title: 'Retry', args: [state.id] };
    const code = (e as { code?: string })?.code;
    switch (code) {
      case 'HOST_KEY_UNKNOWN':
        return {
          code,
          message: interactive ? `Host key not trusted: ${errorMessage(e)}` : 'Host key not trusted yet: click to check its fingerprint and connect',
          actions: [{ command: 'cloudward.servers.refreshServer', title: 'Connect…', args: [state.id] }],
        };
      case 'HOST_KEY_CHANGED':
      case 'HOST_KEY_REVOKED':
        // No "connect anyway" here: the details explain how to remove the old key, a separate step.
        return { code, message: errorMessage(e), actions: [{ command: 'cloudward.servers.showHostKeyProblem', title: 'Show Details', args: [state.id] }] };
      case 'AUTH_FAILED':
        return { code, message: errorMessage(e), actions: [{ ...retry, title: interactive ? 'Retry' : 'Log In…' }] };
      default:
        return { code, message: errorMessage(e), actions: [retry] };
    }
  }

  /** The last error of a server, kept for the details command. */
  readonly lastErrors = new Map<string, unknown>();

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.pool?.dispose();
    this.pool = undefined;
    this.prompts.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
