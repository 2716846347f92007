// The CPU count of the servers linked to a workspace folder, for the deploy plan's worker count
// (2 × cores + 1). The Servers view reads `nproc` on every refresh and records it here by server name;
// the generators read it without loading the Servers view (and without connecting anywhere).
import path = require('path');
import type { Ctx } from '../../ctx';

const KEY = 'cloudward.servers.cpus';

/** Records what a refresh read (globalState: the server list is a user setting, shared by windows). */
export async function rememberServerCpus(ctx: Ctx, server: string, cpus: number | null): Promise<void> {
  if (!cpus || cpus < 1) return;
  const all = ctx.extension.globalState.get<Record<string, number>>(KEY, {});
  if (all[server] === cpus) return;
  await ctx.extension.globalState.update(KEY, { ...all, [server]: cpus });
}

/**
 * The cores the app of `folder` will have: the smallest CPU count read from the servers linked to it
 * (every one must carry the workers), with the server's name; undefined when none is linked or none
 * was read yet (the plan then uses its documented default).
 */
export function linkedServerCores(ctx: Ctx, folder: string): { cores: number; server: string } | undefined {
  const cpus = ctx.extension.globalState.get<Record<string, number>>(KEY, {});
  const same = (a: string) => path.resolve(a) === path.resolve(folder);
  let best: { cores: number; server: string } | undefined;
  for (const s of ctx.config.servers) {
    if (!s.project || !same(s.project)) continue;
    const n = cpus[s.name];
    if (n && (!best || n < best.cores)) best = { cores: n, server: s.name };
  }
  return best;
}
