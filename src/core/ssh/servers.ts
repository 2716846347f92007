// Servers from the `cloudward.servers` setting and from the SSH config, and their resolution into
// connectable hops (ProxyJump chains included).
import { InvalidInputError } from './errors';
import { assertUnitName, hasSpaceOrControl, isValidUnitName } from './quote';
import { assertHostValue, listSshConfigHosts, parseHop, resolveSshHost } from './sshConfig';
import type { ResolvedHost, ResolvedServer, ServerSetting, ServerSpec } from './types';

export interface ListServersOptions {
  /** The `cloudward.servers` setting. */
  settings?: readonly ServerSetting[];
  /** OpenSSH client config; default ~/.ssh/config. */
  sshConfigFile?: string;
  /** List the SSH config's hosts too (`cloudward.servers.showSshConfigHosts`). Default true. */
  includeSshConfigHosts?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Problems of one server entry, in words a user can act on; empty when it is fine. */
export function validateServer(s: Partial<ServerSpec>): string[] {
  const problems: string[] = [];
  const label = typeof s.name === 'string' && s.name ? `Server "${s.name}"` : 'A server';
  if (typeof s.name !== 'string' || !s.name.trim()) problems.push(`${label} has no name.`);
  if (typeof s.host !== 'string' || !s.host.trim()) problems.push(`${label} has no host.`);
  else {
    try {
      assertHostValue(s.host);
    } catch (e) {
      problems.push(`${label}: ${(e as Error).message}`);
    }
  }
  if (s.port !== undefined && (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535)) problems.push(`${label}: port ${s.port} is not 1–65535.`);
  if (s.user !== undefined && (typeof s.user !== 'string' || hasSpaceOrControl(s.user) || s.user.includes('@') || s.user.startsWith('-'))) problems.push(`${label}: user "${s.user}" is not valid.`);
  for (const u of s.units ?? []) if (!isValidUnitName(String(u))) problems.push(`${label}: unit "${u}" is not a valid systemd unit name (letters, digits, @ . _ : - only).`);
  if (s.appDir !== undefined && (typeof s.appDir !== 'string' || s.appDir.includes('\0'))) problems.push(`${label}: appDir is not a valid path.`);
  if (s.project !== undefined && (typeof s.project !== 'string' || s.project.includes('\0'))) problems.push(`${label}: project is not a valid folder path.`);
  return problems;
}

/** Servers to show: the setting's (validated, first of a name wins) then the SSH config's hosts not already listed. Cheap: no network. */
export function listServers(o: ListServersOptions = {}): { servers: ServerSpec[]; problems: string[] } {
  const servers: ServerSpec[] = [];
  const problems: string[] = [];
  const names = new Set<string>();
  for (const s of o.settings ?? []) {
    const p = validateServer(s);
    if (!p.length && names.has(s.name)) p.push(`Server "${s.name}" is listed twice; the first one is used.`);
    if (p.length) {
      problems.push(...p);
      continue;
    }
    names.add(s.name);
    servers.push({ ...s, source: 'settings' });
  }
  if (o.includeSshConfigHosts !== false) {
    const taken = new Set([...names, ...servers.map((s) => s.host)]);
    for (const h of listSshConfigHosts(o.sshConfigFile, o.env)) {
      if (taken.has(h.alias) || h.alias.startsWith('-')) continue;
      taken.add(h.alias);
      servers.push({ name: h.alias, host: h.alias, source: 'ssh-config', configFile: h.file });
    }
  }
  return { servers, problems };
}

export interface ResolveServerOptions {
  sshConfigFile?: string;
  lookupServer?(name: string): ServerSpec | undefined;
  env?: NodeJS.ProcessEnv;
  /** See ResolveHostOptions.sshBinary. */
  sshBinary?: string | null;
}

async function resolveChain(
  jumpHost: string,
  o: ResolveServerOptions,
  depth: number,
): Promise<ResolvedHost[]> {
  if (depth > 8) throw new InvalidInputError(`The jump host chain "${jumpHost}" is too deep (a loop?).`);
  const hops: ResolvedHost[] = [];
  for (const raw of jumpHost.split(',').map((h) => h.trim()).filter(Boolean)) {
    const named = o.lookupServer?.(raw);
    if (named) {
      const r = await resolveOne(named, o, depth + 1);
      hops.push(...r.jumps, stripJumps(r));
      continue;
    }
    const hop = parseHop(raw);
    const r = await resolveSshHost(hop.host, { configFile: o.sshConfigFile, port: hop.port, user: hop.user, env: o.env, sshBinary: o.sshBinary });
    if (r.proxyJump) hops.push(...(await resolveChain(r.proxyJump, o, depth + 1)));
    const { proxyJump: _pj, ...h } = r;
    hops.push({ ...h, label: raw });
  }
  return hops;
}

function stripJumps(r: ResolvedServer): ResolvedHost {
  const { jumps: _j, name: _n, appDir: _a, units: _u, ...h } = r;
  return h;
}

async function resolveOne(spec: ServerSpec, o: ResolveServerOptions, depth: number): Promise<ResolvedServer> {
  const problems = validateServer(spec);
  if (problems.length) throw new InvalidInputError(problems.join(' '));
  const main = await resolveSshHost(spec.host, {
    configFile: o.sshConfigFile,
    port: spec.port,
    user: spec.user,
    identityFile: spec.identityFile,
    env: o.env,
    sshBinary: o.sshBinary,
  });
  const jumpHost = spec.jumpHost?.trim() || main.proxyJump;
  const jumps = jumpHost ? await resolveChain(jumpHost, o, depth) : [];
  const { proxyJump: _pj, ...h } = main;
  return { ...h, label: spec.name, name: spec.name, jumps, appDir: spec.appDir || undefined, units: (spec.units ?? []).map(assertUnitName) };
}

/** Applies the SSH config (via `ssh -G` when available) to a server and its jump hosts. */
export function resolveServer(spec: ServerSpec, o: ResolveServerOptions = {}): Promise<ResolvedServer> {
  return resolveOne(spec, o, 0);
}
