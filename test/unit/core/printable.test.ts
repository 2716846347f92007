import * as assert from 'assert';
/* eslint-disable no-control-regex -- looking for raw control characters is the point */
import fc from 'fast-check';
import { printable, printableLine } from '../../../src/core/printable';

// Security review R-S3, R-S4, R-L4, D1: text from servers and projects never reaches a terminal raw.
describe('printable: text from projects and servers, safe to print', () => {
  const hostile = 'Debian \u001b]0;PWNED-TITLE\u0007\u001b[2J\u001b[31mRED OS \u009b31m \u202eevil\u2066 a\u2028b\rc';

  it('escapes C0, DEL, C1, separators and bidi controls; keeps newlines and tabs in blocks', () => {
    const s = printable(hostile + '\n\tnext');
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(s), s);
    assert.ok(s.includes('\\u001b]0;PWNED-TITLE\\u0007'));
    assert.ok(s.endsWith('\n\tnext'));
  });

  it('one line: newlines escaped too, so a file name cannot forge a finding line', () => {
    const name = 'evil\nfake.py:1:1: error CW999 forged finding';
    assert.strictEqual(printableLine(name).split('\n').length, 1);
    assert.ok(printableLine(name).includes('\\u000a'));
  });

  it('the escapes are JSON escapes: sanitised JSON parses back to the same value', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (v) => {
        const json = JSON.stringify({ v }, null, 2);
        const safe = printable(json);
        assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(safe));
        assert.deepStrictEqual(JSON.parse(safe), { v });
      }),
      { numRuns: 200 },
    );
  });

  it('leaves ordinary text alone', () => {
    for (const t of ['gunicorn.service active/running', 'café — naïve 日本語 😀', 'a\tb']) assert.strictEqual(printableLine(t), t);
  });
});
