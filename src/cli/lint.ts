// `cloudward lint [paths...] [--format text|json|sarif] [--fail-on …] [--rule ID=severity …]`: the deploy
// linter for CI. Folders are walked; every file found is indexed first, so cross-file rules see them all.
import fs = require('fs');
import path = require('path');
import { pathToFileURL } from 'url';
import { parseArgs } from 'node:util';
import { detectProjectSync } from '../core/detect';
import { classify, getRule, LintWorkspace, RULES, severityRank, summarize, summaryLine } from '../core/lint';
import type { Finding, LintOptions, LintProblem, Severity, SeveritySetting } from '../core/lint';
import { VERSION } from '../core/version';
import { printableLine } from '../core/printable';
import { readRegularFile } from '../core/safeFs';
import { isCandidatePath, isSkippedFolder, MAX_LINT_FILE_BYTES, VIRTUALENV_MARKER } from '../core/workspaceFiles';
import { Exit, UsageError, writeLine } from './command';
import type { Io } from './command';
import { registerCliCommand } from './main';

const USAGE = `Usage: cloudward lint [paths...] [--format text|json|sarif] [--fail-on error|warning|info|never] [--rule ID=severity ...]

Checks deployment files (Procfile, Dockerfile, compose, Kubernetes, systemd, nginx, gunicorn/uWSGI,
Django settings, Flask/FastAPI apps, shell entrypoints, platform files) for production mistakes.
Paths are files or folders (default: .); folders are walked, skipping .git, node_modules, virtualenvs
and __pycache__. Rules: docs/rules/<id>.md.

Options:
  --format <f>        text (default: file:line:col: severity CWxxx message), json, or sarif (SARIF 2.1.0)
  --fail-on <level>   exit 1 when a finding at or above this severity is found: error (default),
                      warning, info, or never
  --rule ID=severity  override a rule's severity: off, info, warning or error (repeatable)
  -h, --help          show this help

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error (including a
path that does not exist). A file that cannot be read, or a YAML document with a syntax error, is
reported on stderr as file:line:col: message and skipped (the other documents are linted); it does
not change the exit code.`;


interface Walked {
  /** Files to read (candidate deploy files). */
  files: string[];
  /** Every other file seen (by path only: CW604 checks modules exist). */
  others: string[];
  problems: LintProblem[];
}

/** The shared workspace file policy (the editor reads the same files), on a path below the folder walked. */
function isCandidate(file: string, root: string): boolean {
  return isCandidatePath(path.relative(root, file) || path.basename(file));
}

function walk(root: string, out: Walked, explicit: boolean): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(root);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    out.problems.push({ file: root, message: `cannot read: ${code === 'ENOENT' ? 'no such file or folder' : code === 'ELOOP' ? 'a symbolic link loop' : (e as Error).message}` });
    return;
  }
  if (st.isFile()) {
    if (explicit || isCandidate(root, path.dirname(root))) out.files.push(root);
    else out.others.push(root);
    return;
  }
  if (!st.isDirectory()) return;
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      out.problems.push({ file: dir, message: `cannot read folder: ${(e as Error).message}` });
      continue;
    }
    if (dir !== root && entries.some((e) => e.name === VIRTUALENV_MARKER)) continue; // a virtualenv, whatever its name
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!isSkippedFolder(e.name)) stack.push(p);
      } else if (e.isFile()) {
        if (isCandidate(p, root)) out.files.push(p);
        else out.others.push(p);
      }
    }
  }
}

/** A path as a URI reference: `#` and `?` in a file name are part of the path, not a fragment or query. */
function uriPath(p: string): string {
  return p.split('/').map((seg) => encodeURIComponent(seg)).join('/');
}

function readText(file: string): { text?: string; problem?: string } {
  const r = readRegularFile(file, MAX_LINT_FILE_BYTES, true);
  if ('text' in r) return r;
  return { problem: r.code === 'unreadable' || r.code === 'missing' ? `cannot read: ${r.problem}` : `skipped: ${r.problem}` };
}

function parseRuleOverride(spec: string): [string, SeveritySetting] {
  const m = /^(CW\d{3})=(off|info|warning|error)$/i.exec(spec.trim());
  if (!m) throw new UsageError(`--rule takes ID=severity (e.g. CW208=off, severity off|info|warning|error), not '${spec}'`);
  const id = m[1].toUpperCase();
  if (!getRule(id)) throw new UsageError(`unknown rule ${id}; rules: ${RULES.map((r) => r.id).join(', ')}`);
  return [id, m[2].toLowerCase() as SeveritySetting];
}

/**
 * The app target for the findings that name it (the gunicorn command of CW101/CW102's fix, CW604's
 * hint), from the project detection of the first folder given. Detection reads the project (its
 * settings, its packaging files): it runs only when a rule first asks, which most lints never do.
 */
function lintOptions(rules: Record<string, SeveritySetting>, paths: string[], cwd: string): LintOptions {
  let detected: Pick<LintOptions, 'appTarget' | 'interface'> | undefined;
  const detect = (): Pick<LintOptions, 'appTarget' | 'interface'> => {
    if (detected) return detected;
    const dir = paths.map((p) => path.resolve(cwd, p)).find((p) => {
      try {
        return fs.statSync(p).isDirectory();
      } catch {
        return false;
      }
    }) ?? cwd;
    try {
      const d = detectProjectSync(dir);
      detected = { appTarget: d.appTarget ?? undefined, interface: d.interface ?? undefined };
    } catch {
      detected = {};
    }
    return detected;
  };
  return {
    rules,
    get appTarget() {
      return detect().appTarget;
    },
    get interface() {
      return detect().interface;
    },
  };
}

export interface LintRun {
  findings: Finding[];
  problems: LintProblem[];
  /** Deploy files linted. */
  files: number;
}

/** Indexes and lints `paths` (relative to `cwd`); findings name files relative to `cwd`. */
export function lintPaths(paths: string[], cwd: string, options: LintOptions): LintRun {
  const walked: Walked = { files: [], others: [], problems: [] };
  for (const p of paths) walk(path.resolve(cwd, p), walked, true);
  // Once per file, not per finding (a large manifest gives a thousand findings with related files).
  const shown = new Map<string, string>();
  const display = (file: string) => {
    let s = shown.get(file);
    if (s === undefined) shown.set(file, (s = (path.relative(cwd, file) || path.basename(file)).split(path.sep).join('/')));
    return s;
  };
  const ws = new LintWorkspace(options);
  const problems: LintProblem[] = walked.problems.map((p) => ({ ...p, file: display(p.file) }));
  for (const f of walked.others) ws.setFile(f);
  let files = 0;
  for (const f of walked.files) {
    const r = readText(f);
    if (r.problem) {
      if (classify(f) !== undefined) problems.push({ file: display(f), message: r.problem });
      ws.setFile(f);
      continue;
    }
    if (ws.setFile(f, r.text)) files++;
  }
  const result = ws.lintAllWithProblems();
  const findings = result.findings.map((f) => ({ ...f, file: display(f.file), related: f.related?.map((r) => ({ ...r, file: display(r.file) })) }));
  problems.push(...result.problems.map((p) => ({ ...p, file: display(p.file) })));
  return { findings, problems, files };
}

function toJson(findings: Finding[]): unknown[] {
  return findings.map((f) => ({
    file: f.file,
    rule: f.rule,
    severity: f.severity,
    line: f.range.start.line + 1,
    column: f.range.start.character + 1,
    endLine: f.range.end.line + 1,
    endColumn: f.range.end.character + 1,
    message: f.message,
  }));
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * The installed package's folder (it ships docs/rules/*.md): the folder above dist/cli.js, or above
 * out/src/cli/ when run from the compiled sources. Found by walking up to our package.json.
 */
function packageRoot(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    try {
      const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pj.name === 'cloudward' && fs.existsSync(path.join(dir, 'docs', 'rules'))) return dir;
    } catch {
      // not here: one folder up
    }
    dir = path.dirname(dir);
  }
  return undefined;
}

/** Where the rules' docs pages are, as a `file:` URI ending in a slash (SARIF originalUriBaseIds), or undefined. */
function docsBase(): string | undefined {
  const root = packageRoot();
  return root ? pathToFileURL(path.join(root, 'docs', 'rules') + path.sep).href : undefined;
}

function toSarif(findings: Finding[], problems: LintProblem[], cwd: string): unknown {
  // Each rule's docs page in the installed package: helpUri is an absolute file: URI (SARIF wants an
  // absolute one there), and the same page is given relative to the DOCS base for viewers that map it.
  const docs = docsBase();
  const rules = RULES.map((r) => ({
    id: r.id,
    name: r.id,
    shortDescription: { text: r.summary },
    ...(docs ? { helpUri: new URL(`${r.id}.md`, docs).href } : {}),
    help: { text: `${r.summary}. See docs/rules/${r.id}.md in the Cloudward package.` },
    ...(docs ? { properties: { docs: { uri: `${r.id}.md`, uriBaseId: 'CLOUDWARD_DOCS' } } } : {}),
    defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
  }));
  const index = new Map(RULES.map((r, i) => [r.id, i]));
  const region = (r: Finding['range']) => ({ startLine: r.start.line + 1, startColumn: r.start.character + 1, endLine: r.end.line + 1, endColumn: r.end.character + 1 });
  const location = (file: string, r: Finding['range'], message?: string) => ({
    physicalLocation: { artifactLocation: { uri: uriPath(file), uriBaseId: '%SRCROOT%' }, region: region(r) },
    ...(message ? { message: { text: message } } : {}),
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Cloudward', version: VERSION, semanticVersion: VERSION, rules } },
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: {
          '%SRCROOT%': { uri: pathToFileURL(path.resolve(cwd) + path.sep).href },
          ...(docs ? { CLOUDWARD_DOCS: { uri: docs, description: { text: 'The rules\' docs pages in the installed Cloudward package' } } } : {}),
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule),
          level: SARIF_LEVEL[f.severity],
          message: { text: f.hint ? `${f.message}. ${f.hint}` : f.message },
          locations: [location(f.file, f.range)],
          ...(f.related?.length ? { relatedLocations: f.related.map((r, i) => ({ id: i + 1, ...location(r.file, r.range, r.message) })) } : {}),
        })),
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: problems.map((p) => ({ level: 'warning', message: { text: p.message }, locations: [{ physicalLocation: { artifactLocation: { uri: uriPath(p.file), uriBaseId: '%SRCROOT%' } } }] })),
          },
        ],
      },
    ],
  };
}

async function run(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { format: { type: 'string', default: 'text' }, 'fail-on': { type: 'string', default: 'error' }, rule: { type: 'string', multiple: true, default: [] } },
    });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]);
  }
  const { format, 'fail-on': failOn, rule } = parsed.values as { format: string; 'fail-on': string; rule: string[] };
  if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, json or sarif, not '${format}'`);
  if (!['error', 'warning', 'info', 'never'].includes(failOn)) throw new UsageError(`--fail-on must be error, warning, info or never, not '${failOn}'`);
  const rules: Record<string, SeveritySetting> = {};
  for (const r of rule) {
    const [id, sev] = parseRuleOverride(r);
    rules[id] = sev;
  }
  const paths = parsed.positionals.length ? parsed.positionals : ['.'];
  // A path that is not there is a mistake in the command (a typo in a CI script), not a clean
  // result: passing green on it would hide that nothing was checked.
  const missing = paths.filter((p) => !fs.existsSync(path.resolve(io.cwd, p)));
  if (missing.length) {
    const loops = missing.filter((p) => fs.lstatSync(path.resolve(io.cwd, p), { throwIfNoEntry: false })?.isSymbolicLink());
    if (loops.length) throw new UsageError(`a symbolic link that leads nowhere (dangling or a loop): ${loops.map(printableLine).join(', ')}`);
    throw new UsageError(`no such file or folder: ${missing.map(printableLine).join(', ')}`);
  }
  // A FIFO or a device named on the command line: nothing would be checked, so it must not pass green.
  const special = paths.filter((p) => {
    const st = fs.statSync(path.resolve(io.cwd, p));
    return !st.isFile() && !st.isDirectory();
  });
  if (special.length) throw new UsageError(`not a regular file or folder: ${special.map(printableLine).join(', ')}`);
  const options = lintOptions(rules, paths, io.cwd);
  const { findings, problems, files } = lintPaths(paths, io.cwd, options);
  findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character));

  for (const p of problems) writeLine(io.err, p.range ? `${printableLine(p.file)}:${p.range.start.line + 1}:${p.range.start.character + 1}: ${printableLine(p.message)}` : `${printableLine(p.file)}: ${printableLine(p.message)}`);
  if (format === 'json') writeLine(io.out, JSON.stringify(toJson(findings), null, 2));
  else if (format === 'sarif') writeLine(io.out, JSON.stringify(toSarif(findings, problems, io.cwd), null, 2));
  else {
    for (const f of findings) writeLine(io.out, `${printableLine(f.file)}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} ${f.rule} ${printableLine(f.message)}`);
    // Last line: what was checked and what was found, so a clean run is told from one that read nothing.
    writeLine(io.out, `cloudward lint: ${summaryLine(summarize(files, findings))}`);
  }
  if (failOn === 'never') return Exit.ok;
  const threshold = severityRank(failOn as Severity);
  return findings.some((f) => severityRank(f.severity) >= threshold) ? Exit.findings : Exit.ok;
}

registerCliCommand({ name: 'lint', summary: 'check deployment files for production mistakes (text, JSON or SARIF)', usage: USAGE, run });
