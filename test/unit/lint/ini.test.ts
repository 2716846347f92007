import * as assert from 'assert';
import * as fc from 'fast-check';
import { entriesOf, parseIni } from '../../../src/core/lint/parse/ini';
import { rangeOf } from './helpers';

describe('ini parser (deploy lint)', () => {
  it('reads uWSGI ini files with = and : separators', () => {
    const text = '[uwsgi]\n# comment\nmodule = mysite.wsgi:application\nsocket: /run/uwsgi.sock\n; other\nmaster=true\n';
    const ini = parseIni(text, { separators: '=:' });
    assert.strictEqual(entriesOf(ini, 'uwsgi', 'module')[0].value, 'mysite.wsgi:application');
    assert.deepStrictEqual(entriesOf(ini, 'uwsgi', 'socket')[0].valueRange, rangeOf(text, '/run/uwsgi.sock'));
    assert.strictEqual(entriesOf(ini, 'uwsgi', 'master')[0].value, 'true');
    assert.strictEqual(ini.comments.length, 2);
  });

  it('joins indented continuation lines when asked (configparser style)', () => {
    const text = '[app]\nhosts =\n  a.example.com\n  b.example.com\nnext = 1\n';
    const ini = parseIni(text, { indentedContinuation: true });
    assert.strictEqual(entriesOf(ini, 'app', 'hosts')[0].value, 'a.example.com\nb.example.com');
    assert.strictEqual(entriesOf(ini, 'app', 'next')[0].value, '1');
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void parseIni(s, { backslashContinuation: true, indentedContinuation: true, separators: '=:' })), { numRuns: 500 });
  });
});
