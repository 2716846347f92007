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
