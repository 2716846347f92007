import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { RULES } from '../../src/core/lint';
import { rulesIndexMarkdown, RULES_INDEX_END, RULES_INDEX_START } from '../../src/core/rulesIndex';

const root = path.resolve(__dirname, '..', '..', '..');

describe('README and rule docs', () => {
  it('the README rules index matches the rule engine (run `node scripts/rules-index.mjs`)', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const start = readme.indexOf(RULES_INDEX_START);
    const end = readme.indexOf(RULES_INDEX_END);
    assert.ok(start >= 0 && end > start, 'README.md has no rules-index markers');
    assert.strictEqual(readme.slice(start + RULES_INDEX_START.length, end).trim(), rulesIndexMarkdown(RULES));
  });

  it('every rule has a docs page with what, why, fix and silence sections', () => {
    const missing = RULES.filter((r) => !fs.existsSync(path.join(root, 'docs', 'rules', `${r.id}.md`))).map((r) => r.id);
    assert.deepStrictEqual(missing, [], `rules without docs/rules/<id>.md: ${missing.join(', ')}`);
    for (const r of RULES) {
      const page = fs.readFileSync(path.join(root, 'docs', 'rules', `${r.id}.md`), 'utf8');
      assert.ok(page.includes(r.id), `${r.id}.md does not name its rule`);
      assert.ok(/silenc|suppress|ignore/i.test(page), `${r.id}.md does not say how to silence it`);
    }
  });
});
