import * as vscode from 'vscode';

// One output channel for the extension, created on first use (not at activation).
let channel: vscode.LogOutputChannel | undefined;

export function log(): vscode.LogOutputChannel {
  return (channel ??= vscode.window.createOutputChannel('Cloudward', { log: true }));
}

export function disposeLog(): void {
  channel?.dispose();
  channel = undefined;
}

/** The message of an unknown thrown value, for the user. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The `.catch` of work nobody waits for (a message's follow-up, a background refresh): its failure goes
 * to the log, with what was being done, instead of becoming an unhandled rejection.
 */
export function logFailure(what: string): (e: unknown) => void {
  return (e) => log().error(`${what} failed: ${e instanceof Error && e.stack ? e.stack : errorMessage(e)}`);
}
