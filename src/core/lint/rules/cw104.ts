import { findOptions, invocations, START_KINDS } from '../startCommands';
import type { LintFile } from '../file';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { stringValue } from '../parse/python';
import { deleteLineEdit, fix, moduleSettings, removeWordsEdit, replaceEdit, wordRange } from './util';

const HINT = 'Debug logging writes request details (and sometimes secrets) at high volume: use info or warning in production.';

function commands(file: LintFile): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const { inv } of invocations(file)) {
    if (!['gunicorn', 'uvicorn', 'hypercorn', 'daphne', 'granian', 'fastapi-run'].includes(inv.tool)) continue;
    for (const o of findOptions(inv.args, ['--log-level', '--loglevel', '--log_level'])) {
      if (o.value?.toLowerCase() !== 'debug' && o.value?.toLowerCase() !== 'trace') continue;
      const last = inv.args.find((w) => w.start <= o.valueStart && w.end >= o.valueEnd) ?? o.name;
      out.push({
        message: `--log-level ${o.value} in production`,
        hint: HINT,
        range: file.lines.range(o.valueStart, o.valueEnd),
        fix: fix(`Remove --log-level ${o.value}`, file, [removeWordsEdit(file, inv.command.words, o.name, last)]),
      });
    }
    if (inv.tool === 'gunicorn') {
      for (const o of findOptions(inv.args, ['--spew'], true)) {
        out.push({ message: '--spew traces every line gunicorn executes', hint: HINT, range: wordRange(file, o.name), fix: fix('Remove --spew', file, [removeWordsEdit(file, inv.command.words, o.name, o.name)]) });
      }
    }
  }
  return out;
}

function gunicornConfig(file: LintFile): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const { name, assignment: a, value } of moduleSettings(file)) {
    const r = value.range;
    const level = value.kind === 'string' && !value.bytes ? stringValue(value) : undefined;
    if ((name === 'loglevel' || name === 'log_level') && level?.toLowerCase() === 'debug' && value.kind === 'string') {
      const q = value.quote;
      out.push({ message: 'loglevel = "debug" in production', hint: HINT, range: r, fix: fix('Use loglevel "info"', file, [replaceEdit(file, file.lines.offsetAt(r.start), file.lines.offsetAt(r.end), `${q}info${q}`)]) });
    }
    if (name === 'spew' && value.kind === 'const' && value.value === 'True') {
      out.push({ message: 'spew = True traces every line gunicorn executes', hint: HINT, range: r, fix: fix('Remove spew = True', file, [deleteLineEdit(file, a.range.start.line)]) });
    }
  }
  return out;
}

registerRule({
  id: 'CW104',
  severity: 'info',
  kinds: [...START_KINDS, 'gunicorn'],
  silentInDevelopment: true,
  summary: 'Debug logging in production (--log-level debug, loglevel = "debug", spew = True)',
  check(file) {
    return file.kind === 'gunicorn' ? gunicornConfig(file) : commands(file);
  },
});
