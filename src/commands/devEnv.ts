// Cloudward: Create Development .env. After CW202's fix the settings read the secret key from the
// environment, and `runserver` stops with KeyError on the developer's machine. This writes a git-ignored
// `.env` with a random key (and DEBUG on, the local hosts) where the settings already load one
// (django-environ, python-dotenv, python-decouple), or adds the two python-dotenv lines when they load none.
import fs = require('fs');
import path = require('path');
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DevEnvPlan } from '../core/project/envVars';
import { findManagePy } from '../diagnostics/files';
import { log, logFailure } from '../log';

export interface DevEnvArgs {
  /** manage.py to use (tests, the CW202 fix's follow-up); else the workspace's, picked when several. */
  managePy?: string;
  /** Add the python-dotenv lines when the settings load no .env, without asking (tests). */
  addLoadLines?: boolean;
}

export interface DevEnvResult {
  envFile: string;
  created: boolean;
  existed: boolean;
  set: string[];
  toFill: string[];
  missing: string[];
  loader: string;
  loadLinesAdded: boolean;
  gitignore?: string;
}

const LOADER_NAMES: Record<string, string> = { 'django-environ': 'django-environ', 'python-dotenv': 'python-dotenv', 'python-decouple': 'python-decouple' };

export function registerDevEnv(ctx: Ctx): void {
  // Not in the palette: the follow-up of CW202's quick fix (the edit is applied when this runs).
  ctx.command('cloudward.django.offerDevEnv', (settingsFile?: string) => offerDevEnv(ctx, settingsFile));
  ctx.command('cloudward.django.createDevEnv', async (args?: DevEnvArgs): Promise<DevEnvResult | undefined> => {
    const managePy = args?.managePy ?? (await pickManagePy());
    if (!managePy) return undefined;
    const core = ctx.core;
    const projectDir = path.dirname(managePy);
    const manage = core.readRegularFile(managePy, 1024 * 1024);
    const module = 'text' in manage ? core.settingsModuleFromManagePy(manage.text) : undefined;
    const settingsFile = module ? core.settingsFileOfModule(projectDir, module) : undefined;
    if (!settingsFile) throw new Error(`No settings module found for ${vscode.workspace.asRelativePath(managePy)}: manage.py sets no DJANGO_SETTINGS_MODULE Cloudward can read.`);
    const repoRoot = gitRoot(projectDir, vscode.workspace.getWorkspaceFolder(vscode.Uri.file(managePy))?.uri.fsPath ?? projectDir);
    const plan = core.planDevEnv(projectDir, settingsFile, repoRoot, reader(ctx));

    let addLoadLines = false;
    if (plan.loadLines) {
      const answer = args?.addLoadLines ?? (await askLoadLines(plan));
      if (answer === undefined) return undefined; // dismissed: nothing written
      addLoadLines = answer;
    }
    // The settings file and requirements.txt may be open with unsaved edits: change them through the editor.
    if (addLoadLines && plan.loadLines) await addLines(plan);
    const applied = core.applyDevEnv(plan, repoRoot, { addLoadLines: false });
    const result: DevEnvResult = {
      envFile: plan.envFile,
      created: applied.created,
      existed: plan.exists,
      set: plan.file?.set ?? [],
      toFill: plan.file?.toFill ?? [],
      missing: plan.missing,
      loader: plan.loader.kind,
      loadLinesAdded: addLoadLines && !!plan.loadLines,
      gitignore: applied.gitignoreUpdated ? plan.gitignore?.file : undefined,
    };
    // Names only: the values (a secret key) never go to the log.
    log().info(
      `development .env ${plan.envFile}: ${result.created ? `created with ${result.set.join(', ') || 'no variables'}` : 'already there, left as it is'}` +
        `${result.missing.length ? `; it lacks ${result.missing.join(', ')}` : ''}; loader: ${plan.loader.kind}${result.gitignore ? `; .env added to ${result.gitignore}` : ''}.`,
    );
    tell(result, plan).catch(logFailure('The development .env message'));
    return result;
  });
}

/** The CW202 fix's follow-up: when the project has no development .env with the key, offer one. */
async function offerDevEnv(ctx: Ctx, settingsFile: string | undefined): Promise<void> {
  const all = (await findManagePy()).map((u) => u.fsPath);
  // The manage.py whose folder holds the settings file (the nearest), else the only one.
  const managePy = all.filter((m) => settingsFile?.startsWith(path.dirname(m) + path.sep)).sort((a, b) => b.length - a.length)[0] ?? (all.length === 1 ? all[0] : undefined);
  if (!managePy) return;
  const core = ctx.core;
  const projectDir = path.dirname(managePy);
  const manage = core.readRegularFile(managePy, 1024 * 1024);
  const module = 'text' in manage ? core.settingsModuleFromManagePy(manage.text) : undefined;
  const devSettings = module ? core.settingsFileOfModule(projectDir, module) : undefined;
  if (!devSettings) return;
  const plan = core.planDevEnv(projectDir, devSettings, projectDir, reader(ctx));
  const key = plan.vars.find((v) => v.role === 'secret-key' && v.required);
  if (!key || (plan.exists && !plan.missing.includes(key.name))) return;
  const choice = await vscode.window.showInformationMessage(
    `SECRET_KEY now comes from ${key.name}: runserver and the checks need it on this machine too. Create a git-ignored development .env with a random key?`,
    'Create Development .env',
  );
  if (choice) await vscode.commands.executeCommand('cloudward.django.createDevEnv', { managePy });
}

/** Files as the editor has them: an open document's text (the quick fix is not saved yet), else the disk's. */
function reader(ctx: Ctx): (file: string) => string | undefined {
  return (file) => {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    if (doc) return doc.getText();
    const r = ctx.core.readRegularFile(file, 4 * 1024 * 1024);
    return 'text' in r ? r.text : undefined;
  };
}

async function pickManagePy(): Promise<string | undefined> {
  const found = await findManagePy();
  if (found.length === 0) throw new Error('No manage.py in this workspace: a development .env is for a Django project.');
  if (found.length === 1) return found[0].fsPath;
  const picked = await vscode.window.showQuickPick(
    found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: 'Which Django project gets a development .env?' },
  );
  return picked?.uri.fsPath;
}

/** The nearest folder up to the workspace folder holding `.git`, else the workspace folder. */
function gitRoot(from: string, top: string): string {
  let dir = from;
  for (let i = 0; i < 40; i++) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (dir === top || path.dirname(dir) === dir) break;
    dir = path.dirname(dir);
  }
  return top;
}

async function askLoadLines(plan: DevEnvPlan): Promise<boolean | undefined> {
  const where = vscode.workspace.asRelativePath(plan.loadLines!.file);
  const req = plan.requirements ? ` and python-dotenv to ${vscode.workspace.asRelativePath(plan.requirements)}` : '';
  const choice = await vscode.window.showInformationMessage(
    `Your settings load no .env file. Cloudward can add two lines to ${where}${req}:`,
    {
      modal: true,
      detail: `${plan.loadLines!.text.trim()}\n\nThey read the git-ignored .env on your machine; on a server with no .env they do nothing. Install python-dotenv in your virtualenv (pip install python-dotenv).`,
    },
    'Add the Two Lines',
    'Only Create .env',
  );
  return choice === undefined ? undefined : choice === 'Add the Two Lines';
}

async function addLines(plan: DevEnvPlan): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  const load = plan.loadLines!;
  edit.insert(vscode.Uri.file(load.file), new vscode.Position(load.line, 0), load.text);
  if (plan.requirements) {
    const doc = await vscode.workspace.openTextDocument(plan.requirements);
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    edit.insert(doc.uri, end, `${doc.getText().endsWith('\n') || doc.getText() === '' ? '' : '\n'}python-dotenv\n`);
  }
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`Could not add the python-dotenv lines to ${load.file}.`);
  for (const f of [load.file, plan.requirements]) {
    if (!f) continue;
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === f);
    if (doc?.isDirty) await doc.save();
  }
}

async function tell(r: DevEnvResult, plan: DevEnvPlan): Promise<void> {
  const rel = vscode.workspace.asRelativePath(r.envFile);
  let message: string;
  if (r.created) {
    const loadedBy = r.loader !== 'none' ? `, which your settings load with ${LOADER_NAMES[r.loader]}` : r.loadLinesAdded ? ', loaded by the two python-dotenv lines' : '';
    message = `Created ${rel} (git-ignored)${loadedBy}: ${r.set.join(', ')}${r.toFill.length ? `; fill in ${r.toFill.join(', ')}` : ''}. runserver starts again.`;
    if (r.loader === 'none' && !r.loadLinesAdded) message += ' Your settings do not load it yet: export its variables in your shell, or add the two python-dotenv lines.';
  } else {
    message = `${rel} is already there; Cloudward left it as it is.${r.missing.length ? ` Your settings also need ${r.missing.join(', ')}: add ${r.missing.length === 1 ? 'it' : 'them'} to it.` : ''}`;
  }
  const choice = await vscode.window.showInformationMessage(message, 'Open .env');
  if (choice) await vscode.window.showTextDocument(vscode.Uri.file(plan.envFile));
}
