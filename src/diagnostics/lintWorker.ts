// The lint worker: a worker_thread that holds the editor's lint index and runs detection, so that no
// file, whatever its content, runs the rules on the extension host's thread. It answers one request at
// a time (src/diagnostics/workerProtocol.ts); the host terminates it when a request overruns its time
// budget and starts another (src/diagnostics/workerClient.ts). No vscode here.
// Bundled as dist/lintWorker.js beside dist/core.js (esbuild.mjs), which it requires at run time.
import path = require('path');
import { parentPort, workerData } from 'worker_threads';
import type { Finding } from '../core/lint/types';
import type { WorkerOptions, WorkerRequestMessage, WorkerResults } from './workerProtocol';

type Core = typeof import('../core');

function loadCore(bundled = 'core.js', source = '../core'): Core {
  // In the bundle __dirname is dist/ (core.js beside this file, not bundled twice); in the tsc output,
  // the modules are siblings.
  try {
    return require(path.join(__dirname, bundled)) as Core;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    return require(source) as Core;
  }
}

const core = loadCore();
const options = (workerData ?? {}) as WorkerOptions;
type Settings = import('../core/lint/rule').LintOptions;
/** The host's indexes by `ix`, each with its settings. */
const indexes = new Map<number, { ws: InstanceType<Core['LintWorkspace']>; settings: Settings }>();

function indexOf(ix: number | undefined): { ws: InstanceType<Core['LintWorkspace']>; settings: Settings } {
  const i = indexes.get(ix ?? 0);
  if (!i) throw new Error(`no lint index ${ix}`);
  return i;
}

/**
 * A part of a file the engine skipped (a YAML document with a syntax error) as one info finding
 * without a rule: the YAML extension shows the error itself; this says why Cloudward is silent there.
 * Problems without a place (an unreadable file) are left out.
 */
function withSkipped(findings: Finding[], problems: import('../core/lint').LintProblem[]): Finding[] {
  const skipped = problems.filter((p) => p.range);
  if (!skipped.length) return findings;
  return [...findings, ...skipped.map((p): Finding => ({ rule: '', severity: 'info', message: `Cloudward did not lint this: ${p.message}`, file: p.file, range: p.range! }))];
}

/** Tests only: a text holding the marker stands for a file the rules never finish with. */
function stallIf(text: string | undefined): void {
  if (options.stallOn && text?.includes(options.stallOn)) for (;;);
}

function progress(id: number, file: string): void {
  parentPort!.postMessage({ id, progress: file });
}

async function handle(m: WorkerRequestMessage): Promise<WorkerResults[keyof WorkerResults]> {
  if (m.op === 'reset') {
    indexes.set(m.ix ?? 0, { ws: new core.LintWorkspace(m.settings), settings: m.settings });
    return null;
  }
  if (m.op === 'drop') {
    indexes.delete(m.ix ?? 0);
    return null;
  }
  if (m.op === 'detect') {
    // Plain data: a Detection is what `cloudward detect --json` prints.
    return JSON.parse(JSON.stringify(await core.detectProject(m.dir))) as unknown;
  }
  if (m.op === 'setFile' || m.op === 'lintText') stallIf(m.text);
  const index = indexOf(m.ix);
  const ws = index.ws;
  switch (m.op) {
    case 'setSettings':
      index.settings = m.settings;
      ws.setOptions(m.settings);
      return null;
    case 'addKnown':
      // A path alone must not demote a deploy file already indexed.
      for (const p of m.paths) if (!ws.exists(p)) ws.setFile(p);
      return null;
    case 'setFile': {
      const deploy = ws.setFile(m.path, m.text);
      // Linted once now (the result is cached): a file too slow for the budget is found by name here,
      // before any lintAll or cross-file pass has to go through it.
      if (deploy) ws.lintFileWithProblems(m.path);
      return deploy;
    }
    case 'removeFile':
      ws.removeFile(m.path);
      return null;
    case 'forgetPaths': {
      const prefix = m.path.endsWith('/') ? m.path : `${m.path}/`;
      for (const p of [...ws.paths()]) if (p === m.path || p.startsWith(prefix)) ws.removeFile(p);
      return null;
    }
    case 'lintFile': {
      const r = ws.lintFileWithProblems(m.path);
      return withSkipped(r.findings, r.problems);
    }
    case 'lintAll': {
      const out: Finding[] = [];
      for (const f of [...ws.files()]) {
        progress(m.id, f.path);
        const r = ws.lintFileWithProblems(f.path);
        out.push(...withSkipped(r.findings, r.problems));
      }
      return out;
    }
    case 'lintText': {
      if (!ws.isDeployFile(m.path, m.text)) return null;
      const problems: import('../core/lint').LintProblem[] = [];
      return withSkipped(core.lintText(m.path, m.text, index.settings, (p) => problems.push(p)), problems);
    }
    case 'dependentsOf':
      return ws.dependentsOf(m.path);
  }
}

parentPort!.postMessage({ ready: true });
parentPort!.on('message', (m: WorkerRequestMessage) => {
  handle(m).then(
    (result) => parentPort!.postMessage({ id: m.id, ok: true, result }),
    (e: unknown) => parentPort!.postMessage({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
