import { parse as parseToml } from 'smol-toml';
import type { Instruction, JSONArgument, JSONInstruction } from 'dockerfile-ast';
import { basename } from './classify';
import { LintFile, ParseError } from './file';
import { parseDockerfile } from './parse/dockerfile';
import type { DockerStage } from './parse/dockerfile';
import { splitCommands, tokenize } from './parse/shell';
import type { SimpleCommand, Word } from './parse/shell';
import { isMap, isScalar, isSeq, pairOf, parseYaml, seqItems, valueOf } from './parse/yaml';
import type { Document, Node, YamlFile } from './parse/yaml';
import type { FileKind, TextEdit } from './types';
import { exact } from './exact';
import { supervisorIniOf } from './parse/ini';

export type { Word, SimpleCommand };

/** The program a start command runs, as far as the rules care. */
export type ServerTool =
  | 'runserver'
  | 'runserver_plus'
  | 'gunicorn'
  | 'uvicorn'
  | 'hypercorn'
  | 'daphne'
  | 'uwsgi'
  | 'granian'
  | 'waitress'
  | 'flask-run'
  | 'fastapi-dev'
  | 'fastapi-run'
  | 'python-script';

/** One recognised server invocation inside a simple command. */
export interface Invocation {
  tool: ServerTool;
  command: SimpleCommand;
  /** Index in command.words of the first word of the invocation proper (`python`, `gunicorn`), after env assignments and wrappers. */
  startIndex: number;
  /** Offsets of the token to flag: `runserver`, `flask run`, `gunicorn`, the script name. */
  toolStart: number;
  toolEnd: number;
  /** The words after the tool (options and operands). */
  args: Word[];
  /** Preceded by `exec` (or run by an exec-form command: the server is PID 1). */
  exec: boolean;
  /** `python app.py`: the script word. */
  script?: Word;
  /** `flask --app x run`, `python -m flask`…: the value of --app/-A, when given. */
  app?: string;
}

/** Options of the app servers that take no value (everything else starting with `-` takes the next word, unless written `--opt=value`). */
const FLAG_OPTIONS = new Set(['--reload', '--preload', '--proxy-headers', '--no-proxy-headers', '--daemon', '-D', '--factory', '--check-config', '--print-config', '--no-access-log', '--use-colors', '--no-use-colors', '--capture-output', '--enable-stdio-inheritance', '--http2', '--no-server-header', '--reuse-port', '--paste', '--spew']);
const APP_SERVERS = new Set<ServerTool>(['gunicorn', 'uvicorn', 'hypercorn', 'daphne', 'granian', 'waitress']);

/** The application operand of an app server (`mysite.wsgi:application`, `app.main:app`, `'app:create_app()'`), if it names one. */
export function appOperand(inv: Invocation): Word | undefined {
  if (!APP_SERVERS.has(inv.tool)) return undefined;
  for (let i = 0; i < inv.args.length; i++) {
    const w = inv.args[i].value;
    if (w.startsWith('-')) {
      if (!w.includes('=') && !FLAG_OPTIONS.has(w)) i++;
      continue;
    }
    if (/^[A-Za-z_][\w.]*(?::[A-Za-z_][\w.]*(?:\(.*\))?)?$/.test(w)) return inv.args[i];
    return undefined;
  }
  return undefined;
}

const PYTHON = /^(?:python(?:\d+(?:\.\d+)?)?|pypy3?)$/;
// Words that run the rest of the line as the real command.
const SIMPLE_WRAPPERS = new Set(['exec', 'nohup', 'time', 'command', 'ddtrace-run', 'opentelemetry-instrument', 'dumb-init', 'catatonit']);
const RUN_WRAPPERS = new Set(['poetry', 'pipenv', 'uv', 'pdm', 'hatch', 'rye', 'conda']); // `<tool> run …`
const SERVERS: Record<string, ServerTool> = { gunicorn: 'gunicorn', uvicorn: 'uvicorn', hypercorn: 'hypercorn', daphne: 'daphne', uwsgi: 'uwsgi', granian: 'granian', 'waitress-serve': 'waitress' };
const SERVER_MODULES: Record<string, ServerTool> = { gunicorn: 'gunicorn', uvicorn: 'uvicorn', hypercorn: 'hypercorn', daphne: 'daphne', granian: 'granian', waitress: 'waitress' };
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

function base(word: Word | undefined): string {
  return word ? basename(word.value) : '';
}

/** Skips env assignments and wrappers (`exec`, `env X=1`, `poetry run`, `gosu app`…); returns the index of the real program. */
function skipWrappers(words: Word[]): { index: number; exec: boolean } {
  let i = 0;
  let exec = false;
  for (let guard = 0; guard < 20 && i < words.length; guard++) {
    const w = base(words[i]);
    if (ASSIGNMENT.test(words[i].value)) i++;
    else if (w === 'exec') {
      exec = true;
      i++;
    } else if (SIMPLE_WRAPPERS.has(w)) {
      i++;
      while (i < words.length && words[i].value.startsWith('-')) i++;
    } else if (w === 'env') {
      i++;
      while (i < words.length && (words[i].value.startsWith('-') || ASSIGNMENT.test(words[i].value))) i++;
    } else if (RUN_WRAPPERS.has(w) && words[i + 1]?.value === 'run') {
      i += 2;
      while (i < words.length && words[i].value.startsWith('-')) i += words[i].value === '--' ? 1 : 1;
    } else if (w === 'newrelic-admin' && words[i + 1]?.value === 'run-program') i += 2;
    else if (w === 'tini' || w === 'doppler' || w === 'dotenv') {
      // `tini -g -- cmd`, `doppler run -- cmd`, `dotenv run -- cmd`
      const dash = words.findIndex((x, k) => k > i && x.value === '--');
      i = dash === -1 ? i + 1 : dash + 1;
    } else if (w === 'gosu' || w === 'su-exec') i += 2;
    else break;
  }
  return { index: i, exec };
}

function isOption(w: Word): boolean {
  return w.value.startsWith('-');
}

/** Recognises the server (or development server) a simple command starts. */
export function analyzeCommand(command: SimpleCommand, execForm = false): Invocation | undefined {
  const words = command.words;
  const { index, exec } = skipWrappers(words);
  const first = words[index];
  if (!first) return undefined;
  const prog = base(first);
  const make = (tool: ServerTool, toolStart: number, toolEnd: number, argsFrom: number, extra: Partial<Invocation> = {}): Invocation => ({
    tool,
    command,
    startIndex: index,
    toolStart,
    toolEnd,
    args: words.slice(argsFrom),
    exec: exec || execForm,
    ...extra,
  });

  let i = index;
  let module: Word | undefined;
  let script: Word | undefined;
  if (PYTHON.test(prog)) {
    for (i = index + 1; i < words.length; i++) {
      const v = words[i].value;
      if (v === '-m') {
        module = words[i + 1];
        i += 2;
        break;
      }
      if (v === '-c') return undefined;
      if (v === '-W' || v === '-X') {
        i++;
        continue;
      }
      if (v.startsWith('-')) continue;
      script = words[i];
      i++;
      break;
    }
    if (!module && !script) return undefined;
  } else if (prog === 'manage.py' || prog === 'django-admin' || prog === 'django-admin.py') {
    script = first;
    i = index + 1;
  } else if (SERVERS[prog]) {
    return make(SERVERS[prog], first.start, first.end, index + 1);
  } else if (prog === 'flask' || prog === 'fastapi') {
    // `/srv/venv/bin/flask run` (a systemd unit's absolute path) is the flask program too.
    module = first;
    i = index + 1;
  } else {
    return undefined;
  }

  const mod = module === first ? prog : module?.value;
  if (mod && SERVER_MODULES[mod]) return make(SERVER_MODULES[mod], module!.start, module!.end, i);
  const django = mod === 'django' || (script && (base(script) === 'manage.py' || base(script).startsWith('django-admin')));
  if (django) {
    let k = i;
    while (k < words.length && isOption(words[k])) k += words[k].value.includes('=') || !/^--(?:settings|pythonpath)$/.test(words[k].value) ? 1 : 2;
    const sub = words[k];
    if (sub?.value === 'runserver') return make('runserver', sub.start, sub.end, k + 1);
    if (sub?.value === 'runserver_plus') return make('runserver_plus', sub.start, sub.end, k + 1);
    return undefined;
  }
  if (mod === 'flask') {
    let app: string | undefined;
    for (let k = i; k < words.length; k++) {
      const v = words[k].value;
      if (v === 'run') return make('flask-run', module!.start, words[k].end, k + 1, { app });
      if (v === '--app' || v === '-A') app = words[++k]?.value;
      else if (v.startsWith('--app=')) app = v.slice(6);
      else if (!v.startsWith('-')) return undefined;
    }
    return undefined;
  }
  if (mod === 'fastapi') {
    const sub = words.slice(i).find((w) => !isOption(w));
    if (sub?.value === 'dev') return make('fastapi-dev', module!.start, sub.end, words.indexOf(sub) + 1);
    if (sub?.value === 'run') return make('fastapi-run', module!.start, sub.end, words.indexOf(sub) + 1);
    return undefined;
  }
  if (script && script.value.endsWith('.py')) return make('python-script', script.start, script.end, i, { script });
  return undefined;
}

/** An option's occurrence: `--bind 0.0.0.0:8000`, `--bind=…`, `-b …`. */
export interface OptionValue {
  name: Word;
  /** The value, and its source offsets (inside the word for `--bind=value`). */
  value?: string;
  valueStart: number;
  valueEnd: number;
}

/** Finds an option among arguments (long `--x v`/`--x=v`, short `-x v`). */
export function findOptions(args: Word[], names: string[], flag = false): OptionValue[] {
  const out: OptionValue[] = [];
  // Index loops, no `n + '='` per word: this runs for every option of every start command, mostly
  // before V8 optimises it, where for-of makes an iterator result per step.
  for (let k = 0; k < args.length; k++) {
    const w = args[k];
    if (w.value === '--') break;
    for (let j = 0; j < names.length; j++) {
      const n = names[j];
      if (w.value === n) {
        if (flag) out.push({ name: w, valueStart: w.end, valueEnd: w.end });
        else {
          const v = args[k + 1];
          if (v) out.push({ name: w, value: v.value, valueStart: v.start, valueEnd: v.end });
          k++;
        }
      } else if (!flag && w.value.charCodeAt(n.length) === 61 /* = */ && n.startsWith('--') && w.value.startsWith(n)) {
        const off = w.quoted ? -1 : w.start + n.length + 1;
        out.push({ name: w, value: w.value.slice(n.length + 1), valueStart: off < 0 ? w.start : off, valueEnd: w.end });
      }
    }
  }
  return out;
}

/** A listen address: `0.0.0.0:8000`, `:$PORT`, `unix:/run/app.sock`, `[::1]:8000`, `8000`. */
export interface Address {
  host?: string;
  port?: string;
  unix?: string;
  /** Offsets of the host and port parts in the file (when the value was not re-quoted). */
  hostStart: number;
  hostEnd: number;
  portStart: number;
  portEnd: number;
}

export function parseAddress(value: string, start: number): Address {
  if (value.startsWith('unix:')) return { unix: value.slice(5), hostStart: start, hostEnd: start + value.length, portStart: start, portEnd: start };
  let host: string | undefined;
  let port: string | undefined;
  let colon = -1;
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    colon = close === -1 ? -1 : value.indexOf(':', close);
    host = value.slice(0, close === -1 ? value.length : close + 1);
  } else {
    colon = value.lastIndexOf(':');
    if (colon === -1) {
      if (/^(?:\d+|\$\{?PORT\}?|\$\{?[A-Z_]+(?::-?\d+)?\}?)$/.test(value)) port = value;
      else host = value;
    } else host = value.slice(0, colon);
  }
  if (colon !== -1) port = value.slice(colon + 1);
  // `$HOST:${PORT:-8000}`: lastIndexOf(':') fell inside ${…}; recover by finding the ':' before the `${`.
  const brace = value.indexOf('${');
  if (brace > 0 && colon > brace && value[brace - 1] === ':') {
    host = value.slice(0, brace - 1);
    port = value.slice(brace);
    colon = brace - 1;
  }
  const hostLen = host?.length ?? 0;
  return {
    host: host === '' ? undefined : host,
    port,
    hostStart: start,
    hostEnd: start + hostLen,
    portStart: colon === -1 ? start : start + colon + 1,
    portEnd: start + value.length,
  };
}

export const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|localhost|\[::1\]|::1)$/i;

/** One listen option of a server invocation: a full address (`--bind`), a host, a port or a socket. */
export interface ListenOption {
  what: 'bind' | 'host' | 'port' | 'unix';
  value: string;
  /** Offsets of the value in the file (the whole word when it was quoted). */
  start: number;
  end: number;
  /** The option word (`--bind`); undefined for runserver's positional addrport. */
  name?: Word;
}

/** Where and how an invocation listens, as written (defaults are not filled in). */
export function listenOptions(inv: Invocation): ListenOption[] {
  const out: ListenOption[] = [];
  const add = (what: ListenOption['what'], names: string[]) => {
    for (const o of findOptions(inv.args, names)) if (o.value !== undefined) out.push({ what, value: o.value, start: o.valueStart, end: o.valueEnd, name: o.name });
  };
  switch (inv.tool) {
    case 'gunicorn':
    case 'hypercorn':
      add('bind', ['--bind', '-b']);
      break;
    case 'uvicorn':
    case 'granian':
    case 'fastapi-run':
    case 'fastapi-dev':
      add('host', ['--host']);
      add('port', ['--port']);
      add('unix', ['--uds']);
      break;
    case 'daphne':
      add('host', ['--bind', '-b']);
      add('port', ['--port', '-p']);
      add('unix', ['--unix-socket', '-u']);
      break;
    case 'flask-run':
      add('host', ['--host', '-h']);
      add('port', ['--port', '-p']);
      break;
    case 'uwsgi':
      add('bind', ['--http', '--http-socket', '--socket', '-s', '--uwsgi-socket']);
      break;
    case 'waitress':
      add('bind', ['--listen']);
      add('host', ['--host']);
      add('port', ['--port']);
      break;
    case 'runserver':
    case 'runserver_plus': {
      const operand = inv.args.find((w) => !w.value.startsWith('-'));
      if (operand) out.push({ what: 'bind', value: operand.value, start: operand.start, end: operand.end });
      break;
    }
  }
  return out;
}

/** Where a start command was written: decides how its fix binds (PORT env var, container, host). */
export type StartWhere = 'procfile' | 'dockerfile' | 'compose' | 'kubernetes' | 'systemd' | 'shell' | 'platform' | 'supervisor';

/** A start command found in a file, with its words' exact ranges and a way to rewrite it. */
export interface StartCommand {
  file: LintFile;
  where: StartWhere;
  /** The process runs inside a container (Dockerfile, compose, Kubernetes). */
  container: boolean;
  /** Binds `$PORT` (Procfile and the PORT-style platforms). */
  portFromEnv: boolean;
  /** Procfile process type (`web`, `worker`), or a fly.toml process name. */
  process?: string;
  /** `exec`: a JSON/list argv run without a shell (PID 1 in a container); `shell`: a command line. */
  form: 'exec' | 'shell';
  commands: SimpleCommand[];
  /** Offsets of the whole command text (shell form), for fixes that rewrite it. */
  start: number;
  end: number;
  /** Exec form: edits that replace the argv with another. */
  replaceArgv?: (argv: string[]) => TextEdit[];
  /** The Dockerfile instruction (CMD/ENTRYPOINT), for CW107. */
  instruction?: Instruction;
  /** A port the platform routes to (fly.toml internal_port), for fixes. */
  port?: string;
}

function wordsCommand(words: Word[]): SimpleCommand[] {
  return words.length ? [{ words, background: false }] : [];
}

/** Shell words of a file range, split into commands; the scripts of `sh -c "…"` are looked into. */
function shellCommands(text: string, start: number, end: number, newlines = true): SimpleCommand[] {
  return intoShellScripts(text, splitCommands(tokenize(text, start, end, newlines)), newlines, 0);
}

/** Exec form `["gunicorn", …]` as one command; `["sh", "-c", "gunicorn …"]`: the script string's commands. */
function execCommands(file: LintFile, words: Word[]): SimpleCommand[] {
  return intoShellScripts(file.text, wordsCommand(words), true, 0);
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh']);

/**
 * Replaces each `sh -c "script"` (`bash -ec '…'`, after wrappers) by the words up to its `-c` and the
 * script's own commands, when the script's source maps to its value one to one (its offsets then
 * stay exact): `command: bash -c "python manage.py migrate && gunicorn …"` runs gunicorn, and the rules
 * see it. A script with escapes, or one nested more than three deep, stays one word.
 */
function intoShellScripts(text: string, commands: SimpleCommand[], newlines: boolean, depth: number): SimpleCommand[] {
  let out: SimpleCommand[] | undefined;
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i];
    const script = depth < 3 ? shellScript(text, c.words) : undefined;
    if (!script) {
      out?.push(c);
      continue;
    }
    out ??= commands.slice(0, i);
    const shell: SimpleCommand = { words: c.words.slice(0, script.index), background: c.background, after: c.after, via: c.via, script: { start: script.start, end: script.end } };
    out.push(shell);
    const inner = intoShellScripts(text, splitCommands(tokenize(text, script.start, script.end, newlines)), newlines, depth + 1);
    for (let j = 0; j < inner.length; j++) {
      inner[j].via ??= shell;
      out.push(inner[j]);
    }
  }
  return out ?? commands;
}

/** The script word of `sh -c script` (its index, and the source offsets of its value), if any. */
function shellScript(text: string, words: Word[]): { index: number; start: number; end: number } | undefined {
  const { index } = skipWrappers(words);
  if (!SHELLS.has(base(words[index]))) return undefined;
  let k = index + 1;
  // Other options before `-c` (`bash -e -c`, `bash --login -c`); a cluster holding `c` is `-c`.
  while (k < words.length && /^(?:-[A-Za-z]+|--[a-z][a-z-]*)$/.test(words[k].value) && !/^-[A-Za-z]*c/.test(words[k].value)) k++;
  if (k >= words.length || !/^-[A-Za-z]*c[A-Za-z]*$/.test(words[k].value)) return undefined;
  const script = words[k + 1];
  if (!script) return undefined;
  const { start, end, value } = script;
  if (text.slice(start, end) === value) return { index: k + 1, start, end };
  // One quoted segment whose inside is the value (`"python manage.py migrate && gunicorn …"`).
  const q = text.charCodeAt(start);
  if ((q === 34 || q === 39) && end - start >= 2 && text.charCodeAt(end - 1) === q && text.slice(start + 1, end - 1) === value) {
    return { index: k + 1, start: start + 1, end: end - 1 };
  }
  return undefined;
}

function jsonArray(argv: string[]): string {
  return '[' + argv.map((a) => JSON.stringify(a)).join(', ') + ']';
}

// ---------- per kind ----------

function procfileCommands(file: LintFile): StartCommand[] {
  const out: StartCommand[] = [];
  const lines = file.lines;
  for (let l = 0; l < lines.lineCount; l++) {
    const line = lines.line(l);
    const m = /^([A-Za-z0-9_-]+)[ \t]*:[ \t]*/.exec(line);
    if (!m || !line.slice(m[0].length).trim()) continue;
    const start = lines.starts[l] + m[0].length;
    const end = lines.starts[l] + line.length;
    out.push({ file, where: 'procfile', container: false, portFromEnv: true, process: m[1], form: 'shell', commands: shellCommands(file.text, start, end), start, end });
  }
  return out;
}

/**
 * The words of an exec-form instruction (`CMD ["sh", "-c", "gunicorn app --bind :8000"]`), each decoded
 * from its JSON string in the file's text. dockerfile-ast 0.7.1 drops the spaces and tabs inside the
 * strings it decodes (`"gunicorn app"` becomes `gunicornapp`); its ranges are right.
 */
function jsonWords(file: LintFile, strings: JSONArgument[]): Word[] {
  return strings.map((s) => {
    const r = s.getRange();
    const start = file.lines.offsetAt(r.start) + 1;
    const end = file.lines.offsetAt(r.end) - 1;
    const source = file.text.slice(start, end);
    let value: string;
    try {
      value = source.includes('\\') ? String(JSON.parse(`"${source}"`)) : source;
    } catch {
      value = s.getJSONValue(); // not valid JSON text: what the parser made of it
    }
    return { value, start, end, quoted: source !== value };
  });
}

const DEV_STAGE = /^(?:dev|devel|development|local|debug|test.*)$/;

function dockerfileCommands(file: LintFile): StartCommand[] {
  const df = file.parse(parseDockerfile);
  const out: StartCommand[] = [];
  for (const stage of df.stages) {
    if (stage.name && DEV_STAGE.test(stage.name)) continue;
    for (const keyword of ['ENTRYPOINT', 'CMD']) {
      let ins: Instruction | undefined;
      for (const x of stage.instructions) if (x.getKeyword() === keyword) ins = x;
      if (!ins) continue;
      const argsRange = ins.getArgumentsRange();
      if (!argsRange) continue;
      const start = file.lines.offsetAt(argsRange.start);
      const end = file.lines.offsetAt(argsRange.end);
      const json = ins as JSONInstruction;
      const open = json.getOpeningBracket?.();
      const close = json.getClosingBracket?.();
      const strings = json.getJSONStrings?.() ?? [];
      if (open && close && strings.length) {
        const words = jsonWords(file, strings);
        const o = file.lines.offsetAt(open.getRange().start);
        const c = file.lines.offsetAt(close.getRange().end);
        out.push({
          file, where: 'dockerfile', container: true, portFromEnv: false, form: 'exec', commands: execCommands(file, words), start: o, end: c, instruction: ins,
          replaceArgv: (argv) => [{ range: file.lines.range(o, c), newText: jsonArray(argv) }],
        });
      } else {
        out.push({ file, where: 'dockerfile', container: true, portFromEnv: false, form: 'shell', commands: shellCommands(file.text, start, end), start, end, instruction: ins });
      }
    }
  }
  return out;
}

/** One RUN instruction of a Dockerfile stage, read as shell commands (exec form: its argv as one command). */
export interface RunInstruction {
  instruction: Instruction;
  /** Zero-based line of the RUN keyword. */
  line: number;
  commands: SimpleCommand[];
}

/** The RUN instructions of a Dockerfile stage, each as its simple commands (heredoc bodies are not read). */
export function runInstructions(file: LintFile, stage: DockerStage): RunInstruction[] {
  const out: RunInstruction[] = [];
  for (const ins of stage.instructions) {
    if (ins.getKeyword() !== 'RUN') continue;
    const argsRange = ins.getArgumentsRange();
    if (!argsRange) continue;
    const json = ins as JSONInstruction;
    const strings = json.getJSONStrings?.() ?? [];
    let commands: SimpleCommand[];
    if (json.getOpeningBracket?.() && strings.length) {
      commands = execCommands(file, jsonWords(file, strings));
    } else {
      const start = file.lines.offsetAt(argsRange.start);
      const end = file.lines.offsetAt(argsRange.end);
      // Docker drops comment lines inside a continued instruction before the shell sees it: blank them
      // (with their line break, same length, so offsets stay) or the comment would end the command there.
      const body = file.text.slice(start, end).replace(/^[ \t]*#[^\n]*\n/gm, (m) => ' '.repeat(m.length));
      commands = shellCommands(file.text.slice(0, start) + body + file.text.slice(end), start, end);
    }
    out.push({ instruction: ins, line: ins.getRange().start.line, commands });
  }
  return out;
}

/** The source text of a YAML scalar holding a command line: offsets of its content (block scalars: after the header). */
function scalarSpan(file: LintFile, y: YamlFile, node: Node): [number, number] | undefined {
  const o = y.offsets(node);
  if (!o) return undefined;
  let s = o[0];
  const e = o[1];
  if (isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')) {
    const nl = file.text.indexOf('\n', s);
    s = nl === -1 || nl > e ? e : nl + 1;
  }
  return [s, e];
}

/** A YAML command value: a string (shell words) or a list (argv). */
function yamlCommand(file: LintFile, y: YamlFile, node: Node | undefined): { words: Word[]; commands: SimpleCommand[]; form: 'exec' | 'shell'; start: number; end: number } | undefined {
  if (!node) return undefined;
  if (isScalar(node) && typeof node.value === 'string') {
    const span = scalarSpan(file, y, node);
    if (!span) return undefined;
    const commands = shellCommands(file.text, span[0], span[1], node.type === 'BLOCK_LITERAL');
    return { words: commands.flatMap((c) => c.words), commands, form: 'shell', start: span[0], end: span[1] };
  }
  if (isSeq(node)) {
    let words: Word[] = [];
    for (const item of seqItems(node)) {
      if (!isScalar(item) || item.value === null || item.value === undefined) continue;
      const o = y.offsets(item);
      if (!o) continue;
      const value = String(item.value);
      words.push({ value, start: o[0], end: o[1], quoted: file.text.slice(o[0], o[1]) !== value });
    }
    words = exact(words);
    const r = node.range!;
    // A block sequence's range runs on to the next line: end at its last item instead.
    const lastItem = seqItems(node)[node.items.length - 1];
    const end = node.flow || !lastItem?.range ? r[1] : lastItem.range[1];
    return { words, commands: execCommands(file, words), form: 'exec', start: r[0], end };
  }
  return undefined;
}

/** The `services` of a compose file: [name, service map] (computed once per file version). */
export function composeServices(file: LintFile): Array<{ name: string; service: Node; doc: number }> {
  return file.parse(findComposeServices);
}

function findComposeServices(file: LintFile): Array<{ name: string; service: Node; doc: number }> {
  const y = file.parse(parseYaml);
  const out: Array<{ name: string; service: Node; doc: number }> = [];
  y.docs.forEach((d, doc) => {
    const services = valueOf(d.contents, 'services');
    if (!isMap(services)) return;
    for (const p of services.items) {
      if (isScalar(p.key) && isMap(p.value)) out.push({ name: String(p.key.value), service: p.value as Node, doc });
    }
  });
  return out;
}

function composeCommands(file: LintFile): StartCommand[] {
  const y = file.parse(parseYaml);
  const out: StartCommand[] = [];
  for (const { service } of composeServices(file)) {
    for (const key of ['entrypoint', 'command']) {
      const node = valueOf(service, key);
      const c = yamlCommand(file, y, node);
      if (!c) continue;
      out.push({
        file, where: 'compose', container: true, portFromEnv: false, form: c.form, commands: c.commands, start: c.start, end: c.end,
        replaceArgv: c.form === 'exec' ? (argv) => [{ range: file.lines.range(c.start, c.end), newText: jsonArray(argv) }] : undefined,
      });
    }
  }
  return out;
}

const WORKLOADS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob', 'DeploymentConfig']);

/** A container of a Kubernetes workload. */
export interface KubeContainer {
  doc: number;
  kind: string;
  /** The workload's name. */
  name?: string;
  /** The pod spec map. */
  podSpec: Node;
  container: Node;
  init: boolean;
}

/** Every container (and init container) of every workload document of a Kubernetes file (computed once per file version). */
export function kubeContainers(file: LintFile): KubeContainer[] {
  return file.parse(findKubeContainers);
}

/**
 * The containers of each parsed document, without the document's index (which moves when a document
 * is inserted before it). parse/yaml.ts reuses an unchanged document's objects on the next version of
 * the file, so a keystroke in a large manifest walks only the edited document.
 */
const docContainersCache = new WeakMap<Document, Array<Omit<KubeContainer, 'doc'>>>();

function docContainers(d: Document): Array<Omit<KubeContainer, 'doc'>> {
  const cached = docContainersCache.get(d);
  if (cached) return cached;
  const out: Array<Omit<KubeContainer, 'doc'>> = [];
  const roots = isSeq(d.contents) ? seqItems(d.contents) : [d.contents as Node];
  for (let r = 0; r < roots.length; r++) {
    const root = roots[r];
    // A `kind: List` holds its objects in `items`.
    const objects = scalarOf(valueOf(root, 'kind')) === 'List' ? seqItems(valueOf(root, 'items')) : [root];
    for (let o = 0; o < objects.length; o++) {
      const obj = objects[o];
      const kind = scalarOf(valueOf(obj, 'kind'));
      if (!kind || !WORKLOADS.has(kind)) continue;
      let spec = valueOf(obj, 'spec');
      if (kind === 'CronJob') spec = valueOf(valueOf(spec, 'jobTemplate'), 'spec');
      const podSpec = kind === 'Pod' ? spec : valueOf(valueOf(spec, 'template'), 'spec');
      if (!isMap(podSpec)) continue;
      const name = scalarOf(valueOf(valueOf(obj, 'metadata'), 'name'));
      for (let init = 0; init < 2; init++) {
        const list = seqItems(valueOf(podSpec, init ? 'initContainers' : 'containers'));
        for (let j = 0; j < list.length; j++) if (isMap(list[j])) out.push({ kind, name, podSpec, container: list[j], init: init === 1 });
      }
    }
  }
  const kept = exact(out);
  docContainersCache.set(d, kept);
  return kept;
}

function findKubeContainers(file: LintFile): KubeContainer[] {
  const y = file.parse(parseYaml);
  const out: KubeContainer[] = [];
  for (let doc = 0; doc < y.docs.length; doc++) {
    const list = docContainers(y.docs[doc]);
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      out.push({ doc, kind: c.kind, name: c.name, podSpec: c.podSpec, container: c.container, init: c.init });
    }
  }
  return out;
}

function scalarOf(node: unknown): string | undefined {
  return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
}

/** A container's `command` + `args` as one exec-form start, in offsets of the file's text. */
interface KubeCommand {
  cmd?: { start: number; end: number };
  args?: { start: number; end: number };
  start: number;
  end: number;
  commands: SimpleCommand[];
}

/**
 * The start commands of each parsed document, with the document's start offset when they were read.
 * An unchanged document is reused by parse/yaml.ts (moved in place), so its commands are only read
 * again when it was edited; when it moved, a shifted copy replaces the cached one (never mutated, as
 * the previous version's findings and fixes may still hold them).
 */
const docCommandsCache = new WeakMap<Document, { base: number; list: KubeCommand[] }>();

function shiftSpan<T extends { start: number; end: number }>(s: T, delta: number): T {
  return { ...s, start: s.start + delta, end: s.end + delta };
}

/** Copies of commands moved by `delta` (their words, an `sh -c` script's span, and `via` to the moved copy). */
function shiftCommands(commands: SimpleCommand[], delta: number): SimpleCommand[] {
  const moved = new Map<SimpleCommand, SimpleCommand>();
  return commands.map((sc) => {
    const copy: SimpleCommand = { ...sc, words: sc.words.map((w) => shiftSpan(w, delta)) };
    if (sc.script) copy.script = shiftSpan(sc.script, delta);
    if (sc.via) copy.via = moved.get(sc.via) ?? sc.via;
    moved.set(sc, copy);
    return copy;
  });
}

function docCommands(file: LintFile, y: YamlFile, d: Document): KubeCommand[] {
  const base = d.range[0];
  const cached = docCommandsCache.get(d);
  if (cached) {
    const delta = base - cached.base;
    if (!delta) return cached.list;
    const list = cached.list.map((c) => ({
      cmd: c.cmd && shiftSpan(c.cmd, delta),
      args: c.args && shiftSpan(c.args, delta),
      start: c.start + delta,
      end: c.end + delta,
      commands: shiftCommands(c.commands, delta),
    }));
    docCommandsCache.set(d, { base, list });
    return list;
  }
  const list: KubeCommand[] = [];
  for (const c of docContainers(d)) {
    if (c.init) continue;
    const cmdNode = valueOf(c.container, 'command');
    const argsNode = valueOf(c.container, 'args');
    const cmd = isSeq(cmdNode) ? yamlCommand(file, y, cmdNode) : undefined;
    const args = isSeq(argsNode) ? yamlCommand(file, y, argsNode) : undefined;
    if (!cmd && !args) continue;
    const words = [...(cmd?.words ?? []), ...(args?.words ?? [])];
    list.push({
      cmd: cmd && { start: cmd.start, end: cmd.end },
      args: args && { start: args.start, end: args.end },
      start: (cmd ?? args)!.start,
      end: (args ?? cmd)!.end,
      commands: execCommands(file, words),
    });
  }
  const kept = exact(list);
  docCommandsCache.set(d, { base, list: kept });
  return kept;
}

function kubernetesCommands(file: LintFile): StartCommand[] {
  const y = file.parse(parseYaml);
  const out: StartCommand[] = [];
  for (const d of y.docs) {
    for (const { cmd, args, start, end, commands } of docCommands(file, y, d)) {
      out.push({
        file, where: 'kubernetes', container: true, portFromEnv: false, form: 'exec', commands, start, end,
        replaceArgv: (argv) => {
          if (cmd && args) {
            return [
              { range: file.lines.range(cmd.start, cmd.end), newText: jsonArray(argv.slice(0, 1)) },
              { range: file.lines.range(args.start, args.end), newText: jsonArray(argv.slice(1)) },
            ];
          }
          const only = (cmd ?? args)!;
          return [{ range: file.lines.range(only.start, only.end), newText: jsonArray(argv) }];
        },
      });
    }
  }
  return out;
}

/** `ExecStart=` lines of a unit file's [Service] section (continuations joined, prefixes `-@+!:` skipped). */
function systemdCommands(file: LintFile): StartCommand[] {
  const out: StartCommand[] = [];
  const lines = file.lines;
  let section = '';
  for (let l = 0; l < lines.lineCount; l++) {
    const line = lines.line(l);
    const t = line.trim();
    if (t.startsWith('[')) {
      section = t;
      continue;
    }
    if (section !== '[Service]') continue;
    const m = /^[ \t]*ExecStart[ \t]*=[ \t]*[-@+!:]*/.exec(line);
    if (!m) continue;
    const start = lines.starts[l] + m[0].length;
    let last = l;
    while (last + 1 < lines.lineCount && lines.line(last).endsWith('\\')) last++;
    const end = lines.starts[last] + lines.line(last).length;
    if (start >= end) continue;
    out.push({ file, where: 'systemd', container: false, portFromEnv: false, form: 'shell', commands: shellCommands(file.text, start, end), start, end });
    l = last;
  }
  return out;
}

/**
 * The `command=` of each `[program:x]` section of a supervisord file (supervisord splits it into words
 * as a shell would, and runs it without a shell). Read for the binds of the servers it starts; the
 * rules on start commands (START_KINDS) do not include supervisor files.
 */
function supervisorCommands(file: LintFile): StartCommand[] {
  const out: StartCommand[] = [];
  for (const section of file.parse(supervisorIniOf).sections) {
    if (!section.name.startsWith('program:')) continue;
    for (const e of section.entries) {
      if (e.key !== 'command' || !e.value) continue;
      const start = file.lines.offsetAt(e.valueRange.start);
      const end = file.lines.offsetAt(e.valueRange.end);
      out.push({ file, where: 'supervisor', container: false, portFromEnv: false, process: section.name.slice(8), form: 'shell', commands: shellCommands(file.text, start, end, false), start, end });
    }
  }
  return out;
}

function shellScriptCommands(file: LintFile): StartCommand[] {
  const commands = shellCommands(file.text, 0, file.text.length);
  return [{ file, where: 'shell', container: false, portFromEnv: false, form: 'shell', commands, start: 0, end: file.text.length }];
}

/** A TOML string (or array of strings) at [table] key, located in the source by a line scan (smol-toml gives no positions). */
function tomlWords(file: LintFile, table: string, key: string): { words: Word[]; array: boolean; start: number; end: number } | undefined {
  const lines = file.lines;
  let current = '';
  for (let l = 0; l < lines.lineCount; l++) {
    const line = lines.line(l);
    const h = /^[ \t]*\[\[?[ \t]*([^\]]*?)[ \t]*\]\]?/.exec(line);
    if (h) {
      current = h[1].replace(/["' \t]/g, '');
      continue;
    }
    if (current !== table) continue;
    const m = new RegExp(`^[ \\t]*["']?${key.replace(/[.]/g, '\\.')}["']?[ \\t]*=[ \\t]*`).exec(line);
    if (!m) continue;
    const base0 = lines.starts[l] + m[0].length;
    const rest = line.slice(m[0].length);
    const words: Word[] = [];
    const array = rest.startsWith('[');
    const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'/g;
    for (const s of rest.matchAll(re)) {
      const inner = s[1] ?? s[2] ?? '';
      const at = base0 + (s.index ?? 0) + 1;
      const value = s[1] !== undefined ? inner.replace(/\\(.)/g, '$1') : inner;
      words.push({ value, start: at, end: at + inner.length, quoted: value !== inner });
      if (!array) break;
    }
    if (!words.length) return undefined;
    return { words, array, start: array ? base0 : words[0].start, end: array ? base0 + rest.trimEnd().length : words[0].end };
  }
  return undefined;
}

function tomlStart(file: LintFile, table: string, key: string, process?: string, portFromEnv = true, port?: string): StartCommand | undefined {
  const t = tomlWords(file, table, key);
  if (!t) return undefined;
  if (t.array) {
    return {
      file, where: 'platform', container: !portFromEnv, portFromEnv, process, form: 'exec', commands: execCommands(file, t.words), start: t.start, end: t.end, port,
      replaceArgv: (argv) => [{ range: file.lines.range(t.start, t.end), newText: jsonArray(argv) }],
    };
  }
  const w = t.words[0];
  return { file, where: 'platform', container: !portFromEnv, portFromEnv, process, form: 'shell', commands: shellCommands(file.text, w.start, w.end), start: w.start, end: w.end, port };
}

function platformCommands(file: LintFile): StartCommand[] {
  const name = basename(file.path).toLowerCase();
  const out: StartCommand[] = [];
  const push = (c: StartCommand | undefined) => c && out.push(c);
  if (name.endsWith('.toml')) {
    let data: Record<string, unknown>;
    try {
      data = parseToml(file.text) as Record<string, unknown>;
    } catch (e) {
      throw new ParseError(file.path, `invalid TOML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    if (name === 'fly.toml') {
      const http = data.http_service as Record<string, unknown> | undefined;
      const port = http?.internal_port !== undefined ? String(http.internal_port) : '8080';
      const processes = data.processes as Record<string, unknown> | undefined;
      for (const p of Object.keys(processes ?? {})) push(tomlStart(file, 'processes', p, p, false, port));
      push(tomlStart(file, 'experimental', 'cmd', undefined, false, port));
      push(tomlStart(file, 'experimental', 'entrypoint', undefined, false, port));
    } else if (name === 'railway.toml') push(tomlStart(file, 'deploy', 'startCommand'));
    else if (name === 'nixpacks.toml') push(tomlStart(file, 'start', 'cmd'));
    return out;
  }
  const y = file.parse(parseYaml);
  const fromYaml = (node: Node | undefined, process?: string) => {
    const c = yamlCommand(file, y, node);
    if (c) out.push({ file, where: 'platform', container: false, portFromEnv: true, process, form: c.form, commands: c.commands, start: c.start, end: c.end });
  };
  for (const d of y.docs) {
    if (name.startsWith('render.')) {
      for (const s of seqItems(valueOf(d.contents, 'services'))) fromYaml(valueOf(s, 'startCommand'), scalarOf(valueOf(s, 'type')));
    } else if (name === 'railway.json') {
      fromYaml(valueOf(valueOf(d.contents, 'deploy'), 'startCommand'), 'web');
    } else {
      fromYaml(valueOf(d.contents, 'entrypoint'), 'web');
    }
  }
  return out;
}

/**
 * Every start command of a file (rules.md: Procfile process lines, Dockerfile CMD/ENTRYPOINT, compose
 * command/entrypoint, Kubernetes command+args, systemd ExecStart, shell scripts, platform files).
 * Cached per file version: use `file.parse(startCommands)`.
 */
export function startCommands(file: LintFile): StartCommand[] {
  switch (file.kind) {
    case 'procfile':
      return procfileCommands(file);
    case 'dockerfile':
      return dockerfileCommands(file);
    case 'compose':
      return composeCommands(file);
    case 'kubernetes':
      return kubernetesCommands(file);
    case 'systemd':
      return systemdCommands(file);
    case 'shell':
      return shellScriptCommands(file);
    case 'platform':
      return platformCommands(file);
    case 'supervisor':
      return supervisorCommands(file);
    default:
      return [];
  }
}

/** Every server invocation of a file's start commands (computed once per file version). */
export function invocations(file: LintFile): Array<{ start: StartCommand; inv: Invocation }> {
  return file.parse(findInvocations);
}

function findInvocations(file: LintFile): Array<{ start: StartCommand; inv: Invocation }> {
  const out: Array<{ start: StartCommand; inv: Invocation }> = [];
  for (const start of file.parse(startCommands)) {
    for (const command of start.commands) {
      const inv = analyzeCommand(command, start.form === 'exec');
      if (inv) out.push({ start, inv });
    }
  }
  return out;
}

/** The kinds that hold start commands. */
export const START_KINDS: readonly FileKind[] = ['procfile', 'dockerfile', 'compose', 'kubernetes', 'systemd', 'shell', 'platform'];

export { pairOf, valueOf };
