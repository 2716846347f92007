/* eslint-disable no-control-regex -- looking for raw control characters is the point */
// Security review R-L4, D1 and L8: names and values from a project never reach the terminal raw, never
// forge a finding line, and SARIF locations name the right file.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from './cli';

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

describe('security: what the CLI prints from a project', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-out-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('R-L4: lint text output escapes ESC and newlines in folder names; no forged finding line', async () => {
    const d = path.join(root, 'lint1', 'evil\u001b]0;PWNED-TITLE\u0007\u001b[2J\u001b[31mRED\nfake.py:1:1: error CW999 forged finding\n"q\'');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'Procfile'), 'web: python manage.py runserver 0.0.0.0:8000\n');
    const r = await runCli(['lint', 'lint1'], root);
    assert.ok(!RAW_CONTROL.test(r.out) && !RAW_CONTROL.test(r.err), JSON.stringify(r));
    const lines = r.out.split('\n').filter(Boolean);
    assert.ok(lines.every((l) => !l.startsWith('fake.py')), r.out);
    assert.ok(lines.some((l) => l.includes('CW101')), r.out);
    // JSON stays exact
    const j = await runCli(['lint', 'lint1', '--format', 'json'], root);
    assert.ok(JSON.stringify(JSON.parse(j.out)).includes('forged finding'));
  });

  it('L8: SARIF locations of names holding # and ? are percent-encoded (not a fragment or query)', async () => {
    const d = path.join(root, 'a#frag', 'b?q=1');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'Procfile'), 'web: python manage.py runserver\n');
    const r = await runCli(['lint', '.', '--format', 'sarif'], root);
    const sarif = JSON.parse(r.out);
    const uris: string[] = sarif.runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0].physicalLocation.artifactLocation.uri);
    assert.ok(uris.length > 0);
    for (const u of uris) {
      assert.strictEqual(new URL(u, 'file:///root/').pathname, '/root/a%23frag/b%3Fq%3D1/Procfile');
      assert.strictEqual(decodeURIComponent(u), 'a#frag/b?q=1/Procfile');
    }
  });
});
