// Runs in the extension host as the "tests" module of a bench launch: once the harness signals that it
// has read the activation times, it collects garbage and prints the extension host's heap in use.
const fs = require('fs');
const v8 = require('v8');
const vm = require('vm');

exports.run = async function run() {
  const signal = process.env.CLOUDWARD_BENCH_SIGNAL;
  const deadline = Date.now() + 90_000;
  while (signal && !fs.existsSync(signal) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 50)); }
  console.log(`CLOUDWARD_BENCH_HEAP ${process.memoryUsage().heapUsed}`);
};
