import { main } from './cli/index';

main(process.argv.slice(2), { out: process.stdout, err: process.stderr, cwd: process.cwd(), env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cloudward: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 70;
  },
);
