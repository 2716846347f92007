import type { FileKind, Finding, Fix, RelatedInformation, Range, Severity, SeveritySetting } from './types';
import type { LintFile } from './file';

/** Options of one lint run: the editor passes its settings, the CLI its flags. */
export interface LintOptions {
  /** Per-rule severity overrides (`cloudward.lint.rules`, `--rule ID=severity`). */
  rules?: Record<string, SeveritySetting>;
  /** Globs of development files; default DEFAULT_DEVELOPMENT_FILES (the setting's default). */
  developmentFiles?: string[];
  /**
   * The application the production server should run, e.g. `mysite.wsgi` or `app.main:app`: the
   * runserver quick fix writes it. Absent: derived from the indexed files (a `wsgi.py` next to settings).
   */
  appTarget?: string;
  /** Whether the app is served over WSGI (gunicorn) or ASGI (gunicorn with uvicorn workers). */
  interface?: 'wsgi' | 'asgi';
}

/** What a rule reports; the engine adds the rule id, the file and the (possibly overridden) severity. */
export interface RuleFinding {
  message: string;
  range: Range;
  hint?: string;
  fix?: Fix;
  related?: RelatedInformation[];
  /** Only for rules with two default severities (CW406): otherwise the rule's severity applies. */
  severity?: Severity;
}

/** The deploy-relevant files a rule can look at besides its own (cross-file rules, CW405's .dockerignore). */
export interface WorkspaceView {
  /** True in a LintWorkspace (the project as a whole); false in lintText (one file alone). */
  readonly complete: boolean;
  /** The indexed deploy files, optionally of one kind. */
  files(kind?: FileKind): Iterable<LintFile>;
  /** A deploy file of the index, by path (any spelling that resolves to the same file). */
  get(path: string): LintFile | undefined;
  /** Whether any file is known at this path, deploy-relevant or not (e.g. `mysite/wsgi.py`). */
  exists(path: string): boolean;
  /** Every known path (deploy files and the other files the caller told the index about). */
  paths(): Iterable<string>;
}

/** The application target, as CW101's fix writes it. */
export interface AppTarget {
  /** `mysite.wsgi`, `mysite.asgi:application`, `app:app`. */
  target: string;
  interface: 'wsgi' | 'asgi';
}

export interface RuleContext {
  readonly options: LintOptions;
  readonly workspace: WorkspaceView;
  /** The app target for `file`: options.appTarget, else derived from the workspace and the file's own hints. */
  appTarget(file: LintFile): AppTarget | undefined;
}

/**
 * A lint rule. Put each rule in its own file under src/core/lint/rules/ (named after its id, e.g.
 * `cw201.ts`), call `registerRule(...)` at the end of it, and add `import './cw201';` to
 * rules/index.ts. Ranges are 0-based and point at the offending token, not the whole line.
 */
export interface Rule {
  /** `CW101`. */
  id: string;
  /** Default severity (users override it per rule). */
  severity: Severity;
  /** The file kinds this rule reads; the engine calls `check` only for those. */
  kinds: readonly FileKind[];
  /** Silent in development files (the dev-server and debug rules). */
  silentInDevelopment: boolean;
  /**
   * Needs the whole workspace (CW6xx, CW405): not run by lintText on a lone file, and a change to
   * any deploy file re-runs it on the others.
   */
  crossFile?: boolean;
  /**
   * Also reads other files, but judges a lone file too (CW302/CW303: the app module that loads a Flask
   * config class decides whether it is production; alone, its name does): run by lintText, and re-run on a
   * workspace change like a cross-file rule.
   */
  readsWorkspace?: boolean;
  /** One line, for RULES, `--help` and SARIF. */
  summary: string;
  /** Findings in `file`. Throwing a ParseError (from file.parse) is reported as an unparsable file. */
  check(file: LintFile, ctx: RuleContext): RuleFinding[];
}

/** Metadata of a rule, for the editor (code links), the CLI and SARIF. */
export interface RuleInfo {
  id: string;
  severity: Severity;
  summary: string;
  kinds: readonly FileKind[];
  /** Path of the rule's docs page, relative to the extension's root: `docs/rules/CW101.md`. */
  docs: string;
}

const registry = new Map<string, Rule>();

/** Adds a rule to the engine (called once by each rule module when rules/index.ts imports it). */
export function registerRule(rule: Rule): void {
  if (!/^CW\d{3}$/.test(rule.id)) throw new Error(`invalid rule id ${rule.id}`);
  if (registry.has(rule.id)) throw new Error(`rule ${rule.id} registered twice`);
  registry.set(rule.id, rule);
}

/** Every registered rule, sorted by id. */
export function registeredRules(): Rule[] {
  return [...registry.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function getRule(id: string): Rule | undefined {
  return registry.get(id);
}

export type { Finding };
