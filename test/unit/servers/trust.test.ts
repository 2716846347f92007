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
  const WEB = 'deploy@203.0.113.5:22';
  const DB = 'admin@203.0.113.6:2222';
  const make = () => {
    const memento = new MemoryMemento();
    const secrets = new MemorySecrets();
    return { memento, secrets, s: new ServerSecrets(secrets as unknown as vscode.SecretStorage, memento as unknown as vscode.Memento) };
  };

  it('keeps values only in the secret storage, and forgets all of one server', async () => {
    const { memento, secrets, s } = make();
    await s.store('web', WEB, 'password', 'hunter2');
    await s.store('web', WEB, 'passphrase', 'open sesame', '/home/u/.ssh/id_ed25519');
    await s.store('db', DB, 'password', 'pw');
    assert.strictEqual(await s.get('web', WEB, 'passphrase', '/home/u/.ssh/id_ed25519'), 'open sesame');
    assert.ok(!JSON.stringify(memento.get('cloudward.storedSecrets.v2', [])).includes('hunter2'), 'a value reached global state');
    assert.strictEqual(s.has('web'), true);
    assert.strictEqual(await s.forget('web'), 2);
    assert.strictEqual(s.has('web'), false);
    assert.strictEqual(await s.get('web', WEB, 'password'), undefined);
    assert.strictEqual(await s.get('db', DB, 'password'), 'pw');
    assert.strictEqual(await s.forget(), 1);
    assert.strictEqual(secrets.data.size, 0);
  });

  it('S8: a server entry with the same name but another host gets nothing', async () => {
    const { s } = make();
    await s.store('prod', WEB, 'password', 'hunter2');
    await s.store('prod', WEB, 'passphrase', 'open sesame', '/home/u/.ssh/id_ed25519');
    assert.strictEqual(await s.get('prod', 'deploy@198.51.100.66:22', 'password'), undefined);
    assert.strictEqual(await s.get('prod', 'deploy@203.0.113.5:2222', 'password'), undefined, 'another port is another server');
    assert.strictEqual(await s.get('prod', 'root@203.0.113.5:22', 'password'), undefined, 'another user too');
    assert.strictEqual(await s.get('prod', 'deploy@198.51.100.66:22', 'passphrase', '/home/u/.ssh/id_ed25519'), undefined);
    assert.strictEqual(await s.get('renamed', WEB, 'password'), 'hunter2', 'the secret follows the host, not the label');
  });

  it("S8: names holding ':' cannot collide with another server's key", async () => {
    const { s } = make();
    // First format: server "b" + passphrase detail "x:password" and server "b:passphrase:x" + password
    // gave the same key. Now each key is a JSON array of kind, target and detail.
    await s.store('b', 'u@b:22', 'passphrase', 'secret-one', 'x:password');
    assert.strictEqual(await s.get('b:passphrase:x', 'u@b:passphrase:x:22', 'password'), undefined);
    assert.notStrictEqual(ServerSecrets.key('u@b:22', 'passphrase', 'x:password'), ServerSecrets.key('u@b:22:passphrase:x', 'password'));
  });

  it('migrates a secret kept by display name once, to the host the server connects to then', async () => {
    const { memento, secrets, s } = make();
    // What the first format left behind.
    await secrets.store('cloudward.server:web:password', 'hunter2');
    await secrets.store('cloudward.server:web:passphrase:/home/u/.ssh/id_ed25519', 'open sesame');
    await memento.update('cloudward.storedSecrets', ['cloudward.server:web:password', 'cloudward.server:web:passphrase:/home/u/.ssh/id_ed25519']);
    assert.strictEqual(s.has('web'), true);
    assert.strictEqual(await s.get('web', WEB, 'password'), 'hunter2');
    assert.strictEqual(await secrets.get('cloudward.server:web:password'), undefined, 'the old key is deleted');
    assert.strictEqual(await secrets.get(ServerSecrets.key(WEB, 'password')), 'hunter2');
    // Bound to that host from now on: the same name elsewhere gets nothing.
    assert.strictEqual(await s.get('web', 'deploy@198.51.100.66:22', 'password'), undefined);
    // Forget covers both formats.
    assert.strictEqual(await s.forget('web'), 2);
    assert.strictEqual(secrets.data.size, 0);
    assert.deepStrictEqual(memento.get('cloudward.storedSecrets', []), []);
  });
});
