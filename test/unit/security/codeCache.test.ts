// The CLI's code cache (src/cli/codeCache.ts): a cache is code, so it is read only from a private folder
// of the user's, and a cache that is missing, foreign or damaged costs a compile, never a wrong result.
// Each case runs a small bundle in fresh Node processes, as the `cloudward` command loads its bundles.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const LOADER = path.resolve(__dirname, '../../../src/cli/codeCache.js');

describe('security: the CLI code cache', function () {
  this.timeout(60_000);
  let tmp: string;
  let bundle: string;
  let cacheHome: string;
  let dir: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-codecache-'));
    bundle = path.join(tmp, 'bundle.js');
    fs.writeFileSync(bundle, "const path = require('path');\nexports.main = (n) => `${path.basename(__filename)} ${__dirname === " + JSON.stringify(tmp) + '} ${n * 2}`;\n');
    cacheHome = path.join(tmp, 'cache');
    dir = path.join(cacheHome, 'cloudward', 'code');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** Loads the bundle in a new process, calls it, and saves the cache as the command does when done. */
  const run = (env: NodeJS.ProcessEnv = {}): string =>
    execFileSync(process.execPath, ['-e', `const c = require(${JSON.stringify(LOADER)}); const m = c.loadBundle(${JSON.stringify(bundle)}); process.stdout.write(m.main(21)); c.saveCodeCache();`], {
      env: { PATH: process.env.PATH, HOME: tmp, XDG_CACHE_HOME: cacheHome, ...env },
      encoding: 'utf8',
    });
  const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

  it('writes the cache after the first run into a 0700 folder, a 0600 file, and reads it on the next', () => {
    assert.strictEqual(run(), 'bundle.js true 42');
    assert.deepStrictEqual(files().length, 1);
    const file = path.join(dir, files()[0]);
    assert.match(files()[0], /^bundle-[0-9a-f]{32}-v\d+\.\d+\.\d+-\w+-\d+-\d+\.bin$/);
    if (process.platform !== 'win32') {
      assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
      assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
    }
    const written = fs.readFileSync(file);
    assert.ok(written.length > 0);
    // The second run uses it: the same result, and the cache is not written again.
    const mtime = fs.statSync(file).mtimeMs;
    assert.strictEqual(run(), 'bundle.js true 42');
    assert.strictEqual(fs.statSync(file).mtimeMs, mtime);
    assert.ok(fs.readFileSync(file).equals(written));
  });

  it('reads a bundle that is not ASCII as UTF-8, with or without its cache', () => {
    fs.writeFileSync(bundle, "exports.main = (n) => `déjà → ${n}`;\n");
    assert.strictEqual(run(), 'déjà → 21');
    assert.strictEqual(files().length, 1);
    assert.strictEqual(run(), 'déjà → 21');
  });

  it('a changed bundle gets a cache of its own and the old one is removed', () => {
    run();
    const first = files();
    fs.appendFileSync(bundle, 'exports.more = 1;\n');
    assert.strictEqual(run(), 'bundle.js true 42');
    assert.strictEqual(files().length, 1);
    assert.notDeepStrictEqual(files(), first);
  });

  it('a damaged cache is refused by V8: the right result, and a good cache replaces it', () => {
    run();
    const file = path.join(dir, files()[0]);
    fs.writeFileSync(file, Buffer.alloc(4096, 7));
    assert.strictEqual(run(), 'bundle.js true 42');
    assert.notDeepStrictEqual(fs.readFileSync(file), Buffer.alloc(4096, 7));
  });

  it('never reads or writes a folder that others may write, or a link', function () {
    if (process.platform === 'win32') this.skip();
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o777);
    assert.strictEqual(run(), 'bundle.js true 42');
    assert.deepStrictEqual(files(), [], 'nothing written into a world-writable folder');
    // A cache planted there is not read: it would be run as code.
    fs.chmodSync(dir, 0o700);
    run();
    const planted = files()[0];
    fs.chmodSync(dir, 0o777);
    fs.writeFileSync(path.join(dir, planted), Buffer.alloc(4096, 1));
    assert.strictEqual(run(), 'bundle.js true 42');
    assert.ok(fs.readFileSync(path.join(dir, planted)).equals(Buffer.alloc(4096, 1)), 'left alone');
    // The folder as a link to another: refused as well.
    fs.rmSync(dir, { recursive: true });
    const elsewhere = path.join(tmp, 'elsewhere');
    fs.mkdirSync(elsewhere, { mode: 0o700 });
    fs.symlinkSync(elsewhere, dir);
    assert.strictEqual(run(), 'bundle.js true 42');
    assert.deepStrictEqual(fs.readdirSync(elsewhere), []);
  });

  it('CLOUDWARD_CODE_CACHE=0 turns it off; an unwritable home only costs the compile', function () {
    assert.strictEqual(run({ CLOUDWARD_CODE_CACHE: '0' }), 'bundle.js true 42');
    assert.deepStrictEqual(files(), []);
    if (process.platform === 'win32' || process.getuid?.() === 0) return; // root writes anywhere
    fs.mkdirSync(cacheHome, { mode: 0o500 });
    assert.strictEqual(run(), 'bundle.js true 42');
  });
});
