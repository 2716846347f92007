// `cloudward choose [dir]`: the decision aid on the command line: where should this project run, and how
// to get it there (the chosen path's commands, from the project's plan).
import fs = require('fs');
import path = require('path');
import { detectProject } from '../core/detect';
import { buildPlan, PlanError } from '../core/plan';
import { COSTS_CHECKED, factsFromDetection, platformGuide, recommendPaths, PLATFORM_TITLES, type ChoiceAnswers } from '../core/paths';
import { registerCliCommand } from './main';
import { Exit, UsageError, writeLine } from './command';
import { parseCommandArgs } from './parseError';

const USAGE = `Usage: cloudward choose [dir] [--traffic hobby|steady|large] [--budget minimal|moderate|flexible]
                        [--upkeep none|some|expert] [--json]

Ranks where the project could run (a platform, a container platform, your own server, Kubernetes) from
what detection finds (database, uploads, Celery, WebSockets, WhiteNoise) and your answers, with the
reasons, the project's to-dos on each path, rough costs (checked ${COSTS_CHECKED}), and the commands of the
first path.

Options:
  --traffic   expected traffic (default: hobby)
  --budget    monthly budget (default: moderate)
  --upkeep    who looks after a server: nobody, a few hours a month, people who run servers (default: some)
  --json      print the ranking and the first path's commands as JSON
  -h, --help  show this help`;

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], name: string, fallback: T): T {
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

registerCliCommand({
  name: 'choose',
  summary: 'recommend where to deploy the project (PaaS, container platform, VPS, Kubernetes), with reasons',
  usage: USAGE,
  async run(argv, io) {
    const parsed = parseCommandArgs('choose', argv, { traffic: { type: 'string' }, budget: { type: 'string' }, upkeep: { type: 'string' }, json: { type: 'boolean' } });
    const { values, positionals } = parsed;
    if (positionals.length > 1) throw new UsageError('give at most one project folder');
    const answers: ChoiceAnswers = {
      traffic: oneOf(values.traffic, ['hobby', 'steady', 'large'] as const, 'traffic', 'hobby'),
      budget: oneOf(values.budget, ['minimal', 'moderate', 'flexible'] as const, 'budget', 'moderate'),
      upkeep: oneOf(values.upkeep, ['none', 'some', 'expert'] as const, 'upkeep', 'some'),
    };
    const dir = path.resolve(io.cwd, positionals[0] ?? '.');
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`no such project folder: ${dir}`);
    const detection = await detectProject(dir);
    const ranking = recommendPaths(factsFromDetection(detection), answers);
    let guide;
    try {
      guide = platformGuide(buildPlan(detection), ranking[0].platform);
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
    }
    if (values.json) {
      writeLine(io.out, JSON.stringify({ answers, ranking, first: guide ? { platform: guide.platform, setup: guide.setup, deploy: guide.deploy, logs: guide.logs, createsuperuser: guide.oneOff('createsuperuser'), backup: guide.backup, https: guide.https } : null }, null, 2));
      return Exit.ok;
    }
    const lines: string[] = [];
    ranking.forEach((r, i) => {
      lines.push(`${i + 1}. ${r.title}: ${PLATFORM_TITLES[r.platform]}`);
      for (const why of r.reasons) lines.push(`     + ${why}`);
      for (const why of r.against) lines.push(`     - ${why}`);
      for (const todo of r.todo) lines.push(`     to do: ${todo}`);
      lines.push(`     cost: ${r.cost} (checked ${COSTS_CHECKED})`);
    });
    if (guide) {
      lines.push('', `On ${PLATFORM_TITLES[guide.platform]}:`);
      for (const s of [...guide.setup, ...guide.deploy]) lines.push(`  ${s.command}`, `      ${s.what}`);
      lines.push(`  ${guide.oneOff('createsuperuser')}`, '      The first admin user, on the platform.', `  ${guide.logs}`, '      The logs.', '', `HTTPS: ${guide.https}`, `Backups: ${guide.backup}`);
    }
    writeLine(io.out, lines.join('\n'));
    return Exit.ok;
  },
});
