// The extension host's side of the lint worker (src/diagnostics/lintWorker.ts): one long-lived
// worker_thread, one request at a time, each with a time budget. A request that overruns it (a file
// whose rules never finish, whatever the reason) gets the worker terminated and another started; the
// request fails with TooSlowError naming the file the worker was on, and the state the worker held is
// put back by the replayers (lintIndex.ts) before the next request. No vscode here (unit-tested in Node).
import fs = require('fs');
import path = require('path');
import { Worker } from 'worker_threads';
import type { WorkerMessage, WorkerOptions, WorkerRequest, WorkerRequestMessage, WorkerResults } from './workerProtocol';

/** How long one file may take in the worker before it is stopped: far above any real file's lint. */
export const DEFAULT_BUDGET_MS = 5000;

/** Loading the worker (Node and dist/core.js) on a busy machine: generous, and not blamed on any file. */
const BOOT_TIMEOUT_MS = 60_000;

export class TooSlowError extends Error {
  constructor(
    /** The file the worker was on when the budget ran out (undefined: not about one file). */
    readonly file: string | undefined,
    readonly budgetMs: number,
    readonly op: WorkerRequest['op'],
  ) {
    super(`${file ?? op} took longer than ${budgetMs / 1000} s in the lint worker, which was restarted`);
  }
}

/** The worker stopped for another reason (it crashed, or the client was disposed). */
export class WorkerGoneError extends Error {}

/** Puts a fresh worker back in the state an owner had built (see LintIndex in lintIndex.ts). */
export interface Replayer {
  requests(): Array<{ req: WorkerRequest & { ix?: number }; file?: string }>;
  /** A replayed file overran the budget too: the owner drops it (it is no longer replayed). */
  tooSlow(file: string): void;
}

interface Pending {
  msg: WorkerRequestMessage;
  file: string | undefined;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** The worker's file: beside this module (dist/ in the bundle, out/src/diagnostics in the tsc output). */
export function workerFile(): string {
  return path.join(__dirname, 'lintWorker.js');
}

export class LintWorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly replayers = new Set<Replayer>();
  /** Set after a restart: the replayers' requests go first. */
  private needsReplay = false;
  private replaying = false;
  private disposed = false;
  /** Whether the running worker finished loading (the budget counts from then: start-up is not a file's fault). */
  private booted = false;
  private bootTimer: NodeJS.Timeout | undefined;
  private readonly tooSlowListeners = new Set<(e: TooSlowError) => void>();
  /** Workers started so far (tests and the log read it). */
  restarts = 0;
  /** Why the last worker stopped on its own, if it did (the tests' API reports it). */
  lastError: string | undefined;

  constructor(
    public budgetMs = DEFAULT_BUDGET_MS,
    private readonly options: WorkerOptions & { file?: string; log?: (line: string) => void } = {},
  ) {}

  /** Hears about every budget overrun (the editor shows one notice per file). */
  onTooSlow(listener: (e: TooSlowError) => void): { dispose(): void } {
    this.tooSlowListeners.add(listener);
    return { dispose: () => this.tooSlowListeners.delete(listener) };
  }

  addReplayer(r: Replayer): { dispose(): void } {
    this.replayers.add(r);
    return { dispose: () => this.replayers.delete(r) };
  }

  /** Sends one request; `file` names the file the budget blames if it runs out (before any progress). */
  call<K extends WorkerRequest['op']>(req: Extract<WorkerRequest, { op: K }> & { ix?: number }, file?: string): Promise<WorkerResults[K]> {
    if (this.disposed) return Promise.reject(new WorkerGoneError('the lint worker is stopped'));
    return new Promise<WorkerResults[K]>((resolve, reject) => {
      this.queue.push({ msg: { ...req, id: this.nextId++ } as WorkerRequestMessage, file, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /**
   * Tests only: from the next worker on, a text holding `marker` never finishes linting (a stand-in for
   * any input the rules would take forever on). The running worker is replaced once it is idle.
   */
  setStallMarker(marker: string | undefined): void {
    this.options.stallOn = marker;
    if (!this.current) this.restart();
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
    if (this.bootTimer) clearTimeout(this.bootTimer);
    this.bootTimer = undefined;
    const pending = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current = undefined;
    for (const p of pending) p.reject(new WorkerGoneError('the lint worker is stopped'));
    // void: Worker.terminate() resolves with the exit code; it never rejects.
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const file = this.options.file ?? workerFile();
    if (!fs.existsSync(file)) throw new WorkerGoneError(`the lint worker is missing (${file})`);
    // No inherited Node flags (the extension host's --inspect and loader options are not the worker's).
    const w = new Worker(file, { workerData: { stallOn: this.options.stallOn } satisfies WorkerOptions, execArgv: [], stdout: true, stderr: true });
    this.restarts++;
    this.booted = false;
    w.unref();
    // The worker's own output (a crash in its start-up, say) goes to the log, never to the host's stdio.
    const forward = (chunk: Buffer) => this.options.log?.(`Lint worker: ${String(chunk).trimEnd()}`);
    w.stdout.on('data', forward);
    w.stderr.on('data', forward);
    w.on('message', (m: WorkerMessage) => this.received(w, m));
    w.on('error', (e) => this.died(w, e));
    w.on('exit', (code) => this.died(w, new WorkerGoneError(`the lint worker exited (code ${code})`)));
    this.worker = w;
    return w;
  }

  private pump(): void {
    if (this.current || this.disposed) return;
    if (this.needsReplay && !this.replaying) {
      this.needsReplay = false;
      this.replay().catch((e: unknown) => this.options.log?.(`Lint worker: giving the index back failed: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    if (this.replaying) return;
    const next = this.queue.shift();
    if (!next) return;
    this.send(next);
  }

  private send(p: Pending): void {
    this.current = p;
    let w: Worker;
    try {
      w = this.ensureWorker();
    } catch (e) {
      this.current = undefined;
      p.reject(e as Error);
      this.pump();
      return;
    }
    try {
      w.postMessage(p.msg);
    } catch (e) {
      // Not plain data (a DataCloneError): the request's fault, not the worker's.
      this.current = undefined;
      p.reject(e as Error);
      this.pump();
      return;
    }
    if (this.booted) this.armTimer();
    else this.armBootTimer(w);
  }

  private armBootTimer(w: Worker): void {
    if (this.bootTimer) return;
    this.bootTimer = setTimeout(() => {
      this.bootTimer = undefined;
      if (w === this.worker && !this.booted) {
        // void: Worker.terminate() resolves with the exit code; it never rejects.
        void w.terminate();
        this.died(w, new WorkerGoneError(`the lint worker did not start within ${BOOT_TIMEOUT_MS / 1000} s`));
      }
    }, BOOT_TIMEOUT_MS);
  }

  /** After a restart, every owner's state goes back in, one request at a time, each with the budget. */
  private async replay(): Promise<void> {
    this.replaying = true;
    try {
      // A replayed file that overruns is dropped by its owner and the replay starts over in the next
      // worker (the one that overran is gone, with what it had been given).
      let attempts = 0;
      again: while (!this.disposed && attempts++ < 100) {
        this.needsReplay = false;
        for (const r of [...this.replayers]) {
          for (const { req, file } of r.requests()) {
            try {
              await new Promise((resolve, reject) => this.send({ msg: { ...req, id: this.nextId++ } as WorkerRequestMessage, file, resolve, reject }));
            } catch (e) {
              if (this.disposed) return;
              if (e instanceof TooSlowError && e.file) r.tooSlow(e.file);
              if (this.needsReplay) continue again;
            }
          }
        }
        break;
      }
    } finally {
      this.replaying = false;
      this.pump();
    }
  }

  private armTimer(): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.overrun(), this.budgetMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private received(w: Worker, m: WorkerMessage): void {
    if (w !== this.worker) return;
    if ('ready' in m) {
      this.booted = true;
      if (this.bootTimer) clearTimeout(this.bootTimer);
      this.bootTimer = undefined;
      if (this.current) this.armTimer();
      return;
    }
    const p = this.current;
    if (w !== this.worker || !p || m.id !== p.msg.id) return;
    if ('progress' in m) {
      // A new file: a new budget, and the file to blame if it runs out.
      p.file = m.progress;
      this.armTimer();
      return;
    }
    this.clearTimer();
    this.current = undefined;
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
    this.pump();
  }

  private overrun(): void {
    const p = this.current;
    if (!p) return;
    const err = new TooSlowError(p.file, this.budgetMs, p.msg.op);
    this.options.log?.(`Lint worker: ${err.message}.`);
    this.restart();
    this.current = undefined;
    p.reject(err);
    for (const l of this.tooSlowListeners) l(err);
    this.pump();
  }

  private restart(): void {
    const w = this.worker;
    this.worker = undefined;
    if (this.bootTimer) clearTimeout(this.bootTimer);
    this.bootTimer = undefined;
    this.needsReplay = this.replayers.size > 0;
    // void: Worker.terminate() resolves with the exit code; it never rejects.
    void w?.terminate();
  }

  private died(w: Worker, e: Error): void {
    if (w !== this.worker) return; // terminated on purpose
    this.worker = undefined;
    if (this.bootTimer) clearTimeout(this.bootTimer);
    this.bootTimer = undefined;
    this.clearTimer();
    this.needsReplay = this.replayers.size > 0;
    const p = this.current;
    this.current = undefined;
    this.lastError = e.stack ?? e.message;
    this.options.log?.(`Lint worker stopped: ${e.message}`);
    p?.reject(e instanceof WorkerGoneError ? e : new WorkerGoneError(e.message));
    this.pump();
  }
}
