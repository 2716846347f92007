// The `cloudward` command: picks the part of the tool the command needs and runs it. `lint` and
// `detect` load dist/cli-lint.js, the other commands dist/cli-all.js (every command); compiling the
// whole tool for a lint was a tenth of a cold lint's time. Bundles load through V8's code cache
// (cli/codeCache.ts). In the tsc output (out/src) the modules are loaded from the sources instead.
// First: the heap tuning applies to everything after it (see cli/heap.ts).
import './cli/heap';
import { existsSync } from 'fs';
import path = require('path');
import { loadBundle, saveCodeCache } from './cli/codeCache';
import { printable } from './core/printable';

type Main = typeof import('./cli/main').main;
type Bundle = typeof import('./cli/lintOnly');

const LEAN = new Set(['lint', 'detect']);

function loadMain(argv: string[]): Main {
  const [bundled, source] = LEAN.has(argv[0] ?? '') ? ['cli-lint.js', './cli/lintOnly'] : ['cli-all.js', './cli/index'];
  const file = path.join(__dirname, bundled);
  // Through V8's code cache (cli/codeCache.ts); the tsc output has no bundles.
  const bundle = (existsSync(file) ? loadBundle(file, require) : require(source)) as Bundle;
  // One command, each file read once: no parsed document is kept for a next version of its file.
  bundle.keepYamlDocumentsForReuse(false);
  return bundle.main;
}

// `cloudward lint | head -1`: the reader went away; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const argv = process.argv.slice(2);
Promise.resolve()
  .then(() => loadMain(argv)(argv, { out: process.stdout, err: process.stderr, cwd: process.cwd(), env: process.env }))
  .then(
    (code) => {
      process.exitCode = code;
      saveCodeCache();
    },
    (e: unknown) => {
      process.stderr.write(`cloudward: ${printable(e instanceof Error ? e.message : String(e))}\n`);
      process.exitCode = 70;
    },
  );
