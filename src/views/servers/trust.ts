import * as crypto from 'crypto';
import type * as vscode from 'vscode';

/** One host key the user trusted from the unknown-key prompt. */
export interface TrustedHostKey {
  /** The key type as the server announced it, e.g. `ssh-ed25519`. */
  type: string;
  /** The raw public key blob, base64 (the same field a known_hosts line has). */
  key: string;
  /** `SHA256:…` as OpenSSH prints it. */
  fingerprint: string;
  /** ISO time the user said yes. */
  trustedAt: string;
}

export type TrustVerdict =
  | { state: 'trusted'; entry: TrustedHostKey }
  | { state: 'unknown' }
  | { state: 'changed'; previous: TrustedHostKey[] };

const STATE_KEY = 'cloudward.trustedHostKeys';

/** `host` for port 22, `[host]:port` otherwise: the same key known_hosts uses, so people recognise it. */
export function hostId(host: string, port = 22): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

/** `SHA256:<unpadded base64>` of a raw key blob, as `ssh-keygen -lf` prints it. */
export function sha256Fingerprint(keyBlob: Buffer | string): string {
  const raw = typeof keyBlob === 'string' ? Buffer.from(keyBlob, 'base64') : keyBlob;
  return `SHA256:${crypto.createHash('sha256').update(raw).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Host keys the user trusted through Cloudward's own prompt. Kept in the extension's global state
 * (never in `known_hosts`, which belongs to the user's OpenSSH): a key trusted here is only trusted
 * by Cloudward. Keyed by host and port, several key types per host allowed.
 */
export class HostKeyTrustStore {
  constructor(private readonly state: vscode.Memento) {}

  private all(): Record<string, TrustedHostKey[]> {
    return this.state.get<Record<string, TrustedHostKey[]>>(STATE_KEY, {});
  }

  /** Trusted if this exact key was trusted; changed if another key of the same type was. */
  verify(host: string, port: number, type: string, keyBase64: string): TrustVerdict {
    const entries = this.all()[hostId(host, port)] ?? [];
    const same = entries.find((e) => e.key === keyBase64);
    if (same) return { state: 'trusted', entry: same };
    // A different key type is not a change: servers offer several and ssh2 may negotiate another one.
    const sameType = entries.filter((e) => e.type === type);
    return sameType.length ? { state: 'changed', previous: sameType } : { state: 'unknown' };
  }

  entries(host: string, port: number): TrustedHostKey[] {
    return this.all()[hostId(host, port)] ?? [];
  }

  async trust(host: string, port: number, type: string, keyBase64: string): Promise<TrustedHostKey> {
    const all = { ...this.all() };
    const id = hostId(host, port);
    const entry: TrustedHostKey = { type, key: keyBase64, fingerprint: sha256Fingerprint(keyBase64), trustedAt: new Date().toISOString() };
    // Trusting a new key of a type replaces the old one of that type (the user accepted the change).
    all[id] = [...(all[id] ?? []).filter((e) => e.type !== type && e.key !== keyBase64), entry];
    await this.state.update(STATE_KEY, all);
    return entry;
  }

  async forget(host: string, port: number): Promise<void> {
    const all = { ...this.all() };
    delete all[hostId(host, port)];
    await this.state.update(STATE_KEY, all);
  }
}

export type SecretKind = 'password' | 'passphrase';

const SECRET_INDEX_KEY = 'cloudward.storedSecrets';

/**
 * Passwords and key passphrases the user chose to keep, in VS Code's SecretStorage (the OS keychain),
 * never in settings nor logs. SecretStorage cannot list its keys, so an index of *names* (no values)
 * lives in global state to make "Forget Stored Secrets" complete.
 */
export class ServerSecrets {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
  ) {}

  private static key(serverId: string, kind: SecretKind, detail = ''): string {
    return `cloudward.server:${serverId}:${kind}${detail ? `:${detail}` : ''}`;
  }

  private index(): string[] {
    return this.state.get<string[]>(SECRET_INDEX_KEY, []);
  }

  async get(serverId: string, kind: SecretKind, detail?: string): Promise<string | undefined> {
    return this.secrets.get(ServerSecrets.key(serverId, kind, detail));
  }

  async store(serverId: string, kind: SecretKind, value: string, detail?: string): Promise<void> {
    const key = ServerSecrets.key(serverId, kind, detail);
    await this.secrets.store(key, value);
    const index = this.index();
    if (!index.includes(key)) await this.state.update(SECRET_INDEX_KEY, [...index, key]);
  }

  async delete(serverId: string, kind: SecretKind, detail?: string): Promise<void> {
    const key = ServerSecrets.key(serverId, kind, detail);
    await this.secrets.delete(key);
    await this.state.update(SECRET_INDEX_KEY, this.index().filter((k) => k !== key));
  }

  /** Whether anything is stored for the server. */
  has(serverId: string): boolean {
    const prefix = `cloudward.server:${serverId}:`;
    return this.index().some((k) => k.startsWith(prefix));
  }

  /** Deletes every secret of one server (or of all servers); returns how many were removed. */
  async forget(serverId?: string): Promise<number> {
    const prefix = serverId === undefined ? 'cloudward.server:' : `cloudward.server:${serverId}:`;
    const index = this.index();
    const gone = index.filter((k) => k.startsWith(prefix));
    for (const k of gone) await this.secrets.delete(k);
    await this.state.update(SECRET_INDEX_KEY, index.filter((k) => !k.startsWith(prefix)));
    return gone.length;
  }
}
