import * as vscode from 'vscode';
import { Config } from './config';
import { errorMessage, log } from './log';
import { loadCore, loadSsh } from './lazy';
import { printable } from './core/printable';
import type { Detection } from './core';

/** Owns the extension's lifetime: everything registered here is disposed on deactivation. */
export class Ctx {
  readonly config = new Config();
  private readonly changeEmitter = new vscode.EventEmitter<void>();

  constructor(readonly extension: vscode.ExtensionContext) {
    extension.subscriptions.push(this.changeEmitter);
  }

  get core() {
    return loadCore();
  }

  get ssh() {
    return loadSsh();
  }

  /**
   * Where the commands' project detection runs: the diagnostics feature points it at the lint worker (off the
   * extension host's thread, within the worker's budget); until then, and if the worker cannot start, here.
   */
  detector: ((dir: string) => Promise<Detection>) | undefined;

  /** Detects the project in `dir` (see {@link detector}): what `cloudward detect --json` prints. */
  detectProject(dir: string): Promise<Detection> {
    return this.detector ? this.detector(dir) : this.core.detectProject(dir);
  }

  get secrets(): vscode.SecretStorage {
    return this.extension.secrets;
  }

  /** Registers a disposable for the extension's lifetime and returns it. */
  own<T extends vscode.Disposable>(d: T): T {
    this.extension.subscriptions.push(d);
    return d;
  }

  /**
   * Registers a command whose failures reach the user as one clear message (with the log a click away)
   * instead of VS Code's generic "command failed".
   */
  command(id: string, handler: (...args: never[]) => unknown): void {
    this.own(
      vscode.commands.registerCommand(id, async (...args: never[]) => {
        try {
          return await handler(...args);
        } catch (e) {
          log().error(`${id}: ${e instanceof Error && e.stack ? e.stack : errorMessage(e)}`);
          const choice = await vscode.window.showErrorMessage(`Cloudward: ${printable(errorMessage(e))}`, 'Show Log');
          if (choice === 'Show Log') log().show();
          return undefined;
        }
      }),
    );
  }
}
