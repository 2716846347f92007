import { envVars } from '../env';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { fix, replaceEdit } from './util';

const DEBUG_NAMES = new Set(['DEBUG', 'DJANGO_DEBUG', 'FLASK_DEBUG']);
const TRUE = /^(?:1|true|yes|on|t|y)$/i;

registerRule({
  id: 'CW402',
  severity: 'error',
  kinds: ['dockerfile', 'compose', 'kubernetes', 'systemd'],
  silentInDevelopment: true,
  summary: 'Debug switched on through the environment (DEBUG, DJANGO_DEBUG, FLASK_DEBUG, FLASK_ENV=development)',
  check(file) {
    const out: RuleFinding[] = [];
    for (const v of file.parse(envVars)) {
      if (v.value === undefined) continue;
      let off: string | undefined;
      if (DEBUG_NAMES.has(v.name) && TRUE.test(v.value.trim())) off = /^\d$/.test(v.value.trim()) ? '0' : v.value.trim()[0] === v.value.trim()[0].toLowerCase() ? 'false' : 'False';
      else if (v.name === 'FLASK_ENV' && v.value.trim() === 'development') off = 'production';
      if (!off) continue;
      out.push({
        message: `${v.name}=${v.value} turns debug on in production`,
        hint: 'Debug mode shows tracebacks, settings and sometimes an interactive console to anyone who triggers an error.',
        range: file.lines.range(v.valueStart, v.valueEnd),
        fix: fix(`Set ${v.name}=${off}`, file, [replaceEdit(file, v.valueStart, v.valueEnd, off)]),
      });
    }
    return out;
  },
});
