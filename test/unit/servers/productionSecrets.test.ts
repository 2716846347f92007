// Production secrets are keyed by the machine they are sent to, not by a server entry's display name
// (security review S8, the class: login secrets were fixed first, the app's environment the same way).
import * as assert from 'assert';
import { ProductionSecrets, productionSecretsKey } from '../../../src/views/servers/productionSecrets';

/** SecretStorage's three calls over a Map (the real one is the OS keychain behind VS Code). */
function storage(initial: Record<string, string> = {}) {
  const m = new Map(Object.entries(initial));
  return {
    m,
    get: (k: string) => Promise.resolve(m.get(k)),
    store: (k: string, v: string) => Promise.resolve(void m.set(k, v)),
    delete: (k: string) => Promise.resolve(void m.delete(k)),
  };
}

describe('production secrets (SecretStorage keys)', () => {
  const web = { name: 'web', host: 'web.example.com', user: 'deploy', port: 22 };

  it('keeps and reads back the secrets of an app on a server, one at a time', async () => {
    const s = new ProductionSecrets(storage());
    await s.set(web, 'mysite', 'DATABASE_URL', 'postgres://u:p@db/mysite');
    await s.set(web, 'mysite', 'SENTRY_DSN', 'https://k@sentry.example/1');
    assert.deepStrictEqual(await s.get(web, 'mysite'), { DATABASE_URL: 'postgres://u:p@db/mysite', SENTRY_DSN: 'https://k@sentry.example/1' });
    assert.deepStrictEqual(await s.get(web, 'other'), {});
  });

  it('an entry with the same display name but another host, port or user gets nothing', async () => {
    const s = new ProductionSecrets(storage());
    await s.set(web, 'mysite', 'DATABASE_URL', 'postgres://secret');
    for (const other of [{ ...web, host: 'evil.example.net' }, { ...web, port: 2222 }, { ...web, user: 'root' }]) {
      assert.deepStrictEqual(await s.get(other, 'mysite'), {}, JSON.stringify(other));
    }
  });

  it('names with separators never collide (JSON-encoded key)', () => {
    const a = productionSecretsKey({ host: 'a/b', user: 'u' }, 'c');
    const b = productionSecretsKey({ host: 'a', user: 'u' }, 'b/c');
    assert.notStrictEqual(a, b);
    assert.strictEqual(productionSecretsKey({ host: 'h' }, 'app'), productionSecretsKey({ host: 'h', port: 22, user: '' }, 'app'));
  });

  it('secrets kept by display name (the first format) move once to the host the entry names, the old key deleted', async () => {
    const st = storage({ 'cloudward.productionEnv/web/mysite': JSON.stringify({ DATABASE_URL: 'postgres://old' }) });
    const s = new ProductionSecrets(st);
    assert.deepStrictEqual(await s.get(web, 'mysite'), { DATABASE_URL: 'postgres://old' });
    assert.ok(!st.m.has('cloudward.productionEnv/web/mysite'));
    assert.strictEqual(st.m.get(productionSecretsKey(web, 'mysite')), JSON.stringify({ DATABASE_URL: 'postgres://old' }));
    // Moved to web.example.com: an entry later renamed "web" pointing elsewhere gets nothing.
    assert.deepStrictEqual(await s.get({ ...web, host: 'elsewhere.example' }, 'mysite'), {});
  });

  it('a damaged stored value reads as no secrets, not a crash', async () => {
    const s = new ProductionSecrets(storage({ [productionSecretsKey(web, 'mysite')]: '{not json' }));
    assert.deepStrictEqual(await s.get(web, 'mysite'), {});
  });
});
