import { invocations, START_KINDS } from '../startCommands';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { gunicornFix, wordRange } from './util';

registerRule({
  id: 'CW101',
  severity: 'error',
  kinds: START_KINDS,
  silentInDevelopment: true,
  summary: "A start command runs Django's development server (manage.py runserver)",
  check(file, ctx) {
    const out: RuleFinding[] = [];
    for (const { start, inv } of invocations(file)) {
      if (inv.tool !== 'runserver') continue;
      out.push({
        message: 'runserver is a development server: run gunicorn in production',
        hint: "Django's runserver is single-process, unhardened and not meant for traffic (its docs say so). Serve the app with gunicorn (uvicorn workers for ASGI).",
        range: wordRange(file, { start: inv.toolStart, end: inv.toolEnd }),
        fix: gunicornFix(file, ctx, start, inv),
      });
    }
    return out;
  },
});
