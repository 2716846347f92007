// Helpers shared by the CW1xx/CW4xx rules: ranges of words, text edits, and the server commands
// that the runserver-style fixes write.
import { basename, dirname } from '../classify';
import type { Invocation, StartCommand, Word } from '../startCommands';
import { findOptions, parseAddress } from '../startCommands';
import type { LintFile } from '../file';
import { assignedNames, pythonModuleOf } from '../parse/python';
import type { PyAssignment, PyNode } from '../parse/python';
import type { AppTarget, RuleContext } from '../rule';
import type { Fix, Range, TextEdit } from '../types';

export function wordRange(file: LintFile, w: { start: number; end: number }): Range {
  return file.lines.range(w.start, w.end);
}

export function fix(title: string, file: LintFile, edits: TextEdit[]): Fix {
  return { title, edits: [{ file: file.path, edits }] };
}

export function replaceEdit(file: LintFile, start: number, end: number, newText: string): TextEdit {
  return { range: file.lines.range(start, end), newText };
}

/** The module-level `name = value` settings of a Python config file (gunicorn.conf.py), as the Python reader parsed them. */
export function moduleSettings(file: LintFile): Array<{ name: string; assignment: PyAssignment; value: PyNode }> {
  const out: Array<{ name: string; assignment: PyAssignment; value: PyNode }> = [];
  for (const a of file.parse(pythonModuleOf).assignments) {
    if (!a.topLevel || a.op !== '=' || !a.value) continue;
    for (const n of assignedNames(a)) out.push({ name: n.name, assignment: a, value: a.value });
  }
  return out;
}

/** Deletes a line, including its line break. */
export function deleteLineEdit(file: LintFile, line: number): TextEdit {
  const next = line + 1 < file.lines.lineCount ? { line: line + 1, character: 0 } : { line, character: file.lines.line(line).length };
  return { range: { start: { line, character: 0 }, end: next }, newText: '' };
}

/** Removes words (an option and its value) together with the separator before them, in shell or exec form. */
export function removeWordsEdit(file: LintFile, words: Word[], first: Word, last: { end: number }): TextEdit {
  const i = words.indexOf(first);
  const prev = i > 0 ? words[i - 1] : undefined;
  return replaceEdit(file, prev ? prev.end : first.start, last.end, '');
}

/** The bind address a production server should use for this start command. */
export function productionBind(start: StartCommand, given?: string): string {
  const addr = given ? parseAddress(given, 0) : undefined;
  const port = addr?.port && !addr.unix ? addr.port : undefined;
  if (start.portFromEnv) return '0.0.0.0:$PORT';
  if (start.container || start.where === 'shell') return `0.0.0.0:${port && /^\d+$/.test(port) ? port : start.port ?? '8000'}`;
  // A host service (systemd) sits behind a proxy on the same machine: keep what was given, else loopback.
  return addr?.host && port ? `${addr.host}:${port}` : `127.0.0.1:${port ?? '8000'}`;
}

/** `gunicorn mysite.wsgi --bind …` (with uvicorn workers for ASGI), as an argv. */
export function gunicornArgv(program: string, target: AppTarget, bind: string, extra: string[] = []): string[] {
  const argv = [program, target.target, '--bind', bind];
  if (target.interface === 'asgi') argv.push('--worker-class', 'uvicorn_worker.UvicornWorker');
  return [...argv, ...extra];
}

/** `gunicorn`, or `/srv/venv/bin/gunicorn` when the command ran `/srv/venv/bin/python`. */
export function serverProgram(inv: Invocation, name = 'gunicorn'): string {
  const first = inv.command.words[inv.startIndex].value;
  const dir = dirname(first);
  return first.includes('/') && /python|manage\.py/.test(basename(first)) && dir !== '.' ? `${dir}/${name}` : name;
}

/**
 * Edits that replace an invocation (from its program word to its last argument) with `argv`: in an
 * exec-form list the list is rewritten (words before the program, such as wrappers, are kept); in a
 * command line the words are replaced in place, so `migrate && …` and comments stay as they were.
 */
export function replaceInvocation(file: LintFile, start: StartCommand, inv: Invocation, argv: string[]): TextEdit[] {
  const words = inv.command.words;
  const isArgvList = start.form === 'exec' && start.commands.length === 1 && start.replaceArgv;
  if (isArgvList) return start.replaceArgv!([...words.slice(0, inv.startIndex).map((w) => w.value), ...argv]);
  // Dockerfile shell form that is only this command: write the exec form (also fixes CW107).
  if (start.where === 'dockerfile' && start.form === 'shell' && start.commands.length === 1 && inv.startIndex === 0 && !argv.some((a) => a.includes('$'))) {
    return [replaceEdit(file, start.start, start.end, '[' + argv.map((a) => JSON.stringify(a)).join(', ') + ']')];
  }
  const first = words[inv.startIndex];
  const last = words[words.length - 1];
  return [replaceEdit(file, first.start, last.end, argv.join(' '))];
}

/** The runserver → gunicorn fix of CW101/CW102, or undefined when the app target is unknown. */
export function gunicornFix(file: LintFile, ctx: RuleContext, start: StartCommand, inv: Invocation, target?: AppTarget): Fix | undefined {
  const t = target ?? ctx.appTarget(file);
  if (!t) return undefined;
  const operand = inv.args.find((w) => !w.value.startsWith('-'));
  const given = inv.tool === 'runserver' || inv.tool === 'runserver_plus' ? operand?.value : findOptions(inv.args, ['--host', '-h'])[0]?.value;
  const extra: string[] = [];
  const settings = findOptions(inv.args, ['--settings'])[0]?.value;
  if (settings) extra.push('--env', `DJANGO_SETTINGS_MODULE=${settings}`);
  const bind = productionBind(start, given && /^\d+$/.test(given) ? `:${given}` : given);
  const argv = gunicornArgv(serverProgram(inv), t, bind, extra);
  return fix(`Run ${t.interface === 'asgi' ? 'gunicorn with uvicorn workers' : 'gunicorn'} on ${t.target}`, file, replaceInvocation(file, start, inv, argv));
}
