// `cloudward detect` and `cloudward generate` as a user runs them: output, exit codes, files never lost.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough } from 'stream';
import { main } from '../../src/cli/index';

const repo = path.resolve(__dirname, '../../..');

async function run(args: string[], cwd = repo): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main(args, { out, err, cwd, env: {} });
  return { code, out: o, err: e };
}

function copyExample(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cli-'));
  fs.cpSync(path.join(repo, 'examples/django-polls'), dir, { recursive: true });
  return dir;
}

describe('cloudward detect', () => {
  it('--json prints the keys of the issue', async () => {
    const r = await run(['detect', 'examples/django-polls', '--json']);
    assert.strictEqual(r.code, 0);
    const d = JSON.parse(r.out);
    assert.deepStrictEqual(
      { framework: d.framework, interface: d.interface, appTarget: d.appTarget, settingsModule: d.settingsModule, staticUrl: d.staticUrl, staticRoot: d.staticRoot, pythonVersion: d.pythonVersion, packageManager: d.packageManager, database: d.database, projectRoot: d.projectRoot, notes: d.notes },
      { framework: 'django', interface: 'wsgi', appTarget: 'mysite.wsgi:application', settingsModule: 'mysite.settings', staticUrl: '/static/', staticRoot: 'staticfiles', pythonVersion: '3.11', packageManager: 'pip', database: 'sqlite', projectRoot: '.', notes: [] },
    );
  });

  it('prints a table with "not found" and the notes', async () => {
    const r = await run(['detect', 'test/fixtures/projects/django-subfolder']);
    assert.strictEqual(r.code, 0);
    assert.match(r.out, /^Application\s+blog\.wsgi:application$/m);
    assert.match(r.out, /^STATIC_ROOT\s+not found$/m);
    assert.match(r.out, /^Project folder\s+backend$/m);
    assert.match(r.out, /^Notes:\n {2}- /m);
  });

  it('exit 2 for a missing folder or an unknown option', async () => {
    assert.strictEqual((await run(['detect', 'no/such/dir'])).code, 2);
    const r = await run(['detect', '--jsn']);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /--jsn/);
  });
});

describe('cloudward generate', () => {
  const temps: string[] = [];
  const example = () => {
    const d = copyExample();
    temps.push(d);
    return d;
  };
  after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('writes the files of the kinds asked, paths relative to --out, and --json lists them', async () => {
    const dir = example();
    const out = path.join(dir, 'deploy-out');
    const r = await run(['generate', 'nginx', 'systemd', '--project', dir, '--out', out, '--set', 'domain=polls.example.com', '--json']);
    assert.strictEqual(r.code, 0, r.err);
    assert.deepStrictEqual(JSON.parse(r.out), [
      { kind: 'nginx', path: 'deploy/nginx/mysite.conf' },
      { kind: 'systemd', path: 'deploy/systemd/mysite.service' },
      { kind: 'systemd', path: 'deploy/systemd/mysite.socket' },
    ]);
    assert.match(fs.readFileSync(path.join(out, 'deploy/nginx/mysite.conf'), 'utf8'), /server_name polls\.example\.com;/);
  });

  it('never overwrites without --force: the runserver Procfile stays, exit 3 and a message', async () => {
    const dir = example();
    const before = fs.readFileSync(path.join(dir, 'Procfile'), 'utf8');
    const r = await run(['generate', 'procfile', 'gunicorn', '--project', dir]);
    assert.strictEqual(r.code, 3);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'Procfile'), 'utf8'), before);
    assert.match(r.err, /Procfile exists and was left untouched \(use --force/);
    assert.match(r.out, /^wrote gunicorn\.conf\.py$/m, 'the other files are still written');
    // The last line says which was written and which was left.
    assert.strictEqual(r.err.trim().split('\n').pop(), 'cloudward generate: written: gunicorn.conf.py; left untouched: Procfile.');
    assert.ok(!fs.existsSync(path.join(dir, '.python-version.cloudward')), 'no stray files');

    const forced = await run(['generate', 'procfile', '--project', dir, '--force']);
    assert.strictEqual(forced.code, 0);
    assert.match(fs.readFileSync(path.join(dir, 'Procfile'), 'utf8'), /^web: gunicorn --bind 0\.0\.0\.0:\$PORT /m);
    assert.deepStrictEqual(fs.readdirSync(dir).filter((n) => n.includes('.tmp')), []);
  });

  it('a file already identical is not a conflict', async () => {
    const dir = example();
    assert.strictEqual((await run(['generate', 'gunicorn', '--project', dir])).code, 0);
    const again = await run(['generate', 'gunicorn', '--project', dir, '--json']);
    assert.strictEqual(again.code, 0);
    assert.deepStrictEqual(JSON.parse(again.out), []);
  });

  it('--set values reach the files; all writes every kind', async () => {
    const dir = example();
    const r = await run(['generate', 'all', '--project', dir, '--out', path.join(dir, 'o'), '--set', 'name=polls', '--set', 'port=9000', '--set', 'workers=3', '--set', 'domain=polls.example.com', '--json']);
    assert.strictEqual(r.code, 0, r.err);
    const kinds = new Set(JSON.parse(r.out).map((f: { kind: string }) => f.kind));
    assert.deepStrictEqual([...kinds], ['procfile', 'gunicorn', 'uwsgi', 'nginx', 'systemd', 'dockerfile', 'compose', 'kubernetes']);
    assert.match(fs.readFileSync(path.join(dir, 'o/Dockerfile'), 'utf8'), /EXPOSE 9000/);
    assert.match(fs.readFileSync(path.join(dir, 'o/gunicorn.conf.py'), 'utf8'), /"WEB_CONCURRENCY", "3"/);
    assert.ok(fs.existsSync(path.join(dir, 'o/deploy/systemd/polls.service')));
  });

  it('usage errors exit 2 with a clear message and write nothing', async () => {
    const dir = example();
    const cases: Array<[string[], RegExp]> = [
      [['generate'], /name what to generate/],
      [['generate', 'helm'], /unknown kind 'helm'; kinds: procfile, .*, all/],
      [['generate', 'nginx', '--set', 'port=abc'], /port must be a whole number/],
      [['generate', 'nginx', '--set', 'user=root'], /must not be root/],
      [['generate', 'nginx', '--set', 'nope=1'], /unknown plan field 'nope'/],
      [['generate', 'nginx', '--bogus'], /bogus/],
    ];
    for (const [args, message] of cases) {
      const r = await run([...args, '--project', dir, '--out', path.join(dir, 'never')]);
      assert.strictEqual(r.code, 2, args.join(' '));
      assert.match(r.err, message, args.join(' '));
    }
    assert.ok(!fs.existsSync(path.join(dir, 'never')));
  });

  it('a project without a detectable app asks for --set appTarget', async () => {
    const r = await run(['generate', 'gunicorn', '--project', 'test/fixtures/projects/not-python', '--out', path.join(os.tmpdir(), `cw-never-${process.pid}`)]);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, /--set appTarget=/);
  });

  it('a folder that is no project: says none was found and where it looked; writes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-noproj-'));
    temps.push(dir);
    // A folder of tools holding an example app: not a project, whatever Python lies around.
    fs.mkdirSync(path.join(dir, 'examples/demo/demo'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'examples/demo/demo/wsgi.py'), 'from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n');
    fs.writeFileSync(path.join(dir, 'README.md'), '# tools\n');
    const r = await run(['generate', 'procfile', 'gunicorn'], dir);
    assert.strictEqual(r.code, 2);
    assert.match(r.err, new RegExp(`no Python project found in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: looked there and in its subfolders \\(3 levels down[^)]*\\) for manage\\.py, pyproject\\.toml, Pipfile, setup\\.py, setup\\.cfg, requirements\\*\\.txt`));
    assert.match(r.err, /pass --project <folder>/);
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), ['README.md', 'examples']);
  });

  it('writes into the detected subfolder by default', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-sub-'));
    temps.push(dir);
    fs.cpSync(path.join(repo, 'test/fixtures/projects/django-subfolder'), dir, { recursive: true });
    const r = await run(['generate', 'gunicorn', '--project', dir]);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(fs.existsSync(path.join(dir, 'backend/gunicorn.conf.py')));
  });
});

describe('cloudward CLI: what QA found', () => {
  it('detect on a file says it is a file; unknown options are usage errors in plain words', async () => {
    const file = await run(['detect', '/etc/passwd']);
    assert.strictEqual(file.code, 2);
    assert.match(file.err, /\/etc\/passwd is a file, not a folder/);
    for (const cmd of ['detect', 'generate']) {
      const r = await run([cmd, '--bogus']);
      assert.strictEqual(r.code, 2);
      assert.match(r.err, /unknown option --bogus/);
      assert.doesNotMatch(r.err, /positional argument/, 'not Node\'s parseArgs wording');
    }
    const missing = await run(['generate', 'procfile', '--set']);
    assert.strictEqual(missing.code, 2);
    assert.match(missing.err, /--set needs a value, e\.g\. --set domain=example\.com/);
  });

  it('the domain error names the value once', async () => {
    const r = await run(['generate', 'nginx', '--set', 'domain=a_b']);
    assert.strictEqual(r.code, 2);
    assert.strictEqual((r.err.match(/a_b/g) ?? []).length, 1, r.err);
  });

  it('says "unchanged" for a file already identical', async () => {
    const dir = copyExample();
    try {
      const args = ['generate', 'gunicorn', '--project', dir, '--out', path.join(dir, 'o')];
      assert.strictEqual((await run(args)).code, 0);
      const again = await run(args);
      assert.strictEqual(again.code, 0);
      assert.match(again.out, /^unchanged gunicorn\.conf\.py$/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns on stderr about a missing dependency file, STATIC_ROOT and a guessed Python version', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-sp-'));
    try {
      fs.cpSync(path.join(repo, 'examples/django-polls'), dir, { recursive: true });
      fs.rmSync(path.join(dir, 'requirements.txt'));
      fs.rmSync(path.join(dir, '.python-version'), { force: true });
      const settings = path.join(dir, 'mysite/settings.py');
      fs.writeFileSync(settings, fs.readFileSync(settings, 'utf8').replace(/^STATIC_ROOT = .*$/m, ''));
      const r = await run(['generate', 'procfile', 'dockerfile', '--project', dir, '--out', path.join(dir, 'o')]);
      assert.strictEqual(r.code, 0);
      assert.match(r.err, /warning: The project declares no dependencies/);
      assert.match(r.err, /warning: STATIC_ROOT is not set/);
      assert.match(r.err, /warning: Python 3\.13 is a guess/);
      assert.doesNotMatch(fs.readFileSync(path.join(dir, 'o/Procfile'), 'utf8'), /collectstatic --noinput/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uWSGI for an ASGI app: an error when asked alone, skipped with a reason by all', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-asgi-'));
    try {
      const alone = await run(['generate', 'uwsgi', '--project', 'test/fixtures/projects/fastapi-pdm', '--out', out]);
      assert.strictEqual(alone.code, 2);
      assert.match(alone.err, /uWSGI serves WSGI apps only/);
      assert.ok(!fs.existsSync(path.join(out, 'uwsgi.ini')));
      const all = await run(['generate', 'all', '--project', 'test/fixtures/projects/fastapi-pdm', '--out', out, '--set', 'domain=api.example.com']);
      assert.strictEqual(all.code, 0, all.err);
      assert.match(all.err, /skipped uwsgi: uWSGI serves WSGI apps only/);
      assert.ok(!fs.existsSync(path.join(out, 'uwsgi.ini')));
      assert.ok(fs.existsSync(path.join(out, 'gunicorn.conf.py')));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
