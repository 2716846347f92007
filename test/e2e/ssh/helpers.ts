// Shared setup of the SSH end-to-end tests: a private HOME (so ~/.ssh is the test's), a client key the
// loopback daemon accepts, and a pool built like the extension builds it.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MemoryTrustStore, SshPool, type ServerSpec, type SshCallbacks, type SshPoolOptions } from '../../../src/core/ssh';
import { makeKey, type TestKey, type TestSshd } from '../../support/sshd';

export interface Client {
  home: string;
  env: NodeJS.ProcessEnv;
  key: TestKey;
  /** An empty SSH config (so that ~/.ssh/config of the machine never leaks in). */
  sshConfig: string;
  cleanup(): void;
}

export function makeClient(): Client {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-client-'));
  fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
  const key = makeKey(path.join(home, '.ssh'), 'id_test');
  const sshConfig = path.join(home, '.ssh', 'config');
  fs.writeFileSync(sshConfig, '');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), SSH_AUTH_SOCK: '' };
  return { home, env, key, sshConfig, cleanup: () => fs.rmSync(home, { recursive: true, force: true }) };
}

/** A server entry for a daemon, logging in with the client's key. */
export function specFor(d: TestSshd, c: Client, extra: Partial<ServerSpec> = {}): ServerSpec {
  return { name: 'loopback', host: d.host, port: d.port, user: d.user, identityFile: c.key.privateKey, ...extra };
}

/** Records what the callbacks were asked; trusts unknown host keys unless told otherwise. */
export function recordingCallbacks(o: { trust?: boolean; passphrases?: string[] } = {}): SshCallbacks & { asked: string[] } {
  const asked: string[] = [];
  const passphrases = [...(o.passphrases ?? [])];
  return {
    asked,
    confirmHostKey: async (p) => {
      asked.push(`hostkey ${p.hostPort} ${p.fingerprint}`);
      return o.trust ?? true;
    },
    passphrase: async (p) => {
      asked.push(`passphrase ${path.basename(p.identityFile)} ${p.attempt}`);
      return passphrases.shift();
    },
    secretResult: (p) => asked.push(`result ${p.kind} ${p.ok}`),
  };
}

export function makePool(c: Client, o: Partial<SshPoolOptions> = {}): SshPool {
  return new SshPool({
    trustStore: new MemoryTrustStore(),
    sshConfigFile: c.sshConfig,
    env: c.env,
    agentSocket: '',
    connectTimeoutMs: 8000,
    commandTimeoutMs: 20_000,
    ...o,
  });
}

export async function waitUntil(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
