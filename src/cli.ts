// The `cloudward` command: picks the part of the tool the command needs and runs it. `lint` and
// `detect` load dist/cli-lint.js, the other commands dist/cli-all.js (every command); compiling the
// whole tool for a lint was a tenth of a cold lint's time. In the tsc output (out/src) the modules
// are loaded from the sources instead.
// First: the heap tuning applies to everything after it (see cli/heap.ts).
import './cli/heap';
import * as path from 'path';
import { printable } from './core/printable';

type Main = typeof import('./cli/main').main;

const LEAN = new Set(['lint', 'detect']);

function loadMain(argv: string[]): Main {
  const [bundled, source] = LEAN.has(argv[0] ?? '') ? ['cli-lint.js', './cli/lintOnly'] : ['cli-all.js', './cli/index'];
  try {
    return (require(path.join(__dirname, bundled)) as { main: Main }).main;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND' || !String((e as Error).message).includes(bundled)) throw e;
    return (require(source) as { main: Main }).main;
  }
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
    },
    (e: unknown) => {
      process.stderr.write(`cloudward: ${printable(e instanceof Error ? e.message : String(e))}\n`);
      process.exitCode = 70;
    },
  );
