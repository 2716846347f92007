// Writes the README's rules index from the rule engine (node scripts/rules-index.mjs; needs a build).
// A unit test (test/unit/readme.test.ts) fails when the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const core = createRequire(import.meta.url)(join(root, 'dist', 'core.js'));
const file = join(root, 'README.md');
writeFileSync(file, core.withRulesIndex(readFileSync(file, 'utf8'), core.rulesIndexMarkdown(core.RULES)));
console.log(`README.md: ${core.RULES.length} rules indexed`);
