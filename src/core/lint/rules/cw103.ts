import { entriesOf, uwsgiIniOf } from '../parse/ini';
import { pythonModuleOf } from '../parse/python';
import { invocations, START_KINDS } from '../startCommands';
import type { LintFile } from '../file';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { moduleSettings } from './util';
import { deleteLineEdit, fix, removeWordsEdit, replaceEdit, wordRange } from './util';

const HINT = 'Auto-reload watches the source tree, restarts workers on any change and costs CPU: it is for development only.';

function commands(file: LintFile): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const { inv } of invocations(file)) {
    if (inv.tool !== 'gunicorn' && inv.tool !== 'uvicorn' && inv.tool !== 'hypercorn' && inv.tool !== 'uwsgi' && inv.tool !== 'granian') continue;
    const names = inv.tool === 'uwsgi' ? ['--py-autoreload'] : ['--reload'];
    for (const w of inv.args) {
      if (!names.some((n) => w.value === n || w.value.startsWith(n + '='))) continue;
      let last = w;
      // uwsgi takes a value (`--py-autoreload 1`); gunicorn's --reload is a flag.
      if (inv.tool === 'uwsgi' && !w.value.includes('=')) {
        const v = inv.args[inv.args.indexOf(w) + 1];
        if (v && /^\d+$/.test(v.value)) {
          if (v.value === '0') continue;
          last = v;
        }
      }
      out.push({ message: `${w.value.split('=')[0]} restarts the server on file changes`, hint: HINT, range: wordRange(file, w), fix: fix(`Remove ${w.value.split('=')[0]}`, file, [removeWordsEdit(file, inv.command.words, w, last)]) });
    }
  }
  return out;
}

function gunicornConfig(file: LintFile): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const { name, assignment: a, value } of moduleSettings(file)) {
    if (name === 'reload' && value.kind === 'const' && value.value === 'True') {
      const line = a.range.start.line;
      out.push({ message: 'reload = True restarts gunicorn on file changes', hint: HINT, range: { start: a.range.start, end: value.range.end }, fix: fix('Remove reload = True', file, [deleteLineEdit(file, line)]) });
    }
  }
  return out;
}

const UWSGI_RELOAD = ['py-autoreload', 'python-autoreload', 'py-auto-reload'];

function uwsgiIni(file: LintFile): RuleFinding[] {
  const out: RuleFinding[] = [];
  const ini = file.parse(uwsgiIniOf);
  for (const key of UWSGI_RELOAD) {
    for (const e of entriesOf(ini, 'uwsgi', key)) {
      // The option's first word is its value (`py-autoreload = 2`): 0 or false turns it off.
      const word = e.value.split(/\s/, 1)[0];
      if (!word || word === '0' || word.toLowerCase() === 'false') continue;
      const end = { line: e.valueRange.start.line, character: e.valueRange.start.character + word.length };
      out.push({ message: `${key} restarts uWSGI on file changes`, hint: HINT, range: { start: e.keyRange.start, end }, fix: fix(`Remove ${key}`, file, [deleteLineEdit(file, e.keyRange.start.line)]) });
    }
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line);
}

function pythonApp(file: LintFile): RuleFinding[] {
  const out: RuleFinding[] = [];
  const mod = file.parse(pythonModuleOf);
  for (const c of mod.calls) {
    if (c.callee !== 'uvicorn.run') continue;
    // Under the __main__ guard, or inside a function (`def main()`, a `develop` CLI command), it runs
    // only when someone starts it by hand: a development entry point.
    if (c.inMainGuard || c.inFunction) continue;
    const arg = c.call.args.find((a) => a.name === 'reload');
    if (!arg || arg.value.kind !== 'const' || arg.value.value !== 'True') continue;
    // Remove `, reload=True` (with the comma before it, when there is one).
    const args = c.call.args;
    const i = args.indexOf(arg);
    const from = i > 0 ? file.lines.offsetAt(args[i - 1].range.end) : file.lines.offsetAt(arg.range.start);
    const to = i > 0 ? file.lines.offsetAt(arg.range.end) : i + 1 < args.length ? file.lines.offsetAt(args[i + 1].range.start) : file.lines.offsetAt(arg.range.end);
    out.push({
      message: 'uvicorn.run(reload=True) outside the __main__ guard',
      hint: `${HINT} Inside \`if __name__ == "__main__":\` it only runs when started by hand.`,
      range: arg.range,
      fix: fix('Remove reload=True', file, [replaceEdit(file, from, to, '')]),
    });
  }
  return out;
}

registerRule({
  id: 'CW103',
  severity: 'warning',
  kinds: [...START_KINDS, 'gunicorn', 'uwsgi', 'python-app'],
  silentInDevelopment: true,
  summary: 'Auto-reload in production (--reload, reload = True, py-autoreload, uvicorn.run(reload=True))',
  check(file) {
    if (file.kind === 'gunicorn') return gunicornConfig(file);
    if (file.kind === 'uwsgi') return uwsgiIni(file);
    if (file.kind === 'python-app') return pythonApp(file);
    return commands(file);
  },
});
