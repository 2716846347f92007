import type { Ctx } from './ctx';
import { registerServers } from './commands/servers';
import { registerBasics } from './commands/basics';
import { registerDetect } from './commands/detect';
import { registerGenerate } from './commands/generate';
import { registerDevEnv } from './commands/devEnv';
import { registerDiagnostics } from './diagnostics';
import { registerWalkthroughs } from './walkthroughs';

/**
 * Every feature registers itself from here, in order. A feature's register function must be cheap:
 * no file system walks, no heavy modules (use ctx.core / ctx.ssh lazily), no awaits.
 */
export const features: ReadonlyArray<(ctx: Ctx) => void> = [registerBasics, registerDetect, registerGenerate, registerServers, registerDiagnostics, registerDevEnv, registerWalkthroughs];
