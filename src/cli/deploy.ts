// `cloudward deploy|rollback|releases <server>`: releases over SSH on a provisioned server (src/core/deploy).
import type * as DeployCore from '../core/deploy';
import { CliCommand, Exit, Io, UsageError, writeLine } from './command';
import { registerCliCommand } from './main';
import { parseCommandArgs } from './parseError';
import { askYesNo, projectPlan } from './provision';
import { openServer, sshErrorExit } from './session';

const common = `<server> is a name as in \`cloudward servers status\`. The project's deploy plan (\`--set\` as in
\`cloudward generate\`; domain is required) names the app, its folder and the health check.

Exit codes: 0 live, 1 failed (the step and why; the previous release still serves), 2 usage,
            4 host key unknown or changed, 5 host unreachable or login refused.`;

const deployUsage = `Usage:
  cloudward deploy <server> [--project <dir>] [--ssh-config <file>] [--set key=value ...]
                            [--allow-dirty] [--keep <n>] [--accept-new] [--yes] [--json]

Puts the project's current git commit live on a server prepared by \`cloudward provision\`:
uploads \`git archive\` of the commit, builds releases/<id> beside the live release (the virtualenv is
reused while requirements are unchanged), imports the app with the real environment, runs
collectstatic (and \`compress\` when django-compressor's COMPRESS_OFFLINE is on), \`manage.py check
--deploy\`, plans the migrations (stopping at ones that drop or rename what the live release uses,
unless --yes) and runs them once before the switch, starts the release beside the live one and
checks it with the real Host header, then switches nginx to it and stops the old one (no request
dropped). Any failure leaves the previous release serving.
One deploy at a time per server (a lock the kernel frees if a deploy dies).

  --allow-dirty   deploy uncommitted changes too, marked <commit>-dirty (asks unless --yes)
  --keep <n>      good releases to keep (default 5)
  --yes           also accept migrations that drop or rename a column or table while a release is live
                  (without it the deploy stops before migrating, nothing changed; a terminal asks instead)

${common}`;

const rollbackUsage = `Usage:
  cloudward rollback <server> [--project <dir>] [--ssh-config <file>] [--set key=value ...]
                              [--to <release-id>] [--accept-new] [--yes] [--json]

Goes back to the previous good release (or --to one), with the same checked switch as a deploy.
Migrations are never reversed: when the database is ahead of that release, it says which migrations.

${common}`;

const releasesUsage = `Usage:
  cloudward releases <server> [--project <dir>] [--ssh-config <file>] [--set key=value ...] [--accept-new] [--json]

Lists the app's releases in the order of the server's journal: id, status, commit, who, when; the live
one marked.

${common}`;

function loadCore(): typeof DeployCore {
  return require('../core/deploy') as typeof DeployCore;
}

const options = {
  project: { type: 'string' },
  'ssh-config': { type: 'string' },
  set: { type: 'string', multiple: true },
  'accept-new': { type: 'boolean' },
  yes: { type: 'boolean' },
  json: { type: 'boolean' },
  'allow-dirty': { type: 'boolean' },
  keep: { type: 'string' },
  to: { type: 'string' },
} as const;

type Kind = 'deploy' | 'rollback' | 'releases';

function printEvent(io: Io, e: DeployCore.DeployEvent): void {
  if (e.event === 'step') writeLine(io.err, `--> ${e.text ?? e.step}`);
  else if (e.event === 'log' && e.text) writeLine(io.err, e.text.replace(/^/gm, '    '));
  else if (e.event === 'warning') writeLine(io.err, `warning: ${e.text}`);
}

async function runKind(kind: Kind, argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandArgs(kind, argv, options);
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError(`name one server, e.g. cloudward ${kind} myvps`);
  if (kind !== 'deploy' && (v['allow-dirty'] || v.keep)) throw new UsageError(`--allow-dirty and --keep are options of deploy`);
  if (kind !== 'rollback' && v.to) throw new UsageError('--to is an option of rollback');
  if (v.to && !/^[A-Za-z0-9._-]+$/.test(v.to)) throw new UsageError(`--to ${v.to}: not a release id`);
  const keep = v.keep === undefined ? 5 : Number(v.keep);
  if (!Number.isInteger(keep) || keep < 1 || keep > 100) throw new UsageError('--keep takes a whole number from 1 to 100');
  const { plan, projectDir } = await projectPlan(v.project, v.set ?? [], io);
  const core = loadCore();
  const interactive = !!process.stdin.isTTY && !!process.stderr.isTTY;
  if (kind === 'deploy' && v['allow-dirty'] && !v.yes) {
    const g = await core.gitState(projectDir);
    if (g.dirty) {
      if (!interactive) throw new UsageError('the project has uncommitted changes: --allow-dirty needs --yes when there is no terminal');
      if (!(await askYesNo(`Deploy uncommitted changes, marked ${g.commit.slice(0, 7)}-dirty?`))) return Exit.ok;
    }
  }
  if (kind === 'rollback' && !v.yes && !interactive) throw new UsageError('no terminal to confirm on: run with --yes to roll back');
  if (kind === 'rollback' && !v.yes && !(await askYesNo(`Roll ${plan.name} on ${positionals[0]} back to ${v.to ?? 'the previous good release'}?`))) return Exit.ok;
  const { pool, conn } = openServer(positionals[0], { sshConfig: v['ssh-config'], acceptNew: v['accept-new'], timeoutSeconds: 60 }, io);
  const hooks: DeployCore.DeployHooks = {
    onEvent: v.json ? undefined : (e) => printEvent(io, e),
    log: (l) => writeLine(io.err, `cloudward ${kind}: ${l}`),
  };
  try {
    if (kind === 'releases') {
      const r = await core.listReleases(conn, { plan });
      if (v.json) writeLine(io.out, JSON.stringify(r, null, 2));
      else if (!r.releases.length) writeLine(io.out, `No releases of ${plan.name} yet. Deploy one: cloudward deploy ${positionals[0]}`);
      else {
        for (const x of r.releases) {
          writeLine(io.out, `${x.live ? '*' : ' '} ${x.id.padEnd(34)} ${(x.status ?? '?').padEnd(11)} ${(x.commit ?? '').slice(0, 7)}${x.dirty ? '-dirty' : ''}  ${x.by ?? ''}  ${x.updated ?? ''}${x.error ? `  (${x.step}: ${x.error})` : ''}${!x.exists && x.status === 'good' ? '  (pruned)' : ''}`);
        }
      }
      return Exit.ok;
    }
    let res;
    if (kind === 'deploy') {
      // --yes also accepts destructive migrations; at a terminal, the question comes when the server finds them.
      const once = (allowDestructive: boolean) => core.deploy(conn, { plan, projectDir, allowDirty: !!v['allow-dirty'], allowDestructive, keep }, hooks);
      try {
        res = await once(!!v.yes);
      } catch (e) {
        if (!(e instanceof core.DeployError && e.step === core.DESTRUCTIVE_STEP && interactive && !v.json)) throw e;
        writeLine(io.err, `cloudward deploy: ${e.reason}`);
        if (!(await askYesNo('Deploy with these migrations anyway?'))) throw e;
        res = await once(true);
      }
    } else res = await core.rollback(conn, { plan, to: v.to }, hooks);
    if (v.json) writeLine(io.out, JSON.stringify({ ok: true, live: res.live, release: kind === 'deploy' ? res.releaseId : res.live, runId: res.runId }, null, 2));
    else writeLine(io.out, `${res.live} is live on ${positionals[0]}.`);
    return Exit.ok;
  } catch (e) {
    if (e instanceof core.DeployError) {
      if (v.json) writeLine(io.out, JSON.stringify({ ok: false, step: e.step, reason: e.reason, live: e.live, output: e.output }, null, 2));
      writeLine(io.err, `cloudward ${kind}: ${e.step} failed: ${e.reason}`);
      if (e.output && !v.json) writeLine(io.err, e.output.replace(/^/gm, '    '));
      if (e.step !== 'git' && e.step !== 'lock') writeLine(io.err, e.live ? `${e.live} still serves.` : 'No release was live before; none is now.');
      return Exit.findings;
    }
    const code = sshErrorExit(e, kind, io);
    if (code !== undefined) return code;
    throw e;
  } finally {
    pool.dispose();
  }
}

const make = (name: Kind, summary: string, usage: string): CliCommand => ({ name, summary, usage, run: (argv, io) => runKind(name, argv, io) });
registerCliCommand(make('deploy', "put the project's current commit live on a provisioned server (checked, zero-downtime, rolled back on failure)", deployUsage));
registerCliCommand(make('rollback', 'go back to the previous good release on a server', rollbackUsage));
registerCliCommand(make('releases', "list the app's releases on a server, live one marked", releasesUsage));
