// The integration tests' entry: VS Code loads this module in the extension host and calls run().
// The same entry serves both launchers (scripts/test-vscode.mjs, headless; test/launch/electron.mjs, desktop).
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

function testFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? testFiles(path.join(dir, e.name)) : e.name.endsWith('.test.js') ? [path.join(dir, e.name)] : []));
}

/** Prints through console.log: the only output both launchers forward from the extension host. */
class ConsoleReporter {
  constructor(runner: Mocha.Runner) {
    let passed = 0;
    let failed = 0;
    let pending = 0;
    const failures: Array<{ title: string; err: Error }> = [];
    runner.on('suite', (s) => {
      if (s.title) console.log(`${'  '.repeat(depth(s))}${s.title}`);
    });
    runner.on('pass', (t) => {
      passed++;
      console.log(`${'  '.repeat(depth(t.parent!) + 1)}✔ ${t.title} (${t.duration} ms)`);
    });
    runner.on('pending', (t) => {
      pending++;
      console.log(`${'  '.repeat(depth(t.parent!) + 1)}- ${t.title} (skipped)`);
    });
    runner.on('fail', (t, err) => {
      failed++;
      failures.push({ title: t.fullTitle(), err });
      console.log(`${'  '.repeat(depth(t.parent ?? t) + 1)}✘ ${t.title}`);
    });
    runner.once('end', () => {
      failures.forEach((f, i) => console.log(`\n${i + 1}) ${f.title}\n${f.err && f.err.stack ? f.err.stack : String(f.err)}`));
      console.log(`\nintegration: ${passed} passing, ${failed} failing, ${pending} pending`);
    });
  }
}

function depth(s: Mocha.Suite | Mocha.Runnable): number {
  let d = 0;
  for (let p = s.parent; p && p.title; p = p.parent) d++;
  return d;
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, reporter: ConsoleReporter as unknown as string, color: false });
  // Both styles: describe/it and suite/test.
  Mocha.interfaces.tdd(mocha.suite);
  const grep = process.env.CLOUDWARD_TEST_GREP;
  if (grep) mocha.grep(grep);
  // The trusted pass leaves out the Restricted Mode tests instead of skipping them.
  if (grep && process.env.CLOUDWARD_TEST_INVERT) mocha.invert();
  const dir = __dirname;
  for (const f of testFiles(dir).sort()) mocha.addFile(f);
  const failures = await new Promise<number>((resolve, reject) => {
    try {
      mocha.run(resolve);
    } catch (e) {
      reject(e);
    }
  });
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
