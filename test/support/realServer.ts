// A real Debian 12 server (systemd as PID 1, sshd, nginx, python3) in systemd-nspawn on loopback, booted by
// scripts/real-server.sh (see docs: testing-on-a-real-server.md). Root only; the first boot builds the
// rootfs (~3-7 minutes, cached in ~/.cache/real-server).
import { execFile, execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { repoRoot } from './realtools';

const SCRIPT = path.join(repoRoot, 'scripts', 'real-server.sh');
const run = promisify(execFile);

export interface RealServer {
  name: string;
  sshPort: number;
  user: string;
  key: string;
  knownHosts: string;
  /** The server's / as seen from the host. */
  root: string;
  /** An OpenSSH client config naming this server `alias`. */
  sshConfig(alias: string, file: string): void;
  /** Runs a command as root inside (no ssh). */
  exec(cmd: string, args?: string[]): Promise<{ stdout: string; stderr: string; code: number }>;
  down(): void;
}

export function realServerSupported(): boolean {
  return process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0 && fs.existsSync('/usr/bin/apt-get');
}

/**
 * The extra Debian packages of the image the HTTPS and PostgreSQL tests share: certbot and pebble (ACME), nftables,
 * PostgreSQL. One list, so one rootfs is built for both (CI builds every image from scratch, a few minutes each).
 */
export const SERVICES_PACKAGES = 'certbot,pebble,nftables,python3-cffi-backend,postgresql';

/** `packages`: extra Debian packages baked into the image (RS_PACKAGES, comma separated; an image of its own). */
export function realServerUp(name: string, env: { sshPort: number; forwards?: string; reverse?: string; packages?: string }): RealServer {
  const e = { ...process.env, RS_SSH_PORT: String(env.sshPort), RS_FORWARDS: env.forwards ?? '', RS_REVERSE: env.reverse ?? '', RS_PACKAGES: env.packages ?? '' };
  execFileSync(SCRIPT, ['down', name], { env: e, stdio: 'ignore' });
  const out = execFileSync(SCRIPT, ['up', name], { env: e, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15 * 60_000 });
  const vars = Object.fromEntries(out.trim().split('\n').map((l) => {
    const i = l.indexOf('=');
    return [l.slice(0, i), l.slice(i + 1).replace(/^"|"$/g, '')];
  }));
  return {
    name,
    sshPort: Number(vars.RS_SSH_PORT),
    user: vars.RS_SSH_USER,
    key: vars.RS_SSH_KEY,
    knownHosts: vars.RS_KNOWN_HOSTS,
    root: vars.RS_ROOT,
    sshConfig(alias, file) {
      fs.writeFileSync(file, [
        `Host ${alias}`, '  HostName 127.0.0.1', `  Port ${vars.RS_SSH_PORT}`, `  User ${vars.RS_SSH_USER}`,
        `  IdentityFile ${vars.RS_SSH_KEY}`, `  UserKnownHostsFile ${vars.RS_KNOWN_HOSTS}`, '  StrictHostKeyChecking yes', '',
      ].join('\n'));
    },
    async exec(cmd, args = []) {
      try {
        const r = await run(SCRIPT, ['exec', name, cmd, ...args], { env: e, maxBuffer: 64 * 1024 * 1024 });
        return { stdout: r.stdout, stderr: r.stderr, code: 0 };
      } catch (err) {
        const x = err as { stdout?: string; stderr?: string; code?: number };
        return { stdout: x.stdout ?? '', stderr: x.stderr ?? '', code: typeof x.code === 'number' ? x.code : 1 };
      }
    },
    down() {
      execFileSync(SCRIPT, ['down', name], { env: e, stdio: 'ignore' });
    },
  };
}
