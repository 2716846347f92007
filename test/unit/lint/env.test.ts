// The environment a deploy file sets (src/core/lint/env.ts): read from each format's parsed form, with the
// value's exact offsets, never from a pattern over the whole text.
import * as assert from 'assert';
import { envValue, envVars } from '../../../src/core/lint/env';
import { LintFile } from '../../../src/core/lint/file';
import type { FileKind } from '../../../src/core/lint';

const file = (kind: FileKind, text: string) => new LintFile(`/p/${kind}`, text, kind, false);
const vars = (f: LintFile) => envVars(f).map((v) => [v.name, v.value, f.text.slice(v.valueStart, v.valueEnd)]);

describe('lint: environment variables of a deploy file', () => {
  it('systemd: the [Service] section\'s Environment= in effect after an empty reset; quotes and several per line', () => {
    const unit = '[Unit]\nEnvironment=IGNORED=1\n[Service]\nEnvironment=OLD=1\nEnvironment=\nEnvironment="A=x y" B=2\n';
    // A quoted assignment's text is not its value character for character: its range is the whole word.
    assert.deepStrictEqual(vars(file('systemd', unit)), [['A', 'x y', '"A=x y"'], ['B', '2', '2']]);
  });

  it('uWSGI: env = NAME=value in [uwsgi]', () => {
    assert.deepStrictEqual(vars(file('uwsgi', '[uwsgi]\nmodule = mysite.wsgi\nenv = DJANGO_SETTINGS_MODULE=mysite.settings.prod\n[other]\nenv = X=1\n')), [['DJANGO_SETTINGS_MODULE', 'mysite.settings.prod', 'mysite.settings.prod']]);
  });

  it('shell: export NAME=value only (not a bare assignment, an echo or a comment)', () => {
    const sh = '#!/bin/sh\nset -e\n# export NOT=1\nexport FLASK_APP=hello.web DEBUG=0\nLOCAL=1\necho "export ALSO_NOT=1"\n';
    assert.deepStrictEqual(vars(file('shell', sh)), [['FLASK_APP', 'hello.web', 'hello.web'], ['DEBUG', '0', '0']]);
  });

  it('envValue: the last literal value a file sets (a later ENV overrides an earlier one)', () => {
    const df = file('dockerfile', 'FROM python:3.12\nENV APP_MODULE=one\nENV APP_MODULE=two\nENV EMPTY=""\n');
    assert.strictEqual(envValue(df, 'APP_MODULE'), 'two');
    assert.strictEqual(envValue(df, 'EMPTY'), undefined);
    assert.strictEqual(envValue(df, 'MISSING'), undefined);
  });
});
