// The deploy agent's checks on a VPS: `compress` runs when the production environment turns COMPRESS_OFFLINE
// on, and a disagreement with the plan (which read the settings' text, as the generated files did) is said.
// Run with python3 against a stub of the few Django names the checks touch, stopped at `check --deploy`.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AGENT_SOURCE } from '../../../src/core/remote/agentSource';

const STUB: Record<string, string> = {
  'app.py': 'application = object()\n',
  'django/__init__.py': 'def setup():\n    pass\n',
  'django/conf.py': [
    'import os',
    'class _Settings: pass',
    'settings = _Settings()',
    'settings.DEBUG = False',
    'settings.INSTALLED_APPS = ["django.contrib.staticfiles", "compressor"]',
    'if os.environ.get("T_OFFLINE"):',
    '    settings.COMPRESS_OFFLINE = True',
    '',
  ].join('\n'),
  'django/core/__init__.py': '',
  'django/core/management/__init__.py': 'def call_command(name, *a, **k):\n    print("CALL " + name)\n    if name == "check":\n        raise RuntimeError("stub: stop here")\n',
};

describe('deploy agent: compress from the real environment, the plan\'s COMPRESS_OFFLINE checked against it', () => {
  const checks = /CHECKS = """([\s\S]*?)"""/.exec(AGENT_SOURCE)?.[1];
  let dir = '';
  before(function () {
    if (spawnSync('python3', ['--version']).status !== 0) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-checks-'));
    for (const [rel, text] of Object.entries(STUB)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  const run = (offline: boolean, planned: string | false) => {
    assert.ok(checks, 'the agent has its CHECKS script');
    const r = spawnSync('python3', ['-c', checks, JSON.stringify(['app', 'application', true, true, planned])], {
      cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PYTHONPATH: dir, ...(offline ? { T_OFFLINE: '1' } : {}) },
    });
    return r.stdout;
  };

  it('both say on: collectstatic, then compress, then check', () => {
    const out = run(true, 'mysite/settings.py:7');
    assert.match(out, /CALL collectstatic\n@@CW stage compress\nCALL compress\n@@CW stage check\nCALL check/);
    assert.ok(!/note:/.test(out));
  });

  it('the settings\' text says on, the environment off: no compress, and a note naming the line', () => {
    const out = run(false, 'mysite/settings.py:7');
    assert.ok(!/CALL compress/.test(out));
    assert.match(out, /note: the settings' text turns COMPRESS_OFFLINE on \(mysite\/settings\.py:7\), the production environment turns it off/);
  });

  it('the environment on, the plan did not see it: compress runs here, and the note says the generated files do not run it', () => {
    const out = run(true, false);
    assert.match(out, /CALL compress/);
    assert.match(out, /note: COMPRESS_OFFLINE is on in the production environment/);
  });

  it('an older client that sends no plan value: the environment decides, nothing noted', () => {
    const r = spawnSync('python3', ['-c', checks!, JSON.stringify(['app', 'application', true, true])], {
      cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PYTHONPATH: dir, T_OFFLINE: '1' },
    });
    assert.match(r.stdout, /CALL compress/);
    assert.ok(!/note:/.test(r.stdout));
  });
});
