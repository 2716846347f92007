import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { log } from '../log';

// Walkthrough ids as the workbench knows them: `<publisher>.<name>#<walkthrough id in package.json>`.
export const WALKTHROUGH_LOCALHOST = 'cloudward.cloudward#cloudward.localhostToCloud';
export const WALKTHROUGH_PAAS_IAAS = 'cloudward.cloudward#cloudward.paasOrIaas';

/** The short names `command:` links and callers may pass, and the full ids they stand for. */
const WALKTHROUGHS: Record<string, string> = {
  localhostToCloud: WALKTHROUGH_LOCALHOST,
  paasOrIaas: WALKTHROUGH_PAAS_IAAS,
};

/** Maps the command's argument ('paasOrIaas', 'cloudward.paasOrIaas' or a full id) to a walkthrough id. */
export function walkthroughId(which?: unknown): string {
  if (typeof which !== 'string' || which === '') return WALKTHROUGH_LOCALHOST;
  const short = which.replace(/^cloudward\.cloudward#/, '').replace(/^cloudward\./, '');
  const id = WALKTHROUGHS[short];
  if (!id) throw new Error(`there is no walkthrough '${which}'; use one of: ${Object.keys(WALKTHROUGHS).join(', ')}.`);
  return id;
}

export function registerBasics(ctx: Ctx): void {
  ctx.command('cloudward.showLog', () => log().show());
  // No argument (palette, Servers view): the first walkthrough, whose last step links to the second.
  ctx.command('cloudward.openWalkthrough', async (which?: unknown) => {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughId(which), false);
  });
}
