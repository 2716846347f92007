// The extension's host-key trust store and secret index, over in-memory stand-ins for VS Code's
// Memento and SecretStorage (both are plain key-value stores; the real ones are used in test/integration).
import * as assert from 'assert';
import type * as vscode from 'vscode';
import { HostKeyTrustStore, ServerSecrets, sha256Fingerprint } from '../../../src/views/servers/trust';

class MemoryMemento {
  private readonly data = new Map<string, unknown>();
  keys(): readonly string[] {
    return [...this.data.keys()];
  }
  get<T>(key: string, fallback?: T): T {
    return (this.data.has(key) ? structuredClone(this.data.get(key)) : fallback) as T;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.data.set(key, structuredClone(value));
  }
}

class MemorySecrets {
  readonly data = new Map<string, string>();
  async get(key: string) {
    return this.data.get(key);
  }
  async store(key: string, value: string) {
    this.data.set(key, value);
  }
  async delete(key: string) {
    this.data.delete(key);
  }
}

const KEY_A = Buffer.alloc(51, 1).toString('base64');
const KEY_B = Buffer.alloc(51, 2).toString('base64');
const KEY_C = Buffer.alloc(104, 3).toString('base64');

describe('Host key trust store (extension side)', () => {
  it('looks keys up by [host]:port, case-insensitively', async () => {
    const store = new HostKeyTrustStore(new MemoryMemento() as unknown as vscode.Memento);
    await store.trust('[Web.Example]:2222', 'ssh-ed25519', KEY_A);
    assert.deepStrictEqual(store.lookup('[web.example]:2222').map((k) => k.keyBase64), [KEY_A]);
    assert.deepStrictEqual(store.lookup('web.example'), []);
  });

  it('replaces the key of a type when a new one is trusted, keeps other types', async () => {
    const store = new HostKeyTrustStore(new MemoryMemento() as unknown as vscode.Memento);
    await store.trust('h', 'ssh-ed25519', KEY_A);
    await store.trust('h', 'ecdsa-sha2-nistp256', KEY_C);
    await store.trust('h', 'ssh-ed25519', KEY_B);
    assert.deepStrictEqual(
      store.lookup('h').map((k) => [k.keyType, k.keyBase64]),
      [
        ['ecdsa-sha2-nistp256', KEY_C],
        ['ssh-ed25519', KEY_B],
      ],
    );
    assert.strictEqual(await store.forget('h'), true);
    assert.deepStrictEqual(store.lookup('h'), []);
    assert.strictEqual(await store.forget('h'), false);
  });

  it('prints fingerprints as ssh-keygen does', () => {
    assert.match(sha256Fingerprint(KEY_A), /^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('Stored secrets', () => {
  it('keeps values only in the secret storage, and forgets all of one server', async () => {
    const memento = new MemoryMemento();
    const secrets = new MemorySecrets();
    const s = new ServerSecrets(secrets as unknown as vscode.SecretStorage, memento as unknown as vscode.Memento);
    await s.store('web', 'password', 'hunter2');
    await s.store('web', 'passphrase', 'open sesame', '/home/u/.ssh/id_ed25519');
    await s.store('db', 'password', 'pw');
    assert.strictEqual(await s.get('web', 'passphrase', '/home/u/.ssh/id_ed25519'), 'open sesame');
    assert.ok(!JSON.stringify(memento.get('cloudward.storedSecrets', [])).includes('hunter2'), 'a value reached global state');
    assert.strictEqual(s.has('web'), true);
    assert.strictEqual(await s.forget('web'), 2);
    assert.strictEqual(s.has('web'), false);
    assert.strictEqual(await s.get('web', 'password'), undefined);
    assert.strictEqual(await s.get('db', 'password'), 'pw');
    assert.strictEqual(await s.forget(), 1);
    assert.strictEqual(secrets.data.size, 0);
  });
});
