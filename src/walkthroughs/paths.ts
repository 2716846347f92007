// The walkthroughs' paths in the editor: choose where to deploy (the decision aid), generate the chosen
// platform's files, show its deploy commands in a terminal, run a one-off command (createsuperuser) and
// verify the live site. The choice is remembered per workspace folder (workspaceState) and published as
// context keys, so the walkthrough shows that path's steps only (`when` clauses in package.json).
import * as vscode from 'vscode';
import type { ChoiceAnswers, DeployPathId, PathRecommendation, PlatformId, VerifyReport } from '../core';
import type { Ctx } from '../ctx';
import { contextKeys, setContext } from '../contextKeys';
import { log } from '../log';
import { pickWorkspaceFolder } from '../commands/generate/folder';

interface Choice {
  path: DeployPathId;
  platform: PlatformId;
  answers?: ChoiceAnswers;
  /** ISO date of the choice. */
  at: string;
}

/** Arguments for tests and links: skip the questions. */
interface ChooseArgs {
  folder?: vscode.Uri | string;
  answers?: ChoiceAnswers;
  /** Take this path (and optionally platform) without showing the ranking. */
  path?: DeployPathId;
  platform?: PlatformId;
}

const stateKey = (folder: vscode.Uri) => `cloudward.deployChoice:${folder.toString()}`;

/** Which files each platform needs, from the one plan. */
export const PLATFORM_KINDS: Readonly<Record<PlatformId, string[]>> = {
  heroku: ['procfile', 'appjson'],
  render: ['render'],
  fly: ['dockerfile', 'flyio'],
  cloudrun: ['dockerfile'],
  kubernetes: ['dockerfile', 'kubernetes'],
  vps: ['gunicorn', 'nginx', 'systemd'],
};

export function registerPaths(ctx: Ctx): void {
  const state = ctx.extension.workspaceState;
  const chosen = (folder: vscode.Uri) => state.get<Choice>(stateKey(folder));

  const publish = (choice: Choice | undefined) => {
    void setContext(contextKeys.deployPath, choice?.path ?? '');
    void setContext(contextKeys.deployPlatform, choice?.platform ?? '');
    void setContext(contextKeys.deployPathChosen, !!choice);
  };
  // The first folder's choice, restored at start-up (a path chosen yesterday still shows its steps).
  const first = vscode.workspace.workspaceFolders?.[0];
  publish(first ? chosen(first.uri) : undefined);
  ctx.own(vscode.workspace.onDidChangeWorkspaceFolders(() => {
    const f = vscode.workspace.workspaceFolders?.[0];
    publish(f ? chosen(f.uri) : undefined);
  }));

  async function folderAndChoice(arg?: vscode.Uri | string): Promise<{ folder: vscode.Uri; choice: Choice } | undefined> {
    const folder = await pickWorkspaceFolder(arg, 'deploy');
    if (!folder) return undefined;
    let choice = chosen(folder);
    if (!choice) {
      const go = await vscode.window.showInformationMessage('Choose where this project will run first.', 'Choose Where to Deploy…');
      if (go) await vscode.commands.executeCommand('cloudward.choosePath', { folder });
      choice = chosen(folder);
    }
    return choice ? { folder, choice } : undefined;
  }

  ctx.command('cloudward.choosePath', async (args?: ChooseArgs) => {
    const folder = await pickWorkspaceFolder(args?.folder, 'choose a deploy path for');
    if (!folder) return undefined;
    const core = ctx.core;
    let path = args?.path;
    let platform = args?.platform;
    let answers = args?.answers;
    if (!path) {
      answers ??= await askAnswers();
      if (!answers) return undefined;
      const detection = await ctx.detectProject(folder.fsPath);
      const ranking = core.recommendPaths(core.factsFromDetection(detection), answers);
      const picked = await pickPath(ranking, core.COSTS_CHECKED);
      if (!picked) return undefined;
      path = picked.path;
      platform = picked.platform;
    }
    if (!core.DEPLOY_PATHS.includes(path)) throw new Error(`Unknown path '${String(path)}': use one of ${core.DEPLOY_PATHS.join(', ')}.`);
    platform ??= core.PLATFORMS[path][0];
    if (!core.PLATFORMS[path].includes(platform)) throw new Error(`${platform} is not a platform of the ${path} path.`);
    const choice: Choice = { path, platform, answers, at: new Date().toISOString() };
    await state.update(stateKey(folder), choice);
    if (folder.toString() === vscode.workspace.workspaceFolders?.[0]?.uri.toString()) publish(choice);
    log().info(`deploy path for ${folder.fsPath}: ${path} (${platform})`);
    void vscode.window.showInformationMessage(`Cloudward: ${core.PATH_TITLES[path]}, on ${core.PLATFORM_TITLES[platform]}. The walkthrough now shows this path's steps.`);
    return choice;
  });

  ctx.command('cloudward.platform.generateFiles', async (args?: { folder?: vscode.Uri | string; choice?: 'overwrite' | 'skip' | 'new' | 'preview'; overrides?: Record<string, string | number | boolean> }) => {
    const fc = await folderAndChoice(args?.folder);
    if (!fc) return undefined;
    const result = await vscode.commands.executeCommand<{ written?: string[] } | undefined>('cloudward.generate.all', {
      folder: fc.folder, kinds: PLATFORM_KINDS[fc.choice.platform], ...(args?.choice ? { choice: args.choice } : {}), ...(args?.overrides ? { overrides: args.overrides } : {}),
    });
    if (result) void setContext(contextKeys.platformFilesGenerated, true);
    return result;
  });

  ctx.command('cloudward.platform.openDeployTerminal', async (args?: { folder?: vscode.Uri | string }) => {
    const fc = await folderAndChoice(args?.folder);
    if (!fc) return undefined;
    const core = ctx.core;
    const plan = core.buildPlan(await ctx.detectProject(fc.folder.fsPath));
    const guide = core.platformGuide(plan, fc.choice.platform);
    if (fc.choice.platform === 'vps') {
      // Provisioning and deploying over SSH are Cloudward commands (not a shell's), when this build has them.
      const have = new Set(await vscode.commands.getCommands(true));
      const actions = [
        { label: 'Provision Server', detail: 'packages, the app user, folders, firewall, the generated units and site', command: 'cloudward.provisionServer' },
        { label: 'Deploy', detail: 'upload a release, install, migrate, collectstatic, reload, health check', command: 'cloudward.deployToServer' },
      ].filter((a) => have.has(a.command));
      let command = 'cloudward.servers.add';
      if (actions.length) {
        const picked = await vscode.window.showQuickPick(actions, { title: 'Your server: provision it once, then deploy each release' });
        if (!picked) return undefined;
        command = picked.command;
      } else {
        void vscode.window.showInformationMessage('This Cloudward has no Provision and Deploy commands yet: add the server, then follow the steps on the page (they are the commands those actions will run).');
      }
      await vscode.commands.executeCommand(command);
      void setContext(contextKeys.deployCommandShown, true);
      return { platform: 'vps', command };
    }
    const steps = [...guide.setup, ...guide.deploy];
    const terminal = vscode.window.createTerminal({ name: `Cloudward: deploy to ${core.PLATFORM_TITLES[fc.choice.platform]}`, cwd: fc.folder });
    terminal.show();
    // The sequence is printed, then the first command typed (not run): the user reads it and presses Enter.
    const listing = steps.map((s, i) => `${i + 1}. ${s.command}\n     ${s.what}`).join('\n');
    terminal.sendText(`printf '%s\\n' ${shellQuote(`Deploy to ${core.PLATFORM_TITLES[fc.choice.platform]}, in order:`)} ${shellQuote(listing)}`, true);
    terminal.sendText(steps[0].command, false);
    void setContext(contextKeys.deployCommandShown, true);
    return { platform: fc.choice.platform, commands: steps.map((s) => s.command) };
  });

  ctx.command('cloudward.platform.runOneOff', async (args?: { folder?: vscode.Uri | string; command?: string }) => {
    const fc = await folderAndChoice(args?.folder);
    if (!fc) return undefined;
    const core = ctx.core;
    const command = args?.command ?? (await vscode.window.showQuickPick(
      [
        { label: 'createsuperuser', description: 'the first admin user' },
        { label: 'migrate', description: 'apply migrations by hand' },
        { label: 'shell', description: 'a Python shell with the settings' },
        { label: 'check --deploy', description: 'Django\'s checks with the live settings' },
      ],
      { title: 'Run a management command on the platform', placeHolder: 'manage.py …' },
    ))?.label;
    if (!command) return undefined;
    const guide = core.platformGuide(core.buildPlan(await ctx.detectProject(fc.folder.fsPath)), fc.choice.platform);
    const line = guide.oneOff(command);
    const terminal = vscode.window.createTerminal({ name: `Cloudward: ${command}`, cwd: fc.folder });
    terminal.show();
    terminal.sendText(line, false);
    void setContext(contextKeys.oneOffShown, true);
    return { command: line };
  });

  ctx.command('cloudward.verifySite', async (args?: { folder?: vscode.Uri | string; url?: string; resolve?: Record<string, string>; ca?: string; httpUrl?: string }) => {
    const core = ctx.core;
    let url = args?.url;
    const folder = await pickWorkspaceFolder(args?.folder, 'verify the site of');
    if (!url) {
      let suggestion = '';
      const choice = folder ? chosen(folder) : undefined;
      if (folder && choice) {
        try {
          suggestion = core.platformGuide(core.buildPlan(await ctx.detectProject(folder.fsPath)), choice.platform).url;
        } catch {
          /* no plan: no suggestion */
        }
      }
      url = await vscode.window.showInputBox({
        title: 'Verify the live site',
        prompt: 'The address of the deployed site (https://…)',
        value: suggestion,
        placeHolder: 'https://www.example.com/',
        ignoreFocusOut: true,
        validateInput: (v) => (/^https?:\/\/[^\s/]+/.test(v.trim()) ? undefined : 'An address starting with https:// (or http://).'),
      });
      if (!url) return undefined;
    }
    const report: VerifyReport = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Cloudward: verifying ${url}` },
      () => core.verifySite(url!.trim(), { resolve: args?.resolve, ca: args?.ca, httpUrl: args?.httpUrl }),
    );
    const text = core.formatVerifyReport(report);
    log().info(text);
    if (report.ok) void setContext(contextKeys.siteVerified, true);
    const failed = report.checks.filter((c) => c.status === 'fail');
    const msg = report.ok ? `Cloudward: ${url} is live; ${report.checks.filter((c) => c.status === 'pass').length} checks passed.` : `Cloudward: ${failed.length} check${failed.length === 1 ? '' : 's'} failed on ${url}: ${failed.map((c) => c.title).join(', ')}.`;
    void (report.ok ? vscode.window.showInformationMessage(msg, 'Show Report') : vscode.window.showWarningMessage(msg, 'Show Report')).then((c) => c && log().show());
    return report;
  });
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

async function askAnswers(): Promise<ChoiceAnswers | undefined> {
  const ask = async <T extends string>(title: string, items: Array<{ label: string; detail: string; value: T }>) =>
    (await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true }))?.value;
  const traffic = await ask('Choose Where to Deploy (1/3): how much traffic do you expect?', [
    { label: 'A hobby or a first project', detail: 'a few visitors a day, downtime is no drama', value: 'hobby' as const },
    { label: 'Steady use', detail: 'a business or a community relies on it every day', value: 'steady' as const },
    { label: 'Large or spiky', detail: 'many instances, launches, campaigns', value: 'large' as const },
  ]);
  if (!traffic) return undefined;
  const budget = await ask('Choose Where to Deploy (2/3): what may it cost each month?', [
    { label: 'As little as possible', detail: 'a few euros or dollars', value: 'minimal' as const },
    { label: 'A moderate amount', detail: 'tens of euros or dollars', value: 'moderate' as const },
    { label: 'Whatever saves us time', detail: 'money buys back hours', value: 'flexible' as const },
  ]);
  if (!budget) return undefined;
  const upkeep = await ask('Choose Where to Deploy (3/3): who looks after a server?', [
    { label: 'Nobody', detail: 'no one to apply updates, renew certificates or restore backups', value: 'none' as const },
    { label: 'Me, a few hours a month', detail: 'I can follow a checklist and read logs', value: 'some' as const },
    { label: 'People who run servers for a living', detail: 'on call, with monitoring', value: 'expert' as const },
  ]);
  if (!upkeep) return undefined;
  return { traffic, budget, upkeep };
}

async function pickPath(ranking: PathRecommendation[], checked: string): Promise<PathRecommendation | undefined> {
  const items = ranking.map((r, i) => ({
    label: `${i === 0 ? '$(star-full) ' : ''}${r.title}`,
    description: i === 0 ? 'recommended' : undefined,
    detail: [...r.reasons.map((x) => `+ ${x}`), ...r.against.map((x) => `− ${x}`), ...r.todo.map((x) => `To do: ${x}`), `About: ${r.cost} (checked ${checked})`].join('  '),
    r,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Choose Where to Deploy: ranked for this project', placeHolder: 'The first fits best; any choice can be changed later', matchOnDetail: true, ignoreFocusOut: true });
  return picked?.r;
}
