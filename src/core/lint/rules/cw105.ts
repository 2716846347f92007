import { invocations, listenOptions, LOOPBACK, parseAddress } from '../startCommands';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { fix, replaceEdit } from './util';

registerRule({
  id: 'CW105',
  severity: 'error',
  kinds: ['dockerfile', 'compose', 'kubernetes'],
  silentInDevelopment: false,
  summary: 'A server inside a container binds 127.0.0.1/localhost: unreachable from outside the container',
  check(file) {
    const out: RuleFinding[] = [];
    for (const { start, inv } of invocations(file)) {
      if (!start.container) continue;
      for (const o of listenOptions(inv)) {
        if (o.what === 'port' || o.what === 'unix') continue;
        const quotedWord = file.text.slice(o.start, o.end) !== o.value;
        const addr = o.what === 'host' ? { host: o.value, hostStart: o.start, hostEnd: o.end } : parseAddress(o.value, o.start);
        if (!addr.host || !LOOPBACK.test(addr.host)) continue;
        const [s, e] = quotedWord ? [o.start, o.end] : [addr.hostStart, addr.hostEnd];
        const newText = quotedWord ? o.value.replace(addr.host, '0.0.0.0') : '0.0.0.0';
        out.push({
          message: `${addr.host} inside a container is unreachable from outside it`,
          hint: 'Inside a container, loopback is the container itself: published ports and other containers reach the server only on 0.0.0.0.',
          range: file.lines.range(s, e),
          fix: fix('Bind 0.0.0.0', file, [replaceEdit(file, s, e, newText)]),
        });
      }
    }
    return out;
  },
});
