import picomatch from 'picomatch';
import { basename, dirname } from '../classify';
import type { LintFile } from '../file';
import { parseDockerfile } from '../parse/dockerfile';
import { registerRule } from '../rule';
import { buildContextOf } from '../../project/roles';
import type { RuleContext } from '../rule';
import type { Fix } from '../types';

/** What must stay out of the build context, with the pattern the fix adds. */
const MUST_EXCLUDE: Array<{ what: string; probes: string[]; pattern: string }> = [
  { what: '.env', probes: ['.env'], pattern: '.env' },
  { what: '.git', probes: ['.git'], pattern: '.git' },
  { what: 'a virtualenv', probes: ['.venv', 'venv', 'env'], pattern: '.venv\nvenv' },
];

/** Whether a .dockerignore excludes a path (last matching pattern wins; `!` re-includes). */
function excluded(patterns: string[], path: string): boolean {
  let out = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const p = (negate ? raw.slice(1) : raw).replace(/^\/+/, '').replace(/\/+$/, '');
    if (!p) continue;
    if (picomatch.isMatch(path, p, { dot: true }) || picomatch.isMatch(path, `${p}/**`, { dot: true })) out = !negate;
  }
  return out;
}

/** The .dockerignore Docker reads: `<Dockerfile>.dockerignore` beside the Dockerfile, else `.dockerignore` at the root of the build context. */
function dockerignoreOf(file: LintFile, ctx: RuleContext): { path: string; file?: LintFile } {
  const dir = dirname(file.path);
  const own = `${dir}/${basename(file.path)}.dockerignore`;
  const ownFile = ctx.workspace.get(own);
  if (ownFile) return { path: own, file: ownFile };
  const context = buildContextOf(file, ctx.workspace).dir;
  const shared = context === '.' ? '.dockerignore' : `${context}/.dockerignore`;
  return { path: shared, file: ctx.workspace.get(shared) };
}

registerRule({
  id: 'CW405',
  severity: 'warning',
  kinds: ['dockerfile'],
  silentInDevelopment: false,
  crossFile: true,
  summary: 'COPY . / ADD . with no .dockerignore, or one that lets .env, .git or a virtualenv in',
  check(file, ctx) {
    const df = file.parse(parseDockerfile);
    const copies = df.stages.flatMap((s) => s.instructions).filter((i) => {
      const k = i.getKeyword();
      if (k !== 'COPY' && k !== 'ADD') return false;
      const args = i.getArguments().filter((a) => !a.getValue().startsWith('--'));
      return args.length >= 2 && args.slice(0, -1).some((a) => a.getValue() === '.' || a.getValue() === './');
    });
    if (!copies.length) return [];
    const ignore = dockerignoreOf(file, ctx);
    const patterns = ignore.file ? ignore.file.text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : [];
    const missing = MUST_EXCLUDE.filter((m) => !m.probes.some((p) => excluded(patterns, p)));
    if (!missing.length) return [];
    const add = missing.map((m) => m.pattern).join('\n') + '\n';
    let f: Fix;
    if (!ignore.file) {
      f = { title: 'Create .dockerignore', edits: [{ file: ignore.path, create: true, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: `${add}__pycache__\n*.pyc\nnode_modules\n` }] }] };
    } else {
      const lines = ignore.file.lines;
      const last = lines.lineCount - 1;
      const end = { line: last, character: lines.line(last).length };
      f = { title: `Exclude ${missing.map((m) => m.what).join(', ')} in .dockerignore`, edits: [{ file: ignore.file.path, edits: [{ range: { start: end, end }, newText: (lines.line(last) === '' ? '' : '\n') + add.trimEnd() + '\n' }] }] };
    }
    const what = missing.map((m) => m.what).join(', ');
    return copies.map((ins) => {
      const arg = ins.getArguments().find((a) => a.getValue() === '.' || a.getValue() === './')!;
      return {
        message: ignore.file ? `COPY . sends ${what} into the image (.dockerignore misses them)` : `COPY . with no .dockerignore: ${what} go into the image`,
        hint: 'Everything in the build context can end up in a layer: secrets from .env, the whole git history, a virtualenv built for another platform.',
        range: arg.getRange(),
        fix: f,
        related: ignore.file ? [{ file: ignore.file.path, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, message: 'the .dockerignore of this build context' }] : undefined,
      };
    });
  },
});
