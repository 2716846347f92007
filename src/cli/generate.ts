// `cloudward generate <kind...|all>`: deployment files from the project's deploy plan. Never overwrites
// an existing file unless --force is given; files left untouched are reported and make the exit code 3.
import fs = require('fs');
import path = require('path');
import { detectProject, projectNotFound } from '../core/detect';
import { PlanError, buildPlan, parseSetArgument } from '../core/plan';
import type { PlanOverrides } from '../core/plan';
import { ALL_GENERATOR_KIND_IDS, GENERATOR_KINDS, GENERATOR_KIND_IDS, isGeneratorKind, renderFiles, unsupportedKinds } from '../core/generate';
import type { GeneratorKindId } from '../core/generate';
import { registerCliCommand } from './main';
import { Exit, UsageError, writeLine } from './command';
import { parseCommandArgs } from './parseError';
import { planWarnings } from '../core/plan';
import { mkdirLevels, safeTargetFolder, targetState, UnsafeTargetError, writeFileAtomic } from '../core/safeFs';

const USAGE = `Usage: cloudward generate <kind...|all> [--project dir] [--out dir] [--set key=value ...] [--force] [--json]

Writes deployment files that agree with each other (ports, socket, module, user, paths), from what
'cloudward detect' finds plus your --set values.

Kinds:
${GENERATOR_KINDS.map((k) => `  ${k.id.padEnd(11)} ${k.description}`).join('\n')}
  all         every kind above

Options:
  --project dir    the project to read (default: the current folder)
  --out dir        where to write (default: the project's folder); printed paths are relative to it
  --set key=value  set a plan field; repeatable. Fields: name, domain, https, port, socket, user, group,
                   appDir, venv, workers, staticRoot, mediaRoot, listenPort, image, replicas, and more
                   (an unknown key lists them all)
  --force          overwrite files that exist (without it they are left untouched: exit code 3)
  --json           print a JSON array of { "kind", "path" } for the files written
  -h, --help       show this help

Exit codes: 0 written, 2 usage error (unknown kind, bad --set value, a target folder that leads out of --out),\n3 some files existed and were left untouched, 6 a file could not be written (disk full, permissions).`;

/** Existing targets larger than this are never read for the "unchanged?" comparison (they differ). */
const MAX_COMPARE_BYTES = 4 * 1024 * 1024;

registerCliCommand({
  name: 'generate',
  summary: 'write deployment files (Procfile, gunicorn, nginx, systemd, Docker, compose, Kubernetes)',
  usage: USAGE,
  async run(argv, io) {
    const parsed = parseCommandArgs('generate', argv, {
      project: { type: 'string' },
      out: { type: 'string' },
      set: { type: 'string', multiple: true },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new UsageError(`name what to generate: ${ALL_GENERATOR_KIND_IDS.join(', ')} or all`);
    const kinds: GeneratorKindId[] = [];
    const named = new Set<GeneratorKindId>();
    for (const k of positionals) {
      if (k === 'all') kinds.push(...GENERATOR_KIND_IDS);
      else if (isGeneratorKind(k)) {
        kinds.push(k);
        named.add(k);
      }
      else throw new UsageError(`unknown kind '${k}'; kinds: ${ALL_GENERATOR_KIND_IDS.join(', ')}, all`);
    }

    const overrides: PlanOverrides = {};
    try {
      for (const s of values.set ?? []) {
        const { key, value } = parseSetArgument(s);
        overrides[key] = value;
      }
    } catch (e) {
      if (e instanceof PlanError) throw new UsageError(e.message);
      throw e;
    }

    const projectDir = path.resolve(io.cwd, values.project ?? '.');
    if (!fs.existsSync(projectDir)) throw new UsageError(`no such project folder: ${projectDir}`);
    if (!fs.statSync(projectDir).isDirectory()) throw new UsageError(`--project ${projectDir} is a file, not a folder`);
    const detection = await detectProject(projectDir);
    // A folder that is no project (a home folder, a repository of tools) would give a plan mixed from
    // whatever code lies around: refuse, say where we looked, unless the app to serve is given.
    const notFound = projectNotFound(detection, projectDir);
    if (notFound && overrides.appTarget === undefined) {
      throw new UsageError(`${notFound}. Run it in your project's folder, pass --project <folder>, or name the app with --set appTarget=module:app.`);
    }
    let plan;
    try {
      plan = buildPlan(detection, overrides);
    } catch (e) {
      if (e instanceof PlanError) throw new UsageError(e.message);
      throw e;
    }
    const outDir = path.resolve(io.cwd, values.out ?? path.join(projectDir, detection.projectRoot));
    if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) throw new UsageError(`--out is not a folder: ${outDir}`);
    try {
      mkdirLevels(outDir);
    } catch (e) {
      throw new UsageError(`cannot create the output folder ${outDir}: ${(e as Error).message}`);
    }

    const needsDomain = kinds.some((k) => k === 'nginx' || k === 'kubernetes' || k === 'compose');
    if (needsDomain && overrides.domain === undefined) {
      writeLine(io.err, `cloudward generate: no domain given; the files use ${plan.domain}: pass --set domain=your.domain (or edit server_name and the Ingress host).`);
    }

    // `all` leaves out what cannot serve this app (uWSGI for an ASGI app) and says so; a kind named alone is an error.
    for (const u of unsupportedKinds(plan, kinds)) {
      if (named.has(u.kind)) throw new UsageError(u.reason);
      writeLine(io.err, `cloudward generate: skipped ${u.kind}: ${u.reason}`);
      kinds.splice(0, kinds.length, ...kinds.filter((k) => k !== u.kind));
    }
    let files;
    try {
      files = renderFiles(plan, kinds);
    } catch (e) {
      if (e instanceof PlanError) throw new UsageError(e.message);
      throw e;
    }
    // Said before anything is written, on stderr: what the files cannot make right by themselves.
    for (const w of planWarnings(plan, kinds)) writeLine(io.err, `cloudward generate: warning: ${w.message}`);

    const written: Array<{ kind: string; path: string }> = [];
    const untouched: string[] = [];
    const unchanged: string[] = [];
    const failed: string[] = [];
    for (const f of files) {
      const name = f.path.split('/').pop()!;
      try {
        // The folder must resolve inside --out: a symlinked folder shipped in a repository
        // (deploy/nginx -> /etc/nginx/conf.d) cannot carry the file out of it.
        const dir = safeTargetFolder(outDir, f.path);
        const now = targetState(path.join(dir, name), MAX_COMPARE_BYTES);
        if (now.kind === 'folder') {
          writeLine(io.err, `cloudward generate: ${f.path} is a folder; left untouched.`);
          untouched.push(f.path);
          continue;
        }
        if (now.kind === 'file' && now.text === f.content) {
          unchanged.push(f.path);
          continue;
        }
        // A link (even a dangling one), a FIFO or a device is something the user put there: it exists.
        if (now.kind !== 'absent' && !values.force) {
          if (now.kind === 'other') writeLine(io.err, `cloudward generate: ${f.path} is ${now.what}.`);
          untouched.push(f.path);
          continue;
        }
        // A hard-linked file: replacing it by rename would leave the other names holding the old text
        // (silently breaking, say, a link into /etc/nginx), and writing in place would change a file
        // elsewhere that the output folder's checks never saw. Neither: refused, with what to do.
        if (now.kind === 'file' && now.links > 1) {
          writeLine(io.err, `cloudward generate: ${f.path} has ${now.links - 1} other hard link${now.links > 2 ? 's' : ''}; --force does not replace a hard-linked file (the other names would keep the old text). Remove or copy it first (cp --remove-destination), or write elsewhere with --out.`);
          untouched.push(f.path);
          continue;
        }
        writeFileAtomic(dir, name, f.content, now.kind === 'file' ? now : undefined);
        written.push({ kind: f.kind, path: f.path });
      } catch (e) {
        if (e instanceof UnsafeTargetError) throw new UsageError(e.message);
        // Disk full, a file size limit, a read-only folder: say which file, keep what is written, stop.
        writeLine(io.err, `cloudward generate: cannot write ${f.path}: ${(e as Error).message}`);
        failed.push(f.path);
        break;
      }
    }

    if (values.json) writeLine(io.out, JSON.stringify(written, null, 2));
    else {
      for (const w of written) writeLine(io.out, `wrote ${w.path}`);
      for (const u of unchanged) writeLine(io.out, `unchanged ${u}`);
    }
    for (const u of untouched) writeLine(io.err, `cloudward generate: ${u} exists and was left untouched (use --force to overwrite it).`);
    // Some written, some not: one line that says which is which, so exit code 3 is not read as "nothing done".
    if (untouched.length && written.length) {
      writeLine(io.err, `cloudward generate: written: ${written.map((w) => w.path).join(', ')}; left untouched: ${untouched.join(', ')}.`);
    }
    if (failed.length) {
      const notDone = files.map((f) => f.path).filter((p) => !written.some((w) => w.path === p) && !unchanged.includes(p) && !untouched.includes(p));
      writeLine(io.err, `cloudward generate: not written: ${notDone.join(', ')} (no partial file is left behind).`);
      return Exit.writeFailed;
    }
    return untouched.length ? Exit.exists : Exit.ok;
  },
});
