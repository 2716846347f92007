// Secrets on the developer's machine, with a real Django: after CW202's and CW201's quick fixes the
// settings read the key from the environment and `manage.py` stops with KeyError; the development .env
// (a random key, loaded by the two python-dotenv lines) brings it back, and the deployment checks run
// against the production settings with throwaway values (never the .env's DEBUG=1).
// Django 5.2 and python-dotenv from this machine's local package index when `pip config list` has one,
// else Debian's python3-django (3.2) and python3-dotenv for /usr/bin/python3: the test says which.
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyDevEnv, planDevEnv, runDjangoChecks, settingsEnvVars, throwawayCheckEnv } from '../../../src/core';
import { applyFix, lintRule } from '../../unit/lint/helpers';
import { localIndexReady, LOCAL_INDEX } from '../../support/djangoProject';
import { needTool } from '../../support/need';

function has(python: string, module: string): boolean {
  return spawnSync(python, ['-c', `import ${module}`]).status === 0;
}

describe('development .env and production checks with a real Django', function () {
  this.timeout(600_000);
  let dir: string;
  let python: string;
  let project: string;

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-devenv-e2e-'));
    // CLOUDWARD_DEBIAN_DJANGO=1 takes Debian's Django even where the index is (to try the fallback).
    const useIndex = localIndexReady() && !process.env.CLOUDWARD_DEBIAN_DJANGO;
    if (useIndex) {
      const venv = path.join(dir, 'venv');
      execFileSync('/usr/bin/python3', ['-m', 'venv', venv]);
      execFileSync(path.join(venv, 'bin', 'pip'), ['install', '-q', '--index-url', `file://${LOCAL_INDEX}/simple`, '--extra-index-url', 'file:///opt/pypi-more/simple', 'django==5.2.*', 'python-dotenv'], { stdio: 'inherit', timeout: 600_000 });
      python = path.join(venv, 'bin', 'python');
    } else {
      python = '/usr/bin/python3';
      needTool(this, has(python, 'django'), "Debian's python3-django (no local package index)");
      needTool(this, has(python, 'dotenv'), "Debian's python3-dotenv (no local package index)");
    }
    const version = execFileSync(python, ['-c', 'import django; print(django.get_version())'], { encoding: 'utf8' }).trim();
    console.log(`      Django ${version} (${useIndex ? 'local package index' : "Debian's python3-django"}) with ${python}`);
    project = path.join(dir, 'mysite');
    fs.mkdirSync(project);
    execFileSync(python, ['-m', 'django', 'startproject', 'mysite', '.'], { cwd: project });
    execFileSync('git', ['init', '-q', '.'], { cwd: project });
    // The user applies CW202's and CW201's quick fixes.
    const settings = path.join(project, 'mysite', 'settings.py');
    let text = fs.readFileSync(settings, 'utf8');
    for (const rule of ['CW202', 'CW201']) {
      const [f] = lintRule(settings, text, rule);
      assert.ok(f, `${rule} on startproject's settings`);
      text = applyFix(text, f, settings);
    }
    fs.writeFileSync(settings, text);
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  const manage = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(python, ['manage.py', ...args], { cwd: project, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });

  it('after the fix, manage.py fails with KeyError: DJANGO_SECRET_KEY, and the checks say which variable', async () => {
    const r = manage(['check']);
    assert.notStrictEqual(r.status, 0);
    assert.match(r.stderr, /KeyError: 'DJANGO_SECRET_KEY'/);
    const run = await runDjangoChecks({ python, managePy: path.join(project, 'manage.py'), env: { PATH: process.env.PATH } });
    assert.deepStrictEqual([run.problem, run.variable], ['missing-env', 'DJANGO_SECRET_KEY']);
  });

  it('the development .env (random key, DEBUG on, two python-dotenv lines) makes manage.py work again, git-ignored', () => {
    const settings = path.join(project, 'mysite', 'settings.py');
    const plan = planDevEnv(project, settings, project);
    assert.deepStrictEqual([plan.exists, plan.loader.kind, plan.file?.set], [false, 'none', ['DJANGO_SECRET_KEY', 'DJANGO_DEBUG', 'DJANGO_ALLOWED_HOSTS']]);
    applyDevEnv(plan, project, { addLoadLines: true });
    const r = manage(['shell', '-c', 'from django.conf import settings; print(settings.DEBUG, len(settings.SECRET_KEY))']);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(r.stdout.trim().split('\n').pop(), 'True 64');
    assert.strictEqual(manage(['check']).status, 0);
    // git does not see the key.
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: project, encoding: 'utf8' });
    assert.doesNotMatch(status, /\.env$/m);
    assert.match(status, /\.gitignore/);
    assert.strictEqual(execFileSync('git', ['check-ignore', '.env'], { cwd: project, encoding: 'utf8' }).trim(), '.env');
  });

  it('the deployment checks run against the production settings with throwaway values: DEBUG off despite the .env', async () => {
    const settings = path.join(project, 'mysite', 'settings.py');
    const env = { PATH: process.env.PATH, DJANGO_SETTINGS_MODULE: 'mysite.settings', ...throwawayCheckEnv(settingsEnvVars(settings)) };
    assert.deepStrictEqual(Object.keys(env).sort(), ['DJANGO_DEBUG', 'DJANGO_SECRET_KEY', 'DJANGO_SETTINGS_MODULE', 'PATH']);
    const run = await runDjangoChecks({ python, managePy: path.join(project, 'manage.py'), env });
    assert.strictEqual(run.problem, undefined, run.detail ?? run.output);
    const ids = run.messages.map((m) => m.id);
    // The throwaway key is a good one, DEBUG is off (the .env's DJANGO_DEBUG=1 did not win): what is left is real work.
    assert.ok(!ids.includes('security.W009'), ids.join(' '));
    assert.ok(!ids.includes('security.W018'), ids.join(' '));
    assert.ok(ids.includes('security.W004') && ids.includes('security.W008'), ids.join(' '));
  });
});
