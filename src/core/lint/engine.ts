import { resolve as resolvePath } from 'path';
import { classify, developmentMatcher } from './classify';
import { deriveAppTarget } from './appTarget';
import { LintFile, ParseError } from './file';
import { getRule, registeredRules } from './rule';
import { projectRoles } from '../project/roles';
import type { LintOptions, Rule, RuleContext, RuleInfo, WorkspaceView } from './rule';
import { parseSuppressions, SuppressionIndex } from './suppress';
import type { FileKind, Finding, Range, Severity } from './types';
import './rules/index';

/** Metadata of every rule (CW001 included), sorted by id. */
export const RULES: RuleInfo[] = registeredRules().map((r) => ({ id: r.id, severity: r.severity, summary: r.summary, kinds: r.kinds, docs: `docs/rules/${r.id}.md` }));

/** A file that could not be read or parsed: reported, and its rules skipped. */
export interface LintProblem {
  file: string;
  message: string;
  /** Where in the file, when known (a YAML syntax error). */
  range?: Range;
}

export interface LintResult {
  findings: Finding[];
  problems: LintProblem[];
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

function key(path: string): string {
  return resolvePath(path).replace(/\\/g, '/');
}

function compareFindings(a: Finding, b: Finding): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

/** Runs the rules on one file, then severities, suppressions and CW001. */
function lintOne(file: LintFile, workspace: WorkspaceView, options: LintOptions, problems: LintProblem[]): Finding[] {
  const overrides = options.rules ?? {};
  // Derived once per lint of this file (it may be undefined: remember that too).
  let appTarget: { value: ReturnType<RuleContext['appTarget']> } | undefined;
  const ctx: RuleContext = {
    options,
    workspace,
    appTarget: (f) => (f === file ? (appTarget ??= { value: deriveAppTarget(f, workspace, options) }).value : deriveAppTarget(f, workspace, options)),
  };
  const ran = new Set<string>();
  const raw: Finding[] = [];
  let parseProblem: string | undefined;
  for (const rule of registeredRules()) {
    if (rule.id === 'CW001' || !rule.kinds.includes(file.kind)) continue;
    const setting = overrides[rule.id];
    if (setting === 'off') continue;
    // Development, test and tooling files are not production files: no production rule applies.
    if (file.isDevelopment) continue;
    if (rule.crossFile && !workspace.complete) continue;
    ran.add(rule.id);
    try {
      for (const f of rule.check(file, ctx)) {
        raw.push({ rule: rule.id, severity: setting ?? f.severity ?? rule.severity, message: f.message, hint: f.hint, file: file.path, range: f.range, related: f.related, fix: f.fix });
      }
    } catch (e) {
      if (e instanceof ParseError) parseProblem ??= e.message;
      else problems.push({ file: file.path, message: `rule ${rule.id} failed: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  if (parseProblem) problems.push({ file: file.path, message: parseProblem });
  for (const n of file.notes) problems.push({ file: file.path, message: n.message, range: n.range });

  const suppressions = new SuppressionIndex(file.parse(parseSuppressions));
  const out = raw.filter((f) => !suppressions.silences(f.rule, f.range.start.line));
  const cw001 = overrides.CW001;
  if (cw001 !== 'off') {
    for (const e of suppressions.entries) {
      if (e.foreign || e.used || e.rule === 'CW001') continue;
      const known = getRule(e.rule);
      if (known && !ran.has(e.rule)) continue; // the rule did not run here (off, dev file, lone file): not stale
      const finding: Finding = {
        rule: 'CW001',
        severity: cw001 ?? 'info',
        message: known ? `Suppression of ${e.rule} silences nothing here` : `Suppression names an unknown rule ${e.rule}`,
        hint: known ? `No ${e.rule} finding is on ${e.fileWide ? 'this file' : 'this line or the next'}: remove the stale suppression.` : 'Rule ids look like CW101; see docs/rules.',
        file: file.path,
        range: e.range,
      };
      if (!suppressions.silences('CW001', e.range.start.line)) out.push(finding);
    }
  }
  return out.sort(compareFindings);
}

class SingleFileView implements WorkspaceView {
  readonly complete = false;
  constructor(private readonly file: LintFile) {}
  *files(kind?: FileKind): Iterable<LintFile> {
    if (!kind || this.file.kind === kind) yield this.file;
  }
  get(path: string): LintFile | undefined {
    return key(path) === key(this.file.path) ? this.file : undefined;
  }
  exists(path: string): boolean {
    return !!this.get(path);
  }
  *paths(): Iterable<string> {
    yield this.file.path;
  }
}

/**
 * Lints one file on its own (cross-file rules are not run: they need the workspace). Returns []
 * for files no rule reads. `onProblem` hears about a file that could not be parsed.
 */
export function lintText(path: string, text: string, options: LintOptions = {}, onProblem?: (p: LintProblem) => void): Finding[] {
  const kind = classify(path, text);
  if (!kind) return [];
  const file = new LintFile(path, text, kind, developmentMatcher(options.developmentFiles)(path));
  const problems: LintProblem[] = [];
  const findings = lintOne(file, new SingleFileView(file), options, problems);
  if (onProblem) problems.forEach(onProblem);
  return findings;
}

/**
 * The deploy-relevant files of a workspace, kept up to date one file at a time (the editor calls
 * setFile on open/change, removeFile on delete; the CLI adds everything it walked), so a keystroke
 * re-lints one file without re-reading the others. Cross-file rules see the whole index.
 */
export class LintWorkspace implements WorkspaceView {
  readonly complete = true;
  private readonly deployFiles = new Map<string, LintFile>();
  /** Every known path (normalised key → path as given), deploy files or not. */
  private readonly known = new Map<string, string>();
  private readonly single = new Map<string, { file: LintFile; findings: Finding[]; problems: LintProblem[] }>();
  private isDev: (path: string) => boolean;
  /** Whether the files' roles (production or not, project/roles.ts) must be worked out again. */
  private rolesDirty = true;

  constructor(private options: LintOptions = {}) {
    this.isDev = developmentMatcher(options.developmentFiles);
  }

  /** New settings: every cached result is dropped. */
  setOptions(options: LintOptions): void {
    this.options = options;
    this.isDev = developmentMatcher(options.developmentFiles);
    this.single.clear();
    for (const [k, f] of this.deployFiles) this.deployFiles.set(k, new LintFile(f.path, f.text, f.kind, this.isDev(f.path)));
    this.rolesDirty = true;
  }

  /**
   * Works out which deploy files are production files from the project as a whole (a compose file
   * beside its production variant, a Dockerfile only a development compose file builds…), once per
   * change of the index. Cached results of files whose role changed are dropped.
   */
  private ensureRoles(): void {
    if (!this.rolesDirty) return;
    this.rolesDirty = false;
    const roles = projectRoles(this, this.isDev, commonDir(this.known.values()));
    for (const [k, f] of this.deployFiles) {
      const r = roles.get(f);
      const dev = r ? !r.production : this.isDev(f.path);
      if (dev !== f.isDevelopment || r?.why !== f.roleWhy) {
        f.isDevelopment = dev;
        f.roleWhy = r?.why;
        this.single.delete(k);
      }
    }
  }

  /** Whether a deploy file is a production file, and if not, why (for the editor and `detect`). */
  roleOf(path: string): { production: boolean; why?: string } | undefined {
    this.ensureRoles();
    const f = this.deployFiles.get(key(path));
    return f ? { production: !f.isDevelopment, why: f.roleWhy } : undefined;
  }

  /** Whether a file is one the rules read (pass the text for kinds recognised by content). */
  isDeployFile(path: string, text?: string): boolean {
    return classify(path, text) !== undefined;
  }

  /**
   * Adds or updates a file. Deploy files are kept with their text; any other file is remembered by
   * path only (CW604 and the app target need to know `mysite/wsgi.py` exists). Returns whether the
   * file is a deploy file.
   */
  setFile(path: string, text?: string): boolean {
    const k = key(path);
    if (!this.known.has(k)) {
      this.rolesDirty = true;
      this.known.set(k, path);
    }
    const kind = text === undefined ? undefined : classify(path, text);
    const old = this.deployFiles.get(k);
    if (!kind || text === undefined) {
      if (old) {
        this.rolesDirty = true;
        this.deployFiles.delete(k);
        this.single.delete(k);
      }
      return false;
    }
    if (old && old.text === text && old.kind === kind) return true;
    this.deployFiles.set(k, new LintFile(path, text, kind, this.isDev(path)));
    this.single.delete(k);
    this.rolesDirty = true;
    return true;
  }

  removeFile(path: string): void {
    const k = key(path);
    this.rolesDirty = true;
    this.known.delete(k);
    this.deployFiles.delete(k);
    this.single.delete(k);
  }

  /** Findings located in one file: its own rules and the cross-file rules' findings there. */
  lintFile(path: string): Finding[] {
    return this.lintFileWithProblems(path).findings;
  }

  lintFileWithProblems(path: string): LintResult {
    this.ensureRoles();
    const k = key(path);
    const file = this.deployFiles.get(k);
    if (!file) return { findings: [], problems: [] };
    // Single-file results are cached per file version; cross-file rules depend on every file, so
    // with cross-file rules present the whole file is re-checked (its parsed forms stay cached).
    const cached = this.single.get(k);
    if (cached && cached.file === file && !registeredRules().some((r) => (r.crossFile || r.readsWorkspace) && r.kinds.includes(file.kind))) {
      return { findings: cached.findings, problems: cached.problems };
    }
    const problems: LintProblem[] = [];
    const findings = lintOne(file, this, this.options, problems);
    this.single.set(k, { file, findings, problems });
    return { findings, problems };
  }

  /** Every finding in every indexed deploy file. */
  lintAll(): Finding[] {
    return this.lintAllWithProblems().findings;
  }

  lintAllWithProblems(): LintResult {
    const findings: Finding[] = [];
    const problems: LintProblem[] = [];
    for (const f of this.deployFiles.values()) {
      const r = this.lintFileWithProblems(f.path);
      findings.push(...r.findings);
      problems.push(...r.problems);
    }
    return { findings, problems };
  }

  /** Deploy files whose findings may change when `path` changes (cross-file rules), besides itself. */
  dependentsOf(path: string): string[] {
    const k = key(path);
    const crossKinds = new Set(registeredRules().filter((r) => r.crossFile || r.readsWorkspace).flatMap((r) => r.kinds));
    return [...this.deployFiles.entries()].filter(([fk, f]) => fk !== k && crossKinds.has(f.kind)).map(([, f]) => f.path);
  }

  // WorkspaceView, for the rules.
  *files(kind?: FileKind): Iterable<LintFile> {
    for (const f of this.deployFiles.values()) if (!kind || f.kind === kind) yield f;
  }
  get(path: string): LintFile | undefined {
    return this.deployFiles.get(key(path));
  }
  exists(path: string): boolean {
    return this.known.has(key(path));
  }
  paths(): Iterable<string> {
    return this.known.values();
  }
}

/** The deepest folder holding every path (so that folder names above the project are not read as roles). */
function commonDir(paths: Iterable<string>): string | undefined {
  let common: string[] | undefined;
  for (const p of paths) {
    const parts = resolvePath(p).replace(/\\/g, '/').split('/').slice(0, -1);
    if (!common) common = parts;
    else {
      let i = 0;
      while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
      common.length = i;
    }
  }
  return common?.join('/');
}

export type { Rule };
