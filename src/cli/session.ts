// One way for every server command (servers status, provision, deploy, rollback, releases) to reach a server:
// the same SSH config resolution, the same host-key rules (unknown → exit 4 unless --accept-new; changed →
// always refused) and the same exit codes for SSH failures.
import type * as SshLayer from '../core/ssh';
import { printable } from '../core/printable';
import { loadSsh } from '../lazy';
import { Exit, Io, UsageError, writeLine } from './command';

// The SSH layer (ssh2, the largest part of the tool) is its own file, dist/ssh.js, loaded by path on
// first use like the extension does: `cloudward lint` or `detect` never compiles it.
export { loadSsh };

/** Asks on the terminal without echo; undefined when there is no terminal (then the step is skipped). */
export function askHidden(question: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY || !process.stderr.isTTY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    process.stderr.write(printable(question));
    let answer = '';
    stdin.setRawMode(true);
    stdin.resume();
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(answer);
        if (ch === '\u0003') return done(undefined);
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    const done = (v: string | undefined) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(v);
    };
    stdin.on('data', onData);
  });
}

export const secretPrompts: SshLayer.SshCallbacks = {
  passphrase: (q) => askHidden(`Passphrase for ${q.identityFile}: `),
  password: (q) => askHidden(`Password for ${q.target}: `),
  // name, instructions and prompts come from the server: the SSH layer escapes them and prefixes each
  // prompt with (user@host), so a jump host cannot pass itself off as the target.
  keyboardInteractive: async (q) => {
    if (q.name) process.stderr.write(printable(q.name) + '\n');
    if (q.instructions) process.stderr.write(printable(q.instructions) + '\n');
    const answers: string[] = [];
    for (const pr of q.prompts) {
      const a = await askHidden(pr.prompt);
      if (a === undefined) return undefined;
      answers.push(a);
    }
    return answers;
  },
};

export interface SessionOptions {
  sshConfig?: string;
  acceptNew?: boolean;
  timeoutSeconds?: number;
}

/** The pool and the connection of server `name` (an SSH config alias or a host), nothing sent yet. */
export function openServer(name: string, o: SessionOptions, io: Io): { pool: SshLayer.SshPool; conn: SshLayer.ServerConnection } {
  const ssh = loadSsh();
  const { servers } = ssh.listServers({ sshConfigFile: o.sshConfig, env: io.env });
  const spec = servers.find((s) => s.name === name) ?? { name, host: name };
  const problems = ssh.validateServer(spec);
  if (problems.length) throw new UsageError(problems.join(' '));
  const storePath = ssh.defaultCliTrustStorePath(io.env);
  const interactive = !!process.stdin.isTTY && !!process.stderr.isTTY;
  const pool = new ssh.SshPool({
    trustStore: new ssh.FileTrustStore(storePath),
    sshConfigFile: o.sshConfig,
    env: io.env,
    commandTimeoutMs: (o.timeoutSeconds ?? 30) * 1000,
    lookupServer: (n) => servers.find((s) => s.name === n),
    callbacks: {
      confirmHostKey: o.acceptNew
        ? async (k) => {
            writeLine(io.err, `cloudward: trusting the new host key of ${k.hostPort}: ${k.keyType} ${k.fingerprint} (remembered in ${storePath})`);
            return true;
          }
        : undefined,
      // Secrets only from a person at a terminal; without one, those steps are skipped (and said so).
      ...(interactive ? secretPrompts : {}),
    },
  });
  return { pool, conn: pool.get(spec) };
}

/** Maps the SSH layer's errors to the shared exit codes (4 host key, 5 unreachable, 2 usage); undefined: not an SSH error. */
export function sshErrorExit(e: unknown, command: string, io: Io): number | undefined {
  const ssh = loadSsh();
  if (e instanceof ssh.HostKeyUnknownError) {
    writeLine(io.err, `cloudward ${command}: ${e.message}`);
    writeLine(io.err, "If that is the server's key (compare with `ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub` run on the server), run again with --accept-new.");
    return Exit.hostKey;
  }
  if (e instanceof ssh.HostKeyChangedError || e instanceof ssh.HostKeyRevokedError) {
    writeLine(io.err, `cloudward ${command}: ${e.message}`);
    return Exit.hostKey;
  }
  if (e instanceof ssh.UnreachableError || e instanceof ssh.AuthFailedError) {
    writeLine(io.err, `cloudward ${command}: ${e.message}`);
    return Exit.unreachable;
  }
  if (e instanceof ssh.InvalidInputError) throw new UsageError(e.message);
  if (e instanceof ssh.SshError) {
    writeLine(io.err, `cloudward ${command}: ${e.message}`);
    return Exit.findings;
  }
  return undefined;
}
