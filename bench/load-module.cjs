// Child process of the bench: times require() of one module in a fresh Node, with a stand-in for the
// `vscode` module (only loading is measured, not activation), and lists what got loaded.
const Module = require('module');
const path = require('path');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return standIn;
  return resolve.call(this, request, ...rest);
};
const standIn = path.join(__dirname, 'vscode-stand-in.cjs');
require(standIn); // built before timing: only the module under test is measured
global.gc?.(); // and its garbage collected now (run with --expose-gc), not during the timing
const target = path.resolve(process.argv[2]);
const t0 = process.hrtime.bigint();
require(target);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const loaded = Object.keys(require.cache).filter((f) => !f.endsWith('vscode-stand-in.cjs') && !f.endsWith('load-module.cjs'));
process.stdout.write(JSON.stringify({ ms, loaded }));
