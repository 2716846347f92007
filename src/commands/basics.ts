import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { log } from '../log';

export const WALKTHROUGH_LOCALHOST = 'cloudward.cloudward#cloudward.localhostToCloud';
export const WALKTHROUGH_PAAS_IAAS = 'cloudward.cloudward#cloudward.paasOrIaas';

export function registerBasics(ctx: Ctx): void {
  ctx.command('cloudward.showLog', () => log().show());
  ctx.command('cloudward.openWalkthrough', async (which?: string) => {
    const id = which === 'paasOrIaas' ? WALKTHROUGH_PAAS_IAAS : WALKTHROUGH_LOCALHOST;
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', id, false);
  });
}
