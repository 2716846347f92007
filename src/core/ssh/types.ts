// The public shapes of the SSH layer: what the Servers view and the CLI build on.
// Stable API: add optional fields freely, never rename or remove.

/** A server as the user wrote it: the `cloudward.servers` setting shape, or a host of the SSH config. */
export interface ServerSpec {
  /** Label in the Servers view; unique. Only a label: never reaches a shell. */
  name: string;
  /** Host name or address, or an alias of the SSH config (then its HostName, Port, User… apply). */
  host: string;
  port?: number;
  user?: string;
  /** Private key file; `~` expanded. Overrides the SSH config's IdentityFile. */
  identityFile?: string;
  /** ProxyJump: `[user@]host[:port]` or the name of another server; comma-separated for a chain. */
  jumpHost?: string;
  /** Folder in the Servers view. */
  group?: string;
  /** Directory of the deployed app on the server (a `current` symlink inside it is the current release). */
  appDir?: string;
  /** systemd units to watch besides the detected ones; each must match {@link UNIT_NAME_PATTERN}. */
  units?: string[];
  /**
   * The workspace folder (absolute path) whose app this server runs: the Servers view shows that
   * project's units, nginx site, socket and certificate (from its deploy plan) first.
   */
  project?: string;
  /** Where the server came from. Default 'settings'. */
  source?: 'settings' | 'ssh-config';
  /** For 'ssh-config' servers: the file where its `Host` line is (the top file or an included one). */
  configFile?: string;
}

/** The `cloudward.servers` setting entry (same fields as {@link ServerSpec} minus the bookkeeping ones). */
export type ServerSetting = Omit<ServerSpec, 'source' | 'configFile'>;

/** OpenSSH's StrictHostKeyChecking, normalised ('true' → 'yes', 'false'/'off' → 'no'). */
export type StrictHostKeyChecking = 'yes' | 'ask' | 'accept-new' | 'no';

/** One SSH hop after applying the SSH config: everything needed to open a connection. */
export interface ResolvedHost {
  /** What the user called it (alias, setting name or `user@host:port` of a ProxyJump hop). */
  label: string;
  /** The real host name or address to connect to (HostName). */
  host: string;
  port: number;
  user: string;
  /** Candidate private keys, in order; only existing files are listed. */
  identityFiles: string[];
  /** True when the identityFile came from the user explicitly (setting or config), not OpenSSH defaults. */
  explicitIdentity: boolean;
  /** known_hosts files to check, in order (UserKnownHostsFile, plus ~/.ssh/known_hosts). */
  knownHostsFiles: string[];
  strictHostKeyChecking: StrictHostKeyChecking;
  /** The name host keys are filed under: `host` on port 22, else `[host]:port` (as in known_hosts). */
  hostKeyAlias: string;
  /** OpenSSH BatchMode: never ask the user anything (no host key, passphrase or password prompts). */
  batchMode?: boolean;
  /** OpenSSH ConnectTimeout, when the SSH config sets one (else the pool's connectTimeoutMs). */
  connectTimeoutMs?: number;
}

/** A server ready to connect to: its hops (jump hosts first) and what to look at once there. */
export interface ResolvedServer extends ResolvedHost {
  name: string;
  /** Jump hosts, in connection order (first is reached directly). Empty when direct. */
  jumps: ResolvedHost[];
  appDir?: string;
  /** Extra units to watch (validated). */
  units: string[];
}

/** A host listed in an OpenSSH client config (patterns excluded). */
export interface SshConfigHost {
  alias: string;
  /** The file holding its `Host` line (the given config or one it includes). */
  file: string;
}

/** A key the caller's trust store holds for a host. */
export interface TrustedKey {
  /** e.g. `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  keyType: string;
  /** The key blob, base64 (the second field of a known_hosts line). */
  keyBase64: string;
}

/**
 * The caller's own store of host keys the user trusted (the extension: its global storage; the CLI:
 * ~/.config/cloudward/known_hosts). Consulted after the known_hosts files; `known_hosts` is never written.
 * `hostPort` is {@link ResolvedHost.hostKeyAlias}: `host` or `[host]:port`.
 */
export interface TrustStore {
  /** Where the keys are, for messages (e.g. a file path). Default "the Cloudward trust store". */
  readonly location?: string;
  lookup(hostPort: string): TrustedKey[] | Promise<TrustedKey[]>;
  trust(hostPort: string, keyType: string, keyBase64: string): void | Promise<void>;
}

/** What the user is shown when a host key is unknown. */
export interface HostKeyPrompt {
  /** Server name (for the jump hosts of a server, the hop's label). */
  server: string;
  hostPort: string;
  keyType: string;
  /** OpenSSH format: `SHA256:` + base64 without padding. */
  fingerprint: string;
}

/** Where a secret is asked for; secrets are never stored, logged or put in errors by this layer. */
export interface SecretPrompt {
  server: string;
  /** `user@host:port` of the hop being authenticated. */
  target: string;
  /** 1 on the first ask; higher after a wrong answer. */
  attempt: number;
}

/**
 * Callbacks through which the caller (the extension's modals and SecretStorage, the CLI's TTY) decides
 * and supplies secrets. Any callback may be absent: the corresponding step is then refused or skipped.
 * Returning undefined means "the user cancelled".
 */
export interface SshCallbacks {
  /** Unknown host key (StrictHostKeyChecking ask/yes): true to trust it (it is then added to the TrustStore). */
  confirmHostKey?(prompt: HostKeyPrompt): Promise<boolean>;
  /** Passphrase of an encrypted identity file. */
  passphrase?(prompt: SecretPrompt & { identityFile: string }): Promise<string | undefined>;
  /** Password authentication. */
  password?(prompt: SecretPrompt): Promise<string | undefined>;
  /** Keyboard-interactive: one answer per prompt. */
  keyboardInteractive?(
    prompt: SecretPrompt & { name: string; instructions: string; prompts: { prompt: string; echo: boolean }[] },
  ): Promise<string[] | undefined>;
  /**
   * A secret worked (or failed): lets the caller keep it only when it worked, or forget a stale one.
   * A passphrase is judged when it decrypts the key (before anything is sent); a password or
   * keyboard-interactive answers when the server accepts or rejects them.
   */
  secretResult?(prompt: SecretPrompt & { kind: 'passphrase' | 'password' | 'keyboard-interactive'; ok: boolean }): void;
}

export interface SshPoolOptions {
  /** Host keys the user trusted outside known_hosts. */
  trustStore: TrustStore;
  callbacks?: SshCallbacks;
  /** OpenSSH client config to resolve aliases in. Default ~/.ssh/config. */
  sshConfigFile?: string;
  /** Other servers, so that `jumpHost` may name one. */
  lookupServer?(name: string): ServerSpec | undefined;
  /** ssh-agent socket. Default: SSH_AUTH_SOCK. Empty string: no agent. */
  agentSocket?: string;
  /** TCP connect + handshake + auth limit (time spent waiting on callbacks excluded). Default 15000. */
  connectTimeoutMs?: number;
  /** Default limit for each remote command. Default 30000. */
  commandTimeoutMs?: number;
  /** Keepalive interval; a peer silent for 3 intervals is dropped. Default 15000. */
  keepaliveIntervalMs?: number;
  /** Reconnect attempts after a dropped connection (backoff 0.5 s, 1 s, 2 s…). Default 3. */
  reconnectAttempts?: number;
  /** Diagnostic lines (never secrets). */
  log?(line: string): void;
  /** Environment for `~` and SSH_AUTH_SOCK. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Life of a server's cached connection. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'failed';

export interface ExecOptions {
  /** Limit; on expiry the remote process gets SIGKILL and the channel is closed. */
  timeoutMs?: number;
  /** Written to the command's stdin, then EOF (a Buffer for binary data such as an archive). */
  stdin?: string | Buffer;
  /** Safe to run again on a fresh connection when the connection dropped mid-way (reads only). */
  idempotent?: boolean;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when the command died of a signal. */
  code: number | null;
  signal?: string;
}

export type UnitAction = 'start' | 'stop' | 'restart' | 'reload';

/** A long-lived remote process (journal follow) or shell, on its own connection. */
export interface RemoteStream {
  /** Remote output, stdout and stderr interleaved as they arrive (UTF-8). */
  onData(listener: (text: string) => void): () => void;
  /** Fires once when the remote side ends; `code` null when killed or dropped. */
  onExit(listener: (code: number | null) => void): () => void;
  /** Ends the remote process and the connection. */
  close(): void;
}

/** An interactive shell with a pty (for a VS Code Pseudoterminal). */
export interface RemoteShell extends RemoteStream {
  write(data: string): void;
  resize(cols: number, rows: number): void;
}

export interface ShellOptions {
  cols?: number;
  rows?: number;
  /** TERM. Default xterm-256color. */
  term?: string;
}

/** The facts of one server, gathered by one remote script in one channel. */
export interface Snapshot {
  /** Server name. */
  server: string;
  /** `user@host:port` as connected. */
  host: string;
  /** ISO time the snapshot was taken. */
  takenAt: string;
  /** Milliseconds from start of the request to parsed result (includes connecting when needed). */
  durationMs: number;
  /** PRETTY_NAME of /etc/os-release, or null. */
  os: string | null;
  /** All /etc/os-release fields (ID, VERSION_ID, …). */
  osRelease: Record<string, string>;
  /** `uname -srm`. */
  kernel: string | null;
  uptimeSeconds: number | null;
  /** 1, 5, 15 minute load averages. */
  load: [number, number, number] | null;
  cpus: number | null;
  memory: { totalBytes: number; availableBytes: number; swapTotalBytes: number; swapFreeBytes: number } | null;
  /** Real file systems (tmpfs and friends left out). */
  disks: Disk[];
  /** Watched and detected units plus every failed one. */
  services: Service[];
  ports: ListeningPort[];
  /** Listening unix sockets (gunicorn's for nginx), system ones (systemd, D-Bus, abstract) left out. */
  unixSockets?: UnixSocket[];
  /** What each path asked about is on the server (a project's nginx site, socket, certificate). */
  paths?: Record<string, PathKind>;
  /** The app directory, when the server has one configured. */
  app: AppInfo | null;
  /** `nginx -t`, null when nginx is not installed. */
  nginx: { ok: boolean; output: string } | null;
  /** Certificates named by nginx's `ssl_certificate`. */
  tls: Certificate[];
  /** Sections that could not be read ("not available", permission denied, parse failures). */
  errors: SnapshotError[];
}

export interface Disk {
  mount: string;
  filesystem: string;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  /** used / (used + available), as df computes it, 0..1. */
  usedFraction: number;
}

export type ServiceKind = 'app' | 'web' | 'database' | 'cache' | 'watched' | 'other';

export interface Service {
  unit: string;
  /** ActiveState: active, inactive, failed, activating, deactivating, reloading. */
  active: string;
  /** SubState: running, dead, exited, failed, … */
  sub: string;
  /** LoadState: loaded, not-found, masked. */
  load: string;
  description: string;
  mainPid: number | null;
  kind: ServiceKind;
  /** Listed by `systemctl --failed`. */
  failed: boolean;
}

export interface ListeningPort {
  /** Local address as ss prints it (`0.0.0.0`, `127.0.0.1`, `::`, `*`). */
  address: string;
  port: number;
  /** Process name, when visible to the user connected (root sees all). */
  process: string | null;
  pid: number | null;
}

export interface UnixSocket {
  path: string;
  process: string | null;
  pid: number | null;
}

/** `broken-link`: a symlink to nothing (a sites-enabled link whose site was removed). */
export type PathKind = 'socket' | 'file' | 'other' | 'broken-link' | 'missing' | 'unreadable';

export interface AppInfo {
  dir: string;
  exists: boolean;
  /** Target of `<dir>/current` when it is a symlink. */
  currentRelease: string | null;
  /** ISO time of the last deploy (mtime of `current`, else of the directory). */
  lastDeploy: string | null;
}

export interface Certificate {
  /** Path of the certificate on the server. */
  path: string;
  /** Subject (usually CN = the domain). */
  subject: string | null;
  /** ISO expiry. */
  notAfter: string | null;
  /** Whole days left (negative when expired). */
  daysLeft: number | null;
  error?: string;
}

export interface SnapshotError {
  /** Section: os, kernel, uptime, load, cpus, memory, disks, services, failed, ports, app, nginx, tls. */
  section: string;
  message: string;
}

/** systemd unit names as the layer accepts them (also in the setting's schema). */
export const UNIT_NAME_PATTERN = /^[A-Za-z0-9@._:-]+$/;
