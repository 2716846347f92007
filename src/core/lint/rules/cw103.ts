import { pythonModuleOf } from '../parse/python';
import { invocations, START_KINDS } from '../startCommands';
import type { LintFile } from '../file';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { topLevelAssignments, unquote } from './pyscan';
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
  for (const a of topLevelAssignments(file)) {
    if (a.name === 'reload' && a.value === 'True') {
      out.push({ message: 'reload = True restarts gunicorn on file changes', hint: HINT, range: { start: { line: a.line, character: 0 }, end: { line: a.line, character: a.valueEnd } }, fix: fix('Remove reload = True', file, [deleteLineEdit(file, a.line)]) });
    }
  }
  return out;
}

function uwsgiIni(file: LintFile): RuleFinding[] {
  const out: RuleFinding[] = [];
  let section = '';
  for (let l = 0; l < file.lines.lineCount; l++) {
    const line = file.lines.line(l);
    const h = /^\s*\[([^\]]*)\]/.exec(line);
    if (h) {
      section = h[1].trim();
      continue;
    }
    const m = /^(\s*)(py-autoreload|python-autoreload|py-auto-reload)\s*=\s*(\S+)/.exec(line);
    if (section === 'uwsgi' && m && m[3] !== '0' && m[3].toLowerCase() !== 'false') {
      out.push({ message: `${m[2]} restarts uWSGI on file changes`, hint: HINT, range: { start: { line: l, character: m[1].length }, end: { line: l, character: m[0].length } }, fix: fix(`Remove ${m[2]}`, file, [deleteLineEdit(file, l)]) });
    }
  }
  return out;
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

export { unquote };
