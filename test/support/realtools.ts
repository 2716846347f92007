// The real tools of the end-to-end tests (Debian's nginx, gunicorn, systemd-analyze, Python with Django):
// run a check, start a server and stop it by its process id, wait for a socket, speak HTTP on loopback.
// Plain Node, no VS Code: used by test/e2e/**.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** Debian's binaries, by absolute path: the `python3` on PATH may be another Python without Django. */
export const tools = {
  python: '/usr/bin/python3',
  gunicorn: '/usr/bin/gunicorn',
  nginx: '/usr/sbin/nginx',
  systemdAnalyze: '/usr/bin/systemd-analyze',
  openssl: '/usr/bin/openssl',
  /** Debian's uWSGI with its Python 3 plugin built in (uwsgi-core + uwsgi-plugin-python3). */
  uwsgi: '/usr/bin/uwsgi_python3',
} as const;

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

/** Which of the given tools are missing on this machine (the tests skip with this list, never pass silently). */
export function missingTools(...names: (keyof typeof tools)[]): string[] {
  return names.filter((n) => !fs.existsSync(tools[n])).map((n) => tools[n]);
}

/**
 * A fresh directory under the system temp dir. Readable and traversable by others (0755) because
 * nginx's workers run as an unprivileged user when the master starts as root.
 */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cloudward-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function removeDir(dir: string | undefined): void {
  if (dir && dir.startsWith(os.tmpdir() + path.sep)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Copies a directory tree, leaving out what a deployment never carries (VCS, caches, virtualenvs). */
export function copyTree(from: string, to: string): void {
  fs.cpSync(from, to, {
    recursive: true,
    filter: (src) => !/(^|[\\/])(\.git|__pycache__|\.venv|venv|node_modules)$/.test(src),
  });
}

export { freePort } from './ports';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Command line and output, for assertion messages. */
  report: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a tool to completion (killed after the time limit) and returns its exit code and output. */
export function runTool(cmd: string, args: string[], opts: RunOptions = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const report = `$ ${[cmd, ...args].join(' ')}\n(exit ${code ?? signal})\n${stdout}${stderr}`;
      resolve({ code, signal, stdout, stderr, report });
    });
  });
}

/** A long-running process started by a test, stopped by its process id. */
export class Server {
  private out = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
      child.on('error', (e) => {
        this.out += `\n[spawn error] ${e.message}`;
        this.exitInfo ??= { code: null, signal: null };
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Everything the process printed so far, with how it ended. */
  output(): string {
    const end = this.exitInfo ? `\n[${this.name} exited: ${this.exitInfo.code ?? this.exitInfo.signal}]` : '';
    return `----- ${this.name} (pid ${this.pid})\n${this.out}${end}`;
  }

  /**
   * Asks the process to stop (SIGTERM: gunicorn and nginx both stop their workers on it), then
   * kills its whole process group (it was started detached, so the group id is its pid) if it lingers.
   */
  async stop(graceMs = 8000): Promise<void> {
    const pid = this.child.pid;
    if (!this.running || pid === undefined) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const stopped = await Promise.race([this.exited.then(() => true), delay(graceMs).then(() => false)]);
    if (!stopped) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await this.exited;
    }
  }
}

/** Starts a server in its own process group, output captured; stop it with `server.stop()`. */
export function startServer(name: string, cmd: string, args: string[], opts: RunOptions = {}): Server {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return new Server(name, child);
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True when something accepts connections on the TCP port (127.0.0.1) or the unix socket path. */
export function canConnect(target: { port: number } | { path: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = 'port' in target ? net.connect(target.port, '127.0.0.1') : net.connect(target.path);
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

/**
 * Waits until a port or unix socket accepts connections. Fails early, with the server's output, when
 * the server exits first; fails with the output too when time runs out.
 */
export async function waitForListening(server: Server, target: { port: number } | { path: string }, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const what = 'port' in target ? `127.0.0.1:${target.port}` : target.path;
  while (Date.now() < until) {
    if (!server.running) throw new Error(`${server.name} exited before listening on ${what}\n${server.output()}`);
    if (await canConnect(target)) return;
    await delay(100);
  }
  throw new Error(`${server.name} did not listen on ${what} within ${timeoutMs} ms\n${server.output()}`);
}

export type HttpResult =
  | { closed: false; status: number; headers: http.IncomingHttpHeaders; body: Buffer }
  /** The server closed the connection without an answer (nginx's `return 444`). */
  | { closed: true; error: string };

/** One HTTP/1.1 GET to 127.0.0.1:port with the given Host header (and `headers`); no keep-alive, no proxy. */
export function httpGet(port: number, urlPath: string, host: string, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'GET', headers: { ...headers, Host: host, Connection: 'close' }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ closed: false, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || /socket hang up/.test(e.message)) resolve({ closed: true, error: e.message });
      else reject(e);
    });
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------------
// nginx

export interface NginxSandbox {
  dir: string;
  /** The main config that includes the site files. */
  mainConfig: string;
  errorLog: string;
}

/**
 * A minimal main nginx config in `dir` that includes the given site files, as /etc/nginx/nginx.conf
 * includes sites-enabled/*: pid, logs and temp paths all inside `dir`, nothing of the machine's nginx
 * touched. In the foreground (`daemon off`) so that the started process is the master.
 */
export function nginxSandbox(dir: string, siteFiles: string[]): NginxSandbox {
  const tmp = (n: string) => path.join(dir, n);
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(tmp(`temp/${d}`), { recursive: true });
  // Relative includes (`include uwsgi_params;`) resolve next to the main config, as in /etc/nginx.
  for (const f of ['mime.types', 'uwsgi_params', 'proxy_params', 'fastcgi_params', 'scgi_params']) {
    if (fs.existsSync(`/etc/nginx/${f}`)) fs.copyFileSync(`/etc/nginx/${f}`, tmp(f));
  }
  const errorLog = tmp('error.log');
  const conf = [
    '# Minimal main config for the Cloudward e2e tests: includes the generated site like sites-enabled/*.',
    'daemon off;',
    'worker_processes 1;',
    `pid ${tmp('nginx.pid')};`,
    `error_log ${errorLog} info;`,
    'events { worker_connections 64; }',
    'http {',
    '  include mime.types;',
    '  default_type application/octet-stream;',
    '  sendfile on;',
    `  access_log ${tmp('access.log')};`,
    `  client_body_temp_path ${tmp('temp/client_body')};`,
    `  proxy_temp_path ${tmp('temp/proxy')};`,
    `  fastcgi_temp_path ${tmp('temp/fastcgi')};`,
    `  uwsgi_temp_path ${tmp('temp/uwsgi')};`,
    `  scgi_temp_path ${tmp('temp/scgi')};`,
    ...siteFiles.map((f) => `  include ${f};`),
    '}',
    '',
  ].join('\n');
  const mainConfig = tmp('nginx.conf');
  fs.writeFileSync(mainConfig, conf);
  return { dir, mainConfig, errorLog };
}

/** `-e` keeps even nginx's first log lines (before the config is read) out of /var/log/nginx. */
function nginxArgs(sb: NginxSandbox): string[] {
  return ['-p', sb.dir + path.sep, '-e', sb.errorLog, '-c', sb.mainConfig];
}

/** `nginx -t` on the sandbox's main config. */
export function nginxTest(sb: NginxSandbox): Promise<ToolResult> {
  return runTool(tools.nginx, ['-t', ...nginxArgs(sb)]);
}

export function startNginx(sb: NginxSandbox): Server {
  return startServer('nginx', tools.nginx, nginxArgs(sb));
}

// ---------------------------------------------------------------------------------------------------
// systemd

/**
 * `systemd-analyze verify` on unit files, without a running systemd (none in containers): `--man=no`
 * skips the man page look-up of Documentation=; the units are verified as files, so their names must
 * match each other (foo.service / foo.socket). Executables named in Exec*= must exist on this machine.
 * systemd-analyze exits 0 on mere warnings ("Unknown key ... ignoring"): callers must also check that
 * stderr says nothing about the units.
 */
export function systemdVerify(unitFiles: string[]): Promise<ToolResult> {
  return runTool(tools.systemdAnalyze, ['verify', '--man=no', ...unitFiles], {
    // No systemd instance to talk to: do not try the bus, do not page.
    env: { ...process.env, SYSTEMD_PAGER: '', SYSTEMD_LOG_COLOR: '0', SYSTEMD_LOG_LOCATION: '0' },
  });
}

/** The lines of a systemd-analyze verify run that concern the given units (warnings count as failures). */
export function systemdComplaints(result: ToolResult, unitFiles: string[]): string[] {
  const names = unitFiles.map((f) => path.basename(f));
  return (result.stdout + result.stderr)
    .split('\n')
    .filter((l) => l.trim() && (unitFiles.some((f) => l.includes(f)) || names.some((n) => l.includes(n))));
}

// ---------------------------------------------------------------------------------------------------
// gunicorn and Django

/** `gunicorn --check-config`: gunicorn 20.1 reads the config file and imports the application. */
export function gunicornCheckConfig(configFile: string, appTarget: string, opts: RunOptions): Promise<ToolResult> {
  return runTool(tools.gunicorn, ['--check-config', '--config', configFile, appTarget], opts);
}

/** `python3 manage.py <args>` with Debian's Python (which has Django). */
export async function manage(projectRoot: string, args: string[], env: NodeJS.ProcessEnv): Promise<ToolResult> {
  const r = await runTool(tools.python, ['manage.py', ...args], { cwd: projectRoot, env, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`manage.py ${args.join(' ')} failed\n${r.report}`);
  return r;
}

/** An environment for the app's processes: only what they need, nothing of the test runner's. */
export function appEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', HOME: os.tmpdir(), PYTHONDONTWRITEBYTECODE: '1', ...extra };
}

/** A self-signed certificate and key (for `nginx -t` on a site with a TLS server block). */
export async function selfSignedCertificate(dir: string, domain: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, 'fullchain.pem');
  const key = path.join(dir, 'privkey.pem');
  const r = await runTool(tools.openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${domain}`, '-keyout', key, '-out', cert]);
  if (r.code !== 0) throw new Error(`openssl could not make a test certificate\n${r.report}`);
  return { cert, key };
}
