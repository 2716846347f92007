// Bundles the extension and the command-line tool.
//   dist/extension.js  what VS Code loads at activation: wiring only, kept small
//   dist/core.js       detection, plan, generators and linter (yaml, dockerfile-ast): loaded on first use
//   dist/ssh.js        the SSH layer (ssh2): loaded on first use
//   dist/lintWorker.js the editor's lint worker (a worker_thread running dist/core.js off the host thread)
//   dist/cli.js        the `cloudward` command: picks one of the two below by the command's name
//   dist/cli-lint.js   `cloudward lint` and `detect` alone (no generators, provisioning, deploy, `yaml` writer)
//   dist/cli-all.js    every command (ssh2 still loaded from dist/ssh.js on first use)
// `node esbuild.mjs [--production] [--watch]`
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// ssh2's optional native parts: left out so that ssh2 uses its pure JavaScript crypto.
const nativeOptional = ['cpu-features', './crypto/build/Release/sshcrypto.node'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: 'none',
  logLevel: 'warning',
  external: ['vscode', ...nativeOptional],
};

// Every `import * as vscode from 'vscode'` would otherwise get its own interop copy of the whole API
// object at load time (one per importing module: most of the bundle's load time). Routing them through
// one ESM module makes that copy once.
const vscodeOnce = {
  name: 'vscode-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) =>
      args.namespace === 'vscode-once' ? { path: 'vscode', external: true } : { path: 'vscode', namespace: 'vscode-once' });
    build.onLoad({ filter: /.*/, namespace: 'vscode-once' }, () => ({ contents: "export * from 'vscode';", loader: 'js', resolveDir: '.' }));
  },
};

// The lazily loaded chunks are required by path at run time (see src/lazy.ts), never bundled twice.
const lazyChunks = ['./core.js', './ssh.js'];

// dist/cli.js knows the digests of the bundles it loads (set below, after they are built): the code
// cache (src/cli/codeCache.ts) is keyed by them without hashing 0.4 MB at every start.
const cliBuild = { ...common, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } };

const builds = [
  { ...common, entryPoints: { extension: 'src/extension.ts' }, outdir: 'dist', external: [...common.external, ...lazyChunks], plugins: [vscodeOnce] },
  { ...common, entryPoints: { core: 'src/core/index.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { ssh: 'src/core/ssh/index.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { lintWorker: 'src/diagnostics/lintWorker.ts' }, outdir: 'dist', external: [...common.external, ...lazyChunks] },
  { ...common, entryPoints: { 'cli-lint': 'src/cli/lintOnly.ts' }, outdir: 'dist' },
  { ...common, entryPoints: { 'cli-all': 'src/cli/index.ts' }, outdir: 'dist' },
];

if (watch) {
  // Watching: the bundles change under dist/cli.js, which then hashes them itself.
  for (const b of [...builds, cliBuild]) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('[esbuild] watching src/ for changes');
} else {
  const t = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  const digests = Object.fromEntries(['cli-lint.js', 'cli-all.js'].map((f) => [f, createHash('sha256').update(readFileSync(`dist/${f}`)).digest('hex').slice(0, 32)]));
  await esbuild.build({ ...cliBuild, define: { CLOUDWARD_BUNDLE_DIGESTS: JSON.stringify(digests) } });
  if (!process.argv.includes('--quiet')) console.log(`[esbuild] built dist/ in ${Date.now() - t} ms${production ? ' (production)' : ''}`);
}
