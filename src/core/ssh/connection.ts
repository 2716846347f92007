// One server's connection: resolves the server (SSH config, jump hosts), verifies host keys before any
// secret leaves, authenticates through the caller's callbacks, and runs commands one channel at a time
// (a queue), each with a time limit. Drops are noticed (keepalive, 'close') and healed by reconnecting
// with backoff on the next use. Shells and journal follows get their own connection so that a long-lived
// channel never blocks refreshes on a MaxSessions 1 server.
import fs = require('fs');
import { Client, type ClientChannel, type ConnectConfig, utils as ssh2utils } from 'ssh2';
import {
  AuthFailedError,
  CommandFailedError,
  CommandTimeoutError,
  ConnectionLostError,
  HostKeyChangedError,
  HostKeyRevokedError,
  HostKeyUnknownError,
  InvalidInputError,
  SshError,
  SudoPasswordRequiredError,
  UnreachableError,
} from './errors';
import { checkHostKey, fingerprintOf, keyTypeOf, knownKeyTypes, parseKnownHosts, type KnownHostsEntry } from './knownHosts';
import { printable, printableLine } from '../printable';
import { assertUnitName, shCommand } from './quote';
import { resolveServer } from './servers';
import { parseSnapshotOutput, snapshotScript } from './snapshot';
import type {
  ConnectionState,
  ExecOptions,
  ExecResult,
  RemoteShell,
  RemoteStream,
  ResolvedHost,
  ResolvedServer,
  ServerSpec,
  ShellOptions,
  Snapshot,
  SshPoolOptions,
  UnitAction,
} from './types';

const MAX_OUTPUT = 32 * 1024 * 1024;
const HOST_KEY_ALGOS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** An established chain of clients (jump hosts first); `target` runs the commands. */
interface Link {
  clients: Client[];
  target: Client;
  fingerprint: string;
  dead: boolean;
  /** Rejecters of commands in flight, called when the link drops. */
  inflight: Set<(e: Error) => void>;
}

/** A connect time limit that stops while the user is being asked something. */
class Deadline {
  private timer?: NodeJS.Timeout;
  private left: number;
  private startedAt = 0;
  constructor(
    ms: number,
    private readonly onExpire: () => void,
  ) {
    this.left = ms;
    this.resume();
  }
  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.left -= Date.now() - this.startedAt;
  }
  resume(): void {
    if (this.timer) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(this.onExpire, Math.max(0, this.left));
  }
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
  /** Runs a user prompt with the clock stopped. */
  async asking<T>(f: () => Promise<T>): Promise<T> {
    this.pause();
    try {
      return await f();
    } finally {
      this.resume();
    }
  }
}

function target(h: ResolvedHost): string {
  return `${h.user}@${h.host}:${h.port}`;
}

function readKnownHosts(files: readonly string[]): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  for (const f of files) {
    try {
      entries.push(...parseKnownHosts(fs.readFileSync(f, 'utf8'), f));
    } catch {
      // a missing known_hosts file simply knows no hosts
    }
  }
  return entries;
}

function hostKeyAlgorithms(types: string[]): string[] {
  const preferred = types.flatMap((t) => (t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t])).filter((a) => HOST_KEY_ALGOS.includes(a));
  return [...new Set([...preferred, ...HOST_KEY_ALGOS])];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the layer's commands look like to a user (for errors), never including secrets. */
const SUDO_PASSWORD = /a password is required|a terminal is required|no tty present and no askpass/i;

/** Runs `cmd` as root: directly when connected as root, else through `sudo -n` (never prompting). */
function asRoot(cmd: string): string {
  return `if [ "$(id -u)" = 0 ]; then exec ${cmd}; else exec sudo -n ${cmd}; fi`;
}

/**
 * Runs `cmd` as root when possible (root, or an admin with password-less sudo), else as the user (reads
 * that may still work). sudo is not even tried for non-admins: it would mail root an "incident" each time.
 */
function asRootIfPossible(cmd: string): string {
  return (
    `if [ "$(id -u)" = 0 ]; then exec ${cmd}; ` +
    `elif command -v sudo >/dev/null 2>&1 && id -Gn 2>/dev/null | grep -qwE 'sudo|wheel|admin' && sudo -n true >/dev/null 2>&1; then exec sudo -n ${cmd}; ` +
    `else exec ${cmd}; fi`
  );
}

function shScript(script: string): string {
  return shCommand(['sh', '-c', script]);
}

/**
 * Sends SIGKILL to the command of a channel. OpenSSH delivers it with killpg() to the session's process
 * group, so the command's children die too. ssh2's `signal()` sends nothing once stdin got EOF (which all
 * our commands get at once), so the request goes through its protocol object in that state.
 */
function killChannel(ch: ClientChannel): void {
  const c = ch as unknown as { outgoing?: { state?: string; id?: number }; _client?: { _protocol?: { signal?(id: number, name: string): void } } };
  try {
    if (c.outgoing?.state === 'eof' && c.outgoing.id !== undefined && c._client?._protocol?.signal) c._client._protocol.signal(c.outgoing.id, 'KILL');
    else ch.signal('KILL');
  } catch {
    // a server that refuses signals: the process group is killed with a command after the close
  }
}

/**
 * Runs a command line so that its process group id comes first on stderr (`@@CWPGID <n>`), which lets a
 * timed-out command be killed with all its children. Linux /proc; elsewhere only the signal is sent.
 */
function withProcessGroup(command: string): string {
  return shCommand([
    'sh',
    '-c',
    'read -r _ _ _ _ g _ < /proc/$$/stat 2>/dev/null && printf \'@@CWPGID %s\\n\' "$g" >&2; eval "$1"',
    'cloudward',
    command,
  ]);
}

export class ServerConnection {
  private _state: ConnectionState = 'idle';
  private listeners = new Set<(s: ConnectionState, error?: Error) => void>();
  private link?: Link;
  private linking?: Promise<Link>;
  private queue: Promise<unknown> = Promise.resolve();
  private resolved?: ResolvedServer;
  private everConnected = false;
  private disposed = false;
  private extraLinks = new Set<Link>();
  /** The last error that ended a connection attempt or a connection. */
  lastError?: Error;

  constructor(
    readonly spec: ServerSpec,
    private readonly opts: SshPoolOptions,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get state(): ConnectionState {
    return this._state;
  }

  /** Listens to state changes ('disconnected' after a drop: show data as stale). Returns an unsubscribe function. */
  onStateChange(listener: (state: ConnectionState, error?: Error) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setState(s: ConnectionState, error?: Error): void {
    if (error) this.lastError = error;
    if (s === this._state && !error) return;
    this._state = s;
    for (const l of [...this.listeners]) {
      try {
        l(s, error);
      } catch {
        // a listener's bug must not break the connection
      }
    }
  }

  private log(line: string): void {
    this.opts.log?.(`[ssh ${this.spec.name}] ${line}`);
  }

  private get commandTimeoutMs(): number {
    return this.opts.commandTimeoutMs ?? 30_000;
  }

  /** The server after applying the SSH config (resolved once per connection object). */
  async resolve(): Promise<ResolvedServer> {
    return (this.resolved ??= await resolveServer(this.spec, {
      sshConfigFile: this.opts.sshConfigFile,
      lookupServer: this.opts.lookupServer,
      env: this.opts.env,
    }));
  }

  /** `user@host:port` (after resolution; the spec's host before). */
  get target(): string {
    return this.resolved ? target(this.resolved) : this.spec.host;
  }

  // ---- connecting -------------------------------------------------------------------------------

  /** Connects (or reuses the connection). Throws the typed errors of ./errors. */
  async connect(): Promise<void> {
    await this.ensureLink();
  }

  private ensureLink(): Promise<Link> {
    if (this.disposed) return Promise.reject(new SshError('CONNECTION_LOST', `The connection to ${this.spec.name} was closed.`));
    if (this.link && !this.link.dead) return Promise.resolve(this.link);
    return (this.linking ??= this.establish().finally(() => (this.linking = undefined)));
  }

  private async establish(): Promise<Link> {
    const reconnecting = this.everConnected;
    const attempts = reconnecting ? Math.max(1, (this.opts.reconnectAttempts ?? 3) + 1) : 1;
    this.setState(reconnecting ? 'reconnecting' : 'connecting');
    let last: Error | undefined;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(500 * 2 ** (i - 1));
      if (this.disposed) break;
      try {
        const link = await this.openLink();
        this.link = link;
        this.everConnected = true;
        this.watchLink(link, true);
        this.setState('connected');
        return link;
      } catch (e) {
        last = e as Error;
        // Only a network failure is worth another try; a host key or login problem will not heal.
        if (!(e instanceof UnreachableError || e instanceof ConnectionLostError)) break;
        this.log(`connect attempt ${i + 1} failed: ${last.message}`);
      }
    }
    this.setState('failed', last);
    throw last ?? new SshError('CONNECTION_LOST', 'closed');
  }

  private watchLink(link: Link, primary: boolean): void {
    const onDrop = (why: string) => {
      if (link.dead) return;
      link.dead = true;
      for (const c of link.clients) c.end();
      const err = new ConnectionLostError(this.target, why);
      for (const reject of [...link.inflight]) reject(err);
      link.inflight.clear();
      if (primary && this.link === link) {
        this.log(`connection dropped: ${why}`);
        if (!this.disposed) this.setState('disconnected', err);
      }
    };
    for (const c of link.clients) {
      c.on('close', () => onDrop('the connection closed'));
      c.on('end', () => onDrop('the server ended the connection'));
      c.on('error', (e: Error) => onDrop(e.message));
    }
  }

  /** Opens a fresh chain of connections (jump hosts, then the server). */
  private async openLink(): Promise<Link> {
    const server = await this.resolve();
    const hops = [...server.jumps, server];
    const clients: Client[] = [];
    let sock: NodeJS.ReadableStream | undefined;
    let fingerprint = '';
    try {
      for (let i = 0; i < hops.length; i++) {
        const hop = hops[i];
        if (i > 0) sock = await this.forward(clients[i - 1], hop);
        const r = await this.connectHop(hop, sock, i === hops.length - 1 ? server.name : `${server.name} (jump host ${hop.label})`);
        clients.push(r.client);
        fingerprint = r.fingerprint;
      }
    } catch (e) {
      for (const c of clients.reverse()) c.destroy();
      throw e;
    }
    return { clients, target: clients[clients.length - 1], fingerprint, dead: false, inflight: new Set() };
  }

  private forward(via: Client, hop: ResolvedHost): Promise<NodeJS.ReadableStream> {
    return new Promise((resolve, reject) => {
      via.forwardOut('127.0.0.1', 0, hop.host, hop.port, (err, stream) => {
        if (err) reject(new UnreachableError(target(hop), `the jump host could not open a connection to it (${err.message})`));
        else resolve(stream);
      });
    });
  }

  private connectHop(hop: ResolvedHost, sock: NodeJS.ReadableStream | undefined, label: string): Promise<{ client: Client; fingerprint: string }> {
    const o = this.opts;
    // BatchMode: nobody is there to answer, so no prompts at all (as OpenSSH).
    const cb = hop.batchMode ? { secretResult: o.callbacks?.secretResult } : (o.callbacks ?? {});
    const env = o.env ?? process.env;
    const client = new Client();
    const known = readKnownHosts(hop.knownHostsFiles);
    let fingerprint = '';
    let verifyFailure: Error | undefined;
    let deadline: Deadline | undefined;
    let settled = false;
    const tried: string[] = [];

    return new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        deadline?.clear();
        // destroy, not end: end() only half-closes, and a silent peer (a tarpit) would keep the socket,
        // and the process, alive until it closes its side.
        client.destroy();
        (sock as unknown as { destroy?: () => void } | undefined)?.destroy?.();
        reject(e);
      };
      // Always listen: an unhandled 'error' (ECONNRESET) would crash the extension host.
      client.on('error', (err: Error & { level?: string; code?: string }) => {
        if (verifyFailure) return fail(verifyFailure);
        if (err.level === 'client-authentication') return fail(new AuthFailedError(target(hop), tried));
        const reason =
          err.code === 'ECONNREFUSED' ? 'connection refused' :
          err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? 'host name not found' :
          err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH' ? 'no route to host' :
          err.code === 'ECONNRESET' ? 'the connection was reset' :
          err.level === 'client-timeout' ? 'timed out' : err.message;
        fail(new UnreachableError(target(hop), reason));
      });
      client.on('close', () => fail(verifyFailure ?? new UnreachableError(target(hop), 'the connection closed during the handshake')));
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        deadline?.clear();
        // After connecting, stray errors are handled by the link watcher; keep this listener harmless.
        this.log(`connected to ${target(hop)} (${fingerprint})`);
        resolve({ client, fingerprint });
      });

      const connectTimeout = hop.connectTimeoutMs ?? o.connectTimeoutMs ?? 15_000;
      deadline = new Deadline(connectTimeout, () => fail(new UnreachableError(target(hop), `no answer within ${Math.round(connectTimeout / 1000)} s`)));

      const verify = async (key: Buffer): Promise<void> => {
        const keyType = keyTypeOf(key);
        const keyBase64 = key.toString('base64');
        fingerprint = fingerprintOf(key);
        const hostPort = hop.hostKeyAlias;
        const check = checkHostKey(known, hostPort, keyType, keyBase64);
        for (const n of check.notes) this.log(n);
        if (check.status === 'revoked') throw new HostKeyRevokedError(hostPort, fingerprint, `${check.entries[0].file}:${check.entries[0].line}`);
        if (check.status === 'known') return;
        if (check.status === 'changed') {
          throw new HostKeyChangedError(
            hostPort,
            keyType,
            fingerprint,
            check.entries.map((e) => (e.keyType === keyType ? fingerprintOf(e.keyBase64) : `${e.keyType} ${fingerprintOf(e.keyBase64)}`)),
            check.entries.map((e) => `${e.file}:${e.line}`),
          );
        }
        const trusted = await o.trustStore.lookup(hostPort);
        if (trusted.some((k) => k.keyBase64 === keyBase64)) return;
        // As for known_hosts: a key of any type on record, and not this one, is a changed key.
        if (trusted.length) {
          throw new HostKeyChangedError(hostPort, keyType, fingerprint, trusted.map((k) => (k.keyType === keyType ? fingerprintOf(k.keyBase64) : `${k.keyType} ${fingerprintOf(k.keyBase64)}`)), [o.trustStore.location ?? 'the Cloudward trust store']);
        }
        const strict = hop.strictHostKeyChecking;
        let accept = false;
        if (strict === 'accept-new' || strict === 'no') accept = true;
        else if (strict === 'yes') throw new HostKeyUnknownError(hostPort, keyType, fingerprint, 'StrictHostKeyChecking is yes and the key is in no known_hosts file');
        else if (cb.confirmHostKey) accept = await deadline!.asking(() => cb.confirmHostKey!({ server: label, hostPort, keyType, fingerprint }));
        else throw new HostKeyUnknownError(hostPort, keyType, fingerprint, 'it is in no known_hosts file and not in the Cloudward trust store');
        if (!accept) throw new HostKeyUnknownError(hostPort, keyType, fingerprint, 'the user did not trust it');
        await o.trustStore.trust(hostPort, keyType, keyBase64);
        this.log(`trusted new host key of ${hostPort}: ${keyType} ${fingerprint}`);
      };

      // Authentication steps, tried in order; secrets are asked only when a step is reached, which is
      // after the host key was verified (ssh2 verifies before authenticating).
      type Step = () => Promise<Record<string, unknown> | null>;
      const steps: { type: string; run: Step }[] = [];
      const agent = o.agentSocket ?? env.SSH_AUTH_SOCK;
      const username = hop.user;
      let pendingSecret: { kind: 'password' | 'keyboard-interactive'; attempt: number } | undefined;
      const report = (ok: boolean) => {
        if (pendingSecret && cb.secretResult) cb.secretResult({ server: label, target: target(hop), attempt: pendingSecret.attempt, kind: pendingSecret.kind, ok });
        pendingSecret = undefined;
      };
      if (agent) steps.push({ type: 'publickey', run: async () => (tried.push('agent'), { type: 'agent', username, agent }) });
      for (const file of hop.identityFiles) {
        steps.push({
          type: 'publickey',
          run: async () => {
            let data: Buffer;
            try {
              data = fs.readFileSync(file);
            } catch (e) {
              this.log(`cannot read identity file ${file}: ${(e as Error).message}`);
              return null;
            }
            const plain = ssh2utils.parseKey(data);
            if (!(plain instanceof Error)) return (tried.push(`key ${file}`), { type: 'publickey', username, key: data });
            if (!/encrypt|passphrase/i.test(plain.message)) {
              this.log(`identity file ${file} is not a usable private key: ${plain.message}`);
              return null;
            }
            if (!cb.passphrase) {
              this.log(`identity file ${file} is encrypted and no passphrase can be asked`);
              tried.push(`key ${file} (encrypted, and no passphrase could be asked${hop.batchMode ? ' in BatchMode' : ''})`);
              return null;
            }
            for (let attempt = 1; attempt <= 3; attempt++) {
              const passphrase = await deadline!.asking(() => cb.passphrase!({ server: label, target: target(hop), attempt, identityFile: file }));
              if (passphrase === undefined) {
                tried.push(`key ${file} (passphrase not given)`);
                return null;
              }
              const parsed = ssh2utils.parseKey(data, passphrase);
              if (!(parsed instanceof Error)) {
                // A passphrase is right when it decrypts the key, whatever the server then says of the key.
                cb.secretResult?.({ server: label, target: target(hop), attempt, kind: 'passphrase', ok: true });
                tried.push(`key ${file}`);
                return { type: 'publickey', username, key: data, passphrase };
              }
              cb.secretResult?.({ server: label, target: target(hop), attempt, kind: 'passphrase', ok: false });
            }
            tried.push(`key ${file} (wrong passphrase)`);
            return null;
          },
        });
      }
      if (cb.keyboardInteractive) {
        steps.push({
          type: 'keyboard-interactive',
          run: async () => {
            tried.push('keyboard-interactive');
            return {
              type: 'keyboard-interactive',
              username,
              prompt: (name: string, instructions: string, _lang: string, prompts: { prompt: string; echo?: boolean }[], finish: (answers: string[]) => void) => {
                if (!prompts.length) return finish([]);
                pendingSecret = { kind: 'keyboard-interactive', attempt: 1 };
                deadline!
                  .asking(() =>
                    cb.keyboardInteractive!({
                      server: label,
                      target: target(hop),
                      attempt: 1,
                      // The server's words, escaped, and each prompt says who asks (as OpenSSH ≥ 8.4 does):
                      // a jump host cannot pose as the target to collect its password.
                      name: printable(name ?? ''),
                      instructions: printable(instructions ?? ''),
                      prompts: prompts.map((p) => ({ prompt: `(${printableLine(hop.user)}@${printableLine(hop.host)}) ${printableLine(p.prompt ?? '')}`, echo: !!p.echo })),
                    }),
                  )
                  .then((answers) => finish(answers ?? []), () => finish([]));
              },
            };
          },
        });
      }
      if (cb.password) {
        for (let attempt = 1; attempt <= 3; attempt++) {
          steps.push({
            type: 'password',
            run: async () => {
              const password = await deadline!.asking(() => cb.password!({ server: label, target: target(hop), attempt }));
              if (password === undefined) {
                // cancelled: drop the remaining password attempts
                for (let j = steps.length - 1; j >= 0; j--) if (steps[j].type === 'password') steps.splice(j, 1);
                return null;
              }
              pendingSecret = { kind: 'password', attempt };
              tried.push('password');
              return { type: 'password', username, password };
            },
          });
        }
      }

      const authHandler = (methodsLeft: string[] | null, _partial: boolean | null, next: (a: unknown) => void) => {
        report(false); // reached only when the previous method failed
        const pick = async (): Promise<unknown> => {
          while (steps.length) {
            const step = steps.shift()!;
            if (methodsLeft && !methodsLeft.includes(step.type)) continue;
            const r = await step.run();
            if (r) return r;
          }
          return false;
        };
        pick().then(next, (e: Error) => {
          this.log(`authentication step failed: ${e.message}`);
          next(false);
        });
      };
      client.once('ready', () => report(true));

      const config: ConnectConfig = {
        host: sock ? undefined : hop.host,
        port: sock ? undefined : hop.port,
        sock: sock as ConnectConfig['sock'],
        username,
        // ssh2's own handshake limit; ours (the Deadline) excludes the time the user spends answering.
        readyTimeout: 10 * 60_000,
        keepaliveInterval: o.keepaliveIntervalMs ?? 15_000,
        keepaliveCountMax: 3,
        hostVerifier: ((key: Buffer, done: (ok: boolean) => void) => {
          verify(key).then(
            () => done(true),
            (e: Error) => {
              verifyFailure = e;
              done(false);
            },
          );
        }) as unknown as ConnectConfig['hostVerifier'],
        authHandler: authHandler as unknown as ConnectConfig['authHandler'],
      };
      // Offer the key types on record first (known_hosts, then Cloudward's store), as OpenSSH does: a
      // server that also has a key of another type then shows the one we know, instead of looking changed.
      Promise.resolve()
        .then(() => o.trustStore.lookup(hop.hostKeyAlias))
        .catch(() => [] as { keyType: string }[])
        .then((trusted) => {
          if (settled) return;
          config.algorithms = { serverHostKey: hostKeyAlgorithms([...knownKeyTypes(known, hop.hostKeyAlias), ...trusted.map((k) => k.keyType)]) as never };
          try {
            client.connect(config);
          } catch (e) {
            fail(new InvalidInputError(`Cannot connect to ${target(hop)}: ${(e as Error).message}`));
          }
        })
        // The connect is waiting for this: a failure here fails it, instead of leaving it to the deadline.
        .catch((e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
    });
  }

  // ---- running commands ------------------------------------------------------------------------

  /** Runs tasks one after another: one channel at a time on this connection. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs a command line (already quoted: build it with shQuote/shCommand) through the queue, with a time
   * limit. Read-only commands (`idempotent`) are retried once on a fresh connection after a drop.
   */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.enqueue(async () => {
      let link = await this.ensureLink();
      try {
        return await this.run(link, command, options);
      } catch (e) {
        if (!(e instanceof ConnectionLostError) || !options.idempotent) throw e;
        link = await this.ensureLink();
        return await this.run(link, command, options);
      }
    });
  }

  /** Opens an exec channel, retrying briefly when the server has not yet freed the previous one (MaxSessions). */
  private async openChannel(link: Link, command: string): Promise<ClientChannel> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise<ClientChannel>((resolve, reject) => link.target.exec(command, (err, ch) => (err ? reject(err) : resolve(ch))));
      } catch (e) {
        // OpenSSH frees a closed session's slot a moment after confirming the close.
        if (link.dead || attempt >= 8 || !/open failure|open failed/i.test((e as Error).message)) throw e;
        this.log(`channel refused (attempt ${attempt + 1}); retrying`);
        await sleep(5 * 2 ** attempt);
      }
    }
  }

  private async run(link: Link, command: string, o: ExecOptions, what = 'The command'): Promise<ExecResult> {
    const timeoutMs = o.timeoutMs ?? this.commandTimeoutMs;
    if (link.dead) throw new ConnectionLostError(this.target, 'the connection closed');
    let ch: ClientChannel;
    let guard: NodeJS.Timeout | undefined;
    let onDropWhileOpening: ((e: Error) => void) | undefined;
    try {
      // Opening is bounded too: by a drop of the connection and by the command's own limit.
      ch = await Promise.race([
        this.openChannel(link, withProcessGroup(command)),
        new Promise<never>((_, reject) => {
          onDropWhileOpening = reject;
          link.inflight.add(reject);
          guard = setTimeout(() => reject(new CommandTimeoutError(this.target, what, timeoutMs)), timeoutMs);
        }),
      ]);
    } catch (e) {
      if (e instanceof SshError) throw e;
      if (link.dead) throw new ConnectionLostError(this.target, (e as Error).message);
      throw new CommandFailedError(this.target, what, null, `could not open a channel: ${(e as Error).message}`);
    } finally {
      clearTimeout(guard);
      if (onDropWhileOpening) link.inflight.delete(onDropWhileOpening);
    }
    let pgid: number | undefined;
    let timedOut = false;
    const result = await new Promise<ExecResult>((resolve, reject) => {
      let done = false;
      const finish = (f: () => void) => {
        if (done) return;
        done = true;
        link.inflight.delete(onDrop);
        f();
      };
      const onDrop = (e: Error) => finish(() => reject(e));
      link.inflight.add(onDrop);
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      let size = 0;
      let code: number | null = null;
      let signal: string | undefined;
      let grace: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        this.log(`command timed out after ${timeoutMs} ms; killing it`);
        killChannel(ch);
        ch.close();
        // If the server never confirms the close, give up on this connection rather than wait forever.
        grace = setTimeout(() => {
          finish(() => reject(new CommandTimeoutError(this.target, what, timeoutMs)));
          link.dead = true;
          for (const c of link.clients) c.end();
        }, 3000);
      }, timeoutMs);
      const collect = (into: Buffer[]) => (d: Buffer) => {
        if (size > MAX_OUTPUT) return;
        size += d.length;
        into.push(d);
      };
      ch.on('data', collect(out));
      ch.stderr.on('data', collect(errOut));
      ch.on('exit', (c: number | null, sig?: string) => {
        code = typeof c === 'number' ? c : null;
        signal = sig ?? undefined;
      });
      ch.on('close', () => {
        clearTimeout(timer);
        if (grace) clearTimeout(grace);
        let stderr = Buffer.concat(errOut).toString('utf8');
        const m = /^@@CWPGID (\d+)\n/.exec(stderr);
        if (m) {
          pgid = Number(m[1]);
          stderr = stderr.slice(m[0].length);
        }
        finish(() => {
          if (timedOut) reject(new CommandTimeoutError(this.target, what, timeoutMs));
          else if (link.dead && code === null) reject(new ConnectionLostError(this.target, 'the connection closed while the command ran'));
          else resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr, code, signal });
        });
      });
      if (o.stdin !== undefined) ch.end(o.stdin);
      else ch.end();
    }).catch(async (e) => {
      // sshd delivers a signal to the login shell only; its children would live on. Kill the whole
      // process group of the command (still inside this queue slot, so nothing else runs meanwhile).
      if (timedOut && pgid && pgid > 1 && !link.dead) await this.killGroup(link, pgid);
      throw e;
    });
    return result;
  }

  private async killGroup(link: Link, pgid: number): Promise<void> {
    const cmd = shScript(`kill -KILL -- -${pgid} 2>/dev/null || sudo -n kill -KILL -- -${pgid} 2>/dev/null; true`);
    try {
      const ch = await this.openChannel(link, cmd);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => (ch.close(), resolve()), 3000);
        ch.on('close', () => (clearTimeout(t), resolve()));
        ch.resume();
        ch.stderr.resume();
        ch.end();
      });
    } catch (e) {
      this.log(`could not kill the timed-out command's processes: ${(e as Error).message}`);
    }
  }

  // ---- what the Servers view and the CLI do ------------------------------------------------------

  /** Gathers every fact of the server with one remote script in one channel. */
  /**
   * The server's facts. `units`: more units to watch (a linked project's); `appDir`: the app directory
   * when the server names none; `paths`: files whose kind to report (validated like the setting's).
   */
  async snapshot(options: { timeoutMs?: number; units?: readonly string[]; appDir?: string; paths?: readonly string[] } = {}): Promise<Snapshot> {
    const started = Date.now();
    const resolved = await this.resolve();
    const extra = (options.units ?? []).filter((u) => !resolved.units.includes(u)).map(assertUnitName);
    const server = { ...resolved, units: [...resolved.units, ...extra], appDir: resolved.appDir ?? (options.appDir && !options.appDir.includes('\0') ? options.appDir : undefined) };
    const { command, nonce } = snapshotScript(server.appDir, server.units, undefined, options.paths);
    const r = await this.exec(command, { timeoutMs: options.timeoutMs, idempotent: true });
    if (!r.stdout.includes(`@@CW${nonce}@@os`)) {
      throw new CommandFailedError(this.target, 'Gathering facts', r.code, r.stderr || r.stdout || 'the remote shell ran nothing (is /bin/sh there?)');
    }
    return parseSnapshotOutput(r.stdout, nonce, {
      server: server.name,
      host: target(server),
      units: server.units,
      appDir: server.appDir,
      takenAt: new Date(),
      durationMs: Date.now() - started,
    });
  }

  /** start/stop/restart/reload a unit with `sudo -n systemctl` (directly when logged in as root). */
  async unitAction(unit: string, action: UnitAction): Promise<ExecResult> {
    assertUnitName(unit);
    if (!['start', 'stop', 'restart', 'reload'].includes(action)) throw new InvalidInputError(`Unknown unit action "${action}".`);
    const what = `systemctl ${action} ${unit}`;
    const r = await this.execChecked(shScript(asRoot(shCommand(['systemctl', action, unit]))), what);
    return r;
  }

  private async execChecked(command: string, what: string, options: ExecOptions = {}): Promise<ExecResult> {
    let r: ExecResult;
    try {
      r = await this.exec(command, options);
    } catch (e) {
      if (e instanceof CommandTimeoutError) throw new CommandTimeoutError(e.target, what, e.timeoutMs);
      throw e;
    }
    if (r.code !== 0) {
      if (SUDO_PASSWORD.test(r.stderr)) throw new SudoPasswordRequiredError(this.target, what);
      throw new CommandFailedError(this.target, what, r.code, r.stderr || r.stdout);
    }
    return r;
  }

  /** The last `lines` journal lines of a unit (`journalctl -u <unit> -n <lines> --no-pager`). */
  async logs(unit: string, lines = 200): Promise<string> {
    assertUnitName(unit);
    // A non-number (a caller's bug, or JSON from elsewhere) is refused, never sent as `-n NaN`.
    if (typeof lines !== 'number' || !Number.isFinite(lines)) throw new InvalidInputError(`the number of log lines must be a number, not ${JSON.stringify(lines)}`);
    const n = Math.max(1, Math.min(100_000, Math.floor(lines)));
    const r = await this.execChecked(shScript(asRootIfPossible(shCommand(['journalctl', '-u', unit, '-n', String(n), '--no-pager']))), `journalctl -u ${unit}`, { idempotent: true });
    return r.stdout;
  }

  /** `nginx -t` (as root when possible): ok and what nginx printed. */
  async nginxTest(): Promise<{ ok: boolean; output: string }> {
    const script = 'NGX=$(command -v nginx 2>/dev/null); [ -z "$NGX" ] && [ -x /usr/sbin/nginx ] && NGX=/usr/sbin/nginx; ' +
      '[ -z "$NGX" ] && { echo "nginx is not installed on this server" >&2; exit 127; }; ' +
      asRootIfPossible('"$NGX" -t 2>&1');
    const r = await this.exec(shScript(script), { idempotent: true });
    if (r.code === 127) throw new CommandFailedError(this.target, 'nginx -t', r.code, r.stderr);
    return { ok: r.code === 0, output: (r.stdout + r.stderr).trim() };
  }

  /** The server's host key fingerprint (`SHA256:…`), connecting when needed. */
  async fingerprint(): Promise<string> {
    return (await this.ensureLink()).fingerprint;
  }

  /** Follows a unit's journal (`journalctl -f`) on its own connection, with a pty so closing ends it. */
  async followLogs(unit: string, lines = 50): Promise<RemoteStream> {
    assertUnitName(unit);
    const n = Math.max(0, Math.min(100_000, Math.floor(lines)));
    const link = await this.openExtraLink();
    const cmd = shScript(asRootIfPossible(shCommand(['journalctl', '-u', unit, '-n', String(n), '-f', '--no-pager'])));
    const ch = await new Promise<ClientChannel>((resolve, reject) => {
      link.target.exec(cmd, { pty: { term: 'dumb', cols: 200, rows: 50 } }, (err, c) => (err ? reject(new CommandFailedError(this.target, `journalctl -f -u ${unit}`, null, err.message)) : resolve(c)));
    }).catch((e) => {
      this.closeExtraLink(link);
      throw e;
    });
    return this.streamOf(link, ch) as RemoteStream;
  }

  /** An interactive login shell with a pty, on its own connection (for a terminal). */
  async shell(options: ShellOptions = {}): Promise<RemoteShell> {
    const link = await this.openExtraLink();
    const ch = await new Promise<ClientChannel>((resolve, reject) => {
      link.target.shell({ term: options.term ?? 'xterm-256color', cols: options.cols ?? 80, rows: options.rows ?? 24 }, (err, c) =>
        err ? reject(new CommandFailedError(this.target, 'Opening a shell', null, err.message)) : resolve(c),
      );
    }).catch((e) => {
      this.closeExtraLink(link);
      throw e;
    });
    return this.streamOf(link, ch);
  }

  private async openExtraLink(): Promise<Link> {
    if (this.disposed) throw new SshError('CONNECTION_LOST', `The connection to ${this.spec.name} was closed.`);
    const link = await this.openLink();
    this.extraLinks.add(link);
    this.watchLink(link, false);
    return link;
  }

  private closeExtraLink(link: Link): void {
    this.extraLinks.delete(link);
    link.dead = true;
    for (const c of [...link.clients].reverse()) c.end();
  }

  private streamOf(link: Link, ch: ClientChannel): RemoteShell {
    const dataListeners = new Set<(t: string) => void>();
    const exitListeners = new Set<(c: number | null) => void>();
    let exitCode: number | null = null;
    let exited = false;
    const emit = (d: Buffer) => {
      const t = d.toString('utf8');
      for (const l of dataListeners) l(t);
    };
    ch.on('data', emit);
    ch.stderr.on('data', emit);
    ch.on('exit', (c: number | null) => (exitCode = typeof c === 'number' ? c : null));
    const end = () => {
      if (exited) return;
      exited = true;
      this.closeExtraLink(link);
      for (const l of exitListeners) l(exitCode);
    };
    ch.on('close', end);
    link.inflight.add(() => end());
    return {
      onData: (l) => (dataListeners.add(l), () => dataListeners.delete(l)),
      onExit: (l) => {
        if (exited) {
          l(exitCode);
          return () => undefined;
        }
        exitListeners.add(l);
        return () => exitListeners.delete(l);
      },
      write: (data) => {
        if (!exited) ch.write(data);
      },
      resize: (cols, rows) => {
        if (!exited) ch.setWindow(rows, cols, 0, 0);
      },
      close: () => {
        if (exited) return;
        killChannel(ch);
        ch.close();
        end();
      },
    };
  }

  /** Closes the connection (the next use connects again). */
  disconnect(): void {
    const link = this.link;
    this.link = undefined;
    if (link && !link.dead) {
      link.dead = true;
      for (const c of [...link.clients].reverse()) c.end();
    }
    if (!this.disposed) this.setState('idle');
  }

  /**
   * A separate connection to the same server (its own TCP connection and login), sharing nothing with this
   * one: proves that a change to sshd or the firewall still lets a new login in. Dispose it after use.
   */
  fresh(): ServerConnection {
    return new ServerConnection(this.spec, { ...this.opts, reconnectAttempts: 0 });
  }

  /** Closes everything, shells and follows included; the object cannot be used again. */
  dispose(): void {
    this.disposed = true;
    this.disconnect();
    for (const l of [...this.extraLinks]) this.closeExtraLink(l);
    this.listeners.clear();
  }
}
