import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultCliTrustStorePath, FileTrustStore } from '../../../src/core/ssh/trustStore';

describe('CLI trust store', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-trust-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lives under XDG_CONFIG_HOME, else ~/.config — never in ~/.ssh', () => {
    assert.strictEqual(defaultCliTrustStorePath({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/h' }), '/x/cfg/cloudward/known_hosts');
    assert.strictEqual(defaultCliTrustStorePath({ HOME: '/h' }), '/h/.config/cloudward/known_hosts');
  });

  it('remembers keys per host:port in known_hosts format, once, with private permissions', () => {
    const f = path.join(dir, 'sub', 'known_hosts');
    const store = new FileTrustStore(f);
    assert.deepStrictEqual(store.lookup('[127.0.0.1]:2222'), []);
    store.trust('[127.0.0.1]:2222', 'ssh-ed25519', 'AAAAC3NzaC1lZDI1NTE5AAAAIA==');
    store.trust('[127.0.0.1]:2222', 'ssh-ed25519', 'AAAAC3NzaC1lZDI1NTE5AAAAIA==');
    assert.strictEqual(fs.readFileSync(f, 'utf8'), '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==\n');
    assert.strictEqual(fs.statSync(f).mode & 0o777, 0o600);
    assert.deepStrictEqual(store.lookup('[127.0.0.1]:2222'), [{ keyType: 'ssh-ed25519', keyBase64: 'AAAAC3NzaC1lZDI1NTE5AAAAIA==' }]);
    assert.deepStrictEqual(store.lookup('127.0.0.1'), [], 'another port is another host');
  });
});
