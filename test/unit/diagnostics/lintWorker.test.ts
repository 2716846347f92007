// The lint worker (src/diagnostics/lintWorker.ts) and its client: the rules run in a worker_thread,
// findings come back as plain data (fixes included), and a file whose checks never finish gets the
// worker restarted, one finding naming it, and every other file still linted. No timing asserted:
// the stall is a real endless loop in the worker (the test marker), so the budget must cut it.
import * as assert from 'assert';
import * as path from 'path';
import { createLintIndex, type LintIndex } from '../../../src/diagnostics/lintIndex';
import { LintWorkerClient, TooSlowError } from '../../../src/diagnostics/workerClient';

const root = '/tmp/cloudward-worker-test/proj';
const procfile = path.join(root, 'Procfile');
const compose = path.join(root, 'compose.yaml');
const MARKER = '# stall-here-for-the-test';
const COMPOSE = 'services:\n  web:\n    image: example/web:1.0\n    command: python manage.py runserver 0.0.0.0:8000\n';

describe('lint worker', function () {
  this.timeout(60_000);
  let client: LintWorkerClient;
  let index: LintIndex;
  const slow: string[] = [];

  beforeEach(() => {
    client = new LintWorkerClient(1500, { stallOn: MARKER });
    client.onTooSlow((e) => slow.push(e.file ?? e.op));
    slow.length = 0;
    index = createLintIndex(client, { appTarget: 'mysite.wsgi', interface: 'wsgi' });
  });
  afterEach(() => client.dispose());

  it('lints in the worker and returns plain findings with their fixes', async () => {
    assert.strictEqual(await index.setFile(procfile, 'web: python manage.py runserver 0.0.0.0:$PORT\n'), true);
    assert.strictEqual(await index.setFile(path.join(root, 'README.md'), '# hello\n'), false);
    const findings = await index.lintFile(procfile);
    const cw101 = findings.find((f) => f.rule === 'CW101');
    assert.ok(cw101, JSON.stringify(findings));
    assert.ok(cw101.fix && cw101.fix.edits[0].edits.length > 0, 'the quick fix travels as plain edits');
    assert.strictEqual(cw101.fix.edits[0].file, procfile);
    assert.ok(index.isKnown(path.join(root, 'README.md')));
    assert.strictEqual(await index.lintText(path.join(root, 'notes.txt'), 'hello'), undefined);
  });

  it('a file that never finishes: the worker is restarted, the file named, the others still linted', async () => {
    await index.setFile(procfile, 'web: python manage.py runserver 0.0.0.0:$PORT\n');
    const first = client.restarts;
    // The worker spins for ever on this text: only the budget gets it back.
    assert.strictEqual(await index.setFile(compose, `${MARKER}\n${COMPOSE}`), true);
    assert.deepStrictEqual(slow, [compose]);
    assert.ok(client.restarts > first, 'a new worker was started');
    const own = await index.lintFile(compose);
    assert.strictEqual(own.length, 1);
    assert.match(own[0].message, /stopped linting this file/);
    // The index came back in the new worker, without the slow file.
    assert.ok((await index.lintFile(procfile)).some((f) => f.rule === 'CW101'));
    const all = await index.lintAll();
    assert.ok(all.some((f) => f.file === procfile && f.rule === 'CW101'));
    assert.ok(all.some((f) => f.file === compose && f.rule === '' && /stopped linting/.test(f.message)));
    // The same text again is not tried again (no second stall)...
    assert.strictEqual(await index.setFile(compose, `${MARKER}\n${COMPOSE}`), true);
    assert.deepStrictEqual(slow, [compose]);
    // ...a changed text is.
    assert.strictEqual(await index.setFile(compose, COMPOSE), true);
    assert.ok((await index.lintFile(compose)).some((f) => f.rule === 'CW101'), 'linted again once it changed');
  });

  it('a file linted on its own (outside the workspace) that never finishes', async () => {
    const list = await index.lintText('/elsewhere/compose.yaml', `${MARKER}\n${COMPOSE}`);
    assert.ok(list && list.length === 1 && /stopped linting/.test(list[0].message));
    assert.ok((await index.lintText('/elsewhere/Procfile', 'web: python manage.py runserver\n'))?.some((f) => f.rule === 'CW101'));
  });

  it('requests queued behind a stalled one are answered by the next worker', async () => {
    await index.setFile(procfile, 'web: python manage.py runserver 0.0.0.0:$PORT\n');
    const stalled = index.lintText('/elsewhere/compose.yaml', `${MARKER}\n${COMPOSE}`);
    const behind = index.lintFile(procfile);
    assert.match((await stalled)?.[0].message ?? '', /stopped linting/);
    assert.ok((await behind).some((f) => f.rule === 'CW101'));
    await assert.rejects(client.call({ op: 'lintText', path: compose, text: COMPOSE, ix: 12345 }, compose), /no lint index/);
    const raw = new LintWorkerClient(500, { stallOn: MARKER });
    try {
      await assert.rejects(raw.call({ op: 'lintText', path: compose, text: `${MARKER}\n${COMPOSE}` }, compose), (e: unknown) => e instanceof TooSlowError && e.file === compose);
    } finally {
      raw.dispose();
    }
  });

  it('detects the project in the worker', async () => {
    const d = (await client.call({ op: 'detect', dir: path.join(__dirname, '../../../../examples/django-polls') })) as { framework: string; appTarget: string };
    assert.strictEqual(d.framework, 'django');
    assert.match(d.appTarget, /mysite\.wsgi/);
  });

  it('dispose stops the worker and fails what was pending', async () => {
    const pending = index.lintAll();
    client.dispose();
    await assert.rejects(pending);
  });
});
