// known_hosts reading and matching, as OpenSSH does it: plain and hashed (|1|salt|hash) host fields,
// [host]:port, comma lists, wildcards, negation (!), @revoked. @cert-authority lines are kept but ignored
// (ssh2 offers no host certificates to check them against), with that reason recorded.
import { createHash, createHmac, timingSafeEqual } from 'crypto';

export interface KnownHostsEntry {
  file: string;
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  /** The raw host field (comma list, maybe hashed). */
  hosts: string;
  keyType: string;
  keyBase64: string;
  /** Why this entry is never used for a decision, when it is not. */
  ignored?: string;
}

export interface HostKeyCheck {
  status: 'known' | 'changed' | 'revoked' | 'unknown';
  /** Entries for this host with another key, of any type ('changed'), or the matching one. */
  entries: KnownHostsEntry[];
  /** Entries that matched the host but were ignored, with reasons (e.g. @cert-authority). */
  notes: string[];
}

/** The name keys are filed under: `host` on port 22, else `[host]:port`. Host names are case-insensitive. */
export function hostKeyAlias(host: string, port: number): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` + base64 without padding. */
export function fingerprintOf(keyBlob: Buffer | string): string {
  const blob = typeof keyBlob === 'string' ? Buffer.from(keyBlob, 'base64') : keyBlob;
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside a key blob (its first SSH string), e.g. `ssh-ed25519`. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  if (len <= 0 || len > 64 || 4 + len > keyBlob.length) return 'unknown';
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

export function parseKnownHosts(text: string, file = 'known_hosts'): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry['marker'] = null;
    if (fields[0].startsWith('@')) {
      const m = fields.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH skips the line too
    }
    if (fields.length < 3) return;
    const [hosts, keyType, keyBase64] = fields;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return;
    const entry: KnownHostsEntry = { file, line: i + 1, marker, hosts, keyType, keyBase64 };
    if (marker === 'cert-authority') entry.ignored = '@cert-authority lines are not used: host certificates are not checked, only plain host keys';
    entries.push(entry);
  });
  return entries;
}

/**
 * Glob match of OpenSSH's host patterns: `*` any run, `?` exactly one character; case-insensitive.
 * Linear in practice (like OpenSSH's match_pattern, but iterative with one backtrack point): a pattern
 * full of `*` can never make a connection slow.
 */
export function wildcardMatch(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  let pi = 0;
  let ni = 0;
  let star = -1;
  let mark = 0;
  while (ni < n.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === n[ni]))) {
      pi++;
      ni++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ni;
    } else if (star >= 0) {
      pi = star + 1;
      ni = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

function hashedMatch(field: string, name: string): boolean {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, name))
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Whether a known_hosts host field (comma list) names `hostPort` (as given by {@link hostKeyAlias}). */
export function hostFieldMatches(hosts: string, hostPort: string): boolean {
  const name = hostPort.toLowerCase();
  if (hosts.startsWith('|')) return hashedMatch(hosts, name);
  let matched = false;
  for (const raw of hosts.split(',')) {
    if (!raw) continue;
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (wildcardMatch(pattern, name)) {
      if (negated) return false; // a negated match vetoes the whole line
      matched = true;
    }
  }
  return matched;
}

/** Decides what the known_hosts entries say about `keyBase64` offered by `hostPort`. */
export function checkHostKey(entries: readonly KnownHostsEntry[], hostPort: string, _keyType: string, keyBase64: string): HostKeyCheck {
  const notes: string[] = [];
  const forHost = entries.filter((e) => hostFieldMatches(e.hosts, hostPort));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.keyBase64 === keyBase64);
  if (revoked) return { status: 'revoked', entries: [revoked], notes };
  const usable: KnownHostsEntry[] = [];
  for (const e of forHost) {
    if (e.ignored) notes.push(`${e.file}:${e.line}: ${e.ignored}`);
    else if (e.marker === null) usable.push(e);
  }
  const same = usable.find((e) => e.keyBase64 === keyBase64);
  if (same) return { status: 'known', entries: [same], notes };
  // Any key on record for this host that is not the offered one makes it CHANGED, whatever its type: a
  // man in the middle offering only ssh-rsa for a host known by its ed25519 key must not look "new".
  // (OpenSSH refuses the same connection, also with StrictHostKeyChecking accept-new.)
  if (usable.length) return { status: 'changed', entries: usable, notes };
  return { status: 'unknown', entries: [], notes };
}

/** Key types on record for a host (to prefer them in the handshake, as OpenSSH does). */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], hostPort: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === null && !e.ignored && hostFieldMatches(e.hosts, hostPort)).map((e) => e.keyType))];
}
