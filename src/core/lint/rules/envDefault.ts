// Values read from the environment with a fallback written in the code: `os.environ.get("SECRET_KEY",
// "dev-key")`, `os.getenv("DEBUG", "True")`, `os.environ.get("SECRET_KEY") or "dev"`, django-environ's
// `env.bool("DEBUG", default=True)`, python-decouple's `config("DEBUG", default=True, cast=bool)`.
// When the variable is not set in production (the usual first deploy) the fallback is the value.
import { dottedName, stringValue } from '../parse/python';
import type { PyNode } from '../parse/python';

type Call = Extract<PyNode, { kind: 'call' }>;

export interface EnvRead {
  /** The environment variable, when written as a literal. */
  variable?: string;
  /** The fallback value written in the code. */
  fallback: PyNode;
  /** The value is converted to a boolean by the reader itself (env.bool, cast=bool, envbool). */
  castBool: boolean;
  /** The reader returns the raw string (os.environ.get, os.getenv). */
  raw: boolean;
}

const RAW_READERS = new Set(['os.environ.get', 'environ.get', 'os.getenv', 'getenv', 'os.environ.setdefault']);
/** Readers of settings libraries and project helpers: env(...), env.bool(...), config(...), envbool(...), get_env(...). */
const HELPER = /^(?:env|config|environ\.Env|get_?env\w*|\w*env(?:bool|str|int|secret|var|list)?|env_?\w+)$/i;
const BOOL_METHODS = new Set(['bool']);

function argOf(call: Call, index: number, name: string): PyNode | undefined {
  const kw = call.args.find((a) => a.name === name);
  if (kw) return kw.value;
  const positional = call.args.filter((a) => !a.name && !a.star);
  return positional[index]?.value;
}

/** An environment read with a literal fallback in `node` (the whole value of a setting), if there is one. */
export function envRead(node: PyNode | undefined): EnvRead | undefined {
  if (!node) return undefined;
  // `os.environ.get("X") or "fallback"`
  if (node.kind === 'op' && node.ops.length === 1 && node.ops[0] === 'or' && node.parts.length === 2) {
    const left = envCall(node.parts[0]);
    if (left && isLiteral(node.parts[1])) return { variable: left.variable, fallback: node.parts[1], castBool: left.castBool, raw: left.raw };
    return undefined;
  }
  const c = envCall(node);
  if (!c) return undefined;
  const fallback = argOf(c.call, 1, 'default');
  if (!fallback || !isLiteral(fallback)) return undefined;
  return { variable: c.variable, fallback, castBool: c.castBool, raw: c.raw };
}

function envCall(node: PyNode): { call: Call; variable?: string; castBool: boolean; raw: boolean } | undefined {
  if (node.kind !== 'call') return undefined;
  const callee = dottedName(node.callee) ?? '';
  const variable = stringValue(argOf(node, 0, 'var') ?? node.args[0]?.value);
  if (RAW_READERS.has(callee)) return { call: node, variable, castBool: false, raw: true };
  const parts = callee.split('.');
  const last = parts[parts.length - 1];
  const base = parts.length > 1 ? parts[parts.length - 2] : last;
  if (variable === undefined) return undefined;
  if (parts.length === 1 && HELPER.test(last)) {
    const cast = node.args.find((a) => a.name === 'cast')?.value;
    return { call: node, variable, castBool: /bool/i.test(last) || (cast?.kind === 'name' && cast.name === 'bool'), raw: false };
  }
  if (parts.length === 2 && /^env$/i.test(base)) return { call: node, variable, castBool: BOOL_METHODS.has(last), raw: false };
  return undefined;
}

function isLiteral(n: PyNode): boolean {
  return n.kind === 'string' || n.kind === 'number' || n.kind === 'const' || ((n.kind === 'list' || n.kind === 'tuple') && n.items.every(isLiteral));
}

const TRUE_STRINGS = /^(?:1|true|yes|on|y|t)$/i;

/**
 * Why a DEBUG value is on when the environment does not say otherwise (or when it says "False"),
 * with the node to point at; undefined when it is off by default.
 */
export function debugOnByDefault(node: PyNode | undefined): { range: PyNode['range']; why: string } | undefined {
  if (!node) return undefined;
  // bool(os.environ.get("DEBUG", 0)): any non-empty string is true, "0" and "False" included.
  if (node.kind === 'call' && dottedName(node.callee) === 'bool' && node.args.length === 1) {
    const inner = envCall(node.args[0].value);
    if (inner?.raw) return { range: node.callee.range, why: `bool() of a string is True for any value: ${inner.variable ?? 'the variable'}=0 or =False turns debug on` };
  }
  // os.environ.get("DEBUG", "") != "False": on unless the variable is exactly "False".
  if (node.kind === 'op' && node.ops.length === 1 && (node.ops[0] === '!=' || node.ops[0] === 'not in')) {
    const read = envCall(node.parts[0]);
    if (read?.raw) {
      const fb = argOf(read.call, 1, 'default');
      const off = stringValue(node.parts[1]);
      if (off !== undefined && stringValue(fb) !== off) return { range: node.range, why: `on unless ${read.variable ?? 'the variable'} is exactly "${off}" (unset means on)` };
    }
    return undefined;
  }
  const read = envRead(node);
  if (!read) return undefined;
  const fb = read.fallback;
  const on =
    (fb.kind === 'const' && fb.value === 'True') ||
    (fb.kind === 'number' && Number(fb.text) !== 0) ||
    (fb.kind === 'string' && (read.raw ? fb.value !== '' : TRUE_STRINGS.test(fb.value)));
  if (!on) return undefined;
  return { range: fb.range, why: `when ${read.variable ?? 'the variable'} is not set, DEBUG is on` };
}

/** A literal secret used when the variable is not set (a non-empty string fallback). */
export function secretFallback(node: PyNode | undefined): { range: PyNode['range']; variable?: string } | undefined {
  const read = envRead(node);
  if (!read || read.fallback.kind !== 'string' || read.fallback.fstring || read.fallback.value === '') return undefined;
  return { range: read.fallback.range, variable: read.variable };
}

/** The `'*'` in a host list read from the environment with a fallback: getenv("HOSTS", "*").split(","), env.list(..., default=["*"]). */
export function wildcardHostFallback(node: PyNode | undefined): { range: PyNode['range']; variable?: string } | undefined {
  if (!node) return undefined;
  let inner = node;
  // `.split(",")` on the read
  if (inner.kind === 'call' && inner.callee.kind === 'attribute' && inner.callee.name === 'split') inner = inner.callee.object;
  const read = envRead(inner);
  if (!read) return undefined;
  const fb = read.fallback;
  if (fb.kind === 'string' && fb.value.split(/[,\s]+/).includes('*')) return { range: fb.range, variable: read.variable };
  if ((fb.kind === 'list' || fb.kind === 'tuple') && fb.items.some((i) => stringValue(i) === '*')) return { range: fb.range, variable: read.variable };
  return undefined;
}
