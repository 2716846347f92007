// The editor's handle on the lint engine: one index of the workspace's deploy files plus the few
// operations the diagnostics need. The rules run in the lint worker (lintWorker.ts), never on the
// extension host's thread; this side keeps a copy of what it gave the worker (paths and texts), so a
// worker restarted after a budget overrun gets the index back, minus the file that was too slow.
// That file gets one finding saying so, until its text changes. No vscode here.
import type { Finding, LintOptions } from '../core/lint';
import { LintWorkerClient, TooSlowError, type Replayer } from './workerClient';
import type { WorkerRequest, WorkerResults } from './workerProtocol';

export type LintSettings = LintOptions;

export interface LintIndex {
  /**
   * Adds or updates a file (without text: known by path only). Resolves with whether the rules read
   * it (a deploy file); a file too slow to lint counts as one (it shows the too-slow finding).
   */
  setFile(path: string, text?: string): Promise<boolean>;
  removeFile(path: string): Promise<void>;
  /** Findings in one indexed file, cross-file rules included. */
  lintFile(path: string): Promise<Finding[]>;
  lintAll(): Promise<Finding[]>;
  /** Lints a file that is not part of the workspace, on its own; undefined when it is no deploy file. */
  lintText(path: string, text: string): Promise<Finding[] | undefined>;
  /** Indexed files whose cross-file findings may change when `path` changes. */
  dependentsOf(path: string): Promise<string[]>;
  /** Files that exist besides the deploy files (CW604 and the app target look for `mysite/wsgi.py`). */
  addKnownPaths(paths: Iterable<string>): Promise<void>;
  /** Whether the index knows a file at this path (deploy file or not). */
  isKnown(path: string): boolean;
  /** Forgets a deleted file or every file under a deleted folder. */
  forgetPaths(pathOrFolder: string): Promise<void>;
  /** New severities or development globs: cached results are dropped, the files stay. */
  setSettings(settings: LintSettings): Promise<void>;
  /** Frees the worker's copy. */
  dispose(): void;
}

/** The one finding of a file the worker could not lint within the budget. */
export function tooSlowFinding(file: string, budgetMs: number): Finding {
  return {
    rule: '',
    severity: 'warning',
    message: `Cloudward stopped linting this file: its checks took longer than ${budgetMs / 1000} s (a file this slow would freeze the editor). Other files are still linted; this one is tried again when it changes.`,
    file,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
  };
}

let nextIx = 1;

/** Settings as plain data: VS Code hands out configuration values as proxies, which cannot be posted. */
function plain(settings: LintSettings): LintSettings {
  return JSON.parse(JSON.stringify(settings)) as LintSettings;
}

export function createLintIndex(client: LintWorkerClient, initial: LintSettings): LintIndex {
  const ix = nextIx++;
  const settings = plain(initial);
  let current = settings;
  /** What the worker was given: a deploy file's text, or null for a path known only. */
  const files = new Map<string, string | null>();
  /** Files of the index too slow to lint, with the text that was too slow. */
  const tooSlow = new Map<string, string | undefined>();
  /** The same for files linted on their own (lintText). */
  const aloneTooSlow = new Map<string, string>();
  let ready: Promise<unknown> = client.call({ op: 'reset', settings, ix }).catch(() => undefined);

  const replayer: Replayer = {
    requests() {
      const out: Array<{ req: WorkerRequest & { ix?: number }; file?: string }> = [{ req: { op: 'reset', settings: current, ix } }];
      const known = [...files].filter(([, t]) => t === null).map(([p]) => p);
      if (known.length) out.push({ req: { op: 'addKnown', paths: known, ix } });
      for (const [p, t] of files) if (t !== null) out.push({ req: { op: 'setFile', path: p, text: t, ix }, file: p });
      return out;
    },
    tooSlow(file) {
      markTooSlow(file, files.get(file) ?? undefined);
    },
  };
  const registration = client.addReplayer(replayer);

  function markTooSlow(file: string, text: string | undefined): void {
    tooSlow.set(file, text);
    // Known by path only from now on: the worker never sees its text again until it changes.
    files.set(file, null);
  }

  /** Runs a request; a budget overrun drops the file it blames and runs the request once more. */
  async function call<K extends WorkerRequest['op']>(req: Extract<WorkerRequest, { op: K }>, file?: string): Promise<WorkerResults[K]> {
    await ready;
    for (let attempt = 0; ; attempt++) {
      try {
        return await client.call<K>({ ...req, ix }, file);
      } catch (e) {
        if (!(e instanceof TooSlowError) || !e.file || attempt > 2) throw e;
        markTooSlow(e.file, files.get(e.file) ?? undefined);
        // The request was about that file alone: nothing more to ask.
        if (e.file === file) throw e;
      }
    }
  }

  const slowFindings = (): Finding[] => [...tooSlow.keys()].map((f) => tooSlowFinding(f, client.budgetMs));

  return {
    async setFile(path, text) {
      if (text !== undefined && tooSlow.has(path)) {
        if (tooSlow.get(path) === text) return true; // the same text: still too slow
        tooSlow.delete(path); // changed: tried again
      }
      if (text === undefined) tooSlow.delete(path);
      try {
        const deploy = await call({ op: 'setFile', path, text }, path);
        files.set(path, deploy && text !== undefined ? text : null);
        return deploy;
      } catch (e) {
        if (e instanceof TooSlowError && e.file === path) {
          markTooSlow(path, text);
          return true;
        }
        throw e;
      }
    },
    async removeFile(path) {
      files.delete(path);
      tooSlow.delete(path);
      await call({ op: 'removeFile', path });
    },
    async lintFile(path) {
      if (tooSlow.has(path)) return [tooSlowFinding(path, client.budgetMs)];
      try {
        return await call({ op: 'lintFile', path }, path);
      } catch (e) {
        if (e instanceof TooSlowError && e.file === path) return [tooSlowFinding(path, client.budgetMs)];
        throw e;
      }
    },
    async lintAll() {
      return [...(await call({ op: 'lintAll' })), ...slowFindings()];
    },
    async lintText(path, text) {
      if (aloneTooSlow.get(path) === text) return [tooSlowFinding(path, client.budgetMs)];
      aloneTooSlow.delete(path);
      try {
        return (await client.call({ op: 'lintText', path, text, ix }, path)) ?? undefined;
      } catch (e) {
        if (e instanceof TooSlowError && e.file === path) {
          aloneTooSlow.set(path, text);
          return [tooSlowFinding(path, client.budgetMs)];
        }
        throw e;
      }
    },
    dependentsOf: (path) => call({ op: 'dependentsOf', path }),
    async addKnownPaths(paths) {
      // A path alone must not demote a deploy file already indexed.
      const fresh = [...paths].filter((p) => !files.has(p));
      for (const p of fresh) files.set(p, null);
      if (fresh.length) await call({ op: 'addKnown', paths: fresh });
    },
    isKnown: (path) => files.has(path),
    async setSettings(next) {
      current = plain(next);
      await call({ op: 'setSettings', settings: current });
    },
    async forgetPaths(gone) {
      const prefix = gone.endsWith('/') ? gone : `${gone}/`;
      for (const p of [...files.keys()]) if (p === gone || p.startsWith(prefix)) files.delete(p);
      for (const p of [...tooSlow.keys()]) if (p === gone || p.startsWith(prefix)) tooSlow.delete(p);
      await call({ op: 'forgetPaths', path: gone });
    },
    dispose() {
      registration.dispose();
      ready = client.call({ op: 'drop', ix }).catch(() => undefined);
    },
  };
}
