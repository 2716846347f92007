// The user's OpenSSH client config: which hosts it lists (ssh-config parses; we follow Include, since
// the package does not) and what settings apply to one of them (`ssh -G`, which is exact, Match and
// Include included; when no OpenSSH client is installed, ssh-config's compute without Match exec).
import { execFile } from 'child_process';
import fs = require('fs');
import os = require('os');
import path = require('path');
import SSHConfig from 'ssh-config';
import { InvalidInputError, SshError } from './errors';
import { hostKeyAlias } from './knownHosts';
import { hasSpaceOrControl } from './quote';
import type { ResolvedHost, SshConfigHost, StrictHostKeyChecking } from './types';

type Env = NodeJS.ProcessEnv;

export function homeDir(env: Env = process.env): string {
  return env.HOME || os.homedir();
}

/** The home directory of the passwd entry (what OpenSSH uses for `~`), or undefined when there is none. */
export function passwdHome(): string | undefined {
  try {
    return os.userInfo().homedir || undefined;
  } catch {
    return undefined;
  }
}

/**
 * ssh -G prints `~` already expanded to the passwd home; Cloudward's home is $HOME (S7): a path under the
 * passwd home is moved under $HOME when the two differ, so keys and known_hosts come from one home.
 */
function fromPasswdHome(p: string, env: Env): string {
  const pw = passwdHome();
  const home = homeDir(env);
  if (!pw || pw === home) return p;
  return p === pw ? home : p.startsWith(`${pw}/`) ? path.join(home, p.slice(pw.length + 1)) : p;
}

/** `~` and `~/…` → the home directory. */
export function expandHome(p: string, env: Env = process.env): string {
  if (p === '~') return homeDir(env);
  if (p.startsWith('~/')) return path.join(homeDir(env), p.slice(2));
  return p;
}

export function defaultSshConfigFile(env: Env = process.env): string {
  return path.join(homeDir(env), '.ssh', 'config');
}

function values(v: unknown): string[] {
  if (typeof v === 'string') return v.trim() ? [v.trim()] : [];
  if (Array.isArray(v)) return v.map((x: { val?: string }) => String(x?.val ?? '')).filter(Boolean);
  return [];
}

function isPattern(alias: string): boolean {
  return /[*?!]/.test(alias) || /\s/.test(alias);
}

/** Glob with `*`, `?` and `[…]` per path segment, sorted like glob(3). Only existing paths are returned. */
export function globPaths(pattern: string): string[] {
  const abs = path.resolve(pattern);
  const segments = abs.split(path.sep).filter(Boolean);
  let current = [path.parse(abs).root];
  for (const seg of segments) {
    const next: string[] = [];
    if (!/[*?[]/.test(seg)) {
      for (const dir of current) {
        const p = path.join(dir, seg);
        if (fs.existsSync(p)) next.push(p);
      }
    } else {
      const re = new RegExp('^' + seg.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
      for (const dir of current) {
        let names: string[] = [];
        try {
          names = fs.readdirSync(dir);
        } catch {
          continue;
        }
        for (const n of names.sort()) if (re.test(n) && (seg.startsWith('.') || !n.startsWith('.'))) next.push(path.join(dir, n));
      }
    }
    current = next;
    if (!current.length) break;
  }
  return current;
}

/** Files an `Include` value names: relative paths are under ~/.ssh (user config), as OpenSSH does. */
function includeTargets(value: string, env: Env): string[] {
  const p = expandHome(value, env);
  return globPaths(path.isAbsolute(p) ? p : path.join(homeDir(env), '.ssh', p));
}

/** Hosts of an OpenSSH client config, following Include (globs, `~`, relative to ~/.ssh). Patterns are not hosts. */
export function listSshConfigHosts(file?: string, env: Env = process.env): SshConfigHost[] {
  const top = file ? expandHome(file, env) : defaultSshConfigFile(env);
  const out: SshConfigHost[] = [];
  const seen = new Set<string>();
  const visited = new Set<string>();
  const walk = (f: string, depth: number) => {
    if (depth > 16 || visited.has(f)) return; // OpenSSH limits Include depth too; a cycle ends here
    visited.add(f);
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch {
      return; // a missing include is not an error for OpenSSH either
    }
    const lines = SSHConfig.parse(text) as unknown as Array<{ param?: string; value?: unknown; config?: unknown[] }>;
    const visit = (ls: typeof lines) => {
      for (const l of ls) {
        const param = (l.param ?? '').toLowerCase();
        if (param === 'include') for (const v of values(l.value)) for (const t of includeTargets(v, env)) walk(t, depth + 1);
        if (param === 'host') {
          for (const alias of values(l.value)) {
            if (isPattern(alias) || seen.has(alias)) continue;
            seen.add(alias);
            out.push({ alias, file: f });
          }
        }
        if (Array.isArray(l.config)) visit(l.config as typeof lines);
      }
    };
    visit(lines);
  };
  walk(top, 0);
  return out;
}

/** The config text with every Include inlined (for ssh-config's compute, which does not follow them). */
function inlinedConfig(file: string, env: Env, depth = 0, visited = new Set<string>()): string {
  if (depth > 16 || visited.has(file)) return '';
  visited.add(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  return text
    .split(/\r?\n/)
    .map((line) => {
      const m = /^\s*include\s*[= ]\s*(.+)$/i.exec(line);
      if (!m) return line;
      const targets = m[1].match(/"[^"]*"|\S+/g) ?? [];
      return targets
        .flatMap((t) => includeTargets(t.replace(/^"|"$/g, ''), env))
        .map((t) => inlinedConfig(t, env, depth + 1, visited))
        .join('\n');
    })
    .join('\n');
}

export interface ResolveHostOptions {
  /** Config file; default ~/.ssh/config. */
  configFile?: string;
  /** Command-line overrides (like `ssh -p`/`-l`/`-i`). */
  port?: number;
  user?: string;
  identityFile?: string;
  /** `ssh` to run for -G; null: never run it (use the fallback). Default: `ssh` from PATH. */
  sshBinary?: string | null;
  env?: Env;
}

/** A host value safe to hand to `ssh -G` (no option injection, no whitespace or control characters). */
export function assertHostValue(host: string): string {
  if (!host || host.startsWith('-') || hasSpaceOrControl(host) || host.length > 1024) {
    throw new InvalidInputError(`"${host}" is not a valid host name or SSH config alias.`);
  }
  return host;
}

function runSshG(ssh: string, alias: string, o: ResolveHostOptions): Promise<Map<string, string[]>> {
  const args = ['-G'];
  // ssh reads ~/.ssh/config from the passwd home, whatever $HOME says; Cloudward lists hosts and reads
  // known_hosts from $HOME (security review S7). When the two differ, ssh is told which file the list
  // came from, so the list and the resolution agree (ssh then skips /etc/ssh/ssh_config, as -F does).
  const file = o.configFile ?? (homeDir(o.env) !== passwdHome() ? defaultSshConfigFile(o.env) : undefined);
  if (file) {
    // A configured file that does not exist means "no config" here, not an error (ssh -F would fail).
    const f = expandHome(file, o.env);
    args.push('-F', fs.existsSync(f) ? f : '/dev/null');
  }
  if (o.port) args.push('-p', String(o.port));
  if (o.user) args.push('-l', o.user);
  args.push('--', alias);
  return new Promise((resolve, reject) => {
    execFile(ssh, args, { env: o.env ?? process.env, timeout: 10_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ENOENT') return reject(e);
        return reject(new SshError('CONFIG', `ssh -G ${alias} failed: ${String(stderr).trim() || e.message}`));
      }
      const map = new Map<string, string[]>();
      for (const line of String(stdout).split('\n')) {
        const i = line.indexOf(' ');
        if (i <= 0) continue;
        const k = line.slice(0, i).toLowerCase();
        map.set(k, [...(map.get(k) ?? []), line.slice(i + 1)]);
      }
      resolve(map);
    });
  });
}

function fallbackCompute(alias: string, o: ResolveHostOptions): Map<string, string[]> {
  const env = o.env ?? process.env;
  const file = o.configFile ? expandHome(o.configFile, env) : defaultSshConfigFile(env);
  const computed = SSHConfig.parse(inlinedConfig(file, env)).compute(alias, { matchExec: false, ignoreCase: true }) as Record<
    string,
    string | string[]
  >;
  const map = new Map<string, string[]>();
  for (const [k, v] of Object.entries(computed)) map.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
  if (o.port) map.set('port', [String(o.port)]);
  if (o.user) map.set('user', [o.user]);
  if (!map.has('hostname')) map.set('hostname', [alias]);
  return map;
}

const DEFAULT_IDENTITIES = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ecdsa_sk', '~/.ssh/id_ed25519', '~/.ssh/id_ed25519_sk', '~/.ssh/id_xmss', '~/.ssh/id_dsa'];

function localUser(env: Env): string {
  try {
    return env.USER || env.LOGNAME || os.userInfo().username;
  } catch {
    return 'root';
  }
}

/** %d %u %h %p %r %% tokens of IdentityFile / UserKnownHostsFile. */
function expandTokens(s: string, t: { host: string; port: number; user: string; env: Env }): string {
  return s.replace(/%([duhpr%])/g, (_, c: string) =>
    c === 'd' ? homeDir(t.env) : c === 'u' ? localUser(t.env) : c === 'h' ? t.host : c === 'p' ? String(t.port) : c === 'r' ? t.user : '%',
  );
}

/** OpenSSH ConnectTimeout (seconds; `none` or 0: the default). */
function connectTimeoutOf(v: string | undefined): { connectTimeoutMs?: number } {
  const n = v && /^[0-9]{1,6}$/.test(v) ? Number(v) : 0;
  return n > 0 ? { connectTimeoutMs: n * 1000 } : {};
}

function normaliseStrict(v: string | undefined): StrictHostKeyChecking {
  switch ((v ?? 'ask').toLowerCase()) {
    case 'yes':
    case 'true':
      return 'yes';
    case 'accept-new':
      return 'accept-new';
    case 'no':
    case 'false':
    case 'off':
      return 'no';
    default:
      return 'ask';
  }
}

/** Splits `[user@]host[:port]` (and `[v6]:port`) of a ProxyJump hop. */
export function parseHop(hop: string): { user?: string; host: string; port?: number } {
  let rest = hop.trim().replace(/^ssh:\/\//, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let port: number | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) return { user, host: v6[1], port: v6[2] ? Number(v6[2]) : undefined };
  const m = /^(.*):(\d+)$/.exec(rest);
  if (m) {
    rest = m[1];
    port = Number(m[2]);
  }
  return { user, host: rest, port };
}

/** Effective settings for one alias or host name, with the ProxyJump value left raw for the caller to resolve. */
export async function resolveSshHost(alias: string, o: ResolveHostOptions = {}): Promise<ResolvedHost & { proxyJump: string | null }> {
  const env = o.env ?? process.env;
  assertHostValue(alias);
  let map: Map<string, string[]> | undefined;
  if (o.sshBinary !== null) {
    try {
      map = await runSshG(o.sshBinary ?? 'ssh', alias, o);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  // ssh -G expands `~` to the passwd home; when $HOME differs (S7), the paths written with `~` or `%d` (and the
  // defaults) move under $HOME, but a path the config spells out in full stays where it says.
  let spelledOut = (_key: string) => false;
  if (map && passwdHome() !== homeDir(env)) {
    let raw: Map<string, string[]> | undefined;
    try {
      raw = fallbackCompute(alias, o);
    } catch {
      raw = undefined;
    }
    spelledOut = (key) => {
      const v = raw?.get(key);
      return !!v?.length && v.every((x) => x.split(/\s+/).every((f) => !f || f.startsWith('/')) && !/%d/.test(x));
    };
  }
  map ??= fallbackCompute(alias, o);
  const one = (k: string) => map!.get(k)?.[0];
  const inHome = (key: string) => (f: string) => (spelledOut(key) ? f : fromPasswdHome(f, env));
  const host = one('hostname') ?? alias;
  const port = Number(one('port') ?? 22) || 22;
  const user = one('user') ?? localUser(env);
  const tokens = { host, port, user, env };
  const identitiesRaw = o.identityFile ? [o.identityFile] : (map.get('identityfile') ?? DEFAULT_IDENTITIES);
  const identityFiles = [
    ...new Set(identitiesRaw.map((f) => path.resolve(expandHome(expandTokens(f, tokens), env))).map(o.identityFile ? (f: string) => f : inHome('identityfile'))),
  ].filter((f) => fs.existsSync(f));
  const explicitIdentity = !!o.identityFile || identitiesRaw.some((f) => !DEFAULT_IDENTITIES.includes(f.replace(homeDir(env), '~')));
  const knownFiles = [
    ...(map.get('userknownhostsfile') ?? ['~/.ssh/known_hosts ~/.ssh/known_hosts2']),
    ...(map.get('globalknownhostsfile') ?? ['/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2']),
  ]
    .flatMap((v) => v.split(/\s+/))
    .filter((f) => f && f !== 'none' && f !== '/dev/null')
    .map((f) => path.resolve(expandHome(expandTokens(f, tokens), env)))
    .map((f) => (f.startsWith('/etc/') ? f : inHome('userknownhostsfile')(f)));
  const userKnown = path.join(homeDir(env), '.ssh', 'known_hosts');
  const knownHostsFiles = [...new Set([...knownFiles, userKnown])];
  const pj = one('proxyjump');
  return {
    label: alias,
    host,
    port,
    user,
    identityFiles,
    explicitIdentity,
    knownHostsFiles,
    strictHostKeyChecking: normaliseStrict(one('stricthostkeychecking')),
    hostKeyAlias: hostKeyAlias(one('hostkeyalias') ?? host, port),
    batchMode: (one('batchmode') ?? 'no').toLowerCase() === 'yes',
    ...connectTimeoutOf(one('connecttimeout')),
    proxyJump: pj && pj.toLowerCase() !== 'none' ? pj : null,
  };
}
