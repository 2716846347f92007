import { envVars } from '../env';
import type { EnvVar } from '../env';
import type { LintFile } from '../file';
import { isMap, pairOf } from '../parse/yaml';
import type { Node } from '../parse/yaml';
import { registerRule } from '../rule';
import type { RuleFinding } from '../rule';
import type { Fix } from '../types';
import { fix, replaceEdit } from './util';

const SECRET_NAME = /^(?:SECRET_KEY|[A-Z0-9_]*_(?:SECRET_KEY|PASSWORD|PASSWD|TOKEN|SECRET)|PASSWORD)$/i;
const URL_PASSWORD = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s]+)@/;
/** References and templates, not literals: `${VAR}`, `$VAR`, `{{ … }}`, `<placeholder>`. */
const REFERENCE = /^\s*(?:\$|\{\{|<[^>]*>\s*$)/;

function secretFix(file: LintFile, v: EnvVar): Fix | undefined {
  if (v.where === 'compose') return fix(`Read ${v.name} from the environment or an env file`, file, [replaceEdit(file, v.valueStart, v.valueEnd, `\${${v.name}}`)]);
  if (v.where === 'kubernetes' && isMap(v.node)) {
    const pair = pairOf(v.node, 'value');
    const r = pair && (pair.key as Node).range && (pair.value as Node)?.range;
    if (!pair || !r) return undefined;
    const start = (pair.key as Node).range![0];
    const end = (pair.value as Node).range![1];
    const key = v.name.toLowerCase().replace(/_/g, '-');
    return fix(`Read ${v.name} from a Secret`, file, [replaceEdit(file, start, end, `valueFrom: { secretKeyRef: { name: app-secrets, key: ${key} } }`)]);
  }
  if (v.where === 'dockerfile-arg' && v.property) {
    const s = file.lines.offsetAt(v.property.getNameRange().end);
    return fix(`Remove the default value of ${v.name}`, file, [replaceEdit(file, s, file.lines.offsetAt(v.property.getRange().end), '')]);
  }
  return undefined;
}

registerRule({
  id: 'CW403',
  severity: 'error',
  kinds: ['dockerfile', 'compose', 'kubernetes', 'systemd'],
  silentInDevelopment: false,
  summary: 'A literal secret in the environment (SECRET_KEY, *_PASSWORD, *_TOKEN, *_SECRET, DATABASE_URL with a password)',
  check(file) {
    const out: RuleFinding[] = [];
    for (const v of file.parse(envVars)) {
      if (v.value === undefined || v.value.trim() === '' || REFERENCE.test(v.value)) continue;
      let range = file.lines.range(v.valueStart, v.valueEnd);
      if (SECRET_NAME.test(v.name)) {
        // fine
      } else if (/(?:^|_)(?:DATABASE|DB|REDIS|BROKER|CACHE|CELERY_BROKER|AMQP|MONGO)[A-Z_]*URL$/i.test(v.name) && URL_PASSWORD.test(v.value)) {
        const pw = URL_PASSWORD.exec(v.value)!;
        if (/^\$/.test(pw[1])) continue;
        const at = v.value.indexOf(':' + pw[1] + '@') + 1;
        if (file.text.slice(v.valueStart, v.valueEnd) === v.value) range = file.lines.range(v.valueStart + at, v.valueStart + at + pw[1].length);
      } else continue;
      out.push({
        message: `${v.name} has a literal value: move it to a secret`,
        hint: 'Secrets written in deploy files end up in git history, image layers and CI logs. Pass them at run time: an env file kept out of git, a platform secret, a Kubernetes Secret.',
        range,
        fix: secretFix(file, v),
      });
    }
    return out;
  },
});
