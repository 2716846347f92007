import { contextKeys, getContext, setContext } from '../contextKeys';
import type { Ctx } from '../ctx';
import { ProjectFiles } from './projectFiles';
import { StepCompletion, stepConditions } from './stepCompletion';
import { registerPaths } from './paths';

/**
 * Internal (not in the manifest, so not in the palette): the project-state context keys as the
 * walkthroughs see them, after the first scan has finished. Used by the integration tests and handy
 * when a user asks why a step is not checked (run it from a `command:` link or the debug console).
 */
export const PROJECT_STATE_COMMAND = '_cloudward.walkthroughs.projectState';

/**
 * What the walkthroughs need at run time: the file-existence context keys that check their steps, and
 * marking steps whose keys were already true when the walkthrough was registered (see stepCompletion).
 * The other keys they use are set where the state is known: the diagnostics (no dev server in
 * production, safe settings), the Django checks command, detection and the Servers view.
 */
export function registerWalkthroughs(ctx: Ctx): void {
  let files: ProjectFiles | undefined;
  const state = () => (files ??= ctx.own(new ProjectFiles(() => ctx.core.classify)));
  // Watchers are cheap; the scan waits until activation has finished so it never delays it.
  // void: rescan() never rejects (its scan's failure is logged).
  setTimeout(() => void state().rescan(), 0);

  const manifest = ctx.extension.extension.packageJSON as { contributes?: { walkthroughs?: Parameters<typeof stepConditions>[1] } };
  ctx.own(new StepCompletion(stepConditions(ctx.extension.extension.id, manifest.contributes?.walkthroughs ?? [])));

  registerPaths(ctx);

  ctx.command(PROJECT_STATE_COMMAND, async () => {
    const project = state();
    await project.ready();
    const all: Record<string, unknown> = {};
    for (const key of Object.values(contextKeys)) all[key] = getContext(key) ?? false;
    return { ...all, ...project.snapshot() };
  });

  // Tests only: the keys the steps' actions set, back to false, so a test can see what one action sets
  // (the path choice and the file keys stay: they say which steps are shown and what the project holds).
  if (process.env.CLOUDWARD_TEST === '1') {
    ctx.command('_cloudward.walkthroughs.resetActionKeys', async () => {
      const keep = new Set<string>([contextKeys.deployPath, contextKeys.deployPlatform, contextKeys.deployPathChosen, contextKeys.hasServers]);
      for (const key of Object.values(contextKeys)) if (!keep.has(key) && !key.startsWith('cloudward.has')) await setContext(key, false);
    });
  }
}
