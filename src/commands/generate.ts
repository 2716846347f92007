import * as vscode from 'vscode';
import type { BuildPlanOptions, DeployPlan, Detection, GeneratorKindId, PlanOverrides, PlanWarning } from '../core';
import { linkedServerCores } from '../views/servers/cores';
import type { Ctx } from '../ctx';
import { log, logFailure } from '../log';
import { FileProposer, PROPOSAL_CHOICES, ProposalAction, ProposalChoice, ProposeResult } from '../preview/proposeFiles';
import { askPlan, Cancelled } from './generate/ask';
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
  /** What the files cannot make right by themselves (no dependency file, no STATIC_ROOT, a guessed version…). */
  warnings: string[];
}

export const SINGLE_KINDS: GeneratorKindId[] = ['procfile', 'gunicorn', 'uwsgi', 'nginx', 'systemd', 'dockerfile', 'compose', 'kubernetes', 'flyio', 'render', 'appjson'];

export function registerGenerate(ctx: Ctx): void {
  const proposer = ctx.own(new FileProposer());
  for (const kind of SINGLE_KINDS) {
    ctx.command(`cloudward.generate.${kind}`, (args?: GenerateArgs | vscode.Uri) => generate(ctx, proposer, [kind], normalise(args)));
  }
  ctx.command('cloudward.generate.all', (args?: GenerateArgs | vscode.Uri) => generate(ctx, proposer, undefined, normalise(args)));
  // The answers to a proposed file, from its diff editor's title bar, keys and status bar item.
  const actions: Record<string, ProposalAction> = { create: 'write', overwrite: 'write', writeNew: 'writeNew', skip: 'skip', createAll: 'createAll', cancel: 'cancel', choose: 'choose' };
  for (const [id, action] of Object.entries(actions)) ctx.command(`cloudward.proposal.${id}`, () => proposer.act(action));
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
    const detection: Detection = await ctx.detectProject(folder.fsPath);
    const kinds = fixedKinds ?? (await chooseKinds(ctx, args.kinds, scripted));
    if (!kinds) return undefined;

    const overrides: PlanOverrides = { ...(args.overrides as PlanOverrides | undefined) };
    const what = listOf(kinds.map((k) => kindTitle(ctx, k)));
    const projectRoot = detection.projectRoot && detection.projectRoot !== '.' ? vscode.Uri.joinPath(folder, ...detection.projectRoot.split('/')) : folder;
    // What the user answered last time (and what the existing nginx site says) are the defaults now.
    const remembered = scripted ? new Map<keyof DeployPlan, string | number | boolean>() : await previousAnswers(ctx, folder, projectRoot);
    for (const [k, v] of remembered) if (overrides[k] === undefined) overrides[k] = v;
    let plan: DeployPlan;
    if (scripted) {
      const missing = relevantGaps(core.planGaps(detection), kinds).filter((g) => overrides[g.key] === undefined);
      if (missing.length) {
        throw new Error(`Give ${missing.map((g) => g.key).join(', ')} in overrides: ${missing.map((g) => g.reason).join(' ')}`);
      }
      plan = core.buildPlan(detection, overrides, serverOptions(ctx, folder));
    } else {
      plan = await askPlan(ctx, relevantGaps(core.planGaps(detection), kinds), detection, overrides, fieldsForKinds(kinds), what, remembered, serverOptions(ctx, folder));
      await rememberAnswers(ctx, folder, overrides);
    }

    // uWSGI cannot serve an ASGI-only app: asked for alone it is an error, among several it is left out.
    for (const u of core.unsupportedKinds(plan, kinds)) {
      if (kinds.length === 1) throw new Error(u.reason);
      void vscode.window.showWarningMessage(`Cloudward left out the ${kindTitle(ctx, u.kind)}: ${u.reason}`);
    }
    const supported = kinds.filter((k) => !core.unsupportedKinds(plan, [k]).length);
    const warnings = core.planWarnings(plan, supported);
    if (!scripted) for (const w of warnings) warn(w, plan, projectRoot).catch(logFailure('The plan warning'));
    const files = core.renderFiles(plan, supported);
    // The same file policy as the CLI: never through a folder link that leaves the project, never over a link.
    for (const f of files) {
      const why = core.targetLeavesFolder(projectRoot.fsPath, f.path);
      if (why) throw new Error(`Cloudward does not write ${f.path}: ${why}.`);
    }
    log().info(`generate ${kinds.join(', ')} in ${projectRoot.fsPath}: ${files.map((f) => f.path).join(', ')}`);
    const outcome = await proposer.propose(
      files.map((f) => ({ path: f.path, content: f.content })),
      { folder: projectRoot, title: what, choice: args.choice, open: args.open },
    );
    if (outcome.cancelled) return undefined;
    if (args.choice !== 'preview') tell(outcome, projectRoot).catch(logFailure('The generated files message'));
    return { ...outcome, plan, projectRoot, files: files.map((f) => ({ kind: f.kind, path: f.path })), warnings: warnings.map((w) => w.message) };
  } catch (e) {
    if (e instanceof Cancelled) return undefined;
    throw e;
  }
}

/**
 * What the plan knows of the server: the cores of the servers linked to the folder (the Servers view read
 * them), for 2 × cores + 1 workers; nothing when none is linked (the plan's documented default).
 */
export function serverOptions(ctx: Ctx, folder: vscode.Uri): BuildPlanOptions {
  const linked = linkedServerCores(ctx, folder.fsPath);
  if (linked) log().info(`workers: 2 × ${linked.cores} cores of ${linked.server} (linked to ${folder.fsPath}) + 1`);
  return linked ? { cores: linked.cores } : {};
}

/** "Procfile", "Procfile and nginx site", "Procfile, nginx site and Dockerfile". */
function listOf(titles: string[]): string {
  return titles.length <= 1 ? titles.join('') : `${titles.slice(0, -1).join(', ')} and ${titles[titles.length - 1]}`;
}

const ANSWERS_KEY = 'cloudward.generate.answers';
type Answers = Record<string, Record<string, string | number | boolean>>;

/**
 * The values the user gave last time in this workspace folder (workspaceState), then what the existing
 * nginx site says (server_name, an ssl listener) for values never answered: re-running a generator must not
 * quietly undo earlier choices.
 */
async function previousAnswers(ctx: Ctx, folder: vscode.Uri, projectRoot: vscode.Uri): Promise<Map<keyof DeployPlan, string | number | boolean>> {
  const stored = ctx.extension.workspaceState.get<Answers>(ANSWERS_KEY, {})[folder.toString()] ?? {};
  const out = new Map<keyof DeployPlan, string | number | boolean>(Object.entries(stored) as [keyof DeployPlan, string | number | boolean][]);
  if (!out.has('domain') || !out.has('https')) {
    const site = await readNginxSite(projectRoot);
    if (site?.domain && !out.has('domain')) out.set('domain', site.domain);
    if (site && !out.has('https')) out.set('https', site.https);
  }
  return out;
}

/**
 * The deploy plan of a workspace folder as the generators last rendered it (detection plus the answers
 * remembered there), for the Servers view to know the app's units, socket and site; undefined when no
 * plan can be built without asking (no app detected).
 */
export async function rememberedPlan(ctx: Ctx, folder: vscode.Uri): Promise<DeployPlan | undefined> {
  const core = ctx.core;
  const detection: Detection = await ctx.detectProject(folder.fsPath);
  const projectRoot = detection.projectRoot && detection.projectRoot !== '.' ? vscode.Uri.joinPath(folder, ...detection.projectRoot.split('/')) : folder;
  const overrides: PlanOverrides = {};
  for (const [k, v] of await previousAnswers(ctx, folder, projectRoot)) overrides[k] = v;
  try {
    return core.buildPlan(detection, overrides, serverOptions(ctx, folder));
  } catch {
    return undefined;
  }
}

/** The plan values remembered for a folder (generate's answers, then the generated nginx site): shared with deploy. */
export function previousPlanValues(ctx: Ctx, folder: vscode.Uri, projectRoot: vscode.Uri): Promise<Map<keyof DeployPlan, string | number | boolean>> {
  return previousAnswers(ctx, folder, projectRoot);
}

export function rememberPlanValues(ctx: Ctx, folder: vscode.Uri, overrides: PlanOverrides): Promise<void> {
  return rememberAnswers(ctx, folder, overrides);
}

async function rememberAnswers(ctx: Ctx, folder: vscode.Uri, overrides: PlanOverrides): Promise<void> {
  const all = ctx.extension.workspaceState.get<Answers>(ANSWERS_KEY, {});
  const mine: Record<string, string | number | boolean> = { ...(all[folder.toString()] ?? {}) };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) mine[k] = v;
  await ctx.extension.workspaceState.update(ANSWERS_KEY, { ...all, [folder.toString()]: mine });
}

/** server_name and HTTPS of a site Cloudward generated before (deploy/nginx/*.conf), if there is one. */
export async function readNginxSite(projectRoot: vscode.Uri): Promise<{ domain?: string; https: boolean } | undefined> {
  const dir = vscode.Uri.joinPath(projectRoot, 'deploy', 'nginx');
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(dir);
  } catch {
    return undefined;
  }
  const conf = entries.find(([n, t]) => t === vscode.FileType.File && n.endsWith('.conf'));
  if (!conf) return undefined;
  const uri = vscode.Uri.joinPath(dir, conf[0]);
  if ((await vscode.workspace.fs.stat(uri)).size > 1024 * 1024) return undefined;
  const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  return parseNginxSite(text);
}

/** The first real server_name (not the catch-all `_`) and whether a server listens with ssl. */
export function parseNginxSite(text: string): { domain?: string; https: boolean } {
  const code = text.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
  const names = [...code.matchAll(/^\s*server_name\s+([^;]+);/gm)].map((m) => m[1].trim()).filter((n) => n !== '_');
  const https = /^\s*listen\s+[^;]*\bssl\b[^;]*;/m.test(code.replace(/^\s*listen[^;]*default_server[^;]*;/gm, ''));
  return { domain: names[0], https };
}

/** One warning; for requirements the project lacks, an offer to add them to requirements.txt (pip projects). */
async function warn(w: PlanWarning, plan: DeployPlan, root: vscode.Uri): Promise<void> {
  const file = plan.requirementsFile ?? 'requirements.txt';
  const canAdd = !!w.requirements?.length && plan.packageManager === 'pip';
  const add = `Add to ${file}`;
  const answer = await vscode.window.showWarningMessage(`Cloudward: ${w.message}`, ...(canAdd ? [add] : []));
  if (answer !== add || !w.requirements) return;
  const uri = vscode.Uri.joinPath(root, ...file.split('/'));
  const added = await appendRequirements(uri, w.requirements);
  if (added.length) void vscode.window.showInformationMessage(`Cloudward added ${added.join(', ')} to ${file}. Generate the files again to drop their TODO notes.`);
}

/** Appends the lines not already there, through a WorkspaceEdit (Undo works), and saves. Returns what was added. */
export async function appendRequirements(uri: vscode.Uri, lines: string[]): Promise<string[]> {
  let text: string | undefined;
  try {
    text = (await vscode.workspace.openTextDocument(uri)).getText();
  } catch {
    text = undefined;
  }
  const name = (l: string) => l.trim().toLowerCase().split(/[\s<>=!~;[]/)[0].replace(/[-_.]+/g, '-');
  const have = new Set((text ?? '').split('\n').map(name).filter(Boolean));
  const missing = lines.filter((l) => !have.has(name(l)));
  if (!missing.length) return [];
  const edit = new vscode.WorkspaceEdit();
  if (text === undefined) {
    edit.createFile(uri, { ignoreIfExists: true });
    edit.insert(uri, new vscode.Position(0, 0), missing.join('\n') + '\n');
  } else {
    const doc = await vscode.workspace.openTextDocument(uri);
    const end = doc.positionAt(text.length);
    edit.insert(uri, end, (text.length && !text.endsWith('\n') ? '\n' : '') + missing.join('\n') + '\n');
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`Could not change ${vscode.workspace.asRelativePath(uri)}.`);
  await (await vscode.workspace.openTextDocument(uri)).save();
  return missing;
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
  if (scripted) return [...ctx.core.GENERATOR_KIND_IDS];
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
