import type { Writable } from 'stream';
import { printable } from '../core/printable';

/** Where a CLI command writes, so that tests can capture it. */
export interface Io {
  out: Writable;
  err: Writable;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  name: string;
  /** One line for `cloudward --help`. */
  summary: string;
  /** The command's own help text (`cloudward <name> --help`). */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[], io: Io): Promise<number>;
}

/** Exit codes shared by every command. */
export const Exit = {
  ok: 0,
  findings: 1,
  usage: 2,
  exists: 3,
  hostKey: 4,
  unreachable: 5,
  /** A file could not be written (disk full, a size limit, permissions); nothing half-written is left. */
  writeFailed: 6,
} as const;

/** A usage error: printed with the command's usage line, exit 2. */
export class UsageError extends Error {}

/**
 * Writes one line (or a block) to the terminal. Everything printed may hold text from a project or a
 * server, so control characters are always escaped here (JSON stays valid: the escapes are JSON's own).
 * Values that must stay on one line (file names, server fields) go through `printableLine` first.
 */
export function writeLine(stream: Writable, text = ''): void {
  stream.write(printable(text) + '\n');
}
