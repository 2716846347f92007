import * as assert from 'assert';
import * as core from '../../../src/core';
import { expandedSnippets, type Snippet } from './snippetFiles';
import { manifest, read } from './repo';

describe('walkthroughs: snippets', () => {
  const contributions = manifest().contributes.snippets;

  it('are JSON objects of snippets with a prefix, a body and a description', () => {
    let count = 0;
    for (const { path } of contributions) {
      const snippets = JSON.parse(read(path)) as Record<string, Snippet>;
      for (const [name, s] of Object.entries(snippets)) {
        count++;
        assert.ok(typeof s.prefix === 'string' || (Array.isArray(s.prefix) && s.prefix.length > 0), `${path}: ${name}: no prefix`);
        assert.ok(typeof s.body === 'string' || Array.isArray(s.body), `${path}: ${name}: no body`);
        assert.ok((s.description ?? '').length > 20, `${path}: ${name}: no description`);
      }
    }
    assert.ok(count >= contributions.length * 2, `only ${count} snippets`);
  });

  it('lints with the real deploy linter (a development server in a Procfile is an error)', () => {
    const findings = core.lintText('Procfile', 'web: python manage.py runserver 0.0.0.0:$PORT\n');
    assert.ok(findings.some((f) => f.rule === 'CW101' && f.severity === 'error'), JSON.stringify(findings));
  });

  for (const snippet of expandedSnippets()) {
    it(`${snippet.language}: "${snippet.name}" expands to a ${snippet.file} the deploy linter accepts without errors`, () => {
      assert.ok(core.classify(snippet.file, snippet.text), `the linter does not recognise ${snippet.file}`);
      const errors = core.lintText(snippet.file, snippet.text).filter((f) => f.severity === 'error');
      assert.deepStrictEqual(
        errors.map((f) => `${f.rule} line ${f.range.start.line + 1}: ${f.message}`),
        [],
        `\n${snippet.text}`,
      );
    });
  }
});
