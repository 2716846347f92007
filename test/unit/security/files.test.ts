// Security review R-L3, R-F1, R-F2, R-F3, F4, F5, F6 and L7: special files and links in a project or an
// output folder. The stall guard of the FIFO cases is mocha's timeout (a read would block forever).
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { detectProjectSync } from '../../../src/core/detect';
import { readRegularFile, targetLeavesFolder } from '../../../src/core/safeFs';
import { runCli } from './cli';

const repo = path.resolve(__dirname, '../../../..');
const CLI = path.join(repo, 'out/src/cli.js');

describe('security: special files and links', function () {
  this.timeout(60_000);
  let tmp: string;
  let proj: string;
  let out: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-files-'));
    proj = path.join(tmp, 'proj');
    out = path.join(tmp, 'out');
    fs.cpSync(path.join(repo, 'examples/django-polls'), proj, { recursive: true });
    fs.mkdirSync(out);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('reads: only regular files, non-blocking, bounded', () => {
    it('readRegularFile refuses devices and FIFOs, bounds the size, follows links only to regular files', () => {
      fs.mkdirSync(path.join(tmp, 'r'));
      const fifo = path.join(tmp, 'r', 'fifo');
      execFileSync('mkfifo', [fifo]);
      fs.symlinkSync(fifo, path.join(tmp, 'r', 'to-fifo'));
      fs.symlinkSync('/dev/zero', path.join(tmp, 'r', 'zero'));
      fs.writeFileSync(path.join(tmp, 'r', 'big'), 'x'.repeat(2000));
      fs.symlinkSync(path.join(tmp, 'r', 'big'), path.join(tmp, 'r', 'to-big'));
      for (const f of ['fifo', 'to-fifo', 'zero']) assert.strictEqual((readRegularFile(path.join(tmp, 'r', f), 1000) as { code: string }).code, 'not-regular', f);
      assert.strictEqual((readRegularFile(path.join(tmp, 'r', 'big'), 1000) as { code: string }).code, 'too-large');
      assert.strictEqual((readRegularFile(path.join(tmp, 'r', 'to-big'), 4000) as { text: string }).text.length, 2000);
      // procfs reports size 0 for files with content: the read is still bounded and complete
      assert.ok((readRegularFile('/proc/self/status', 1 << 20) as { text: string }).text.includes('Pid:'));
      assert.strictEqual((readRegularFile('/proc/self/status', 10) as { code: string }).code, 'too-large');
    });

    it('R-L3: detect, lint and generate survive requirements.txt -> /dev/zero and -> a FIFO', async () => {
      for (const target of ['/dev/zero', 'fifo']) {
        fs.rmSync(path.join(proj, 'requirements.txt'), { force: true });
        if (target === 'fifo') {
          execFileSync('mkfifo', [path.join(tmp, 'fifo')]);
          fs.symlinkSync(path.join(tmp, 'fifo'), path.join(proj, 'requirements.txt'));
        } else fs.symlinkSync(target, path.join(proj, 'requirements.txt'));
        const d = detectProjectSync(proj);
        assert.strictEqual(d.framework, 'django');
        const lint = await runCli(['lint', 'proj'], tmp);
        assert.ok(lint.code === 0 || lint.code === 1, lint.err);
        const gen = await runCli(['generate', 'procfile', '--project', 'proj', '--out', 'out', '--force'], tmp);
        assert.strictEqual(gen.code, 0, gen.err);
      }
    });

    it('R-L3: generate never reads an existing target that is a link to /dev/zero or a FIFO (exit 3, untouched)', async () => {
      fs.symlinkSync('/dev/zero', path.join(out, 'Dockerfile'));
      execFileSync('mkfifo', [path.join(out, 'Procfile')]);
      const r = await runCli(['generate', 'dockerfile', 'procfile', '--project', 'proj', '--out', 'out'], tmp);
      assert.strictEqual(r.code, 3, r.err);
      assert.strictEqual(fs.readlinkSync(path.join(out, 'Dockerfile')), '/dev/zero');
      assert.ok(fs.lstatSync(path.join(out, 'Procfile')).isFIFO());
    });

    it('L7: lint on a FIFO or a device named on the command line is a usage error, not a green run', async () => {
      execFileSync('mkfifo', [path.join(tmp, 'f')]);
      fs.symlinkSync('loop2', path.join(tmp, 'loop1'));
      fs.symlinkSync('loop1', path.join(tmp, 'loop2'));
      assert.strictEqual((await runCli(['lint', 'f'], tmp)).code, 2);
      assert.strictEqual((await runCli(['lint', '/dev/zero'], tmp)).code, 2);
      const loop = await runCli(['lint', 'loop1'], tmp);
      assert.strictEqual(loop.code, 2);
      assert.match(loop.err, /leads nowhere|loop/);
    });
  });

  describe('writes: inside --out, exclusive temp files, modes kept, nothing left behind', () => {
    it('R-F1: refuses a folder in the output tree that links out of it (exit 2), writing nothing outside', async () => {
      const outside = path.join(tmp, 'outside');
      fs.mkdirSync(outside);
      fs.mkdirSync(path.join(out, 'deploy'));
      fs.symlinkSync(outside, path.join(out, 'deploy', 'nginx'));
      const r = await runCli(['generate', 'nginx', '--project', 'proj', '--out', 'out', '--set', 'domain=example.com'], tmp);
      assert.strictEqual(r.code, 2, r.err);
      assert.match(r.err, /leads out of the output folder/);
      assert.deepStrictEqual(fs.readdirSync(outside), []);
      assert.match(targetLeavesFolder(out, 'deploy/nginx/mysite.conf') ?? '', /leads out/);
      // a link inside the output folder is fine
      fs.rmSync(path.join(out, 'deploy', 'nginx'));
      fs.mkdirSync(path.join(out, 'real'));
      fs.symlinkSync(path.join(out, 'real'), path.join(out, 'deploy', 'nginx'));
      assert.strictEqual((await runCli(['generate', 'nginx', '--project', 'proj', '--out', 'out', '--set', 'domain=example.com'], tmp)).code, 0);
      assert.ok(fs.readdirSync(path.join(out, 'real')).some((f) => f.endsWith('.conf')));
    });

    it('F4: a dangling link at the target exists: left untouched without --force (exit 3)', async () => {
      fs.symlinkSync(path.join(tmp, 'outside-new'), path.join(out, 'Procfile'));
      const r = await runCli(['generate', 'procfile', '--project', 'proj', '--out', 'out'], tmp);
      assert.strictEqual(r.code, 3, r.err);
      assert.ok(fs.lstatSync(path.join(out, 'Procfile')).isSymbolicLink());
      assert.ok(!fs.existsSync(path.join(tmp, 'outside-new')));
      // --force replaces the link itself; nothing is written through it
      assert.strictEqual((await runCli(['generate', 'procfile', '--project', 'proj', '--out', 'out', '--force'], tmp)).code, 0);
      assert.ok(fs.lstatSync(path.join(out, 'Procfile')).isFile());
      assert.ok(!fs.existsSync(path.join(tmp, 'outside-new')));
    });

    it('R-F2: links planted at the old predictable temp names are never followed', async () => {
      const victim = path.join(tmp, 'victim.txt');
      fs.writeFileSync(victim, 'PRECIOUS\n');
      for (let pid = Math.max(1, process.pid - 50); pid < process.pid + 200; pid++) fs.symlinkSync(victim, path.join(out, `.Procfile.cloudward-${pid}.tmp`));
      const r = await runCli(['generate', 'procfile', '--project', 'proj', '--out', 'out'], tmp);
      assert.strictEqual(r.code, 0, r.err);
      assert.strictEqual(fs.readFileSync(victim, 'utf8'), 'PRECIOUS\n');
      assert.ok(fs.lstatSync(path.join(out, 'Procfile')).isFile());
    });

    it('F5: --force keeps the mode of the file it replaces (0600 stays 0600)', async () => {
      fs.writeFileSync(path.join(out, 'Procfile'), 'web: x\n');
      fs.chmodSync(path.join(out, 'Procfile'), 0o600);
      assert.strictEqual((await runCli(['generate', 'procfile', '--project', 'proj', '--out', 'out', '--force'], tmp)).code, 0);
      assert.strictEqual(fs.statSync(path.join(out, 'Procfile')).mode & 0o777, 0o600);
      assert.notStrictEqual(fs.readFileSync(path.join(out, 'Procfile'), 'utf8'), 'web: x\n');
    });

    it('F5: --force never breaks a hard link: a hard-linked target is left untouched (exit 3), both names keep one inode', async () => {
      const other = path.join(tmp, 'elsewhere-Procfile');
      fs.writeFileSync(path.join(out, 'Procfile'), 'web: linked\n');
      fs.rmSync(other, { force: true });
      fs.linkSync(path.join(out, 'Procfile'), other);
      const ino = fs.statSync(other).ino;
      const r = await runCli(['generate', 'procfile', 'gunicorn', '--project', 'proj', '--out', 'out', '--force'], tmp);
      assert.strictEqual(r.code, 3, r.err);
      assert.match(r.err, /Procfile has 1 other hard link; --force does not replace a hard-linked file/);
      assert.strictEqual(fs.statSync(path.join(out, 'Procfile')).ino, ino);
      assert.strictEqual(fs.statSync(path.join(out, 'Procfile')).nlink, 2);
      assert.strictEqual(fs.readFileSync(other, 'utf8'), 'web: linked\n');
      // The other files are still written; once the link is gone, --force replaces the file.
      assert.ok(fs.existsSync(path.join(out, 'gunicorn.conf.py')));
      fs.rmSync(other);
      assert.strictEqual((await runCli(['generate', 'procfile', '--project', 'proj', '--out', 'out', '--force'], tmp)).code, 0);
      assert.notStrictEqual(fs.readFileSync(path.join(out, 'Procfile'), 'utf8'), 'web: linked\n');
    });

    it('R-F3: a write that fails (file size limit) leaves no temp file, keeps the old file, exits 6 saying what was not written', () => {
      fs.writeFileSync(path.join(out, 'Dockerfile'), 'OLD\n');
      const r = spawnSync('sh', ['-c', 'ulimit -f 1; exec "$0" "$@"', process.execPath, CLI, 'generate', 'dockerfile', 'compose', '--project', proj, '--out', out, '--force'], { encoding: 'utf8', timeout: 60_000 });
      assert.strictEqual(r.status, 6, r.stderr);
      assert.match(r.stderr, /cannot write Dockerfile/);
      assert.match(r.stderr, /not written: .*Dockerfile/);
      assert.strictEqual(fs.readFileSync(path.join(out, 'Dockerfile'), 'utf8'), 'OLD\n');
      assert.deepStrictEqual(fs.readdirSync(out).filter((f) => f.endsWith('.tmp')), []);
    });

    it('F6: --out under /proc fails at once with a clear message (no spinning)', async () => {
      const r = await runCli(['generate', 'procfile', '--project', 'proj', '--out', '/proc/self/x'], tmp);
      assert.strictEqual(r.code, 2);
      assert.match(r.err, /cannot create the output folder/);
    });
  });
});
