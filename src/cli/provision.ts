// `cloudward provision <server>`: a fresh Debian/Ubuntu server → a host ready for the app (see src/core/provision).
import fs = require('fs');
import path = require('path');
import type * as ProvisionCore from '../core/provision';
import type { DeployPlan, PlanOverrides } from '../core/plan';
import { Exit, Io, UsageError, writeLine } from './command';
import { registerCliCommand } from './main';
import { parseCommandArgs } from './parseError';
import { openServer, sshErrorExit } from './session';

const usage = `Usage:
  cloudward provision <server> [--project <dir>] [--ssh-config <file>] [--set key=value ...]
                               [--env-file <file>] [--package <name> ...] [--accept-new]
                               [--email <addr>] [--acme-server <url>] [--acme-ca-bundle <path>]
                               [--firewall] [--ssh-keys-only] [--revert-after <seconds>]
                               [--dry-run] [--yes] [--json]

Prepares a Debian 12/13 or Ubuntu 22.04/24.04 server for the project: packages (nginx, python3-venv,
and the system libraries the project's production Dockerfile installs, such as libpq-dev, where the
server's archive has them: a name it lacks is skipped and said so), a login user "deploy" and a system user for the app (no shell), the release layout under /srv/<app>,
the systemd units and nginx site from the project's deploy plan (checked with systemd-analyze verify
and nginx -t on the server before they go live), /etc/<app>/env with the secrets (owner deploy,
group the app, mode 640; a missing SECRET_KEY is generated on the server) and a sudoers drop-in with
exactly the commands deploys need (checked with visudo -c). It connects as root or as a user with
password-less sudo. Running it again changes nothing.

PostgreSQL (--set postgres=true; on by default when the project uses PostgreSQL: its settings, or
psycopg in its dependencies): the postgresql package, its cluster running and started at boot, a role
and a database named after the app (owned by that role, UTF-8), and DATABASE_URL=postgresql://<app>:…
@localhost:5432/<app> in /etc/<app>/env with a password made on the server (never sent, shown or
logged). A DATABASE_URL you give (--env-file) is kept, and then no server is set up unless
--set postgres=true asks for one; --set postgres=false leaves PostgreSQL out. The plan says when the
project declares no PostgreSQL driver (psycopg[binary]).

With --set https=true: a preflight first (each domain resolves to this server; a token put in the
ACME webroot comes back through the domain on port 80), and if it fails nothing is changed and no
certificate is asked for. Then certbot certonly --webroot (certbot never edits the nginx site), the
HTTPS site (HTTP redirects, HSTS) behind nginx -t, a renewal hook that reloads nginx, certbot.timer.

--firewall and --ssh-keys-only change what could lock you out, so each is applied with its undo
armed (a systemd timer): unless a NEW SSH connection logs in and confirms within --revert-after
seconds, the change reverts by itself.

<server> is a name as in \`cloudward servers status\`: an alias of the SSH config or a host name.

Options:
  --project <dir>      the project (default: the current folder)
  --ssh-config <file>  OpenSSH client config to use instead of ~/.ssh/config
  --set key=value      a deploy plan value (as in \`cloudward generate\`); domain is required;
                       postgres=true|false: a PostgreSQL server for the app (see above)
  --env-file <file>    KEY=value lines to store in /etc/<app>/env (sent over SSH on stdin only;
                       values are never printed)
  --package <name>     a Debian package the project needs besides nginx and python3-venv (it must install)
  --accept-new         trust an unknown host key (a changed one is always refused)
  --email <addr>       HTTPS: the certificate account's e-mail (expiry notices)
  --acme-server <url>  HTTPS: an ACME directory other than Let's Encrypt (certbot --server)
  --acme-ca-bundle <path>  HTTPS: a CA file on the server that certbot trusts for that ACME server
  --firewall           a firewall (nftables): SSH (the port in use), HTTP, HTTPS in; the rest dropped
  --ssh-keys-only      an sshd drop-in that turns password logins off (refused if no key is set up)
  --revert-after <s>   seconds a new SSH connection has to confirm --firewall/--ssh-keys-only (60)
  --dry-run            show the plan (what is fine, what would change, a diff per file) and stop
  --yes                apply without asking (needed when there is no terminal)
  --json               machine-readable output: {"changed": [...], "steps": [...]}

Exit codes: 0 done (or nothing to do), 1 a step failed (which one and why; what it touched was put
back), 2 usage, 4 host key unknown or changed, 5 host unreachable or login refused.`;

function loadCore(): typeof ProvisionCore {
  return require('../core/provision') as typeof ProvisionCore;
}

/** Reads the project and the --set values into the deploy plan (shared with deploy). */
export async function projectPlan(projectArg: string | undefined, sets: string[], io: Io): Promise<{ plan: DeployPlan; projectDir: string }> {
  const { detectProject } = await import('../core/detect');
  const { PlanError, buildPlan, parseSetArgument } = await import('../core/plan');
  const overrides: PlanOverrides = {};
  try {
    for (const s of sets) {
      const { key, value } = parseSetArgument(s);
      overrides[key] = value;
    }
  } catch (e) {
    if (e instanceof PlanError) throw new UsageError(e.message);
    throw e;
  }
  const projectDir = path.resolve(io.cwd, projectArg ?? '.');
  if (!fs.existsSync(projectDir) || !fs.statSync(projectDir).isDirectory()) throw new UsageError(`no such project folder: ${projectDir}`);
  const detection = await detectProject(projectDir);
  try {
    const plan = buildPlan(detection, overrides, { cores: 1 });
    if (overrides.domain === undefined) throw new UsageError("give the site's domain: --set domain=example.com (the nginx site and the health checks use it)");
    return { plan, projectDir: path.join(projectDir, detection.projectRoot) };
  } catch (e) {
    if (e instanceof PlanError) throw new UsageError(e.message);
    throw e;
  }
}

export function readEnvFile(file: string | undefined, io: Io): Record<string, string> {
  if (!file) return {};
  const p = path.resolve(io.cwd, file);
  let text: string;
  try {
    text = fs.readFileSync(p, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --env-file ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const { values, errors } = loadCore().parseEnvFile(text);
  if (errors.length) throw new UsageError(`--env-file ${p}: ${errors.join('; ')}`);
  return values;
}

/** Asks yes/no on the terminal. */
export function askYesNo(question: string): Promise<boolean> {
  return new Promise((resolve) => {
    process.stderr.write(`${question} [y/N] `);
    process.stdin.resume();
    process.stdin.setEncoding('utf8');
    process.stdin.once('data', (d) => {
      process.stdin.pause();
      resolve(/^y(es)?$/i.test(String(d).trim()));
    });
  });
}

function printPlan(io: Io, p: ProvisionCore.ProvisionPlan): void {
  const f = p.facts;
  writeLine(io.out, `Server: ${f.osRelease.PRETTY_NAME ?? '?'} (${f.arch}), Python ${f.python}, ${f.uid === 0 ? 'as root' : 'through sudo'}`);
  for (const w of p.warnings) writeLine(io.out, `  warning: ${w}`);
  for (const b of p.blockers) writeLine(io.out, `  BLOCKED: ${b}`);
  const width = Math.max(...p.steps.map((s) => s.title.length));
  for (const s of p.steps) {
    writeLine(io.out, `  ${s.status === 'ok' ? 'ok     ' : 'change '} ${s.title.padEnd(width)}  ${s.details.join('; ')}`);
  }
  for (const s of p.steps) {
    for (const file of s.files) if (file.status !== 'ok' && file.diff) writeLine(io.out, '\n' + file.diff.trimEnd());
  }
}

const provision = {
  name: 'provision',
  summary: 'prepare a fresh Debian/Ubuntu server for the project (users, units, nginx, secrets)',
  usage,
  async run(argv: string[], io: Io): Promise<number> {
    const parsed = parseCommandArgs('provision', argv, {
      project: { type: 'string' },
      'ssh-config': { type: 'string' },
      set: { type: 'string', multiple: true },
      'env-file': { type: 'string' },
      package: { type: 'string', multiple: true },
      'accept-new': { type: 'boolean' },
      email: { type: 'string' },
      'acme-server': { type: 'string' },
      'acme-ca-bundle': { type: 'string' },
      firewall: { type: 'boolean' },
      'ssh-keys-only': { type: 'boolean' },
      'revert-after': { type: 'string' },
      'dry-run': { type: 'boolean' },
      yes: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const { values: v, positionals } = parsed;
    if (positionals.length !== 1) throw new UsageError('name one server, e.g. cloudward provision myvps');
    for (const pk of v.package ?? []) if (!/^[a-z0-9][a-z0-9+.-]+$/.test(pk)) throw new UsageError(`--package ${pk}: not a Debian package name`);
    const revertAfter = v['revert-after'] === undefined ? undefined : Number(v['revert-after']);
    if (revertAfter !== undefined && !(Number.isInteger(revertAfter) && revertAfter >= 5 && revertAfter <= 3600)) throw new UsageError('--revert-after: whole seconds between 5 and 3600');
    if (v['acme-server'] && !/^https:\/\/\S+$/.test(v['acme-server'])) throw new UsageError('--acme-server: an https:// URL of an ACME directory');
    if (v['acme-ca-bundle'] && !v['acme-ca-bundle'].startsWith('/')) throw new UsageError('--acme-ca-bundle: an absolute path on the server');
    if (v.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.email)) throw new UsageError(`--email ${v.email}: not an e-mail address`);
    const { plan } = await projectPlan(v.project, v.set ?? [], io);
    const secrets = readEnvFile(v['env-file'], io);
    const interactive = !!process.stdin.isTTY && !!process.stderr.isTTY;
    if (!v['dry-run'] && !v.yes && !interactive) {
      throw new UsageError('no terminal to confirm on: run with --dry-run to see the plan, then --yes to apply it');
    }
    const core = loadCore();
    const { pool, conn } = openServer(positionals[0], { sshConfig: v['ssh-config'], acceptNew: v['accept-new'], timeoutSeconds: 60 }, io);
    const log = (t: string) => { if (!v.json) writeLine(io.err, t); };
    try {
      const opts: ProvisionCore.ProvisionOptions = {
        plan, secrets, packages: v.package ?? [], firewall: v.firewall, sshKeysOnly: v['ssh-keys-only'], revertAfterSeconds: revertAfter,
        acme: { server: v['acme-server'], caBundle: v['acme-ca-bundle'], email: v.email },
      };
      const p = await core.previewProvision(conn, opts);
      const changing = p.steps.filter((s) => s.status === 'change');
      const stepsJson = () => p.steps.map((s) => ({ id: s.id, title: s.title, status: s.status, details: s.details, files: s.files.map((f) => ({ path: f.path, status: f.status })) }));
      if (p.blockers.length) {
        if (v.json) writeLine(io.out, JSON.stringify({ ok: false, changed: [], blockers: p.blockers, steps: stepsJson() }, null, 2));
        else printPlan(io, p);
        writeLine(io.err, `cloudward provision: nothing was changed: ${p.blockers.join(' ')}`);
        return Exit.findings;
      }
      if (v['dry-run'] || !changing.length) {
        if (v.json) writeLine(io.out, JSON.stringify({ ok: true, dryRun: !!v['dry-run'], changed: [], wouldChange: changing.map((s) => s.id), steps: stepsJson(), warnings: p.warnings }, null, 2));
        else {
          printPlan(io, p);
          writeLine(io.out, changing.length ? `\n${changing.length} step(s) would change the server (dry run: nothing was changed).` : '\nNothing to change: the server is already provisioned.');
        }
        return Exit.ok;
      }
      if (!v.json) printPlan(io, p);
      if (!v.yes) {
        const ok = await askYesNo(`\nApply ${changing.length} step(s) to ${positionals[0]}?`);
        if (!ok) {
          writeLine(io.err, 'cloudward provision: nothing was changed.');
          return Exit.ok;
        }
      }
      let results: ProvisionCore.StepResult[];
      try {
        results = await core.applyProvision(conn, p, {
          onStep: (s, phase, r) => {
            if (phase === 'start') log(`--> ${s.title}`);
            else if (phase === 'done') log(`    ${r?.changed ? `changed${r.what.length ? `: ${r.what.join(', ')}` : ''}` : r?.what.length ? r.what.join(', ') : 'nothing to change'}`);
          },
        });
      } catch (e) {
        if (e instanceof core.ProvisionStepError) {
          if (v.json) writeLine(io.out, JSON.stringify({ ok: false, changed: e.done.filter((r) => r.changed).map((r) => r.id), failed: { step: e.step, reason: e.reason, output: e.output } }, null, 2));
          writeLine(io.err, `cloudward provision: step "${e.step}" failed: ${e.reason}`);
          if (e.output) writeLine(io.err, e.output.replace(/^/gm, '    '));
          writeLine(io.err, `The files of that step were put back as they were${e.done.length ? `; the steps before it (${e.done.map((r) => r.id).join(', ')}) stay applied` : ''}. Nothing after it ran.`);
          return Exit.findings;
        }
        throw e;
      }
      const changed = results.filter((r) => r.changed).map((r) => r.id);
      if (v.json) writeLine(io.out, JSON.stringify({ ok: true, changed, steps: results }, null, 2));
      else writeLine(io.out, changed.length ? `\nProvisioned: ${changed.join(', ')} changed. Next: cloudward deploy ${positionals[0]}` : '\nNothing changed.');
      return Exit.ok;
    } catch (e) {
      if (e instanceof (await import('../core/remote/agent')).AgentError) {
        writeLine(io.err, `cloudward provision: ${e.message}`);
        if (e.output) writeLine(io.err, e.output.replace(/^/gm, '    '));
        return Exit.findings;
      }
      const code = sshErrorExit(e, 'provision', io);
      if (code !== undefined) return code;
      throw e;
    } finally {
      pool.dispose();
    }
  },
};

registerCliCommand(provision);
