// Runs one operation of the server-side agent (./agentSource.ts) over the SSH layer's connection.
// The program and its input travel on stdin: the command line holds only a short fixed bootstrap and,
// for `facts`, $SSH_CONNECTION. Secrets therefore never reach an argument list, `ps` or a log.
import { createHash } from 'crypto';
import { CommandFailedError, SudoPasswordRequiredError } from '../ssh/errors';
import { shCommand, shQuote } from '../ssh/quote';
import type { ServerConnection } from '../ssh/connection';
import { AGENT_SOURCE } from './agentSource';

export const AGENT_HASH = createHash('sha256').update(AGENT_SOURCE).digest('hex').slice(0, 16);

// Reads the agent (length-prefixed) then hands the rest of stdin to main().
const BOOT =
  'import sys;b=sys.stdin.buffer;n=int(b.readline());s=b.read(n).decode();' +
  'g={"__name__":"cloudward_agent","AGENT_TEXT":s};exec(compile(s,"cloudward-agent","exec"),g);g["main"](b,sys.argv)';

/** An operation the agent refused or that failed on the server, with the server's output (never secrets). */
export class AgentError extends Error {
  constructor(
    message: string,
    readonly output = '',
  ) {
    super(message);
  }
}

export interface AgentCallOptions {
  /** Run as root (directly when logged in as root, else `sudo -n`). */
  root?: boolean;
  /** Run as this user when logged in as root (deploys run as the deploy user, never as root). */
  asUser?: string;
  /** Binary payload after the JSON header (uploads). */
  payload?: Buffer;
  timeoutMs?: number;
  /** Safe to repeat on a fresh connection after a drop (reads). */
  idempotent?: boolean;
}

/** The remote command line: `python3 -c BOOT "$SSH_CONNECTION"`, as root when asked. No data in it. */
export function agentCommand(root: boolean, asUser?: string): string {
  const py = `python3 -c ${shQuote(BOOT)} "$SSH_CONNECTION"`;
  const script = asUser
    ? `if [ "$(id -u)" = 0 ]; then exec runuser -u ${shQuote(asUser)} -- ${py}; else exec ${py}; fi`
    : root
    ? `command -v python3 >/dev/null || { echo 'cloudward: python3 is not installed on this server (apt-get install python3)' >&2; exit 127; }; ` +
      `if [ "$(id -u)" = 0 ]; then exec ${py}; else exec sudo -n ${py}; fi`
    : `command -v python3 >/dev/null || { echo 'cloudward: python3 is not installed on this server' >&2; exit 127; }; exec ${py}`;
  return shCommand(['sh', '-c', script]);
}

/** The stdin of one call: the agent's length, the agent, one JSON line, then the payload. */
export function agentInput(header: object, payload?: Buffer): Buffer {
  const src = Buffer.from(AGENT_SOURCE, 'utf8');
  const parts: Buffer[] = [Buffer.from(`${src.length}\n`), src, Buffer.from(JSON.stringify(header) + "\n")];
  if (payload) parts.push(payload);
  return Buffer.concat(parts);
}

export async function callAgent<T>(conn: ServerConnection, op: string, args: Record<string, unknown>, o: AgentCallOptions = {}): Promise<T> {
  const header = { ...args, op, ...(o.payload ? { size: o.payload.length } : {}) };
  const r = await conn.exec(agentCommand(!!o.root, o.asUser), { stdin: agentInput(header, o.payload), timeoutMs: o.timeoutMs, idempotent: o.idempotent });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{"ok"')).pop();
  if (!line) {
    if (/a password is required|a terminal is required|no tty present/i.test(r.stderr)) throw new SudoPasswordRequiredError(conn.target, `the ${op} step`);
    throw new CommandFailedError(conn.target, `The ${op} step`, r.code, (r.stderr || r.stdout).trim() || 'python3 printed nothing');
  }
  const res = JSON.parse(line) as { ok: boolean; result?: T; error?: string; output?: string };
  if (!res.ok) throw new AgentError(res.error ?? 'failed', res.output ?? '');
  return res.result as T;
}
