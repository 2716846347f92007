import * as vscode from 'vscode';
import type { DeployPlan, Detection, GeneratorKindId, PlanOverrides } from '../core';
import type { Ctx } from '../ctx';
import { log } from '../log';
import { FileProposer, PROPOSAL_CHOICES, ProposalChoice, ProposeResult } from '../preview/proposeFiles';
import { askGaps, Cancelled, reviewPlan } from './generate/ask';
import { fieldsForKinds, relevantGaps } from './generate/fields';
import { pickWorkspaceFolder } from './generate/folder';

/**
 * Optional argument of `cloudward.generate.<kind>` and `cloudward.generate.all`, for tests, other
 * commands and walkthrough links:
 *
 *   { folder?: Uri | string,            workspace folder (default: the open one, or a pick)
 *     kinds?: string[],                 generate.all only: which kinds (default: a pick)
 *     overrides?: Record<string, string | number | boolean>,  plan values by field name (as `--set`)
 *     choice?: 'overwrite' | 'skip' | 'new' | 'preview',      see ProposalChoice
 *     open?: boolean }                  open the written files (default true)
 *
 * With `choice`, nothing is asked at all: the plan is detection + overrides, a detection gap not
 * answered in `overrides` is an error, and existing files are treated as `choice` says. Without it the
 * user reviews the values (detected ones as defaults) and decides file by file after a diff.
 * Resolves to a GenerateResult, or undefined when the user cancelled.
 */
export interface GenerateArgs {
  folder?: vscode.Uri | string;
  kinds?: string[];
  overrides?: Record<string, string | number | boolean>;
  choice?: ProposalChoice;
  open?: boolean;
}

export interface GenerateResult extends ProposeResult {
  plan: DeployPlan;
  /** Where the relative paths start: the project's folder (may be a subfolder of the workspace). */
  projectRoot: vscode.Uri;
  files: { kind: GeneratorKindId; path: string }[];
}

export const SINGLE_KINDS: GeneratorKindId[] = ['procfile', 'gunicorn', 'uwsgi', 'nginx', 'systemd', 'dockerfile', 'compose', 'kubernetes'];

export function registerGenerate(ctx: Ctx): void {
  const proposer = ctx.own(new FileProposer());
  for (const kind of SINGLE_KINDS) {
    ctx.command(`cloudward.generate.${kind}`, (args?: GenerateArgs | vscode.Uri) => generate(ctx, proposer, [kind], normalise(args)));
  }
  ctx.command('cloudward.generate.all', (args?: GenerateArgs | vscode.Uri) => generate(ctx, proposer, undefined, normalise(args)));
}

/** From the Explorer's context menu the argument is the clicked folder. */
function normalise(args: GenerateArgs | vscode.Uri | undefined): GenerateArgs {
  if (args instanceof vscode.Uri) return { folder: args };
  if (args && typeof args === 'object') {
    if (args.choice !== undefined && !PROPOSAL_CHOICES.includes(args.choice)) {
      throw new Error(`Unknown choice '${String(args.choice)}': use one of ${PROPOSAL_CHOICES.join(', ')}.`);
    }
    return args;
  }
  return {};
}

async function generate(ctx: Ctx, proposer: FileProposer, fixedKinds: GeneratorKindId[] | undefined, args: GenerateArgs): Promise<GenerateResult | undefined> {
  const scripted = args.choice !== undefined;
  try {
    const folder = await pickWorkspaceFolder(args.folder, 'generate deployment files for');
    if (!folder) return undefined;
    const core = ctx.core;
    const detection: Detection = await core.detectProject(folder.fsPath);
    const kinds = fixedKinds ?? (await chooseKinds(ctx, args.kinds, scripted));
    if (!kinds) return undefined;

    const overrides: PlanOverrides = { ...(args.overrides as PlanOverrides | undefined) };
    const what = kinds.length === 1 ? kindTitle(ctx, kinds[0]) : `${kinds.length} kinds of deployment files`;
    let plan: DeployPlan;
    if (scripted) {
      const missing = relevantGaps(core.planGaps(detection), kinds).filter((g) => overrides[g.key] === undefined);
      if (missing.length) {
        throw new Error(`Give ${missing.map((g) => g.key).join(', ')} in overrides: ${missing.map((g) => g.reason).join(' ')}`);
      }
      plan = core.buildPlan(detection, overrides);
    } else {
      await askGaps(ctx, relevantGaps(core.planGaps(detection), kinds), overrides);
      plan = await reviewPlan(ctx, detection, overrides, fieldsForKinds(kinds), what);
    }

    const files = core.renderFiles(plan, kinds);
    const projectRoot = detection.projectRoot && detection.projectRoot !== '.' ? vscode.Uri.joinPath(folder, ...detection.projectRoot.split('/')) : folder;
    log().info(`generate ${kinds.join(', ')} in ${projectRoot.fsPath}: ${files.map((f) => f.path).join(', ')}`);
    const outcome = await proposer.propose(
      files.map((f) => ({ path: f.path, content: f.content })),
      { folder: projectRoot, title: what, choice: args.choice, open: args.open },
    );
    if (outcome.cancelled) return undefined;
    if (args.choice !== 'preview') void tell(outcome, projectRoot);
    return { ...outcome, plan, projectRoot, files: files.map((f) => ({ kind: f.kind, path: f.path })) };
  } catch (e) {
    if (e instanceof Cancelled) return undefined;
    throw e;
  }
}

function kindTitle(ctx: Ctx, id: string): string {
  return ctx.core.GENERATOR_KINDS.find((k) => k.id === id)?.title ?? id;
}

async function chooseKinds(ctx: Ctx, given: string[] | undefined, scripted: boolean): Promise<GeneratorKindId[] | undefined> {
  const all = ctx.core.GENERATOR_KINDS;
  if (given && given.length) {
    const unknown = given.filter((k) => !all.some((g) => g.id === k));
    if (unknown.length) throw new Error(`Unknown file kind ${unknown.join(', ')}: use ${all.map((k) => k.id).join(', ')}.`);
    return given as GeneratorKindId[];
  }
  if (scripted) return all.map((k) => k.id);
  const picks = await vscode.window.showQuickPick(
    all.map((k) => ({ label: k.title, description: k.id, detail: k.description, id: k.id })),
    { title: 'Cloudward: Generate Deployment Files', placeHolder: 'Which files? (they are all made from one plan, so they agree)', canPickMany: true, ignoreFocusOut: true },
  );
  if (!picks || picks.length === 0) return undefined;
  return picks.map((p) => p.id);
}

async function tell(outcome: ProposeResult, root: vscode.Uri): Promise<void> {
  const rel = (u: vscode.Uri) => (u.path.startsWith(root.path + '/') ? u.path.slice(root.path.length + 1) : vscode.workspace.asRelativePath(u));
  const parts: string[] = [];
  if (outcome.written.length) parts.push(`wrote ${outcome.written.map(rel).join(', ')}`);
  if (outcome.kept.length) parts.push(`kept your ${outcome.kept.map(rel).join(', ')}`);
  if (outcome.unchanged.length) parts.push(`${outcome.unchanged.map(rel).join(', ')} already up to date`);
  if (outcome.skipped.length) parts.push(`skipped ${outcome.skipped.map(rel).join(', ')}`);
  if (parts.length) await vscode.window.showInformationMessage(`Cloudward ${parts.join('; ')}.`);
}
