import type { Property } from 'dockerfile-ast';
import { composeServices, kubeContainers } from './startCommands';
import type { LintFile } from './file';
import { parseDockerfile } from './parse/dockerfile';
import { uwsgiIniOf } from './parse/ini';
import { splitCommands, tokenize } from './parse/shell';
import { systemdUnitOf, unitValues } from './parse/systemd';
import { isMap, isScalar, isSeq, pairOf, parseYaml, seqItems, valueOf } from './parse/yaml';
import type { Node, Pair } from './parse/yaml';

/**
 * An environment variable set in a deploy file: Dockerfile ENV/ARG, compose, Kubernetes, systemd
 * `Environment=`, uWSGI `env =`, and a shell script's `export`.
 */
export interface EnvVar {
  name: string;
  /** The literal value; undefined when none is given (pass-through, `valueFrom`). */
  value?: string;
  /** Offsets of the value's text (inside quotes). */
  valueStart: number;
  valueEnd: number;
  where: 'dockerfile-env' | 'dockerfile-arg' | 'compose' | 'kubernetes' | 'systemd' | 'uwsgi' | 'shell';
  /** Kubernetes: the `- name: … value: …` map; compose: the pair or list item. */
  node?: Node | Pair;
  /** Dockerfile: the property. */
  property?: Property;
}

/**
 * ENV/ARG instructions longer than this are not read: dockerfile-ast builds every property of an
 * instruction at once (a hostile 400 KB `ENV A=1 A=1 …` line costs it hundreds of milliseconds),
 * and no real Dockerfile writes an instruction of this size.
 */
const MAX_ENV_INSTRUCTION = 32 * 1024;

function dockerfileEnv(file: LintFile): EnvVar[] {
  const df = file.parse(parseDockerfile);
  const out: EnvVar[] = [];
  const all = [...df.preamble, ...df.stages.flatMap((s) => s.instructions)];
  for (const ins of all) {
    const k = ins.getKeyword();
    if (k !== 'ENV' && k !== 'ARG') continue;
    const span = ins.getRange();
    if (file.lines.offsetAt(span.end) - file.lines.offsetAt(span.start) > MAX_ENV_INSTRUCTION) continue;
    for (const p of (ins as unknown as { getProperties(): Property[] }).getProperties()) {
      const vr = p.getValueRange();
      const value = p.getValue();
      if (!vr || value === null) {
        out.push({ name: p.getName(), valueStart: file.lines.offsetAt(p.getNameRange().end), valueEnd: file.lines.offsetAt(p.getNameRange().end), where: k === 'ENV' ? 'dockerfile-env' : 'dockerfile-arg', property: p });
        continue;
      }
      let s = file.lines.offsetAt(vr.start);
      let e = file.lines.offsetAt(vr.end);
      const q = file.text[s];
      if ((q === '"' || q === "'") && file.text[e - 1] === q && e - s >= 2) {
        s++;
        e--;
      }
      out.push({ name: p.getName(), value, valueStart: s, valueEnd: e, where: k === 'ENV' ? 'dockerfile-env' : 'dockerfile-arg', property: p });
    }
  }
  return out;
}

/** `KEY=value` inside a scalar (compose list form): the value's offsets when the scalar's text maps 1:1. */
function splitAssignment(file: LintFile, start: number, end: number, text: string): { name: string; value?: string; valueStart: number; valueEnd: number } {
  const eq = text.indexOf('=');
  if (eq === -1) return { name: text, valueStart: end, valueEnd: end };
  const exact = file.text.slice(start, end) === text;
  return { name: text.slice(0, eq), value: text.slice(eq + 1), valueStart: exact ? start + eq + 1 : start, valueEnd: end };
}

function yamlEnv(file: LintFile, envNode: Node | undefined, where: 'compose' | 'kubernetes'): EnvVar[] {
  const y = file.parse(parseYaml);
  const out: EnvVar[] = [];
  if (where === 'compose' && isMap(envNode)) {
    for (const p of envNode.items) {
      if (!isScalar(p.key)) continue;
      const v = p.value as Node | null;
      const o = v ? y.offsets(v) : undefined;
      const value = isScalar(v) && v.value !== null && v.value !== undefined ? (v.source ?? String(v.value)) : undefined;
      out.push({ name: String(p.key.value), value: value === undefined ? undefined : String(isScalar(v) && typeof v.value === 'string' ? v.value : value), valueStart: o?.[0] ?? 0, valueEnd: o?.[1] ?? 0, where, node: p as Pair });
    }
  } else if (where === 'compose' && isSeq(envNode)) {
    for (const item of seqItems(envNode)) {
      if (!isScalar(item) || typeof item.value !== 'string') continue;
      const o = y.offsets(item);
      if (!o) continue;
      out.push({ ...splitAssignment(file, o[0], o[1], item.value), where, node: item });
    }
  } else if (where === 'kubernetes') {
    for (const item of seqItems(envNode)) {
      const name = valueOf(item, 'name');
      if (!isScalar(name)) continue;
      const v = valueOf(item, 'value');
      const o = v ? y.offsets(v) : undefined;
      const value = isScalar(v) && v.value !== null && v.value !== undefined ? String(v.value) : undefined;
      out.push({ name: String(name.value), value, valueStart: o?.[0] ?? 0, valueEnd: o?.[1] ?? 0, where, node: item });
    }
  }
  return out;
}

/** `Environment=` assignments of the [Service] section in effect (after systemd's empty-assignment reset). */
function systemdEnv(file: LintFile): EnvVar[] {
  const out: EnvVar[] = [];
  for (const e of unitValues(file.parse(systemdUnitOf), 'Service', 'Environment')) {
    const start = file.lines.offsetAt(e.valueRange.start);
    const end = file.lines.offsetAt(e.valueRange.end);
    for (const c of splitCommands(tokenize(file.text, start, end, false))) {
      for (const w of c.words) out.push({ ...splitAssignment(file, w.start, w.end, w.value), where: 'systemd' });
    }
  }
  return out;
}

/** uWSGI's `env = NAME=value` options of the [uwsgi] section. */
function uwsgiEnv(file: LintFile): EnvVar[] {
  const out: EnvVar[] = [];
  for (const section of file.parse(uwsgiIniOf).sections) {
    if (section.name !== 'uwsgi') continue;
    for (const e of section.entries) {
      if (e.key !== 'env' || !e.value.includes('=')) continue;
      out.push({ ...splitAssignment(file, file.lines.offsetAt(e.valueRange.start), file.lines.offsetAt(e.valueRange.end), e.value), where: 'uwsgi' });
    }
  }
  return out;
}

/** A shell script's `export NAME=value` commands (a bare `NAME=value` is not exported to what the script runs). */
function shellEnv(file: LintFile): EnvVar[] {
  const out: EnvVar[] = [];
  for (const c of splitCommands(tokenize(file.text))) {
    if (c.words[0]?.value !== 'export') continue;
    for (const w of c.words.slice(1)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w.value)) out.push({ ...splitAssignment(file, w.start, w.end, w.value), where: 'shell' });
    }
  }
  return out;
}

/** Every environment variable a deploy file sets, with the value's exact offsets. */
export function envVars(file: LintFile): EnvVar[] {
  switch (file.kind) {
    case 'dockerfile':
      return dockerfileEnv(file);
    case 'compose':
      return composeServices(file).flatMap((s) => yamlEnv(file, valueOf(s.service, 'environment'), 'compose'));
    case 'kubernetes':
      return kubeContainers(file).flatMap((c) => yamlEnv(file, valueOf(c.container, 'env'), 'kubernetes'));
    case 'systemd':
      return systemdEnv(file);
    case 'uwsgi':
      return uwsgiEnv(file);
    case 'shell':
      return shellEnv(file);
    default:
      return [];
  }
}

/**
 * The value a deploy file gives an environment variable: the last literal one it sets (a later
 * Dockerfile ENV overrides an earlier one), else undefined. Parse errors count as not set.
 */
export function envValue(file: LintFile, name: string): string | undefined {
  let vars: EnvVar[];
  try {
    vars = file.parse(envVars);
  } catch {
    return undefined;
  }
  let value: string | undefined;
  for (const v of vars) if (v.name === name && v.value !== undefined && v.value !== '') value = v.value;
  return value;
}

export { pairOf };
