import { composeServices } from '../startCommands';
import { isMap, isScalar, parseYaml, seqItems, valueOf } from '../parse/yaml';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import { deleteLineEdit, fix } from './util';

const PROJECT_ROOT = /^(?:\.|\.\/|\.\.|\.\.\/|\$PWD|\$\{PWD\})\/?$/;
const APP_DIRS = new Set(['/app', '/code', '/src', '/usr/src/app', '/srv/app', '/opt/app', '/home/app', '/var/www/app']);

registerRule({
  id: 'CW410',
  severity: 'warning',
  kinds: ['compose'],
  silentInDevelopment: true,
  summary: 'A source bind mount (.:/app) in a non-development compose file',
  check(file) {
    const y = file.parse(parseYaml);
    const out: RuleFinding[] = [];
    for (const { service } of composeServices(file)) {
      const workdir = valueOf(service, 'working_dir');
      const wd = isScalar(workdir) ? String(workdir.value) : undefined;
      const volumes = seqItems(valueOf(service, 'volumes'));
      for (const v of volumes) {
        let source: string | undefined;
        let target: string | undefined;
        if (isScalar(v) && typeof v.value === 'string') [source, target] = v.value.split(':');
        else if (isMap(v) && String((valueOf(v, 'type') as { value?: unknown } | undefined)?.value) === 'bind') {
          source = String((valueOf(v, 'source') as { value?: unknown } | undefined)?.value ?? '');
          target = String((valueOf(v, 'target') as { value?: unknown } | undefined)?.value ?? '');
        }
        if (!source || !target) continue;
        const t = target.replace(/\/+$/, '');
        const isSource = PROJECT_ROOT.test(source) || (source.startsWith('./') && (APP_DIRS.has(t) || t === wd?.replace(/\/+$/, '')));
        if (!isSource) continue;
        const r = y.range(v)!;
        out.push({
          message: `${source}:${target} mounts the source tree over the image`,
          hint: 'The container runs whatever is in the folder on the host, not the code built into the image: deploys stop being reproducible. Keep source mounts in compose.override.yaml.',
          range: r,
          fix: isScalar(v) && r.start.line === r.end.line && volumes.length > 1 ? fix('Remove the source mount', file, [deleteLineEdit(file, r.start.line)]) : undefined,
        });
      }
    }
    return out;
  },
});
