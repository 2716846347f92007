// The runserver fix must write a command that works for the project: apply it to the example project's
// Procfile and have the real gunicorn (Debian's, on the system Python that has Django) load the app.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lintPaths } from '../../../src/cli/lint';
import { detectProjectSync } from '../../../src/core/detect';
import { applyFix } from '../../unit/lint/helpers';
import { needTool } from '../../support/need';

const EXAMPLE = path.join(__dirname, '../../../../examples/django-polls');
const hasGunicorn = spawnSync('gunicorn', ['--version']).status === 0;

describe('CW101 fix with the real gunicorn', function () {
  this.timeout(60000);
  let dir: string;
  before(function () {
    needTool(this, hasGunicorn, 'gunicorn (Debian package gunicorn)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-polls-'));
    fs.cpSync(EXAMPLE, dir, { recursive: true });
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('the fixed Procfile web command loads the Django app', () => {
    const d = detectProjectSync(dir);
    const { findings } = lintPaths(['.'], dir, { appTarget: d.appTarget ?? undefined, interface: d.interface ?? undefined });
    const f = findings.find((x) => x.rule === 'CW101' && x.file === 'Procfile');
    assert.ok(f, 'CW101 on the example Procfile');
    const procfile = path.join(dir, 'Procfile');
    const fixed = applyFix(fs.readFileSync(procfile, 'utf8'), { ...f, file: f.fix!.edits[0].file });
    fs.writeFileSync(procfile, fixed);
    const web = /^web:\s*(.*)$/m.exec(fixed)![1];
    assert.match(web, /^gunicorn mysite\.wsgi(?::application)? --bind 0\.0\.0\.0:\$PORT$/);
    // --check-config loads the application and exits: 0 only when the module imports and the app exists.
    const r = spawnSync('sh', ['-c', `${web} --check-config`], { cwd: dir, env: { ...process.env, PORT: '8765' }, encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr + r.stdout);
    // And the fixed file no longer has the finding.
    const again = lintPaths(['.'], dir, { appTarget: d.appTarget ?? undefined });
    assert.ok(!again.findings.some((x) => x.rule === 'CW101'));
  });
});
