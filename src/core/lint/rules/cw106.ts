import { invocations, listenOptions, LOOPBACK, parseAddress } from '../startCommands';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { fix, replaceEdit, wordRange } from './util';

const USES_PORT = /\$\{?PORT\b/;
const HINT = 'The platform routes traffic to the port in $PORT on the dyno\'s public interface; a fixed port or a loopback address gets no traffic (the app fails to boot in time).';

registerRule({
  id: 'CW106',
  severity: 'error',
  kinds: ['procfile'],
  silentInDevelopment: false,
  summary: 'A Procfile web process binds a fixed port or a loopback address instead of $PORT',
  check(file) {
    const out: RuleFinding[] = [];
    for (const { start, inv } of invocations(file)) {
      if (start.process !== 'web' || inv.tool === 'runserver' || inv.tool === 'runserver_plus') continue;
      const opts = listenOptions(inv);
      for (const o of opts) {
        if (o.what === 'unix') continue;
        const quoted = file.text.slice(o.start, o.end) !== o.value;
        if (o.what === 'bind') {
          const a = parseAddress(o.value, o.start);
          if (a.unix || (a.port && USES_PORT.test(a.port) && !(a.host && LOOPBACK.test(a.host)))) continue;
          out.push({ message: `web binds ${o.value} instead of 0.0.0.0:$PORT`, hint: HINT, range: file.lines.range(o.start, o.end), fix: fix('Bind 0.0.0.0:$PORT', file, [replaceEdit(file, o.start, o.end, quoted ? '"0.0.0.0:$PORT"' : '0.0.0.0:$PORT')]) });
        } else if (o.what === 'port' && !USES_PORT.test(o.value)) {
          out.push({ message: `web listens on port ${o.value} instead of $PORT`, hint: HINT, range: file.lines.range(o.start, o.end), fix: fix('Listen on $PORT', file, [replaceEdit(file, o.start, o.end, '$PORT')]) });
        } else if (o.what === 'host' && LOOPBACK.test(o.value)) {
          out.push({ message: `web listens on ${o.value}, unreachable by the router`, hint: HINT, range: file.lines.range(o.start, o.end), fix: fix('Listen on 0.0.0.0', file, [replaceEdit(file, o.start, o.end, '0.0.0.0')]) });
        }
      }
      // uvicorn, daphne and hypercorn do not read $PORT: without options they listen on 127.0.0.1:8000.
      if ((inv.tool === 'uvicorn' || inv.tool === 'daphne' || inv.tool === 'hypercorn') && !opts.some((o) => o.what === 'port' || o.what === 'bind' || o.what === 'unix')) {
        const last = inv.command.words[inv.command.words.length - 1];
        const addition = inv.tool === 'hypercorn' ? ' --bind 0.0.0.0:$PORT' : inv.tool === 'daphne' ? ' --bind 0.0.0.0 --port $PORT' : (opts.some((o) => o.what === 'host') ? '' : ' --host 0.0.0.0') + ' --port $PORT';
        out.push({
          message: `${inv.tool} ignores $PORT: it listens on 127.0.0.1:8000`,
          hint: HINT,
          range: wordRange(file, { start: inv.toolStart, end: inv.toolEnd }),
          fix: fix(`Listen on $PORT`, file, [replaceEdit(file, last.end, last.end, addition)]),
        });
      }
    }
    return out;
  },
});
