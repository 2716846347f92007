import { analyzeCommand, startCommands } from '../startCommands';
import type { SimpleCommand, StartCommand } from '../startCommands';
import type { LintFile } from '../file';
import { lastOf, parseDockerfile } from '../parse/dockerfile';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { basename } from '../classify';
import { fix, replaceEdit, wordRange } from './util';

const PID1_HINT = 'In shell form the container runs `/bin/sh -c`, which does not pass SIGTERM on: the server is killed after the stop timeout instead of finishing its requests.';

/** The exec (JSON) form of a shell-form command: plain words → a JSON array; anything the shell must do → `sh -c "exec …"`. */
function execForm(file: LintFile, start: StartCommand): string {
  const raw = file.text.slice(start.start, start.end).replace(/\\\r?\n[ \t]*/g, ' ').trim();
  const words = start.commands[0]?.words ?? [];
  const plain = start.commands.length === 1 && words.every((w) => !/[$*?`~]/.test(w.value)) && !words.some((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.value));
  if (plain) return '[' + words.map((w) => JSON.stringify(w.value)).join(', ') + ']';
  // Put `exec` before the last command so that the server replaces the shell.
  const last = start.commands[start.commands.length - 1];
  const lastFirst = last?.words[0];
  const norm = (t: string) => t.replace(/\\\r?\n[ \t]*/g, ' ');
  // The whole command is one `bash -c "…"`: its own shell, with `exec` before the script's last command.
  const shell = start.commands[0];
  if (shell?.script && last?.via === shell && start.commands.every((c, i) => i === 0 || c.via) && lastFirst && !last.background) {
    const text = file.text;
    const script = lastFirst.value === 'exec' ? text.slice(shell.script.start, shell.script.end) : text.slice(shell.script.start, lastFirst.start) + 'exec ' + text.slice(lastFirst.start, shell.script.end);
    return JSON.stringify([...shell.words.map((w) => w.value), norm(script)]).replace(/","/g, '", "');
  }
  // Otherwise before the last command of the line itself (an `sh -c` it runs counts as one command).
  let top = last;
  while (top?.via) top = top.via;
  const topFirst = top?.words[0];
  let script = raw;
  if (topFirst && topFirst.value !== 'exec' && !top.background) {
    script = (norm(file.text.slice(start.start, topFirst.start)) + 'exec ' + norm(file.text.slice(topFirst.start, start.end))).trim();
  }
  return JSON.stringify(['sh', '-c', script]).replace(/","/g, '", "');
}

function dockerfile(file: LintFile): RuleFinding[] {
  const df = file.parse(parseDockerfile);
  const starts = file.parse(startCommands);
  const out: RuleFinding[] = [];
  for (const keyword of ['ENTRYPOINT', 'CMD']) {
    const ins = lastOf(df.final, keyword);
    const start = starts.find((s) => s.instruction === ins);
    if (!ins || !start || !start.commands.length) continue;
    if (start.form === 'exec') {
      const f = serverUnderSh(file, start);
      if (f) out.push(f);
      continue;
    }
    // CMD in shell form behind an exec-form ENTRYPOINT still runs as `/bin/sh -c …` under it: flagged.
    // (A shell-form ENTRYPOINT ignores CMD altogether: nothing to say about the CMD then.)
    const entrypoint = starts.find((s) => s.instruction && s.instruction === lastOf(df.final, 'ENTRYPOINT'));
    if (keyword === 'CMD' && entrypoint?.form === 'shell') continue;
    out.push({
      message: `${keyword} in shell form: the server does not get SIGTERM`,
      hint: PID1_HINT,
      range: file.lines.range(start.start, start.end),
      fix: fix(`Use the exec form of ${keyword}`, file, [replaceEdit(file, start.start, start.end, execForm(file, start))]),
    });
  }
  return out;
}

// dash (Debian's /bin/sh, under the python images) keeps running a `-c` script's last command as its
// child, so the server is not PID 1; bash 5 replaces itself with it (measured: bash 5.2, dash 0.5.12).
const FORKING_SHELLS = new Set(['sh', 'dash', 'ash']);

/**
 * The last command of a shell, when it starts a server without `exec` (the shell then stays PID 1 and
 * keeps SIGTERM): a finding at its first word, with `exec` inserted there as the fix.
 */
function startedWithoutExec(file: LintFile, last: SimpleCommand, message: string, hint: string): RuleFinding | undefined {
  if (last.background) return undefined;
  const inv = analyzeCommand(last);
  if (!inv || inv.exec || inv.tool === 'python-script') return undefined;
  const first = last.words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w.value))!;
  return { message, hint, range: wordRange(file, first), fix: fix('Start the server with exec', file, [replaceEdit(file, first.start, first.start, 'exec ')]) };
}

/** `CMD ["sh", "-c", "python manage.py migrate && gunicorn …"]`: the server is sh's child, not PID 1. */
function serverUnderSh(file: LintFile, start: StartCommand): RuleFinding | undefined {
  const shell = start.commands[0];
  const last = start.commands[start.commands.length - 1];
  const name = basename(shell?.words[0]?.value ?? '');
  if (!shell?.script || last.via !== shell || !FORKING_SHELLS.has(name)) return undefined;
  return startedWithoutExec(
    file,
    last,
    `The server runs under ${name} -c without exec: it does not get SIGTERM`,
    'The shell stays PID 1 and does not pass SIGTERM on: the server is killed after the stop timeout instead of finishing its requests. `exec` makes the server replace the shell.',
  );
}

function shellScript(file: LintFile): RuleFinding[] {
  const start = file.parse(startCommands)[0];
  const last = start?.commands[start.commands.length - 1];
  // A last line `bash -c "… gunicorn"`: the script's shell waits for bash, whatever bash does inside.
  if (!last || last.via) return [];
  const f = startedWithoutExec(
    file,
    last,
    'The server is started without exec: signals stop at the shell',
    'Without `exec` the shell stays PID 1 and does not forward SIGTERM: the server is killed instead of shutting down gracefully.',
  );
  return f ? [f] : [];
}

registerRule({
  id: 'CW107',
  severity: 'warning',
  kinds: ['dockerfile', 'shell'],
  silentInDevelopment: false,
  summary: 'The server is not PID 1: shell-form CMD/ENTRYPOINT, or a shell entrypoint without exec',
  check(file) {
    return file.kind === 'dockerfile' ? dockerfile(file) : shellScript(file);
  },
});

