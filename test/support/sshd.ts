// A private OpenSSH server on loopback for the SSH tests (here and in S2's VS Code tests through
// out/test/support/sshd.js). Runs Debian's sshd as root with its own config, host key, port and pid file,
// a test user, and `SetEnv PATH=<shims>:…` so that systemctl, journalctl, nginx and sudo are the shims of
// test/support/shims (no systemd here). Always stopped by pid (`stop()` in an `after` hook).
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { createHash } from 'crypto';

export const SSHD = '/usr/sbin/sshd';
export const DEFAULT_TEST_USER = 'cwtest';

export interface SshdOptions {
  /** Port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Login user (created when missing). Default `cwtest`. */
  user?: string;
  /** OpenSSH MaxSessions (channels open at once per connection). Default 10. */
  maxSessions?: number;
  /** Extra sshd_config lines. */
  extraConfig?: string[];
  /** Units the systemctl shim knows, with their state. Default: gunicorn, nginx, postgresql running. */
  units?: Record<string, Partial<ShimUnit>>;
  /** Allow password logins with this password (set on the user; use a user of its own for this). */
  password?: string;
  /** Host key type; default ed25519 (rsa: a server that offers only ssh-rsa / rsa-sha2-*). */
  hostKeyType?: 'ed25519' | 'rsa';
  /** Keep the working directory after stop (debugging). */
  keepDir?: boolean;
}

export interface ShimUnit {
  ActiveState: string;
  SubState: string;
  MainPID: number;
  Description: string;
  LoadState: string;
}

export interface TestKey {
  /** Private key file. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicKey: string;
  passphrase?: string;
}

const DEFAULT_UNITS: Record<string, Partial<ShimUnit>> = {
  'gunicorn.service': { ActiveState: 'active', SubState: 'running', MainPID: 4242, Description: 'gunicorn daemon for mysite' },
  'nginx.service': { ActiveState: 'active', SubState: 'running', MainPID: 801, Description: 'A high performance web server and a reverse proxy server' },
  'postgresql.service': { ActiveState: 'active', SubState: 'exited', MainPID: 0, Description: 'PostgreSQL RDBMS' },
};

function shimsSource(): string {
  // From test/support (ts-node style) or out/test/support (compiled): the shims live in the source tree.
  const candidates = [path.join(__dirname, 'shims'), path.resolve(__dirname, '../../../test/support/shims')];
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'systemctl')));
  if (!found) throw new Error(`test shims not found (looked in ${candidates.join(', ')})`);
  return found;
}

import { freePort } from './ports';

export { freePort };

/** Creates the login user when missing, with a `*` password field (so that key logins work with UsePAM no). */
export function ensureTestUser(user = DEFAULT_TEST_USER): { user: string; home: string; uid: number } {
  if (spawnSync('id', ['-u', user]).status !== 0) {
    const r = spawnSync('useradd', ['-m', '-s', '/bin/sh', user], { encoding: 'utf8' });
    // another test process may have created it meanwhile: only fail when the user is still missing
    if (r.status !== 0 && spawnSync('id', ['-u', user]).status !== 0) throw new Error(`useradd ${user} failed: ${r.stderr}`);
  }
  execFileSync('usermod', ['-p', '*', user]);
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const home = execFileSync('sh', ['-c', 'getent passwd "$1" | cut -d: -f6', 'sh', user], { encoding: 'utf8' }).trim();
  return { user, home, uid };
}

/** Generates an ed25519 key pair (optionally passphrase-protected) in `dir`. */
export function makeKey(dir: string, name: string, passphrase = ''): TestKey {
  const file = path.join(dir, name);
  fs.rmSync(file, { force: true });
  fs.rmSync(file + '.pub', { force: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', file]);
  return { privateKey: file, publicKey: fs.readFileSync(file + '.pub', 'utf8').trim(), passphrase: passphrase || undefined };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export class TestSshd {
  readonly host = '127.0.0.1';
  readonly dir: string;
  readonly stateDir: string;
  readonly shimsDir: string;
  readonly configFile: string;
  readonly hostKeyFile: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly authorizedKeysFile: string;
  /** Where the shims record actions (`restart gunicorn.service`, `sudo systemctl …`). */
  readonly actionsFile: string;
  private pid = 0;

  private constructor(
    readonly port: number,
    readonly user: string,
    readonly home: string,
    private readonly options: SshdOptions,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-sshd-'));
    fs.chmodSync(this.dir, 0o755);
    this.stateDir = path.join(this.dir, 'state');
    this.shimsDir = path.join(this.dir, 'shims');
    this.configFile = path.join(this.dir, 'sshd_config');
    this.hostKeyFile = path.join(this.dir, 'host_ed25519');
    this.pidFile = path.join(this.dir, 'sshd.pid');
    this.logFile = path.join(this.dir, 'sshd.log');
    this.authorizedKeysFile = path.join(this.dir, 'authorized_keys');
    this.actionsFile = path.join(this.stateDir, 'actions.log');
  }

  /** Starts a daemon; call `stop()` in an `after` hook. */
  static async start(options: SshdOptions = {}): Promise<TestSshd> {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new Error('the loopback sshd tests need root: sshd must switch to the test user');
    }
    const { user, home } = ensureTestUser(options.user ?? DEFAULT_TEST_USER);
    if (options.password !== undefined) {
      const hash = execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: options.password, encoding: 'utf8' }).trim();
      execFileSync('usermod', ['-p', hash, user]);
    }
    const port = options.port ?? (await freePort());
    const d = new TestSshd(port, user, home, options);
    d.prepare();
    await d.launch();
    return d;
  }

  private prepare(): void {
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    fs.mkdirSync(this.shimsDir);
    for (const f of fs.readdirSync(shimsSource())) {
      fs.copyFileSync(path.join(shimsSource(), f), path.join(this.shimsDir, f));
      fs.chmodSync(path.join(this.shimsDir, f), 0o755);
    }
    fs.mkdirSync(path.join(this.stateDir, 'units'), { recursive: true });
    fs.mkdirSync(path.join(this.stateDir, 'journal'), { recursive: true });
    for (const [unit, props] of Object.entries(this.options.units ?? DEFAULT_UNITS)) this.setUnit(unit, props);
    fs.writeFileSync(this.actionsFile, '');
    fs.writeFileSync(this.authorizedKeysFile, '', { mode: 0o644 });
    this.generateHostKey();
    this.writeConfig();
    this.openState();
  }

  /** The shims run as the test user: let them write their state. */
  private openState(): void {
    execFileSync('chmod', ['-R', 'a+rwX', this.stateDir]);
  }

  private generateHostKey(): void {
    fs.rmSync(this.hostKeyFile, { force: true });
    fs.rmSync(this.hostKeyFile + '.pub', { force: true });
    const type = this.options.hostKeyType ?? 'ed25519';
    execFileSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', '', '-C', 'cw-test-host', '-f', this.hostKeyFile]);
  }

  private writeConfig(): void {
    const lines = [
      `Port ${this.port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${this.hostKeyFile}`,
      `PidFile ${this.pidFile}`,
      `AuthorizedKeysFile ${this.authorizedKeysFile}`,
      'StrictModes no',
      'UsePAM no',
      'PubkeyAuthentication yes',
      `PasswordAuthentication ${this.options.password !== undefined ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      `AllowUsers ${this.user}`,
      `MaxSessions ${this.options.maxSessions ?? 10}`,
      'AllowTcpForwarding yes',
      'PrintMotd no',
      'LogLevel VERBOSE',
      `SetEnv PATH=${this.shimsDir}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin CLOUDWARD_SHIM_STATE=${this.stateDir}`,
      ...(this.options.extraConfig ?? []),
    ];
    fs.writeFileSync(this.configFile, lines.join('\n') + '\n');
    const check = spawnSync(SSHD, ['-t', '-f', this.configFile], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`sshd -t rejected the test config: ${check.stderr}`);
  }

  private async launch(): Promise<void> {
    fs.rmSync(this.pidFile, { force: true });
    const r = spawnSync(SSHD, ['-f', this.configFile, '-E', this.logFile], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sshd did not start: ${r.stderr} ${this.log()}`);
    await waitFor('the sshd pid file', () => fs.existsSync(this.pidFile) && fs.readFileSync(this.pidFile, 'utf8').trim() !== '');
    this.pid = Number(fs.readFileSync(this.pidFile, 'utf8').trim());
    await waitFor(`sshd on port ${this.port}`, () => canConnect(this.port));
  }

  /** The daemon's pid (the listener). */
  get daemonPid(): number {
    return this.pid;
  }

  /** Authorizes a public key for the test user. */
  authorize(publicKey: string): void {
    fs.appendFileSync(this.authorizedKeysFile, publicKey.trim() + '\n');
  }

  /** The host's public key: `ssh-ed25519 AAAA…`. */
  get hostPublicKey(): { keyType: string; keyBase64: string } {
    const [keyType, keyBase64] = fs.readFileSync(this.hostKeyFile + '.pub', 'utf8').trim().split(/\s+/);
    return { keyType, keyBase64 };
  }

  /** `SHA256:…` of the current host key. */
  get fingerprint(): string {
    return 'SHA256:' + createHash('sha256').update(Buffer.from(this.hostPublicKey.keyBase64, 'base64')).digest('base64').replace(/=+$/, '');
  }

  /** The name the host key is filed under in known_hosts: `[127.0.0.1]:port`. */
  get hostPort(): string {
    return `[${this.host}]:${this.port}`;
  }

  /** A known_hosts line for this daemon (what `ssh-keyscan -p` would print). */
  knownHostsLine(): string {
    const k = this.hostPublicKey;
    return `${this.hostPort} ${k.keyType} ${k.keyBase64}`;
  }

  /** Sets a unit's state in the systemctl shim. */
  setUnit(unit: string, props: Partial<ShimUnit>): void {
    const p: ShimUnit = { ActiveState: 'inactive', SubState: 'dead', MainPID: 0, Description: unit, LoadState: 'loaded', ...props };
    const f = path.join(this.stateDir, 'units', unit);
    fs.writeFileSync(f, Object.entries(p).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o666 });
  }

  unitState(unit: string): Record<string, string> {
    const text = fs.readFileSync(path.join(this.stateDir, 'units', unit), 'utf8');
    return Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  /** Lines the shims recorded. */
  actions(): string[] {
    return fs.readFileSync(this.actionsFile, 'utf8').split('\n').filter(Boolean);
  }

  /** Makes `sudo -n` refuse with "a password is required" (or accept again). */
  sudoNeedsPassword(yes: boolean): void {
    const f = path.join(this.stateDir, 'sudo-needs-password');
    if (yes) fs.writeFileSync(f, '', { mode: 0o666 });
    else fs.rmSync(f, { force: true });
  }

  /** The config nginx -T dumps (for the TLS section), e.g. with `ssl_certificate <file>;`. */
  setNginxConf(text: string): void {
    fs.writeFileSync(path.join(this.stateDir, 'nginx.conf'), text, { mode: 0o666 });
  }

  /** Makes `nginx -t` fail with `error` (or pass again with null). */
  setNginxBroken(error: string | null): void {
    const f = path.join(this.stateDir, 'nginx-broken');
    if (error === null) fs.rmSync(f, { force: true });
    else fs.writeFileSync(f, error + '\n', { mode: 0o666 });
  }

  /** Pids of the per-connection sshd processes (kill one to drop a connection). */
  sessionPids(): number[] {
    if (!this.pid) return [];
    const r = spawnSync('pgrep', ['-P', String(this.pid)], { encoding: 'utf8' });
    return r.stdout.split('\n').filter(Boolean).map(Number);
  }

  /**
   * Drops every open connection, keeping the daemon: kills each session's whole process tree (the
   * privileged monitor, the network child holding the socket, and whatever runs under them).
   */
  dropConnections(): number {
    const sessions = this.sessionPids();
    const tree = (pid: number): number[] => {
      const r = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
      return [pid, ...r.stdout.split('\n').filter(Boolean).map(Number).flatMap(tree)];
    };
    // sshd's own processes first: a command killed before them would be reported as exited, not dropped
    const pids = sessions.flatMap(tree);
    for (const p of pids) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return sessions.length;
  }

  /** Restarts on the same port, optionally with a new host key (the "changed host key" case). */
  async restart(o: { newHostKey?: boolean } = {}): Promise<void> {
    await this.stopDaemon();
    if (o.newHostKey) this.generateHostKey();
    await this.launch();
  }

  private async stopDaemon(): Promise<void> {
    this.dropConnections();
    const pid = this.pid;
    if (pid && isAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      await waitFor(`sshd ${pid} to exit`, () => !isAlive(pid), 5000).catch(() => process.kill(pid, 'SIGKILL'));
    }
    this.pid = 0;
  }

  /** Stops the daemon and its sessions by pid and removes the working directory. */
  async stop(): Promise<void> {
    await this.stopDaemon();
    if (!this.options.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The tail of the daemon's log (for failure messages). */
  log(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  }
}

/** An ssh-agent on a private socket, stopped by pid. */
export class TestAgent {
  private constructor(
    readonly socket: string,
    readonly pid: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<TestAgent> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-agent-'));
    const socket = path.join(dir, 'agent.sock');
    const child = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    await waitFor('ssh-agent socket', () => fs.existsSync(socket));
    return new TestAgent(socket, child.pid!, dir);
  }

  add(key: TestKey): void {
    execFileSync('ssh-add', ['-q', key.privateKey], { env: { ...process.env, SSH_AUTH_SOCK: this.socket }, stdio: 'pipe' });
  }

  async stop(): Promise<void> {
    if (isAlive(this.pid)) {
      process.kill(this.pid, 'SIGTERM');
      await waitFor('ssh-agent to exit', () => !isAlive(this.pid), 5000).catch(() => undefined);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
