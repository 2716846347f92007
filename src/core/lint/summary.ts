// One summary of a lint run, said the same way by the CLI (last line of its text output) and the editor
// (the Lint Deployment Files notification).
import type { Finding } from './types';

export interface LintSummary {
  /** Deploy files linted. */
  files: number;
  filesWithFindings: number;
  errors: number;
  warnings: number;
  infos: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summarize(files: number, findings: readonly Pick<Finding, 'file' | 'severity'>[]): LintSummary {
  const s: LintSummary = { files, filesWithFindings: new Set(findings.map((f) => f.file)).size, errors: 0, warnings: 0, infos: 0 };
  for (const f of findings) {
    if (f.severity === 'error') s.errors++;
    else if (f.severity === 'warning') s.warnings++;
    else s.infos++;
  }
  return s;
}

/** e.g. "linted 3 files: 1 error, 3 warnings in 2 of them" or "linted 2 files: no problems found". */
export function summaryLine(s: LintSummary): string {
  if (s.files === 0) return 'no deployment files (Procfile, Dockerfile, settings, nginx, systemd, compose, Kubernetes) found to lint';
  const total = s.errors + s.warnings + s.infos;
  const head = `linted ${plural(s.files, 'file')}`;
  if (total === 0) return `${head}: no problems found`;
  const parts = [s.errors && plural(s.errors, 'error'), s.warnings && plural(s.warnings, 'warning'), s.infos && plural(s.infos, 'note')].filter(Boolean);
  const where = s.files === 1 ? '' : ` in ${s.filesWithFindings} of them`;
  return `${head}: ${parts.join(', ')}${where}`;
}
