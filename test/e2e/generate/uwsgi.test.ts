// The generated uwsgi.ini, served by Debian's real uWSGI: a Flask app factory answers through the small
// uwsgi_app.py module (uWSGI loads an object, it never calls a factory), as Flask's uWSGI docs describe.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { detectProjectSync } from '../../../src/core/detect';
import { buildPlan } from '../../../src/core/plan';
import { renderFiles } from '../../../src/core/generate';
import { Server, copyTree, freePort, httpGet, makeTempDir, missingTools, removeDir, repoRoot, startServer, tools, waitForListening } from '../../support/realtools';

describe('uwsgi.ini served by the real uWSGI', function () {
  this.timeout(60_000);
  let dir: string | undefined;
  let server: Server | undefined;

  before(function () {
    const missing = missingTools('uwsgi');
    if (missing.length) throw new Error(`missing ${missing.join(', ')}: run node scripts/prereqs.mjs (uwsgi-core, uwsgi-plugin-python3)`);
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  it('a Flask factory answers 200 through uwsgi_app:application', async () => {
    dir = makeTempDir('uwsgi');
    const project = path.join(dir, 'project');
    copyTree(path.join(repoRoot, 'test/fixtures/projects/flask-factory'), project);
    // Debian's Flask lives in /usr: the "virtualenv" is the system Python here.
    const plan = buildPlan(detectProjectSync(project), { appDir: project, venv: '/usr', socket: path.join(dir, 'app.sock'), workers: 1 });
    const files = renderFiles(plan, ['uwsgi']);
    assert.deepStrictEqual(files.map((f) => f.path), ['uwsgi.ini', 'uwsgi_app.py']);
    for (const f of files) fs.writeFileSync(path.join(project, f.path), f.content);
    const port = await freePort();
    server = startServer('uwsgi', tools.uwsgi, ['--ini', path.join(project, 'uwsgi.ini'), '--http-socket', `127.0.0.1:${port}`], { cwd: project });
    await waitForListening(server, { port });
    const r = await httpGet(port, '/', 'localhost');
    assert.ok(!r.closed && r.status === 200, `uWSGI answered ${r.closed ? r.error : r.status}\n${server.output()}`);
  });
});
