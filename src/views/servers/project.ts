// What a server linked to a workspace folder should be running: that project's units, nginx site, socket
// and certificate, named as Cloudward's own generators name them (from the folder's deploy plan).
import * as vscode from 'vscode';
import type { Ctx } from '../../ctx';
import { rememberedPlan } from '../../commands/generate';
import type { ProjectFacts } from './nodes';

/** The facts of the project at `folder` (absolute path), or a reason why there are none. */
export async function projectFacts(ctx: Ctx, folder: string): Promise<ProjectFacts | { problem: string }> {
  const uri = vscode.Uri.file(folder);
  try {
    await vscode.workspace.fs.stat(uri);
  } catch {
    return { problem: `The project folder ${folder} is not there` };
  }
  const plan = await rememberedPlan(ctx, uri);
  if (!plan) return { problem: `No app detected in ${folder}: generate its files once to name its units` };
  const domain = plan.domain.split(/\s+/)[0];
  return {
    folder,
    folderName: folder.split(/[\\/]/).filter(Boolean).pop() ?? folder,
    name: plan.name,
    // The names systemd.ts writes: <name>.socket starts <name>.service.
    units: [`${plan.name}.service`, `${plan.name}.socket`],
    socket: plan.socket,
    // The release layout's two colours (provision + deploy): each one's units and socket.
    colors: ctx.core.COLORS.map((c) => ({
      units: [`${plan.name}@${c}.service`, `${plan.name}@${c}.socket`],
      socket: ctx.core.releaseLayout(plan).colorSocket.replace('%i', c),
    })),
    // Where the generated site's header says to install it.
    nginxSite: `/etc/nginx/sites-enabled/${plan.name}`,
    domain,
    certificate: plan.https ? `/etc/letsencrypt/live/${domain}/fullchain.pem` : undefined,
    appDir: plan.appDir,
  };
}

/** The app this editor last deployed to each server (by server name): its releases show without a linked project. */
const DEPLOYED_APPS = 'cloudward.deployedApps';

export interface DeployedApp {
  app: string;
  appDir: string;
}

export function deployedApp(ctx: Ctx, server: string): DeployedApp | undefined {
  return ctx.extension.globalState.get<Record<string, DeployedApp>>(DEPLOYED_APPS)?.[server];
}

export async function rememberDeployedApp(ctx: Ctx, server: string, app: DeployedApp): Promise<void> {
  const all = { ...ctx.extension.globalState.get<Record<string, DeployedApp>>(DEPLOYED_APPS) };
  if (all[server]?.app === app.app && all[server]?.appDir === app.appDir) return;
  all[server] = app;
  await ctx.extension.globalState.update(DEPLOYED_APPS, all);
}
