// Trust stores: where host keys the user accepted are remembered, apart from ~/.ssh/known_hosts
// (which this project never writes). The CLI uses a file in known_hosts format under
// $XDG_CONFIG_HOME/cloudward (default ~/.config/cloudward/known_hosts); the extension brings its own.
import fs = require('fs');
import path = require('path');
import { homeDir } from './sshConfig';
import { hostFieldMatches, parseKnownHosts } from './knownHosts';
import type { TrustedKey, TrustStore } from './types';

export function defaultCliTrustStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(homeDir(env), '.config');
  return path.join(base, 'cloudward', 'known_hosts');
}

/** A known_hosts-format file owned by Cloudward (plain `[host]:port type key` lines, mode 600). */
export class FileTrustStore implements TrustStore {
  constructor(readonly file: string) {}

  get location(): string {
    return this.file;
  }

  lookup(hostPort: string): TrustedKey[] {
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    return parseKnownHosts(text, this.file)
      .filter((e) => e.marker === null && hostFieldMatches(e.hosts, hostPort))
      .map((e) => ({ keyType: e.keyType, keyBase64: e.keyBase64 }));
  }

  trust(hostPort: string, keyType: string, keyBase64: string): void {
    if (this.lookup(hostPort).some((k) => k.keyBase64 === keyBase64)) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    fs.appendFileSync(this.file, `${hostPort} ${keyType} ${keyBase64}\n`, { mode: 0o600 });
  }
}

/** In memory, for tests and one-shot uses. */
export class MemoryTrustStore implements TrustStore {
  private readonly keys = new Map<string, TrustedKey[]>();
  lookup(hostPort: string): TrustedKey[] {
    return this.keys.get(hostPort) ?? [];
  }
  trust(hostPort: string, keyType: string, keyBase64: string): void {
    const list = this.keys.get(hostPort) ?? [];
    if (!list.some((k) => k.keyBase64 === keyBase64)) list.push({ keyType, keyBase64 });
    this.keys.set(hostPort, list);
  }
}
