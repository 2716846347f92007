import * as assert from 'assert';
import { expandSnippet } from './expandSnippet';

describe('walkthroughs: snippet expansion (test helper)', () => {
  it('takes defaults, nested defaults and first choices, drops bare tabstops', () => {
    assert.strictEqual(expandSnippet(['a ${1:x} ${2:b-${1:x}} ${3|one,two|}$0 $1 ${4}']), 'a x b-x one  ');
  });
  it('turns escaped dollars and braces into literals', () => {
    assert.strictEqual(expandSnippet('bind 0.0.0.0:\\$PORT \\${PORT:-8000\\}'), 'bind 0.0.0.0:$PORT ${PORT:-8000}');
  });
  it('refuses editor variables, which would expand to their names in a real editor', () => {
    assert.throws(() => expandSnippet('web: gunicorn --bind 0.0.0.0:$PORT'), /variable \$PORT/);
  });
});
