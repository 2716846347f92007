// What the provision and deploy e2e files (test/e2e/deploy/*.test.ts) share: a real Debian server
// (realServer.ts) that installs Python packages from this machine's local index through a reverse
// forward, a Django project made by startproject, a private HOME, and the CLI run against them.
import { ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LOCAL_INDEX, localIndexReady, makeDjangoProject } from './djangoProject';
import { needTool } from './need';
import { freePort } from './ports';
import { realServerSupported, realServerUp, type RealServer } from './realServer';
import { repoRoot } from './realtools';

const CLI = path.join(repoRoot, 'out', 'src', 'cli.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DeployServer {
  srv: RealServer;
  tmp: string;
  /** The Django project (a git repository with one commit). */
  project: string;
  /** An OpenSSH client config naming the server `srv`. */
  sshConfig: string;
  /** The CLI's environment: HOME and XDG_CONFIG_HOME under tmp, no SSH agent. */
  env: NodeJS.ProcessEnv;
  /** Host ports forwarded to the server's 80 (and 443 when asked). */
  httpPort: number;
  httpsPort: number;
  /** Every stdout and stderr the CLI printed (a test checks that a secret is in none). */
  outputs: string[];
  /** `cloudward <args>` from out/src/cli.js, in the project. */
  cli(...args: string[]): Promise<CliRun>;
  /** A shell script as root on the server. */
  sh(script: string): Promise<{ stdout: string; stderr: string; code: number }>;
  down(): void;
}

/** Skips the suite where a real server or the local package index is missing, saying why. */
export function needDeployServer(ctx: Mocha.Context, index: { ready: boolean; what: string } = { ready: localIndexReady(), what: `a local package index with Django and gunicorn at ${LOCAL_INDEX}` }): void {
  needTool(ctx, realServerSupported(), 'root on a Debian host (real-server.sh boots a systemd-nspawn server)', 'run the tests as root');
  needTool(ctx, index.ready, `${index.what} (pip config list shows none on this machine, so the server could not install the project)`, 'a local package index');
}

/**
 * Boots the server `name` and makes the project (`prepare` changes it first, e.g. a settings change and
 * its commit). `https` forwards a second port to the server's 443; `packages` are the image's extra
 * Debian packages (realServer.ts SERVICES_PACKAGES).
 */
export async function deployServerUp(name: string, host: string, o: { https?: boolean; packages?: string; sshPort?: number; prepare?: (project: string) => void } = {}): Promise<DeployServer> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: path.join(tmp, 'home'), XDG_CONFIG_HOME: path.join(tmp, 'home', '.config'), SSH_AUTH_SOCK: '' };
  fs.mkdirSync(env.HOME!, { recursive: true });
  const project = makeDjangoProject(tmp, host);
  o.prepare?.(project);
  // The package index, served to the server through a reverse forward (the server has no network).
  const indexPort = await freePort();
  const index: ChildProcess = spawn('/usr/bin/python3', ['-m', 'http.server', String(indexPort), '--bind', '127.0.0.1', '--directory', LOCAL_INDEX], { stdio: 'ignore' });
  let srv: RealServer;
  const httpPort = await freePort();
  const httpsPort = o.https ? await freePort() : 0;
  try {
    srv = realServerUp(name, { sshPort: o.sshPort ?? (await freePort()), forwards: o.https ? `${httpPort}:80 ${httpsPort}:443` : `${httpPort}:80`, reverse: `3141:${indexPort}`, packages: o.packages });
  } catch (e) {
    if (index.pid) process.kill(index.pid);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const sh = (script: string) => srv.exec('sh', ['-c', script]);
  await sh('printf "[global]\\nindex-url = http://127.0.0.1:3141/simple/\\n" > /etc/pip.conf');
  const sshConfig = path.join(tmp, 'ssh_config');
  srv.sshConfig('srv', sshConfig);
  const outputs: string[] = [];
  return {
    srv, tmp, project, sshConfig, env, httpPort, httpsPort, outputs, sh,
    cli: (...args) => new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env, cwd: project, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        outputs.push(stdout, stderr);
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    }),
    down() {
      srv.down();
      if (index.pid) process.kill(index.pid);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
