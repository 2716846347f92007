// Runs in the extension host as the "tests" module of a bench launch.
// Activation launch: waits until the harness has read the activation times (a signal file), then exits.
// Heap launch (CLOUDWARD_BENCH_ACTIVATE=1, a folder that does not activate Cloudward): collects garbage,
// reads the heap, activates Cloudward, lets its deferred start-up work run, and reads the heap again.
const fs = require('fs');
const v8 = require('v8');
const vm = require('vm');

async function heapAfterGc() {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 50)); }
  return process.memoryUsage().heapUsed;
}

exports.run = async function run() {
  if (process.env.CLOUDWARD_BENCH_ACTIVATE) {
    const vscode = require('vscode');
    await new Promise((r) => setTimeout(r, 3000)); // let the host settle
    const ext = vscode.extensions.getExtension('cloudward.cloudward');
    if (!ext) throw new Error('cloudward.cloudward is not loaded');
    if (ext.isActive) throw new Error('Cloudward was already active: the heap launch needs a folder that does not activate it');
    const before = await heapAfterGc();
    await ext.activate();
    await new Promise((r) => setTimeout(r, 4000)); // deferred start-up work (workspace lint, context keys)
    const after = await heapAfterGc();
    console.log(`CLOUDWARD_BENCH_HEAP ${before} ${after}`);
    return;
  }
  const signal = process.env.CLOUDWARD_BENCH_SIGNAL;
  {
    // What the harness cannot see in the UI: whether both extensions are in this host, and active.
    const vscode = require('vscode');
    await new Promise((r) => setTimeout(r, 2000));
    const state = (id) => { const e = vscode.extensions.getExtension(id); return e ? (e.isActive ? 'active' : 'loaded, inactive') : 'absent'; };
    console.log(`CLOUDWARD_BENCH_STATE cloudward.cloudward=${state('cloudward.cloudward')} cloudward.cloudward-bench-empty=${state('cloudward.cloudward-bench-empty')}`);
  }
  const deadline = Date.now() + 90_000;
  while (signal && !fs.existsSync(signal) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
};
