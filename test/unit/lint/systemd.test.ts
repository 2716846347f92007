import * as assert from 'assert';
import * as fc from 'fast-check';
import { parseSystemdUnit, splitCommandLine, unitValue, unitValues } from '../../../src/core/lint/parse/systemd';
import { rangeOf } from './helpers';

describe('systemd unit parser (deploy lint)', () => {
  const unit = [
    '# /etc/systemd/system/gunicorn.service',
    '[Unit]',
    'Description=gunicorn daemon',
    '',
    '[Service]',
    '; a comment',
    'ExecStart=',
    'ExecStart=/srv/app/venv/bin/gunicorn \\',
    '  # ignored inside a continuation',
    '  --workers 3 \\',
    '  --bind unix:/run/gunicorn.sock mysite.wsgi:application',
    'Environment="A=b c"',
    'User = www-data',
  ].join('\n');

  it('reads sections, keys, values and continuations', () => {
    const u = parseSystemdUnit(unit);
    assert.deepStrictEqual(u.sections.map((s) => s.name), ['Unit', 'Service']);
    const exec = unitValues(u, 'Service', 'ExecStart');
    assert.strictEqual(exec.length, 1, 'the empty assignment resets the list');
    assert.strictEqual(exec[0].value, '/srv/app/venv/bin/gunicorn --workers 3 --bind unix:/run/gunicorn.sock mysite.wsgi:application');
    assert.deepStrictEqual(exec[0].valueRange.start, rangeOf(unit, '/srv/app').start);
    assert.deepStrictEqual(exec[0].valueRange.end, rangeOf(unit, 'mysite.wsgi:application').end);
    assert.strictEqual(unitValue(u, 'Service', 'User')!.value, 'www-data');
    assert.deepStrictEqual(unitValue(u, 'Service', 'User')!.keyRange, rangeOf(unit, 'User'));
    assert.deepStrictEqual(u.comments.map((c) => c.text), ['# /etc/systemd/system/gunicorn.service', '; a comment', '# ignored inside a continuation']);
  });

  it('splits command lines like systemd', () => {
    assert.deepStrictEqual(
      splitCommandLine('-/usr/bin/env "A B" \'c\' d\\ e').map((w) => w.word),
      ['/usr/bin/env', 'A B', 'c', 'd e'],
    );
  });

  it('never throws', () => {
    for (const s of ['[', '[Service', '=', 'a\\', '\\\n\\\n', '\r\r\n']) parseSystemdUnit(s);
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void parseSystemdUnit(s)), { numRuns: 500 });
  });
});
