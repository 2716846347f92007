import { main } from './cli/index';
import { printable } from './core/printable';

// `cloudward lint | head -1`: the reader went away; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

main(process.argv.slice(2), { out: process.stdout, err: process.stderr, cwd: process.cwd(), env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cloudward: ${printable(e instanceof Error ? e.message : String(e))}\n`);
    process.exitCode = 70;
  },
);
