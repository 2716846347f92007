// Provision, deploy, roll back and production secrets from the editor: thin handlers over src/core/provision and
// src/core/deploy (the same code as the CLI), with a plan preview document, a progress notification naming each
// step, Cancel at the next safe point, and the full log in the Cloudward output channel.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import type { DeployPlan, PlanOverrides } from '../core/plan';
import type { DeployEvent, DeployHooks, ProvisionPlan } from '../core';
import type { ServerConnection } from '../core/ssh';
import { log, logFailure } from '../log';
import { contextKeys, setContext } from '../contextKeys';
import { printable } from '../core/printable';
import type { ServersModel, ServerState } from '../views/servers/model';
import type { LeafNode } from '../views/servers/nodes';
import { rememberDeployedApp } from '../views/servers/project';
import { VirtualDocuments } from '../preview/virtualDocuments';
import { ProductionSecrets } from '../views/servers/productionSecrets';
import { pickWorkspaceFolder } from './generate/folder';
import { previousPlanValues, rememberPlanValues, serverOptions } from './generate';


/**
 * The project's plan for a server: detection + the answers remembered for the folder (+ `extra`, e.g. the
 * provisioning settings' plan values); the domain asked once.
 */
async function projectPlan(ctx: Ctx, extra: PlanOverrides = {}): Promise<{ plan: DeployPlan; projectDir: string } | undefined> {
  const folder = await pickWorkspaceFolder(undefined, 'deploy');
  if (!folder) return undefined;
  const core = ctx.core;
  const detection = await ctx.detectProject(folder.fsPath);
  const projectRoot = detection.projectRoot && detection.projectRoot !== '.' ? vscode.Uri.joinPath(folder, ...detection.projectRoot.split('/')) : folder;
  const overrides: PlanOverrides = Object.fromEntries(await previousPlanValues(ctx, folder, projectRoot));
  if (overrides.domain === undefined) {
    const field = core.planField('domain')!;
    const domain = await vscode.window.showInputBox({
      title: 'Cloudward: the site\'s domain', prompt: 'Host names the site answers to (the nginx site and the health checks use them)',
      placeHolder: 'example.com www.example.com', ignoreFocusOut: true, validateInput: (v) => field.validate(v),
    });
    if (!domain) return undefined;
    overrides.domain = domain;
    await rememberPlanValues(ctx, folder, { domain });
  }
  return { plan: core.buildPlan(detection, { ...overrides, ...extra }, serverOptions(ctx, folder)), projectDir: projectRoot.fsPath };
}

/** A deploy or rollback that failed, as the user is told (the step kept, for the callers that act on it). */
class DeployFailed extends Error {
  constructor(
    readonly step: string,
    readonly reason: string,
    summary: string,
  ) {
    super(summary);
  }
}

/** Plain text of a provision plan: what is fine, what changes, a diff per file (never a secret value). */
export function provisionPlanText(server: string, p: ProvisionPlan): string {
  const f = p.facts;
  const lines = [`# Provision plan for ${server}: ${f.osRelease.PRETTY_NAME ?? '?'} (${f.arch}), Python ${f.python}`, ''];
  for (const b of p.blockers) lines.push(`# BLOCKED: ${b}`);
  for (const w of p.warnings) lines.push(`# warning: ${w}`);
  for (const s of p.steps) lines.push(`# ${s.status === 'ok' ? 'ok    ' : 'change'}  ${s.title}: ${s.details.join('; ')}`);
  for (const s of p.steps) for (const file of s.files) if (file.status !== 'ok' && file.diff) lines.push('', file.diff.trimEnd());
  return lines.join('\n') + '\n';
}

export function registerDeployCommands(ctx: Ctx, model: ServersModel, pickServer: (target: unknown, placeHolder: string) => Promise<ServerState | undefined>): void {
  const docs = ctx.own(new VirtualDocuments('cloudward-plan'));

  const productionSecrets = new ProductionSecrets(ctx.secrets);

  interface OnServer {
    state: ServerState;
    plan: DeployPlan;
    projectDir: string;
    /** The server's pooled connection (connects on first use). */
    conn(): ServerConnection;
  }

  /** What every command here starts with: the server (row or pick), the project's plan, prompts allowed meanwhile. */
  async function onServer<T>(target: unknown, placeHolder: string, f: (o: OnServer) => Promise<T>, extra?: PlanOverrides): Promise<T | undefined> {
    const state = await pickServer(target, placeHolder);
    if (!state) return undefined;
    const pp = await projectPlan(ctx, extra);
    if (!pp) return undefined;
    const release = model.prompts.allow(state.spec.name);
    try {
      return await f({ state, plan: pp.plan, projectDir: pp.projectDir, conn: () => model.connection(state.id) });
    } finally {
      release();
    }
  }

  ctx.command('cloudward.setProductionSecret', (target?: unknown) =>
    onServer(target, 'Server the secret is for', async ({ state, plan }) => {
      const name = await vscode.window.showInputBox({
        title: `Production secret of ${plan.name} on ${state.spec.name}`, prompt: 'Name (an environment variable, e.g. DATABASE_URL)', ignoreFocusOut: true,
        validateInput: (v) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? undefined : 'letters, digits and _, not starting with a digit'),
      });
      if (!name) return;
      const value = await vscode.window.showInputBox({ title: `${name} for ${plan.name} on ${state.spec.name}`, prompt: 'Value (kept in VS Code\'s secret storage; sent to the server only on stdin when you provision)', password: true, ignoreFocusOut: true,
        validateInput: (v) => (/[\r\n\0]/.test(v) ? 'one line only' : undefined) });
      if (value === undefined) return;
      await productionSecrets.set(state.spec, plan.name, name, value);
      log().info(`production secret ${name} of ${plan.name} on ${state.spec.name} stored (value not logged)`);
      void vscode.window.showInformationMessage(`Cloudward: ${name} stored for ${plan.name} on ${state.spec.name}. "Provision Server…" puts it in /etc/${plan.name}/env.`);
    }));

  ctx.command('cloudward.provisionServer', (target?: unknown, opts?: { yes?: boolean }) => {
    const po = ctx.config.provisionOptions;
    // the PostgreSQL setting is the plan value postgres (the CLI's --set postgres=...); auto leaves it to detection
    const extra: PlanOverrides = po.postgres === 'auto' ? {} : { postgres: po.postgres === 'yes' };
    return onServer(target, 'Server to provision', async ({ state, plan: deployPlan, conn }) => {
      const core = ctx.core;
      const secrets = await productionSecrets.get(state.spec, deployPlan.name);
      const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cloudward: reading ${state.spec.name}` },
        () => core.previewProvision(conn(), { plan: deployPlan, secrets, firewall: po.firewall, sshKeysOnly: po.sshKeysOnly, acme: { email: po.email || undefined } }));
      const uri = docs.set(`provision-${state.spec.name}.diff`, provisionPlanText(state.spec.name, plan));
      await vscode.window.showTextDocument(uri, { preview: true });
      log().info(provisionPlanText(state.spec.name, plan));
      if (plan.blockers.length) throw new Error(`nothing was changed: ${plan.blockers.join(' ')}`);
      const changing = plan.steps.filter((s) => s.status === 'change');
      if (!changing.length) {
        void vscode.window.showInformationMessage(`Cloudward: ${state.spec.name} is already provisioned; nothing to change.`);
        void setContext(contextKeys.serverProvisioned, true);
        return { changed: [] };
      }
      if (!opts?.yes) {
        const ok = await vscode.window.showWarningMessage(`Apply ${changing.length} step(s) to ${state.spec.name}? ${changing.map((s) => s.title).join(', ')}.`, { modal: true }, 'Provision');
        if (ok !== 'Provision') return undefined;
      }
      const results = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Cloudward: provisioning ${state.spec.name}`, cancellable: true },
        async (progress, token) => {
          try {
            return await core.applyProvision(conn(), plan, {
              cancelled: () => token.isCancellationRequested,
              onStep: (s, phase, r) => {
                if (phase === 'start') {
                  progress.report({ message: s.title, increment: 100 / changing.length });
                  log().info(`provision ${state.spec.name}: ${s.title}`);
                } else if (phase === 'done') log().info(`  ${r?.changed ? `changed: ${r.what.join(', ')}` : r?.what.length ? r.what.join(', ') : 'nothing to change'}`);
              },
            });
          } catch (e) {
            if (e instanceof core.ProvisionStepError) {
              log().error(`provision ${state.spec.name}: step ${e.step} failed: ${e.reason}\n${e.output}`);
              throw new Error(`step "${e.step}" failed: ${e.reason}. Its files were put back as they were.`);
            }
            throw e;
          }
        },
      );
      const changed = results.filter((r) => r.changed).map((r) => r.id);
      // A new login for what follows (Deploy Now): this session still has the groups it logged in with.
      if (changed.length) model.reconnect(state.id);
      void vscode.window.showInformationMessage(`Cloudward: ${state.spec.name} provisioned${changed.length ? ` (${changed.join(', ')})` : ''}.`, 'Deploy Now').then((c) => {
        if (c === 'Deploy Now') void vscode.commands.executeCommand('cloudward.deployToServer', state.id);
      });
      model.refresh(state.id, true).catch(logFailure(`Refreshing ${state.spec.name}`));
      void setContext(contextKeys.serverProvisioned, true);
      return { changed };
    }, extra);
  });

  /**
   * Runs a deploy or rollback with a progress notification naming each step, Cancel (stop following: the run goes
   * on on the server under its lock), every event in the output channel, and on failure the failed step's lines
   * opened in an editor. The one place the editor turns deploy events into progress and log lines.
   */
  async function followRun(state: ServerState, title: string, f: (hooks: DeployHooks) => Promise<{ live: string | null }>): Promise<{ live: string | null } | undefined> {
    const core = ctx.core;
    const events: DeployEvent[] = [];
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) =>
        f({
          cancelled: () => token.isCancellationRequested,
          log: (l) => log().info(l),
          onEvent: (e) => {
            events.push(e);
            const line = printable(core.formatDeployEvent(e));
            if (e.event === 'step') progress.report({ message: printable(e.text ?? e.step ?? '') });
            if (e.event === 'warning') {
              log().warn(line);
              void vscode.window.showWarningMessage(`Cloudward: ${printable(e.text ?? '')}`);
            } else if (e.event === 'failed') log().error(line);
            else if (e.event !== 'log' || e.text) log().info(line);
          },
        }),
      );
    } catch (e) {
      if (!(e instanceof core.DeployError)) throw e;
      if (e.step === 'detached') {
        void vscode.window.showInformationMessage(`Cloudward: stopped following; ${e.reason}`);
        return undefined;
      }
      const summary = `${e.step} failed: ${e.reason}${e.live ? ` ${e.live} still serves.` : ''}`;
      if (events.length) {
        const lines = core.deployFailureLines(events, e.step);
        const text = [`# ${title.replace(/^Cloudward: /, '')}: ${summary}`, '# The full log: Output ▸ Cloudward.', '', ...lines].join('\n') + '\n';
        await vscode.window.showTextDocument(docs.set(`deploy-failed-${state.spec.name}.log`, printable(text)), { preview: true });
      } else log().show(true);
      throw new DeployFailed(e.step, e.reason, summary);
    }
  }

  ctx.command('cloudward.deployToServer', (target?: unknown, opts?: { yes?: boolean; allowDestructive?: boolean }) =>
    onServer(target, 'Server to deploy to', async ({ state, plan, projectDir, conn }) => {
      const core = ctx.core;
      const g = await core.gitState(projectDir);
      let allowDirty = false;
      if (g.dirty) {
        const c = opts?.yes ? undefined : await vscode.window.showWarningMessage(`The project has uncommitted changes. Deploy them, marked ${g.commit.slice(0, 7)}-dirty?`, { modal: true }, 'Deploy Uncommitted Changes');
        if (c !== 'Deploy Uncommitted Changes') return undefined;
        allowDirty = true;
      }
      // From now on the Servers view shows this app's releases on this server, even without a linked project.
      await rememberDeployedApp(ctx, state.spec.name, { app: plan.name, appDir: plan.appDir });
      const run = (allowDestructive: boolean) =>
        followRun(state, `Cloudward: deploying ${plan.name} to ${state.spec.name}`, (hooks) => core.deploy(conn(), { plan, projectDir, allowDirty, allowDestructive }, hooks));
      try {
        let res;
        try {
          res = await run(!!opts?.allowDestructive);
        } catch (e) {
          // Migrations that drop or rename what the live release uses: nothing was changed; the user decides.
          if (!(e instanceof DeployFailed && e.step === core.DESTRUCTIVE_STEP)) throw e;
          const c = await vscode.window.showWarningMessage(`Deploy ${plan.name} with migrations that drop or rename columns or tables?`, { modal: true, detail: printable(e.reason) }, 'Deploy Anyway');
          if (c !== 'Deploy Anyway') return undefined;
          res = await run(true);
        }
        if (res) void vscode.window.showInformationMessage(`Cloudward: ${res.live} is live on ${state.spec.name}.`);
        if (res?.live) void setContext(contextKeys.releaseDeployed, true);
        return res;
      } finally {
        model.refresh(state.id, true).catch(logFailure(`Refreshing ${state.spec.name}`));
      }
    }));

  ctx.command('cloudward.rollbackServer', (target?: unknown, opts?: { to?: string; yes?: boolean; app?: string }) =>
    onServer(target, 'Server to roll back', async ({ state, plan, conn }) => {
      const core = ctx.core;
      if (opts?.app && opts.app !== plan.name) {
        throw new Error(`that release is of ${opts.app}, and the workspace's app is ${plan.name}: open ${opts.app}'s folder to roll it back (the rollback installs that app's units and nginx upstream).`);
      }
      let to = opts?.to;
      if (!to) {
        const list = await core.listReleases(conn(), { plan });
        const items = [...list.releases].reverse().map((r) => ({
          label: `${r.live ? '$(pass-filled) ' : ''}${r.id}`,
          description: `${r.status ?? '?'}${r.commit ? ` · ${r.commit.slice(0, 7)}${r.dirty ? '-dirty' : ''}` : ''}${r.by ? ` · ${r.by}` : ''}`,
          detail: r.live ? 'live now' : r.error ? `${r.step}: ${r.error}` : r.updated,
          id: r.id, usable: r.exists && (r.status === 'good' || r.status === 'rolled-back') && !r.live,
        }));
        if (!items.length) throw new Error(`no releases of ${plan.name} on ${state.spec.name} yet.`);
        const pick = await vscode.window.showQuickPick(items.filter((i) => i.usable), { title: `Roll Back ${plan.name} on ${state.spec.name} to This Release`, placeHolder: `live: ${list.live ?? 'none'}` });
        if (!pick) return undefined;
        to = pick.id;
      }
      if (!opts?.yes) {
        const ok = await vscode.window.showWarningMessage(`Roll ${plan.name} on ${state.spec.name} back to ${to}? Migrations are not reversed.`, { modal: true }, 'Roll Back');
        if (ok !== 'Roll Back') return undefined;
      }
      try {
        const res = await followRun(state, `Cloudward: rolling ${plan.name} back on ${state.spec.name}`, (hooks) => core.rollback(conn(), { plan, to }, hooks));
        if (res) void vscode.window.showInformationMessage(`Cloudward: ${res.live} is live again on ${state.spec.name}.`);
        return res;
      } finally {
        model.refresh(state.id, true).catch(logFailure(`Refreshing ${state.spec.name}`));
      }
    }));

  function releaseOf(target: unknown): (LeafNode & { release: NonNullable<LeafNode['release']> }) | undefined {
    const n = target as LeafNode | undefined;
    if (n && typeof n === 'object' && n.kind === 'leaf' && n.release) return n as LeafNode & { release: NonNullable<LeafNode['release']> };
    void vscode.window.showInformationMessage('Cloudward: pick a release under Releases in the Servers view.');
    return undefined;
  }

  // A release row: roll back to it (through the command above, so the plan is the workspace's and checked against it).
  ctx.command('cloudward.servers.rollbackToRelease', async (target?: unknown, opts?: { yes?: boolean }) => {
    const n = releaseOf(target);
    if (!n) return undefined;
    return vscode.commands.executeCommand('cloudward.rollbackServer', n.serverId, { to: n.release.id, yes: opts?.yes, app: n.release.app });
  });

  // A release row: the log of the deploy that built it, from the server (kept there after the release is pruned).
  ctx.command('cloudward.servers.showDeployLog', async (target?: unknown) => {
    const n = releaseOf(target);
    const state = n && model.get(n.serverId);
    if (!n || !state) return undefined;
    const release = model.prompts.allow(state.spec.name);
    try {
      const core = ctx.core;
      const events = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Reading the deploy log of ${n.release.id}` },
        () => core.deployLog(model.connection(state.id), { appDir: n.release.appDir, releaseId: n.release.id }));
      const text = [`# Deploy of ${n.release.app} ${n.release.id} on ${state.spec.name} (${n.release.appDir}/.cloudward/deploys/${core.deployRunId(n.release.id)}.jsonl)`, '',
        ...events.map((e) => core.formatDeployEvent(e))].join('\n') + '\n';
      const uri = docs.set(`deploy-${state.spec.name}-${n.release.id}.log`, printable(text));
      await vscode.window.showTextDocument(uri, { preview: true });
      return uri;
    } finally {
      release();
    }
  });
}
