// The CLI in-process, with its output captured (shared by the security tests).
import { Writable } from 'stream';
import { main } from '../../../src/cli/index';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(chunk, _enc, cb) {
        chunks.push(String(chunk));
        cb();
      },
    }),
    text: () => chunks.join(''),
  };
}

export async function runCli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  const out = capture();
  const err = capture();
  const code = await main(args, { out: out.stream, err: err.stream, cwd, env: {} });
  return { code, out: out.text(), err: err.text() };
}

