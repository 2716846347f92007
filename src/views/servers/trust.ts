import * as crypto from 'crypto';
import type * as vscode from 'vscode';
import type { TrustStore, TrustedKey } from '../../core/ssh/types';

/** One host key the user trusted from the unknown-key prompt. */
export interface TrustedHostKey extends TrustedKey {
  /** ISO time the user said yes. */
  trustedAt: string;
}

const STATE_KEY = 'cloudward.trustedHostKeys';

/** `SHA256:<unpadded base64>` of a raw key blob, as `ssh-keygen -lf` prints it. */
export function sha256Fingerprint(keyBase64: string): string {
  return `SHA256:${crypto.createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Host keys the user trusted through Cloudward's own prompt, kept in the extension's global state and
 * never in `known_hosts` (which belongs to the user's OpenSSH): a key trusted here is only trusted by
 * Cloudward. Keyed like known_hosts (`host` or `[host]:port`); the SSH layer consults it after the
 * known_hosts files and decides unknown vs changed.
 */
export class HostKeyTrustStore implements TrustStore {
  /** Where a trusted key is kept, as the changed-key dialog names it. */
  readonly location = `Cloudward's trust store (VS Code's global state, "${STATE_KEY}"; not your known_hosts)`;

  constructor(private readonly state: vscode.Memento) {}

  private all(): Record<string, TrustedHostKey[]> {
    return this.state.get<Record<string, TrustedHostKey[]>>(STATE_KEY, {});
  }

  lookup(hostPort: string): TrustedHostKey[] {
    return this.all()[hostPort.toLowerCase()] ?? [];
  }

  async trust(hostPort: string, keyType: string, keyBase64: string): Promise<void> {
    const id = hostPort.toLowerCase();
    const all = { ...this.all() };
    // A newly trusted key of a type replaces the old one of that type: the user accepted the change.
    const kept = (all[id] ?? []).filter((e) => e.keyType !== keyType && e.keyBase64 !== keyBase64);
    all[id] = [...kept, { keyType, keyBase64, trustedAt: new Date().toISOString() }];
    await this.state.update(STATE_KEY, all);
  }

  /** Removes what Cloudward trusted for a host; returns whether anything was there. */
  async forget(hostPort: string): Promise<boolean> {
    const id = hostPort.toLowerCase();
    const all = { ...this.all() };
    if (!all[id]) return false;
    delete all[id];
    await this.state.update(STATE_KEY, all);
    return true;
  }
}

export type SecretKind = 'password' | 'passphrase';

/** The index of the first format (keys by display name), read only to migrate and forget. */
const LEGACY_INDEX_KEY = 'cloudward.storedSecrets';
const SECRET_INDEX_KEY = 'cloudward.storedSecrets.v2';

/** One kept secret: its SecretStorage key and the server (display name) it was kept for. */
interface IndexEntry {
  key: string;
  server: string;
}

/**
 * Passwords and key passphrases the user chose to keep, in VS Code's SecretStorage (the OS keychain),
 * never in settings nor logs. A secret is keyed by what it opens (security review S8): the `user@host:port`
 * of the hop and, for a passphrase, the key file, encoded as JSON so that no name can collide with
 * another key. A server entry with the same display name but another host gets nothing. SecretStorage
 * cannot list its keys, so an index of keys and server names (no values) lives in global state to make
 * "Forget Stored Secrets" complete. Secrets kept by display name (the first format) move to their new key
 * the first time that server asks for them, bound to the host it is then connecting to.
 */
export class ServerSecrets {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
  ) {}

  /** The key of a secret: `target` is the `user@host:port` being authenticated. */
  static key(target: string, kind: SecretKind, detail = ''): string {
    return `cloudward.secret:${JSON.stringify([kind, target, detail])}`;
  }

  private static legacyKey(serverId: string, kind: SecretKind, detail = ''): string {
    return `cloudward.server:${serverId}:${kind}${detail ? `:${detail}` : ''}`;
  }

  private index(): IndexEntry[] {
    return this.state.get<IndexEntry[]>(SECRET_INDEX_KEY, []);
  }

  private legacyIndex(): string[] {
    return this.state.get<string[]>(LEGACY_INDEX_KEY, []);
  }

  async get(serverId: string, target: string, kind: SecretKind, detail?: string): Promise<string | undefined> {
    const value = await this.secrets.get(ServerSecrets.key(target, kind, detail));
    if (value !== undefined) return value;
    // The first format: moved once, to the host this server connects to now, and deleted.
    const legacy = ServerSecrets.legacyKey(serverId, kind, detail);
    const legacyIndex = this.legacyIndex();
    if (!legacyIndex.includes(legacy)) return undefined;
    const old = await this.secrets.get(legacy);
    await this.secrets.delete(legacy);
    await this.state.update(LEGACY_INDEX_KEY, legacyIndex.filter((k) => k !== legacy));
    if (old === undefined) return undefined;
    await this.store(serverId, target, kind, old, detail);
    return old;
  }

  async store(serverId: string, target: string, kind: SecretKind, value: string, detail?: string): Promise<void> {
    const key = ServerSecrets.key(target, kind, detail);
    await this.secrets.store(key, value);
    const index = this.index();
    if (!index.some((e) => e.key === key && e.server === serverId)) await this.state.update(SECRET_INDEX_KEY, [...index, { key, server: serverId }]);
  }

  async delete(serverId: string, target: string, kind: SecretKind, detail?: string): Promise<void> {
    const key = ServerSecrets.key(target, kind, detail);
    await this.secrets.delete(key);
    await this.state.update(SECRET_INDEX_KEY, this.index().filter((e) => e.key !== key));
  }

  /** Whether anything is stored for the server. */
  has(serverId: string): boolean {
    const prefix = `cloudward.server:${serverId}:`;
    return this.index().some((e) => e.server === serverId) || this.legacyIndex().some((k) => k.startsWith(prefix));
  }

  /** Deletes every secret of one server (or of all servers); returns how many were removed. */
  async forget(serverId?: string): Promise<number> {
    const index = this.index();
    const gone = index.filter((e) => serverId === undefined || e.server === serverId);
    const goneKeys = new Set(gone.map((e) => e.key));
    for (const k of goneKeys) await this.secrets.delete(k);
    await this.state.update(SECRET_INDEX_KEY, index.filter((e) => !goneKeys.has(e.key)));
    const legacyPrefix = serverId === undefined ? 'cloudward.server:' : `cloudward.server:${serverId}:`;
    const legacyIndex = this.legacyIndex();
    const legacyGone = legacyIndex.filter((k) => k.startsWith(legacyPrefix));
    for (const k of legacyGone) await this.secrets.delete(k);
    if (legacyGone.length) await this.state.update(LEGACY_INDEX_KEY, legacyIndex.filter((k) => !legacyGone.includes(k)));
    return goneKeys.size + legacyGone.length;
  }
}
