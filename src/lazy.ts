// The heavy parts load on first use, not at activation: in the bundle they are separate files
// (dist/core.js, dist/ssh.js, see esbuild.mjs) required by path from dist/extension.js.
import path = require('path');

type Core = typeof import('./core');
type Ssh = typeof import('./core/ssh');

let core: Core | undefined;
let ssh: Ssh | undefined;

function load<T>(bundled: string, source: string): T {
  // In the bundle __dirname is dist/; in the tsc output (out/src) the modules are siblings.
  try {
    return require(path.join(__dirname, bundled)) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    return require(source) as T;
  }
}

export function loadCore(): Core {
  return (core ??= load<Core>('core.js', './core'));
}

export function loadSsh(): Ssh {
  return (ssh ??= load<Ssh>('ssh.js', './core/ssh'));
}
