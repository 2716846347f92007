// The VS Code server install (scripts/vscode-server.mjs): the nested npm gets an environment without the
// outer npm's settings (the fresh-machine failure: code-server's postinstall read npm_config_user_agent
// "npm/11 node/v20" and refused), and the cache lock is taken over from a dead owner, never from a live one.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';

interface VSCodeServerModule {
  cleanInstallEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  takeLock(lock: string, opts?: { waitMs?: number }): () => void;
}

// A real ES module import (tsc would turn `import()` into require() under CommonJS).
const importEsm = new Function('u', 'return import(u)') as (u: string) => Promise<VSCodeServerModule>;
const script = path.resolve(__dirname, '../../../../scripts/vscode-server.mjs');

describe('scripts/vscode-server.mjs', () => {
  let mod: VSCodeServerModule;
  before(async () => {
    mod = await importEsm(pathToFileURL(script).href);
  });

  it('gives the nested installs no npm_* or npm_config_* setting of the outer npm', () => {
    const env = mod.cleanInstallEnv({
      PATH: '/usr/bin',
      HOME: '/root',
      npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
      npm_config_prefix: '/usr/local',
      npm_config_global: 'true',
      NPM_CONFIG_CACHE: '/tmp/x',
      npm_lifecycle_event: 'test',
      npm_package_name: 'cloudward',
      npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
      INIT_CWD: '/work',
      NODE_OPTIONS: '--max-old-space-size=100',
    });
    assert.deepStrictEqual(env, { PATH: '/usr/bin', HOME: '/root' });
  });

  it('takes over a lock whose owner died, and waits for (then gives up on) a live owner', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-lock-'));
    try {
      const lock = path.join(dir, 'server.lock');
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), '2147483646'); // no such process
      const release = mod.takeLock(lock, { waitMs: 5000 });
      assert.strictEqual(fs.readFileSync(path.join(lock, 'pid'), 'utf8'), String(process.pid));
      // Now held by a live process (this one): a second taker waits, then fails with the owner's pid.
      assert.throws(() => mod.takeLock(lock, { waitMs: 1500 }), new RegExp(`another install \\(pid ${process.pid}\\)`));
      release();
      assert.ok(!fs.existsSync(lock));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
