import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fc from 'fast-check';
import { assertUnitName, isValidUnitName, shCommand, shQuote } from '../../../src/core/ssh/quote';

/** What a POSIX shell (dash, Debian's /bin/sh) makes of a command line: each argument on its own line, NUL-separated. */
function throughShell(commandLine: string): string[] {
  const out = execFileSync('sh', ['-c', `for a in ${commandLine}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shell quoting', () => {
  it('passes hostile strings through sh -c unchanged', () => {
    const hostile = [
      `/tmp/x'; touch /tmp/PWNED; echo '`,
      '$(touch /tmp/PWNED)',
      '`touch /tmp/PWNED`',
      'a b\tc\nd',
      "it's",
      '',
      '*',
      '--help',
      '\\',
      '"; rm -rf / #',
    ];
    assert.deepStrictEqual(throughShell(shCommand(hostile)), hostile);
  });

  it('round-trips any string (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom("'", '"', '\\', '$', '`', ' ', '\n', '*', 'a', ';', '(', '|') })).filter((s) => !s.includes('\0')), { maxLength: 4 }), (args) => {
        assert.deepStrictEqual(throughShell(shCommand(args)), args);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses NUL bytes', () => {
    assert.throws(() => shQuote('a\0b'), /NUL/);
  });

  it('allow-lists unit names', () => {
    for (const ok of ['gunicorn.service', 'app@1.service', 'nginx', 'sys-fs.mount', 'a_b:c']) assert.ok(isValidUnitName(ok), ok);
    for (const bad of ['', 'a b', 'x;touch /tmp/PWNED', '$(id)', '-h', 'a/b', "it's", 'a\nb']) assert.ok(!isValidUnitName(bad), bad);
    assert.throws(() => assertUnitName('x; reboot'), /not a valid systemd unit name/);
  });
});
