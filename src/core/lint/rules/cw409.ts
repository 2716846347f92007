import { composeServices } from '../startCommands';
import { isMap, isScalar, parseYaml, seqItems, valueOf } from '../parse/yaml';
import { imageTag } from './cw404';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { fix, replaceEdit } from './util';

const DATA_SERVICES = /(?:^|\/)(?:postgres|postgis|postgresql|mysql|mariadb|redis|redis-stack|memcached|valkey)$/;
const HINT = 'A database or cache published on 0.0.0.0 is reachable from the internet (Docker bypasses ufw). Publish it on 127.0.0.1, or use `expose` for the other services only.';
const ALL_INTERFACES = /^(?:0\.0\.0\.0|::|\[::\])$/;

registerRule({
  id: 'CW409',
  severity: 'warning',
  kinds: ['compose'],
  silentInDevelopment: false,
  summary: 'A compose database/cache service publishes its port on all interfaces',
  check(file) {
    const y = file.parse(parseYaml);
    const out: RuleFinding[] = [];
    for (const { name, service } of composeServices(file)) {
      const image = valueOf(service, 'image');
      if (!isScalar(image) || typeof image.value !== 'string' || !DATA_SERVICES.test(imageTag(image.value).name)) continue;
      for (const p of seqItems(valueOf(service, 'ports'))) {
        if (isMap(p)) {
          const hostIp = valueOf(p, 'host_ip');
          const published = valueOf(p, 'published');
          if (published && (!isScalar(hostIp) || ALL_INTERFACES.test(String(hostIp.value)))) {
            out.push({ message: `${name} publishes port ${String((published as { value?: unknown }).value)} on all interfaces`, hint: HINT, range: y.range(published)! });
          }
          continue;
        }
        if (!isScalar(p) || p.value === null) continue;
        const text = String(p.value);
        const parts = text.replace(/^\[[^\]]*\]/, (m) => m.replace(/:/g, '_')).split(':');
        const ip = parts.length >= 3 ? parts[0].replace(/_/g, ':') : undefined;
        if (ip && !ALL_INTERFACES.test(ip)) continue;
        const o = y.offsets(p)!;
        const exact = file.text.slice(o[0], o[1]) === text;
        const bare = ip ? text.slice(text.indexOf(':') + 1) : text;
        const newText = parts.length === 1 ? `127.0.0.1:${bare}:${bare}` : `127.0.0.1:${bare}`;
        out.push({
          message: `${name} publishes ${text} on all interfaces`,
          hint: HINT,
          range: file.lines.range(o[0], o[1]),
          fix: fix('Publish on 127.0.0.1 only', file, [replaceEdit(file, o[0], o[1], exact ? newText : `"${newText}"`)]),
        });
      }
    }
    return out;
  },
});
