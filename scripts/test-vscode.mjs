// Runs the integration tests (out/test/integration/**/*.test.js) inside a real VS Code: the VS Code
// server opened by headless Chromium, the extension under development loaded from this checkout.
//   node scripts/test-vscode.mjs [--grep <pattern> [--invert]] [--timeout <minutes>] [--untrusted]
// Before VS Code starts, every test/integration/setup/*.mjs runs: `setup({ workspace, env })` may add
// workspace settings and environment variables for the extension host, and return a teardown.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { copyExample, openWorkbench, repoRoot, screenshot } from './workbench.mjs';
import { ensureVSCodeServer, vscodeVersion } from './vscode-server.mjs';

// --untrusted: the folder opens in Restricted Mode (workspace trust on, folder not trusted); use it
// with --grep for the tests about untrusted workspaces (their names say "untrusted workspace").
const { values } = parseArgs({ options: { grep: { type: 'string' }, timeout: { type: 'string', default: '20' }, untrusted: { type: 'boolean', default: false }, invert: { type: 'boolean', default: false } } });
const entry = join(repoRoot, 'out', 'test', 'integration', 'index.js');
if (!existsSync(entry)) {
  console.error('out/test/integration/index.js is missing: run `npx tsc -p .` first.');
  process.exit(2);
}
if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) {
  console.error('dist/extension.js is missing: run `node esbuild.mjs` first.');
  process.exit(2);
}

let serverMain;
try {
  ({ serverMain } = ensureVSCodeServer());
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
console.log(`[vscode] integration tests in VS Code ${vscodeVersion(serverMain)} (VS Code server, headless Chromium${values.untrusted ? ', Restricted Mode' : ''})`);

const workspace = copyExample();
const env = { CLOUDWARD_TEST: '1' };
if (values.grep) env.CLOUDWARD_TEST_GREP = values.grep;
if (values.invert) env.CLOUDWARD_TEST_INVERT = '1';
const teardowns = [];
const setupDir = join(repoRoot, 'test', 'integration', 'setup');
if (existsSync(setupDir)) {
  for (const f of readdirSync(setupDir).filter((f) => f.endsWith('.mjs')).sort()) {
    const mod = await import(pathToFileURL(join(setupDir, f)).href);
    if (typeof mod.setup === 'function') {
      const td = await mod.setup({ workspace, env });
      if (typeof td === 'function') teardowns.push(td);
    }
  }
}

let code = 1;
const wb = await openWorkbench({
  workspace,
  trustWorkspace: !values.untrusted,
  extensionTestsPath: entry,
  env,
  keepData: true,
  onLog: (_type, args) => {
    // The extension host's console (the tests' reporter prints here) mixed with the workbench's own.
    const text = Array.isArray(args) ? args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') : String(args);
    if (process.env.CLOUDWARD_TEST_VERBOSE || !isWorkbenchNoise(text)) console.log(text);
  },
});
const limitMs = Number(values.timeout) * 60_000;
const timer = new Promise((r) => setTimeout(() => r('timeout'), limitMs).unref());
const result = await Promise.race([wb.exited, timer]);
if (result === 'timeout') {
  console.error(`[vscode] the tests did not finish within ${values.timeout} minutes`);
  const shot = await screenshot(wb.page, 'integration-timeout').catch(() => undefined);
  if (shot) console.error(`[vscode] screenshot: ${shot}`);
  printLogs(wb.dataDir);
  code = 1;
} else {
  code = Number(result);
  if (code !== 0) printLogs(wb.dataDir, /exthost|remoteagent|server/i);
}
await wb.close();
for (const td of teardowns.reverse()) await td().catch((e) => console.error(`[vscode] teardown failed: ${e.message}`));
console.log(`[vscode] integration tests ${code === 0 ? 'passed' : 'FAILED'} (VS Code ${vscodeVersion(serverMain)})`);
process.exit(code);

// The workbench's chatter on an offline machine: connection set-up, chat, marketplace look-ups.
function isWorkbenchNoise(text) {
  return /^(Creating a socket|Resolving connection|Resolved connection|\[reconnection-grace|\[AgentHost|\[ChatModelSelection\]|Updating additional|\[Service Worker\]|\[AccountPolicyGate\]|No default agent contributed|Started local extension host|Extension host \(|\[Extension Host\] (Got|Getting) .*sessions)/.test(text)
    || /workbench\.js:\d+/.test(text) || /ENOTFOUND|open-vsx\.org|marketplace|vscode-unpkg|update\.code\.visualstudio/i.test(text);
}

function printLogs(dataDir, only) {
  const walk = (d) => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const root of [join(dataDir, 'user', 'logs'), join(dataDir, 'server', 'data', 'logs'), join(dataDir, 'server', 'logs')]) {
    if (!existsSync(root)) continue;
    for (const f of walk(root).filter((f) => f.endsWith('.log') && (!only || only.test(f)))) {
      const text = readFileSync(f, 'utf8');
      if (text.trim()) console.error(`----- ${f}\n${text.slice(-6000)}`);
    }
  }
}
