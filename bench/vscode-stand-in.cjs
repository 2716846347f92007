// Enough of the `vscode` module for a bundle's top level to evaluate; nothing real is called.
// Every name the API declares is an own key (esbuild's ESM interop copies own keys only), and every
// value is a stand-in again: readable, callable and constructible, so that `vscode.CodeActionKind.QuickFix`
// in a static initializer or `class X extends vscode.TreeItem` evaluates.
const fs = require('fs');
const path = require('path');

function apiNames() {
  try {
    const dts = fs.readFileSync(require.resolve('@types/vscode/index.d.ts', { paths: [path.join(__dirname, '..')] }), 'utf8');
    return [...new Set([...dts.matchAll(/^\s*export (?:declare )?(?:class|enum|namespace|const|function|let|var) (\w+)/gm)].map((m) => m[1]))];
  } catch {
    return [];
  }
}

function standIn() {
  const cache = new Map();
  return new Proxy(function () {}, {
    get(target, key) {
      // Not a thenable, not a primitive: `await x` and template strings must not loop or throw.
      if (typeof key === 'symbol' || key === 'then') return undefined;
      if (key === 'prototype') return target.prototype;
      if (!cache.has(key)) cache.set(key, standIn());
      return cache.get(key);
    },
    apply: () => standIn(),
    construct: () => standIn(),
  });
}

// A plain object with real own properties, built before the timing starts (load-module.cjs requires
// this file first), so that the interop's copy of the names costs what it costs with the real module.
module.exports = Object.fromEntries(apiNames().map((name) => [name, standIn()]));
