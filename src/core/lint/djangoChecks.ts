// Django's own deployment checks (`manage.py check --deploy`): run them with the project's Python,
// parse what they print, and place each message on the settings file. Django only sees runtime values,
// our rules only see source; the two together catch more than either.
import { spawn } from 'child_process';
import fs = require('fs');
import path = require('path');
import type { Range, Severity } from './types';
import { readRegularFile } from '../safeFs';
import { assignedNames, parsePython, settingsModuleDefault } from './parse/python';

export type DjangoCheckLevel = 'critical' | 'error' | 'warning' | 'info' | 'debug';

/** One message of Django's system check framework, as `manage.py check` prints it. */
export interface DjangoCheckMessage {
  /** What the message is about: `?` for none, `settings.SECRET_KEY`, `polls.Question`, ... */
  obj: string;
  /** Check id, e.g. `security.W004`; empty for the rare message without one. */
  id: string;
  level: DjangoCheckLevel;
  message: string;
  hint?: string;
}

const LEVEL_HEADERS: Record<string, DjangoCheckLevel> = {
  'CRITICALS:': 'critical',
  'ERRORS:': 'error',
  'WARNINGS:': 'warning',
  'INFOS:': 'info',
  'DEBUGS:': 'debug',
};

const LEVEL_LETTERS: Record<string, DjangoCheckLevel> = { C: 'critical', E: 'error', W: 'warning', I: 'info', D: 'debug' };

// `<obj>: (<id>) <message>`. The object is printed with str(): anything but a newline; the id is
// `<tag>.<letter><digits>` (`security.W004`, `4_0.E001`, `models.W042`, `fields.E304`).
const MESSAGE_LINE = /^(\S[^\n]*?): \(([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*\.([CEWID])\d+)\) (.*)$/;
const HINT_LINE = /^\tHINT: (.*)$/;
const SUMMARY_LINE = /^System check identified (?:no issues|\d+ issues?|some issues)/;
const ERROR_HEADER = /^SystemCheckError: /;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Parses the output of `manage.py check [--deploy]` (stdout and stderr together). Messages and hints
 * may span several lines: Django prints `"\n\tHINT: " + hint` after the message, and the following
 * lines of a multi-line hint (or message) unindented, up to the next message, blank line or header.
 */
export function parseDjangoCheckOutput(output: string): DjangoCheckMessage[] {
  const messages: DjangoCheckMessage[] = [];
  let level: DjangoCheckLevel | undefined;
  let current: DjangoCheckMessage | undefined;
  let inHint = false;
  for (const raw of output.replace(ANSI, '').split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    const header = LEVEL_HEADERS[line];
    if (header) {
      level = header;
      current = undefined;
      continue;
    }
    if (line === '' || SUMMARY_LINE.test(line) || ERROR_HEADER.test(line)) {
      current = undefined;
      continue;
    }
    const m = MESSAGE_LINE.exec(line);
    if (m) {
      current = { obj: m[1], id: m[2], level: level ?? LEVEL_LETTERS[m[3]], message: m[4] };
      inHint = false;
      messages.push(current);
      continue;
    }
    if (!current) continue;
    const h = HINT_LINE.exec(raw);
    if (h) {
      current.hint = h[1].trim();
      inHint = true;
    } else if (inHint) {
      current.hint = `${current.hint}\n${line}`;
    } else {
      current.message = `${current.message}\n${line}`;
    }
  }
  return messages;
}

export function severityOfLevel(level: DjangoCheckLevel): Severity {
  if (level === 'critical' || level === 'error') return 'error';
  if (level === 'warning') return 'warning';
  return 'info';
}

// Which setting each deployment check is about (django/core/checks/security/*.py).
const SETTING_OF_CHECK: Record<string, string> = {
  'security.W001': 'MIDDLEWARE',
  'security.W002': 'MIDDLEWARE',
  'security.W003': 'MIDDLEWARE',
  'security.W004': 'SECURE_HSTS_SECONDS',
  'security.W005': 'SECURE_HSTS_INCLUDE_SUBDOMAINS',
  'security.W006': 'SECURE_CONTENT_TYPE_NOSNIFF',
  'security.W007': 'SECURE_BROWSER_XSS_FILTER',
  'security.W008': 'SECURE_SSL_REDIRECT',
  'security.W009': 'SECRET_KEY',
  'security.W010': 'SESSION_COOKIE_SECURE',
  'security.W011': 'SESSION_COOKIE_SECURE',
  'security.W012': 'SESSION_COOKIE_SECURE',
  'security.W013': 'SESSION_COOKIE_HTTPONLY',
  'security.W014': 'SESSION_COOKIE_HTTPONLY',
  'security.W015': 'SESSION_COOKIE_HTTPONLY',
  'security.W016': 'CSRF_COOKIE_SECURE',
  'security.W017': 'CSRF_COOKIE_HTTPONLY',
  'security.W018': 'DEBUG',
  'security.W019': 'X_FRAME_OPTIONS',
  'security.W020': 'ALLOWED_HOSTS',
  'security.W021': 'SECURE_HSTS_PRELOAD',
  'security.W022': 'SECURE_REFERRER_POLICY',
  'security.W024': 'SECRET_KEY_FALLBACKS',
  'security.W025': 'SECRET_KEY_FALLBACKS',
  'security.E023': 'SECURE_REFERRER_POLICY',
  'security.E024': 'SECURE_CROSS_ORIGIN_OPENER_POLICY',
  'security.E100': 'DEFAULT_HASHING_ALGORITHM',
  'security.E101': 'CSRF_FAILURE_VIEW',
  'security.E102': 'CSRF_FAILURE_VIEW',
  '4_0.E001': 'CSRF_TRUSTED_ORIGINS',
};

/**
 * Our rules that report the same problem as a Django check (and offer the fix): when one of them has a
 * finding in the file, the check's message is left out, so each problem is said once, by the finding
 * that can fix it.
 */
export const RULES_OF_CHECK: Record<string, readonly string[]> = {
  'security.W001': ['CW207'],
  'security.W002': ['CW207'],
  'security.W003': ['CW207'],
  'security.W004': ['CW206'],
  'security.W008': ['CW206', 'CW603'],
  'security.W009': ['CW202'],
  'security.W012': ['CW206'],
  'security.W016': ['CW206'],
  'security.W018': ['CW201'],
  'security.W020': ['CW204'],
  '4_0.E001': ['CW210'],
};

const SETTING_NAME = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b|\bDEBUG\b|\bMIDDLEWARE\b/g;

/**
 * The settings a message is about, most likely first: the object (`settings.SECRET_KEY`), the
 * known setting of its id, then setting-like names the message mentions.
 */
export function settingsOfMessage(msg: DjangoCheckMessage): string[] {
  const names: string[] = [];
  const obj = /^settings\.([A-Z][A-Z0-9_]*)$/.exec(msg.obj);
  if (obj) names.push(obj[1]);
  const known = SETTING_OF_CHECK[msg.id];
  if (known) names.push(known);
  for (const m of msg.message.matchAll(SETTING_NAME)) names.push(m[0]);
  return [...new Set(names)];
}

/** Whether a message belongs on the settings file: deployment checks and object-less settings checks. */
export function isSettingsMessage(msg: DjangoCheckMessage): boolean {
  return msg.id.startsWith('security.') || msg.obj === '?' || msg.obj.startsWith('settings');
}

/**
 * The range of the name in the assignment that sets `name` in Python source: the last one at module
 * level (Python keeps the last value), else the last nested one (inside an `if`), else undefined.
 * `NAME = ...`, `NAME: type = ...`, `NAME += ...`, `NAME |= ...`; strings and comments are not code.
 */
export function findSettingAssignment(source: string, name: string): Range | undefined {
  let topLevel: Range | undefined;
  let nested: Range | undefined;
  for (const a of parsePython(source).assignments) {
    if (a.op !== '=' && a.op !== '+=' && a.op !== '|=') continue;
    const target = assignedNames(a).find((t) => t.name === name);
    if (!target) continue;
    if (a.topLevel) topLevel = target.range;
    else nested = target.range;
  }
  return topLevel ?? nested;
}

/** The settings module `manage.py` selects (`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.y")`). */
export function settingsModuleFromManagePy(source: string): string | undefined {
  return settingsModuleDefault(parsePython(source));
}

/**
 * The file of a settings module, relative to the folder of manage.py (the folder Django puts first on
 * sys.path): `mysite/settings.py`, or `mysite/settings/__init__.py` for a package.
 */
export function settingsFileOfModule(projectDir: string, module: string): string | undefined {
  const base = path.join(projectDir, ...module.split('.'));
  for (const candidate of [`${base}.py`, path.join(base, '__init__.py')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A Django check message placed on a file, ready to become a diagnostic. */
export interface DjangoCheckFinding {
  id: string;
  severity: Severity;
  message: string;
  hint?: string;
  file: string;
  range: Range;
  /** The setting the range points at, when one was found. */
  setting?: string;
}

/**
 * Places each settings-related message on the settings file: at the assignment of its setting when
 * the file (or, for a settings package, one of its modules) assigns it, else on line 1 of the file.
 */
export function placeDjangoChecks(
  messages: DjangoCheckMessage[],
  settingsFile: string,
  readText: (file: string) => string | undefined = readTextOrUndefined,
): DjangoCheckFinding[] {
  const candidates = settingsCandidates(settingsFile);
  const texts = new Map<string, string | undefined>();
  const text = (f: string) => {
    if (!texts.has(f)) texts.set(f, readText(f));
    return texts.get(f);
  };
  const findings: DjangoCheckFinding[] = [];
  for (const msg of messages) {
    if (!isSettingsMessage(msg)) continue;
    let placed: DjangoCheckFinding | undefined;
    for (const setting of settingsOfMessage(msg)) {
      for (const file of candidates) {
        const source = text(file);
        const range = source === undefined ? undefined : findSettingAssignment(source, setting);
        if (range) {
          placed = { id: msg.id, severity: severityOfLevel(msg.level), message: msg.message, hint: msg.hint, file, range, setting };
          break;
        }
      }
      if (placed) break;
    }
    placed ??= {
      id: msg.id,
      severity: severityOfLevel(msg.level),
      message: msg.message,
      hint: msg.hint,
      file: settingsFile,
      range: firstLineRange(text(settingsFile)),
    };
    findings.push(placed);
  }
  return findings;
}

// For a settings package (`settings/__init__.py`), the other modules of the package may hold the
// assignment (`from .base import *`): look there after the package's own file.
function settingsCandidates(settingsFile: string): string[] {
  if (path.basename(settingsFile) !== '__init__.py') return [settingsFile];
  const dir = path.dirname(settingsFile);
  let others: string[] = [];
  try {
    others = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.py') && f !== '__init__.py')
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    // An unreadable package: the file itself is all we have.
  }
  return [settingsFile, ...others];
}

function firstLineRange(text: string | undefined): Range {
  const first = text?.split(/\r?\n/, 1)[0] ?? '';
  return { start: { line: 0, character: 0 }, end: { line: 0, character: first.length } };
}

function readTextOrUndefined(file: string): string | undefined {
  const r = readRegularFile(file, 4 * 1024 * 1024);
  return 'text' in r ? r.text : undefined;
}

export interface DjangoCheckRunOptions {
  /** The Python interpreter (path or command name). */
  python: string;
  /** Absolute path of manage.py; the checks run in its folder. */
  managePy: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type DjangoCheckProblem = 'python-missing' | 'django-missing' | 'missing-env' | 'timeout' | 'failed';

export interface DjangoCheckRun {
  /** The command line, for the log. */
  command: string;
  exitCode: number | null;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
  messages: DjangoCheckMessage[];
  /** Set when the checks could not run; `detail` says why in one line. */
  problem?: DjangoCheckProblem;
  detail?: string;
  /** missing-env: the environment variable the settings could not do without. */
  variable?: string;
}

/**
 * Runs `<python> manage.py check --deploy --no-color` in the folder of manage.py. Resolves (never
 * rejects) with what happened: a missing interpreter, a missing Django, a crash of the settings or a
 * time-out are reported as `problem` with a one-line `detail`.
 */
export function runDjangoChecks(opts: DjangoCheckRunOptions): Promise<DjangoCheckRun> {
  const args = [path.basename(opts.managePy), 'check', '--deploy', '--no-color'];
  const command = [opts.python, ...args].map(shellQuoteForLog).join(' ');
  return new Promise((resolve) => {
    let output = '';
    let settled = false;
    let timedOut = false;
    const finish = (run: Omit<DjangoCheckRun, 'command' | 'output' | 'messages'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ command, output, messages: parseDjangoCheckOutput(output), ...run });
    };
    const child = spawn(opts.python, args, {
      cwd: path.dirname(opts.managePy),
      // PYTHONUNBUFFERED keeps stdout and stderr in the order Django wrote them.
      env: { ...(opts.env ?? process.env), PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 120_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EACCES') {
        finish({ exitCode: null, problem: 'python-missing', detail: `Python interpreter "${opts.python}" was not found or cannot be run (${e.code}).` });
      } else {
        finish({ exitCode: null, problem: 'failed', detail: `Could not run "${opts.python}": ${e.message}` });
      }
    });
    child.on('close', (code) => {
      if (timedOut) return finish({ exitCode: code, problem: 'timeout', detail: `manage.py check did not finish within ${Math.round((opts.timeoutMs ?? 120_000) / 1000)} s.` });
      if (opts.signal?.aborted) return finish({ exitCode: code, problem: 'failed', detail: 'Cancelled.' });
      finish({ exitCode: code, ...diagnoseFailure(code, output, opts.python) });
    });
  });
}

function diagnoseFailure(code: number | null, output: string, python: string): Pick<DjangoCheckRun, 'problem' | 'detail' | 'variable'> {
  const text = output.replace(ANSI, '');
  if (/No module named ['"]?django['"]?\s*$|Couldn't import Django/m.test(text)) {
    return { problem: 'django-missing', detail: `Django is not installed for the Python interpreter "${python}".` };
  }
  // The settings read a variable that is not set: os.environ["X"], django-environ's env("X"), decouple's config("X").
  const missing =
    /^KeyError: ['"]([A-Za-z_]\w*)['"]\s*$/m.exec(text) ??
    /ImproperlyConfigured: Set the ([A-Za-z_]\w*) environment variable/.exec(text) ??
    /UndefinedValueError: ([A-Za-z_]\w*) not found/.exec(text);
  if (missing && code !== 0) {
    return { problem: 'missing-env', variable: missing[1], detail: `The settings need the environment variable ${missing[1]}, which is not set.` };
  }
  // Exit status 1 with "System check identified ..." is Django reporting errors: a successful run.
  if (code === 0 || /^System check identified /m.test(text)) return {};
  const last =
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .pop() ?? '';
  if (code === 127) return { problem: 'python-missing', detail: `Python interpreter "${python}" could not be started: ${last}` };
  return { problem: 'failed', detail: last ? `manage.py check failed: ${last}` : `manage.py check exited with status ${code}.` };
}

function shellQuoteForLog(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Where Django's documentation explains a check (the section of its tag), for the diagnostic's code link. */
export function djangoCheckDocsUrl(id: string): string {
  const tag = id.split('.')[0];
  const anchor = tag === 'security' ? 'security' : /^\d+_\d+$/.test(tag) ? 'backwards-compatibility' : tag;
  return `https://docs.djangoproject.com/en/stable/ref/checks/#${anchor}`;
}
