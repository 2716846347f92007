import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  findSettingAssignment,
  parseDjangoCheckOutput,
  placeDjangoChecks,
  runDjangoChecks,
  settingsFileOfModule,
  settingsModuleFromManagePy,
  settingsOfMessage,
} from '../../../src/core/lint/djangoChecks';

// What Django 3.2 printed for a project with an invalid referrer policy and a custom check whose
// object is `settings.SECRET_KEY` with a two-line message and a two-line hint.
const OUTPUT_WITH_ERRORS = [
  'SystemCheckError: System check identified some issues:',
  '',
  'ERRORS:',
  '?: (security.E023) You have set the SECURE_REFERRER_POLICY setting to an invalid value.',
  '\tHINT: Valid values are: no-referrer, no-referrer-when-downgrade, origin.',
  '',
  'WARNINGS:',
  '?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting. If your entire site is served only over SSL, you may want to consider setting a value.',
  "?: (security.W009) Your SECRET_KEY has less than 50 characters, or it's prefixed with 'django-insecure-'.",
  '?: (security.W018) You should not have DEBUG set to True in deployment.',
  '?: (security.W020) ALLOWED_HOSTS must not be empty in deployment.',
  'settings.SECRET_KEY: (polls.W001) A key is weak.',
  'Second line of message.',
  '\tHINT: First hint line.',
  'Second hint line.',
  '',
  'System check identified 6 issues (0 silenced).',
  '',
].join('\n');

describe('Django deployment checks: parsing the output', () => {
  it('reads every message with its id, level, message and hint', () => {
    const messages = parseDjangoCheckOutput(OUTPUT_WITH_ERRORS);
    assert.deepStrictEqual(
      messages.map((m) => [m.obj, m.id, m.level]),
      [
        ['?', 'security.E023', 'error'],
        ['?', 'security.W004', 'warning'],
        ['?', 'security.W009', 'warning'],
        ['?', 'security.W018', 'warning'],
        ['?', 'security.W020', 'warning'],
        ['settings.SECRET_KEY', 'polls.W001', 'warning'],
      ],
    );
    assert.strictEqual(messages[0].message, 'You have set the SECURE_REFERRER_POLICY setting to an invalid value.');
    assert.strictEqual(messages[0].hint, 'Valid values are: no-referrer, no-referrer-when-downgrade, origin.');
    assert.strictEqual(messages[3].hint, undefined);
    assert.strictEqual(messages[5].message, 'A key is weak.\nSecond line of message.');
    assert.strictEqual(messages[5].hint, 'First hint line.\nSecond hint line.');
  });

  it('takes the level from the id when there is no section header, and ignores colour codes', () => {
    const messages = parseDjangoCheckOutput(
      '\x1b[31;1m?: (security.E100) DEFAULT_HASHING_ALGORITHM must be sha1 or sha256.\x1b[0m\r\n?: (4_0.E001) As of Django 4.0, the values in CSRF_TRUSTED_ORIGINS must start with a scheme.\r\n',
    );
    assert.deepStrictEqual(
      messages.map((m) => [m.id, m.level, m.message]),
      [
        ['security.E100', 'error', 'DEFAULT_HASHING_ALGORITHM must be sha1 or sha256.'],
        ['4_0.E001', 'error', 'As of Django 4.0, the values in CSRF_TRUSTED_ORIGINS must start with a scheme.'],
      ],
    );
  });

  it('finds nothing in a clean run or in a traceback', () => {
    assert.deepStrictEqual(parseDjangoCheckOutput('System check identified no issues (0 silenced).\n'), []);
    assert.deepStrictEqual(
      parseDjangoCheckOutput('Traceback (most recent call last):\n  File "manage.py", line 22, in <module>\nModuleNotFoundError: No module named \'django\'\n'),
      [],
    );
  });

  it('names the setting a message is about', () => {
    const [e023, w004, w009, , w020, custom] = parseDjangoCheckOutput(OUTPUT_WITH_ERRORS);
    assert.strictEqual(settingsOfMessage(e023)[0], 'SECURE_REFERRER_POLICY');
    assert.strictEqual(settingsOfMessage(w004)[0], 'SECURE_HSTS_SECONDS');
    assert.strictEqual(settingsOfMessage(w009)[0], 'SECRET_KEY');
    assert.strictEqual(settingsOfMessage(w020)[0], 'ALLOWED_HOSTS');
    assert.strictEqual(settingsOfMessage(custom)[0], 'SECRET_KEY');
  });
});

describe('Django deployment checks: finding the setting in the source', () => {
  it('points at the name of the last module-level assignment', () => {
    const src = ['"""', 'DEBUG = True inside a docstring', '"""', 'DEBUG = True', 'if os.environ.get("X"):', '    DEBUG = False', 'DEBUG: bool = env("DEBUG")', 'DEBUG == 1'].join('\n');
    assert.deepStrictEqual(findSettingAssignment(src, 'DEBUG'), { start: { line: 6, character: 0 }, end: { line: 6, character: 5 } });
  });

  it('falls back to an indented assignment and ignores names that only start the same', () => {
    const src = ['DEBUG_TOOLBAR = True', 'if PROD:', '    DEBUG = False', 'x = "DEBUG = 1"'].join('\n');
    assert.deepStrictEqual(findSettingAssignment(src, 'DEBUG'), { start: { line: 2, character: 4 }, end: { line: 2, character: 9 } });
    assert.strictEqual(findSettingAssignment(src, 'ALLOWED_HOSTS'), undefined);
  });

  it('reads the settings module from manage.py', () => {
    assert.strictEqual(settingsModuleFromManagePy("    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n"), 'mysite.settings');
    assert.strictEqual(settingsModuleFromManagePy('os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")'), 'config.settings.production');
    assert.strictEqual(settingsModuleFromManagePy('print("hello")'), undefined);
  });
});

describe('Django deployment checks: placing messages on the settings file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudward-djchecks-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('places each settings message at its assignment, else on line 1, and leaves model messages out', () => {
    const file = path.join(dir, 'settings.py');
    fs.writeFileSync(file, '# Settings\nimport os\nSECRET_KEY = "x"\nDEBUG = True\nALLOWED_HOSTS = []\n');
    const messages = parseDjangoCheckOutput(OUTPUT_WITH_ERRORS + 'polls.Question: (models.W042) Auto-created primary key used.\n');
    const placed = placeDjangoChecks(messages, file);
    assert.deepStrictEqual(
      placed.map((f) => [f.id, f.severity, f.range.start.line, f.range.start.character, f.range.end.character, f.setting]),
      [
        ['security.E023', 'error', 0, 0, 10, undefined],
        ['security.W004', 'warning', 0, 0, 10, undefined],
        ['security.W009', 'warning', 2, 0, 10, 'SECRET_KEY'],
        ['security.W018', 'warning', 3, 0, 5, 'DEBUG'],
        ['security.W020', 'warning', 4, 0, 13, 'ALLOWED_HOSTS'],
        ['polls.W001', 'warning', 2, 0, 10, 'SECRET_KEY'],
      ],
    );
  });

  it('looks into the modules of a settings package', () => {
    fs.mkdirSync(path.join(dir, 'config', 'settings'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'config', 'settings', '__init__.py'), 'from .base import *  # noqa\n');
    fs.writeFileSync(path.join(dir, 'config', 'settings', 'base.py'), 'import os\n\nDEBUG = True\n');
    const init = settingsFileOfModule(dir, 'config.settings');
    assert.strictEqual(init, path.join(dir, 'config', 'settings', '__init__.py'));
    const [placed] = placeDjangoChecks(parseDjangoCheckOutput('?: (security.W018) You should not have DEBUG set to True in deployment.\n'), init!);
    assert.strictEqual(placed.file, path.join(dir, 'config', 'settings', 'base.py'));
    assert.strictEqual(placed.range.start.line, 2);
  });
});

// The real thing: Debian's Python with Django 3.2 runs a project made by `django-admin startproject`.
const DJANGO_PYTHON = '/usr/bin/python3';

describe('Django deployment checks: running manage.py', function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    try {
      execFileSync(DJANGO_PYTHON, ['-c', 'import django'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${DJANGO_PYTHON} cannot import Django: install python3-django (scripts/prereqs.mjs does).`);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudward-djrun-'));
    execFileSync(DJANGO_PYTHON, ['-m', 'django', 'startproject', 'mysite', dir]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports the security warnings of a fresh project on its settings', async () => {
    const run = await runDjangoChecks({ python: DJANGO_PYTHON, managePy: path.join(dir, 'manage.py') });
    assert.strictEqual(run.problem, undefined, run.output);
    const ids = run.messages.map((m) => m.id);
    for (const id of ['security.W004', 'security.W008', 'security.W009', 'security.W018', 'security.W020']) assert.ok(ids.includes(id), `${id} in ${ids}`);
    const module = settingsModuleFromManagePy(fs.readFileSync(path.join(dir, 'manage.py'), 'utf8'));
    assert.strictEqual(module, 'mysite.settings');
    const settings = settingsFileOfModule(dir, module!)!;
    const debug = placeDjangoChecks(run.messages, settings).find((f) => f.id === 'security.W018')!;
    const lines = fs.readFileSync(settings, 'utf8').split('\n');
    assert.strictEqual(lines[debug.range.start.line], 'DEBUG = True');
  });

  it('exits 1 with errors and still counts as a run', async () => {
    const settings = path.join(dir, 'mysite', 'settings.py');
    const original = fs.readFileSync(settings, 'utf8');
    fs.writeFileSync(settings, `${original}\nSECURE_REFERRER_POLICY = 'bogus'\n`);
    try {
      const run = await runDjangoChecks({ python: DJANGO_PYTHON, managePy: path.join(dir, 'manage.py') });
      assert.strictEqual(run.exitCode, 1);
      assert.strictEqual(run.problem, undefined, run.output);
      const e023 = run.messages.find((m) => m.id === 'security.E023');
      assert.strictEqual(e023?.level, 'error');
      assert.match(e023?.hint ?? '', /^Valid values are: /);
    } finally {
      fs.writeFileSync(settings, original);
    }
  });

  it('says when the interpreter does not exist', async () => {
    const run = await runDjangoChecks({ python: path.join(dir, 'no-such-python'), managePy: path.join(dir, 'manage.py') });
    assert.strictEqual(run.problem, 'python-missing');
    assert.match(run.detail!, /no-such-python/);
  });

  it('says when the interpreter has no Django', async () => {
    // A Python without site-packages, like a fresh virtualenv: -S leaves Debian's dist-packages out.
    const bare = path.join(dir, 'bare-python');
    fs.writeFileSync(bare, `#!/bin/sh\nexec ${DJANGO_PYTHON} -S "$@"\n`, { mode: 0o755 });
    const run = await runDjangoChecks({ python: bare, managePy: path.join(dir, 'manage.py') });
    assert.strictEqual(run.problem, 'django-missing', run.output);
    assert.match(run.detail!, /bare-python/);
  });

  it('reports a settings module that crashes with its last line', async () => {
    const settings = path.join(dir, 'mysite', 'settings.py');
    const original = fs.readFileSync(settings, 'utf8');
    fs.writeFileSync(settings, `${original}\nraise RuntimeError("settings exploded")\n`);
    try {
      const run = await runDjangoChecks({ python: DJANGO_PYTHON, managePy: path.join(dir, 'manage.py') });
      assert.strictEqual(run.problem, 'failed');
      assert.match(run.detail!, /RuntimeError: settings exploded/);
    } finally {
      fs.writeFileSync(settings, original);
    }
  });
});
