// The messages between the extension host and the lint worker (src/diagnostics/lintWorker.ts): plain
// data only (structured clone), no vscode, no functions. Findings carry their quick fixes as plain
// ranges and edits, so code actions work from the host's copy without asking the worker again.
import type { Finding } from '../core/lint/types';
import type { LintOptions } from '../core/lint/rule';

export type WorkerRequest =
  /** A new, empty index (under the message's `ix`). */
  | { op: 'reset'; settings: LintOptions }
  /** Forgets an index. */
  | { op: 'drop' }
  | { op: 'setSettings'; settings: LintOptions }
  /** Paths of files that exist besides the deploy files (never overriding a deploy file's text). */
  | { op: 'addKnown'; paths: string[] }
  /** Adds or updates a file; with text, lints it once (so a slow file is caught here, by name). */
  | { op: 'setFile'; path: string; text?: string }
  | { op: 'removeFile'; path: string }
  | { op: 'forgetPaths'; path: string }
  | { op: 'lintFile'; path: string }
  | { op: 'lintAll' }
  /** Lints a file on its own (no cross-file rules); null when it is no deploy file. */
  | { op: 'lintText'; path: string; text: string }
  | { op: 'dependentsOf'; path: string }
  /** Project detection (`detectProject`), returned as plain data. */
  | { op: 'detect'; dir: string };

/** `ix`: which of the worker's indexes (one per LintIndex of the host; a rebuilt index is a new one). */
export type WorkerRequestMessage = WorkerRequest & { id: number; ix?: number };

export type WorkerMessage =
  /** Sent once, when the worker has loaded the core and listens. */
  | { ready: true }
  /** The worker starts on one file (the host's budget names that file when it runs out). */
  | { id: number; progress: string }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };

/** What the worker returns for each request. */
export interface WorkerResults {
  reset: null;
  drop: null;
  setSettings: null;
  addKnown: null;
  setFile: boolean;
  removeFile: null;
  forgetPaths: null;
  lintFile: Finding[];
  lintAll: Finding[];
  lintText: Finding[] | null;
  dependentsOf: string[];
  detect: unknown;
}

/** Passed as workerData. `stallOn` (tests only): a text holding this marker never finishes linting. */
export interface WorkerOptions {
  stallOn?: string;
}
