import type { Ctx } from './ctx';
import { registerBasics } from './commands/basics';

/**
 * Every feature registers itself from here, in order. A feature's register function must be cheap:
 * no file system walks, no heavy modules (use ctx.core / ctx.ssh lazily), no awaits.
 */
export const features: ReadonlyArray<(ctx: Ctx) => void> = [registerBasics];
