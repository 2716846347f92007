// Cloudward: Run Django Deployment Checks: `<python> manage.py check --deploy` with the workspace's
// Python, its output in the Cloudward log, each settings message as a diagnostic on the settings file.
import path = require('path');
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DjangoCheckFinding, DjangoCheckRun } from '../core/lint/djangoChecks';
import { contextKeys, setContext } from '../contextKeys';
import { findManagePy } from './files';
import { toRange, toSeverity } from './convert';
import { log, logFailure } from '../log';

/** The `source` of the diagnostics this command publishes. */
export const DJANGO_SOURCE = 'Django';

interface Interpreter {
  python: string;
  /** Where it came from, for messages: which setting to change. */
  from: 'python-extension' | 'setting' | 'default';
}

export interface DjangoChecksResult {
  run: DjangoCheckRun;
  interpreter: Interpreter;
  settingsFile: string | undefined;
  findings: DjangoCheckFinding[];
  passed: boolean;
}

export function registerDjangoChecks(ctx: Ctx): void {
  // Created on first run: an empty collection costs nothing, but nothing is needed before.
  let collection: vscode.DiagnosticCollection | undefined;
  // The checks ran on the files as they were: an edit makes their messages stale (and their places wrong),
  // so the file's are cleared; running the checks again brings back what still holds.
  ctx.own(
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (collection && e.contentChanges.length && collection.has(e.document.uri)) collection.delete(e.document.uri);
    }),
  );
  ctx.command('cloudward.django.checkDeploy', async (): Promise<DjangoChecksResult | undefined> => {
    if (!vscode.workspace.isTrusted) {
      log().warn('Django deployment checks: not run, the workspace is not trusted.');
      void vscode.window
        .showWarningMessage(
          "Cloudward runs the project's Python only in a trusted workspace: `manage.py check` imports the project's settings, which can run any code.",
          'Manage Workspace Trust',
        )
        .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
      return undefined;
    }
    const managePy = await pickManagePy();
    if (!managePy) return undefined;
    const interpreter = await resolveInterpreter(ctx, managePy);
    collection ??= ctx.own(vscode.languages.createDiagnosticCollection('cloudward-django'));
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Running Django deployment checks…', cancellable: true },
      async (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const result = await runChecks(ctx, managePy, interpreter, abort.signal);
        if (token.isCancellationRequested) return undefined;
        publish(ctx, collection!, result);
        // Not awaited: the command finishes when the checks do, not when the message is dismissed.
        report(result).catch(logFailure('The Django checks message'));
        return result;
      },
    );
  });
}

async function pickManagePy(): Promise<vscode.Uri | undefined> {
  const found = await findManagePy();
  if (found.length === 0) throw new Error('No manage.py in this workspace: the Django deployment checks need a Django project.');
  if (found.length === 1) return found[0];
  const picked = await vscode.window.showQuickPick(
    found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
    { placeHolder: 'Which Django project should be checked?' },
  );
  return picked?.uri;
}

/** The Python extension's interpreter when it has one, else `cloudward.python.interpreter`, else `python3`. */
async function resolveInterpreter(ctx: Ctx, resource: vscode.Uri): Promise<Interpreter> {
  const fromExtension = await pythonExtensionInterpreter(resource);
  if (fromExtension) return { python: fromExtension, from: 'python-extension' };
  const setting = ctx.config.pythonInterpreter.trim();
  if (setting) return { python: expandHome(setting), from: 'setting' };
  return { python: 'python3', from: 'default' };
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { id?: string; path?: string } | undefined;
    resolveEnvironment?(env: { id?: string; path?: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
}

/** Asks ms-python.python for the active interpreter; any failure means "no answer", never an error. */
async function pythonExtensionInterpreter(resource: vscode.Uri): Promise<string | undefined> {
  try {
    const ext = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
    if (!ext) return undefined;
    const api = ext.isActive ? ext.exports : await ext.activate();
    const envs = api?.environments;
    const active = envs?.getActiveEnvironmentPath?.(resource);
    if (!active) return undefined;
    const resolved = await envs?.resolveEnvironment?.(active).catch(() => undefined);
    return resolved?.executable?.uri?.fsPath ?? active.path;
  } catch (e) {
    log().warn(`The Python extension did not give an interpreter: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? path.join(process.env.HOME ?? '~', p.slice(2)) : p;
}

async function runChecks(ctx: Ctx, managePy: vscode.Uri, interpreter: Interpreter, signal: AbortSignal): Promise<DjangoChecksResult> {
  const core = ctx.core;
  const file = managePy.fsPath;
  const out = log();
  out.info(`Django deployment checks in ${path.dirname(file)}, with the interpreter from ${describeSource(interpreter)}:`);
  const production = await productionSettings(core, file);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (production) {
    // Django's checklist: run `check --deploy` against the production settings. The secrets they require
    // get throwaway values (never real ones, never logged); DEBUG's variable is set off so that a
    // development .env the settings load cannot turn it on (no loader overrides a variable already set).
    const vars = core.settingsEnvVars(production.file);
    const throwaway = core.throwawayCheckEnv(vars);
    Object.assign(env, throwaway, { DJANGO_SETTINGS_MODULE: production.module });
    const names = Object.keys(throwaway);
    out.info(`Against the production settings ${production.module}${names.length ? `, with throwaway values for ${names.join(', ')}` : ''}.`);
  }
  const run = await core.runDjangoChecks({ python: interpreter.python, managePy: file, signal, env });
  out.info(`$ ${production ? `DJANGO_SETTINGS_MODULE=${production.module} ` : ''}${run.command}`);
  for (const line of run.output.replace(/\s+$/, '').split(/\r?\n/)) out.info(line);
  if (run.problem) out.warn(run.detail ?? run.problem);
  const settingsFile = production?.file ?? (await settingsFileOf(core, file));
  const findings = run.problem || !settingsFile ? [] : core.placeDjangoChecks(run.messages, settingsFile);
  const passed = !run.problem && !run.messages.some((m) => (m.id.startsWith('security.') && m.level !== 'info' && m.level !== 'debug') || m.level === 'error' || m.level === 'critical');
  return { run, interpreter, settingsFile, findings, passed };
}

/** The production settings module of the project of manage.py (detection: wsgi.py's, a production sibling of a development module). */
async function productionSettings(core: Ctx['core'], managePy: string): Promise<{ module: string; file: string } | undefined> {
  const dir = path.dirname(managePy);
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(managePy))?.uri.fsPath ?? dir;
  try {
    const detection = await core.detectProject(folder);
    const module = detection.settingsModule;
    const file = module ? core.settingsFileOfModule(dir, module) : undefined;
    if (module && file) return { module, file };
  } catch (e) {
    log().warn(`Detection failed, the checks use manage.py's settings: ${e instanceof Error ? e.message : String(e)}`);
  }
  return undefined;
}

/** DJANGO_SETTINGS_MODULE of the environment, else the one manage.py sets, as a file of the project. */
async function settingsFileOf(core: Ctx['core'], managePy: string): Promise<string | undefined> {
  let module = process.env.DJANGO_SETTINGS_MODULE;
  if (!module) {
    const r = core.readRegularFile(managePy, 1024 * 1024);
    if (!('text' in r)) return undefined;
    module = core.settingsModuleFromManagePy(r.text);
  }
  return module ? core.settingsFileOfModule(path.dirname(managePy), module) : undefined;
}

/** The rule ids of Cloudward's own diagnostics on a file (the lint's collection). */
function ourRules(file: string): Set<string> {
  return new Set(
    vscode.languages
      .getDiagnostics(vscode.Uri.file(file))
      .filter((d) => d.source === 'Cloudward' && d.code !== undefined)
      .map((d) => String(typeof d.code === 'object' ? d.code.value : d.code)),
  );
}

function publish(ctx: Ctx, collection: vscode.DiagnosticCollection, result: DjangoChecksResult): void {
  collection.clear();
  const byFile = new Map<string, vscode.Diagnostic[]>();
  const ours = new Map<string, Set<string>>();
  for (const f of result.findings) {
    // One finding per problem: a check our own rule already reports in this file (with its fix) is left out.
    if (!ours.has(f.file)) ours.set(f.file, ourRules(f.file));
    const covering = ctx.core.RULES_OF_CHECK[f.id] ?? [];
    if (covering.some((r) => ours.get(f.file)!.has(r))) {
      log().info(`Django ${f.id} is reported by ${covering.join('/')} in ${vscode.workspace.asRelativePath(f.file)}: shown once, with the fix.`);
      continue;
    }
    const d = new vscode.Diagnostic(toRange(f.range), f.hint ? `${f.message}\nHINT: ${f.hint}` : f.message, toSeverity(f.severity));
    d.source = DJANGO_SOURCE;
    d.code = { value: f.id, target: vscode.Uri.parse(ctx.core.djangoCheckDocsUrl(f.id)) };
    const list = byFile.get(f.file) ?? [];
    list.push(d);
    byFile.set(f.file, list);
  }
  for (const [file, list] of byFile) collection.set(vscode.Uri.file(file), list);
  void setContext(contextKeys.deployChecksPassed, result.passed);
}

function describeSource(i: Interpreter): string {
  if (i.from === 'python-extension') return 'the Python extension';
  if (i.from === 'setting') return 'cloudward.python.interpreter';
  return 'the default (no interpreter selected)';
}

async function report(result: DjangoChecksResult): Promise<void> {
  const { run, interpreter } = result;
  if (run.problem === 'python-missing' || run.problem === 'django-missing') {
    const what = run.problem === 'python-missing' ? `Python "${interpreter.python}" was not found` : `Django is not installed for "${interpreter.python}"`;
    const how =
      interpreter.from === 'python-extension'
        ? 'Select the interpreter of the project (the one with Django) with "Python: Select Interpreter".'
        : 'Set cloudward.python.interpreter to the Python of the project (its virtualenv), or select one with the Python extension.';
    const choice = await vscode.window.showErrorMessage(`${what} (interpreter from ${describeSource(interpreter)}). ${how}`, 'Open Settings', 'Show Output');
    if (choice === 'Open Settings') {
      // In a remote window the project's Python is on the remote machine: its workspace settings (stored
      // there) are where the value belongs; locally the user settings. Either way, on the setting itself.
      const query = '@id:cloudward.python.interpreter';
      if (vscode.env.remoteName) await vscode.commands.executeCommand('workbench.action.openWorkspaceSettings', { query });
      else await vscode.commands.executeCommand('workbench.action.openSettings', query);
    }
    if (choice === 'Show Output') log().show(true);
    return;
  }
  if (run.problem === 'missing-env') {
    // Every variable Cloudward reads in the settings got a throwaway value: this one is read some other way.
    const choice = await vscode.window.showErrorMessage(
      `Django deployment checks could not import the production settings: they need ${run.variable}, which Cloudward did not find read in them (it gives throwaway values to the variables it finds). Set ${run.variable} in the environment VS Code runs in, or read it with os.environ["${run.variable}"] in the settings.`,
      'Show Output',
    );
    if (choice) log().show(true);
    return;
  }
  if (run.problem) {
    const choice = await vscode.window.showErrorMessage(`Django deployment checks could not run: ${run.detail ?? run.problem}`, 'Show Output');
    if (choice) log().show(true);
    return;
  }
  log().show(true);
  const count = run.messages.length;
  if (count === 0) {
    void vscode.window.showInformationMessage('Django deployment checks passed: no issues.');
    return;
  }
  const where = result.settingsFile ? ` on ${vscode.workspace.asRelativePath(result.settingsFile)}` : '';
  const placed = result.findings.length;
  const choice = await vscode.window.showWarningMessage(
    `Django deployment checks found ${count} issue${count === 1 ? '' : 's'}${placed ? `, ${placed} shown${where}` : ''}.`,
    'Show Problems',
  );
  if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
}
