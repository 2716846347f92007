// The deploy linter's public API (re-exported by src/core/index.ts): the editor, the CLI and tests use these.
export * from './types';
export { lintText, LintWorkspace, RULES, severityRank } from './engine';
export type { LintProblem, LintResult } from './engine';
export { classify, isDevelopmentFile, DEFAULT_DEVELOPMENT_FILES } from './classify';
export { registerRule, registeredRules, getRule } from './rule';
export type { Rule, RuleInfo, RuleContext, RuleFinding, LintOptions, WorkspaceView, AppTarget } from './rule';
export { LintFile, ParseError } from './file';
export { LineIndex } from './text';
export { summarize, summaryLine } from './summary';
export type { LintSummary } from './summary';
