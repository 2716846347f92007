// `cloudward servers list|status`: the Servers view's SSH layer from a terminal (CI, scripts).
// Host keys the user accepts with --accept-new are remembered in Cloudward's own file
// ($XDG_CONFIG_HOME/cloudward/known_hosts, default ~/.config/cloudward/known_hosts); ~/.ssh/known_hosts is
// only read, never written.
import type * as SshLayer from '../core/ssh';
import { printable, printableLine } from '../core/printable';
import { CliCommand, Exit, Io, UsageError, writeLine } from './command';
import { registerCliCommand } from './main';
import { loadSsh, openServer, sshErrorExit } from './session';


const usage = `Usage:
  cloudward servers list [--ssh-config <file>] [--json]
  cloudward servers status <name> [--ssh-config <file>] [--accept-new] [--json] [--timeout <seconds>]

list    the hosts of the SSH config (default ~/.ssh/config, Include followed; patterns are not hosts)
status  connects to one (an alias of the SSH config or a host name, like \`ssh <name>\`), gathers its facts
        in one remote script and prints them: OS, uptime, load, memory, disks, services, ports, nginx -t, TLS

The SSH config's HostName, Port, User, IdentityFile, UserKnownHostsFile, StrictHostKeyChecking and
ProxyJump apply (read with \`ssh -G\`). Host keys are checked against ~/.ssh/known_hosts, the
UserKnownHostsFile and Cloudward's own store (~/.config/cloudward/known_hosts).

Options:
  --ssh-config <file>  OpenSSH client config to use instead of ~/.ssh/config
  --accept-new         trust an unknown host key (remembered in ~/.config/cloudward/known_hosts);
                       a changed host key is always refused
  --json               machine-readable output
  --timeout <seconds>  time limit of the remote script (default 30)

Passphrases and passwords are asked on the terminal when there is one, and never stored.

Exit codes: 0 ok, 2 usage, 4 host key unknown (without --accept-new) or changed,
            5 host unreachable or login refused, 1 other failures.`;

interface Parsed {
  positional: string[];
  sshConfig?: string;
  json: boolean;
  acceptNew: boolean;
  timeoutSeconds: number;
}

function parseArgs(argv: string[]): Parsed {
  const p: Parsed = { positional: [], json: false, acceptNew: false, timeoutSeconds: 30 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (name: string) => {
      const eq = a.indexOf('=');
      if (eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (a === '--json') p.json = true;
    else if (a === '--accept-new') p.acceptNew = true;
    else if (a === '--ssh-config' || a.startsWith('--ssh-config=')) p.sshConfig = value('--ssh-config');
    else if (a === '--timeout' || a.startsWith('--timeout=')) {
      p.timeoutSeconds = Number(value('--timeout'));
      if (!(p.timeoutSeconds > 0)) throw new UsageError('--timeout takes a number of seconds above 0');
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else p.positional.push(a);
  }
  return p;
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function duration(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`;
}

function printSnapshot(io: Io, s: SshLayer.Snapshot): void {
  const w = (t = '') => writeLine(io.out, t);
  const l = printableLine;
  w(`${l(s.server)} (${l(s.host)})`);
  w(`  OS        ${l(s.os ?? '?')}${s.kernel ? `, ${l(s.kernel)}` : ''}`);
  if (s.uptimeSeconds !== null) w(`  Uptime    ${duration(s.uptimeSeconds)}`);
  if (s.load) w(`  Load      ${s.load.join(' ')}${s.cpus ? ` on ${s.cpus} CPU${s.cpus > 1 ? 's' : ''}` : ''}`);
  if (s.memory) w(`  Memory    ${bytes(s.memory.availableBytes)} available of ${bytes(s.memory.totalBytes)}`);
  if (s.disks.length) {
    w('  Disks');
    for (const d of s.disks) {
      const pct = Math.round(d.usedFraction * 100);
      w(`    ${l(d.mount).padEnd(20)} ${String(pct).padStart(3)}% of ${bytes(d.totalBytes)}${pct > 90 ? '  WARNING: almost full' : ''}`);
    }
  }
  if (s.services.length) {
    w('  Services');
    for (const v of s.services) w(`    ${l(v.unit).padEnd(28)} ${l(v.active)}/${l(v.sub)}${v.failed ? '  FAILED' : ''}`);
  }
  if (s.ports.length) {
    w('  Ports');
    for (const p of s.ports) w(`    ${l(`${p.address}:${p.port}`).padEnd(28)} ${l(p.process ?? '')}`);
  }
  if (s.app) w(`  App       ${l(s.app.dir)}${s.app.exists ? '' : ' (missing)'}${s.app.currentRelease ? ` → ${l(s.app.currentRelease)}` : ''}${s.app.lastDeploy ? `, deployed ${l(s.app.lastDeploy)}` : ''}`);
  if (s.nginx) w(`  nginx -t  ${s.nginx.ok ? 'ok' : 'FAILED'}${s.nginx.ok ? '' : `\n${printable(s.nginx.output).replace(/^/gm, '    ')}`}`);
  for (const c of s.tls) w(`  TLS       ${l(c.subject ?? c.path)}: ${c.notAfter ? `expires ${l(c.notAfter)} (${c.daysLeft} days)` : l(c.error ?? 'unreadable')}`);
  for (const e of s.errors) w(`  (${l(e.section)}: ${l(e.message)})`);
}

async function list(p: Parsed, io: Io): Promise<number> {
  if (p.positional.length) throw new UsageError(`list takes no arguments (got ${p.positional.join(' ')})`);
  const ssh = loadSsh();
  const { servers } = ssh.listServers({ sshConfigFile: p.sshConfig, env: io.env });
  const rows = await Promise.all(
    servers.map(async (s) => {
      try {
        const r = await ssh.resolveServer(s, { sshConfigFile: p.sshConfig, env: io.env });
        return { name: s.name, host: r.host, port: r.port, user: r.user, jumpHosts: r.jumps.map((j) => `${j.user}@${j.host}:${j.port}`), source: s.source ?? 'settings', file: s.configFile ?? null };
      } catch (e) {
        return { name: s.name, host: s.host, port: null, user: null, jumpHosts: [], source: s.source ?? 'settings', file: s.configFile ?? null, error: (e as Error).message };
      }
    }),
  );
  if (p.json) {
    writeLine(io.out, JSON.stringify(rows, null, 2));
    return Exit.ok;
  }
  if (!rows.length) {
    writeLine(io.out, `No hosts in ${p.sshConfig ?? '~/.ssh/config'}.`);
    return Exit.ok;
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const where = r.port === null ? `(${'error' in r ? r.error : '?'})` : `${r.user}@${r.host}:${r.port}${r.jumpHosts.length ? ` via ${r.jumpHosts.join(', ')}` : ''}`;
    writeLine(io.out, `${r.name.padEnd(width)}  ${where}`);
  }
  return Exit.ok;
}

async function status(p: Parsed, io: Io): Promise<number> {
  if (p.positional.length !== 1) throw new UsageError('status takes one server name');
  const { pool, conn } = openServer(p.positional[0], { sshConfig: p.sshConfig, acceptNew: p.acceptNew, timeoutSeconds: p.timeoutSeconds }, io);
  try {
    const snap = await conn.snapshot();
    if (p.json) writeLine(io.out, JSON.stringify(snap, null, 2));
    else printSnapshot(io, snap);
    return Exit.ok;
  } catch (e) {
    const code = sshErrorExit(e, 'servers status', io);
    if (code !== undefined) return code;
    throw e;
  } finally {
    pool.dispose();
  }
}

const servers: CliCommand = {
  name: 'servers',
  summary: 'list the SSH config hosts, or show what runs on one (status)',
  usage,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const p = parseArgs(rest);
    if (sub === 'list') return list(p, io);
    if (sub === 'status') return status(p, io);
    throw new UsageError(sub ? `unknown subcommand '${sub}' (list, status)` : 'which subcommand? list or status');
  },
};

registerCliCommand(servers);
