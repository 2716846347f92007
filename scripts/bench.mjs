// `npm run bench`: measures Cloudward against its budgets and against a baseline measured in the same
// run (these machines are noisy: ratios hold, absolute times drift). Prints one table and writes JSON
// under bench-results/. Never part of `npm test`.
//   npm run bench [-- --only activation,bundle,load,lint,detect,generate,ssh,deploy] [-- --runs 5]
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const require = createRequire(import.meta.url);
const { values } = parseArgs({ options: { only: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const only = values.only ? values.only.split(',') : undefined;
const RUNS = Math.max(1, Number(values.runs));
const figures = [];
const notes = [];

// ---------- helpers ----------
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1], n: s.length };
}

/**
 * Records a figure. budget: { max?: number (absolute, in unit), maxRatio?: number, maxExtra?: number,
 * text }. baseline: { name, samples } measured in the same run.
 */
function figure(name, unit, samples, { budget, baseline, note, cpu } = {}) {
  const st = stats(samples);
  const base = baseline ? stats(baseline.samples) : undefined;
  const ratio = base && base.median > 0 ? st.median / base.median : undefined;
  let ok = true;
  if (budget?.max !== undefined && st.median > budget.max) ok = false;
  if (budget?.maxRatio !== undefined && ratio !== undefined && ratio > budget.maxRatio && (budget.maxExtra === undefined || st.median - base.median > budget.maxExtra)) ok = false;
  if (budget?.maxExtra !== undefined && base && st.median - base.median > budget.maxExtra) ok = false;
  figures.push({ name, unit, ...st, samples, budget: budget?.text ?? '', baseline: baseline ? { name: baseline.name, ...base } : undefined, ratio, ok: budget ? ok : undefined, note, cpu: cpu?.length ? { ...stats(cpu), samples: cpu } : undefined });
  return figures[figures.length - 1];
}

/** [wall ms, result, CPU ms of this process]: on a busy machine the CPU time shows what the work costs. */
const time = (fn) => {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const c = process.cpuUsage(c0);
  return [wall, r, (c.user + c.system) / 1000];
};
const wanted = (s) => !only || only.includes(s);
const fmt = (v, unit) => (v === undefined ? '' : unit === 'bytes' ? `${(v / 1024).toFixed(1)} KB` : unit === 'MB' ? `${v.toFixed(2)} MB` : `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ${unit}`);

function build() {
  execFileSync(process.execPath, ['esbuild.mjs', '--production', '--quiet'], { cwd: root, stdio: 'inherit' });
}

// ---------- sections ----------
const sections = {};

sections.bundle = async () => {
  build();
  for (const f of ['extension.js', 'core.js', 'ssh.js', 'cli.js', 'cli-lint.js', 'cli-all.js']) {
    const p = join(root, 'dist', f);
    if (existsSync(p)) figure(`bundle: dist/${f}`, 'bytes', [statSync(p).size], f === 'extension.js' ? { note: 'parsed at activation: its cost is in the load and activation figures' } : {});
  }
  // Packaged as `npm run package` does (README's relative links stay relative: no public repository host).
  const r = spawnSync('npx', ['vsce', 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', join(tmpdir(), 'cloudward-bench.vsix')], { cwd: root, encoding: 'utf8' });
  if (r.status === 0) {
    figure('bundle: .vsix', 'bytes', [statSync(join(tmpdir(), 'cloudward-bench.vsix')).size], { budget: { max: 2 * 1024 * 1024, text: '< 2 MB' } });
    rmSync(join(tmpdir(), 'cloudward-bench.vsix'), { force: true });
  }
  else notes.push(`vsce package failed: ${(r.stderr || r.stdout).split('\n').slice(-3).join(' ')}`);
  // What activation parses: dist/extension.js alone; core.js and ssh.js (yaml, ssh2) must not load with it.
  const probe = JSON.parse(execFileSync(process.execPath, [join(root, 'bench', 'load-module.cjs'), join(root, 'dist', 'extension.js')], { encoding: 'utf8' }));
  const heavy = probe.loaded.filter((f) => /dist\/(core|ssh)\.js$|node_modules/.test(f));
  const parsed = probe.loaded.reduce((a, f) => a + (existsSync(f) ? statSync(f).size : 0), 0);
  figure('bundle: code loaded at activation', 'bytes', [parsed], { budget: { text: 'no ssh2, yaml, core' }, note: heavy.length ? `also loaded: ${heavy.join(', ')}` : 'dist/extension.js only' });
  if (heavy.length) figures[figures.length - 1].ok = false;
};

sections.load = async () => {
  build();
  const ours = [];
  const empty = [];
  const rounds = Math.max(20, RUNS * 6);
  const loadOnce = (m) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', join(root, 'bench', 'load-module.cjs'), m], { encoding: 'utf8' })).ms;
  for (let i = 0; i < rounds; i++) {
    // Alternate, so that drift in the machine's load hits both alike.
    ours.push(loadOnce(join(root, 'dist', 'extension.js')));
    empty.push(loadOnce(join(root, 'bench', 'empty-module.cjs')));
  }
  figure('load dist/extension.js in Node', 'ms', ours, { baseline: { name: 'empty module', samples: empty }, budget: { maxExtra: 15, text: '< 15 ms over an empty module' } });
};

sections.activation = async () => {
  build();
  const { openWorkbench, runCommand, waitForWorkbench } = await import('./workbench.mjs');
  const emptyExt = join(root, 'bench', 'empty-extension');
  const probe = join(root, 'bench', 'heap-probe.js');
  const ours = [];
  const empty = [];
  const growth = [];
  for (let i = 0; i < RUNS; i++) {
    // 1. Activation, as VS Code reports it (Developer: Show Running Extensions: code loading + activate
    //    call), for Cloudward and an empty extension activated by the same event in the same VS Code.
    const signal = join(mkdtempSync(join(tmpdir(), 'cloudward-bench-')), 'go');
    let hostState = '';
    // The empty extension comes installed (an extensions folder of its own): with two development paths in
    // the web workbench's payload only the last one reaches the extension host.
    const extensionsDir = join(signal, '..', 'extensions');
    cpSync(emptyExt, join(extensionsDir, 'cloudward.cloudward-bench-empty-0.0.1'), { recursive: true });
    let wb = await openWorkbench({ serverArgs: ['--extensions-dir', extensionsDir], extensionTestsPath: probe, env: { CLOUDWARD_BENCH_SIGNAL: signal }, viewport: { width: 1400, height: 4000 },
      onLog: (_t, args) => { const m = String(Array.isArray(args) ? args.join(' ') : args).match(/CLOUDWARD_BENCH_STATE (.*)/); if (m) hostState = m[1]; } });
    try {
      await waitForWorkbench(wb.page);
      await runCommand(wb.page, 'Developer: Show Running Extensions');
      let rows = [];
      const deadline = Date.now() + 60_000;
      // The row's first field is the extension id (the empty one is cloudward.cloudward-bench-empty: match whole ids).
      const ours_ = /^(?:cloudward\.cloudward|Cloudward: Deploy Python Web Apps)(?: \||$)/;
      const empty_ = /^(?:cloudward\.cloudward-bench-empty|Cloudward Bench Empty Extension)(?: \||$)/;
      const ms = (re) => Number((rows.find((r) => re.test(r)) || '').match(/Activation: (\d+)ms/)?.[1]);
      while (Date.now() < deadline) {
        rows = await wb.page.$$eval('.runtime-extensions-editor .monaco-list-row', (els) => els.map((e) => e.innerText.replace(/\s*\n+\s*/g, ' | ')));
        if (Number.isFinite(ms(ours_)) && Number.isFinite(ms(empty_))) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (process.env.CLOUDWARD_BENCH_DEBUG) process.stderr.write(rows.join('\n') + '\n');
      if (Number.isFinite(ms(ours_)) && Number.isFinite(ms(empty_))) { ours.push(ms(ours_)); empty.push(ms(empty_)); }
      else notes.push(`activation: could not read both rows of Running Extensions (extension host: ${hostState || 'no report'}; rows: ${rows.join(' / ')})`);
      writeFileSync(signal, '');
      await Promise.race([wb.exited, new Promise((r) => setTimeout(r, 30_000))]);
    } finally {
      await wb.close();
      rmSync(join(signal, '..'), { recursive: true, force: true });
    }
    // 2. Heap growth in one extension host: a folder that does not activate Cloudward, then activate it.
    const folder = mkdtempSync(join(tmpdir(), 'cloudward-bench-empty-ws-'));
    let heap;
    wb = await openWorkbench({ workspace: folder, extensionTestsPath: probe, env: { CLOUDWARD_BENCH_ACTIVATE: '1' },
      onLog: (_t, args) => { const m = String(Array.isArray(args) ? args.join(' ') : args).match(/CLOUDWARD_BENCH_HEAP (\d+) (\d+)/); if (m) heap = [Number(m[1]), Number(m[2])]; } });
    try {
      await Promise.race([wb.exited, new Promise((r) => setTimeout(r, 90_000))]);
      if (heap) growth.push((heap[1] - heap[0]) / 1024 / 1024); else notes.push('heap: the probe reported nothing');
    } finally {
      await wb.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }
  if (ours.length) figure('activation (VS Code: load + activate)', 'ms', ours, { baseline: { name: 'empty extension, same VS Code', samples: empty }, budget: { maxRatio: 1.5, maxExtra: 15, text: '< 1.5x empty or < 15 ms extra' }, note: 'VS Code reports whole milliseconds' });
  if (growth.length) figure('extension host heap growth on activation', 'MB', growth, { budget: { max: 5, text: '< 5 MB' } });
};

// ---------- main ----------
const extra = existsSync(join(root, 'scripts', 'bench-core.mjs')) ? await import('./bench-core.mjs') : undefined;
if (extra) Object.assign(sections, extra.sections({ figure, time, notes, root, require, RUNS, stats }));
const sshBench = existsSync(join(root, 'scripts', 'bench-ssh.mjs')) ? await import('./bench-ssh.mjs') : undefined;
if (sshBench) Object.assign(sections, sshBench.sections({ figure, time, notes, root, require, RUNS, stats }));
const hostileBench = existsSync(join(root, 'scripts', 'bench-hostile.mjs')) ? await import('./bench-hostile.mjs') : undefined;
if (hostileBench) Object.assign(sections, hostileBench.sections({ figure, time, notes, root, require, RUNS, stats }));
const deployBench = existsSync(join(root, 'scripts', 'bench-deploy.mjs')) ? await import('./bench-deploy.mjs') : undefined;
if (deployBench) Object.assign(sections, deployBench.sections({ figure, time, notes, root, require, RUNS, stats }));

for (const [name, run] of Object.entries(sections)) {
  if (!wanted(name)) continue;
  process.stderr.write(`[bench] ${name}…\n`);
  try {
    await run();
  } catch (e) {
    notes.push(`${name}: ${e instanceof Error ? e.message : e}`);
  }
}

const header = ['figure', 'median', 'min–max', 'budget', 'baseline (median)', 'ratio', 'cpu', 'ok'];
const rows = figures.map((f) => [
  f.name, fmt(f.median, f.unit), `${fmt(f.min, f.unit)} – ${fmt(f.max, f.unit)}`, f.budget,
  f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.median, f.unit)}` : '', f.ratio !== undefined ? `${f.ratio.toFixed(2)}x` : '', f.cpu ? fmt(f.cpu.median, f.unit) : '',
  f.ok === undefined ? '' : f.ok ? 'yes' : 'NO',
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
const load = (await import('node:os')).loadavg()[0];
console.log(`\nCloudward bench (${RUNS} runs where repeated; ${new Date().toISOString()}; load average ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} cores)`);
console.log('median and min–max are wall times (what the budget is checked on); cpu: CPU time of the bench process for in-process figures (less sensitive to a busy machine)\n');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
rows.forEach((r) => console.log(line(r)));
for (const f of figures.filter((f) => f.note)) console.log(`  * ${f.name}: ${f.note}`);
for (const n of notes) console.log(`  ! ${n}`);
const outDir = join(root, 'bench-results');
mkdirSync(outDir, { recursive: true });
const json = JSON.stringify({ date: new Date().toISOString(), runs: RUNS, figures, notes }, null, 2);
writeFileSync(join(outDir, 'latest.json'), json);
writeFileSync(join(outDir, `bench-${Date.now()}.json`), json);
console.log(`\nJSON: bench-results/latest.json`);
process.exit(0);
