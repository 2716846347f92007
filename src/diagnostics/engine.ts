// The editor's handle on the lint engine (src/core/lint, loaded lazily through ctx.core): one index
// of the workspace's deploy files plus the few operations the diagnostics need.
import type { Ctx } from '../ctx';
import type { Finding, LintOptions, LintProblem } from '../core/lint';

export type LintSettings = LintOptions;

export interface LintIndex {
  /** Whether the rules read this file (the text decides for kinds recognised by content). */
  isDeployFile(path: string, text: string): boolean;
  setFile(path: string, text: string): void;
  removeFile(path: string): void;
  /** Findings in one indexed file, cross-file rules included. */
  lintFile(path: string): Finding[];
  lintAll(): Finding[];
  /** Lints a file that is not part of the workspace, on its own. */
  lintText(path: string, text: string): Finding[];
  /** Indexed files whose cross-file findings may change when `path` changes. */
  dependentsOf(path: string): string[];
  /** Files that exist besides the deploy files (CW604 and the app target look for `mysite/wsgi.py`). */
  addKnownPaths(paths: Iterable<string>): void;
  /** Whether the index knows a file at this path (deploy file or not). */
  isKnown(path: string): boolean;
  /** Forgets a deleted file or every file under a deleted folder. */
  forgetPaths(pathOrFolder: string): void;
  /** New severities or development globs: cached results are dropped, the files stay. */
  setSettings(settings: LintSettings): void;
}

/**
 * A part of a file the engine skipped (a YAML document with a syntax error) as one info diagnostic
 * without a rule: the YAML extension shows the error itself; this says why Cloudward is silent there.
 * Problems without a place (an unreadable file) stay in the log.
 */
function withSkipped(findings: Finding[], problems: LintProblem[]): Finding[] {
  const skipped = problems.filter((p) => p.range);
  if (!skipped.length) return findings;
  return [...findings, ...skipped.map((p): Finding => ({ rule: '', severity: 'info', message: `Cloudward did not lint this: ${p.message}`, file: p.file, range: p.range! }))];
}

export function createLintIndex(ctx: Ctx, settings: LintSettings): LintIndex {
  const core = ctx.core;
  const ws = new core.LintWorkspace(settings);
  let current = settings;
  return {
    isDeployFile: (path, text) => ws.isDeployFile(path, text),
    setFile: (path, text) => void ws.setFile(path, text),
    removeFile: (path) => ws.removeFile(path),
    lintFile: (path) => {
      const r = ws.lintFileWithProblems(path);
      return withSkipped(r.findings, r.problems);
    },
    lintAll: () => {
      const r = ws.lintAllWithProblems();
      return withSkipped(r.findings, r.problems);
    },
    lintText: (path, text) => {
      const problems: LintProblem[] = [];
      return withSkipped(core.lintText(path, text, current, (p) => problems.push(p)), problems);
    },
    dependentsOf: (path) => ws.dependentsOf(path),
    addKnownPaths(paths) {
      // setFile without text records a path; it must not demote a deploy file already indexed.
      for (const p of paths) if (!ws.exists(p)) ws.setFile(p);
    },
    isKnown: (path) => ws.exists(path),
    setSettings(next) {
      current = next;
      ws.setOptions(next);
    },
    forgetPaths(gone) {
      const prefix = gone.endsWith('/') ? gone : `${gone}/`;
      for (const p of [...ws.paths()]) if (p === gone || p.startsWith(prefix)) ws.removeFile(p);
    },
  };
}
