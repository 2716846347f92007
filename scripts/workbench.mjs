// Opens the real VS Code workbench (the VS Code server from the cache, see vscode-server.mjs) in headless
// Debian Chromium driven by playwright-core, with this extension under development loaded.
// Used by the integration launcher (test-vscode.mjs), the UI tests (test/ui) and the benchmark.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startVSCodeServer } from './vscode-server.mjs';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const resultsDir = join(repoRoot, 'test-results');

const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** A fresh temp copy of an example project (default examples/django-polls), without build leftovers. */
export function copyExample(name = 'django-polls') {
  const src = join(repoRoot, 'examples', name);
  if (!existsSync(src)) throw new Error(`examples/${name} does not exist`);
  const dest = join(mkdtempSync(join(tmpdir(), 'cloudward-ws-')), name);
  cpSync(src, dest, { recursive: true, filter: (p) => !/(__pycache__|staticfiles|db\.sqlite3|\.venv)$/.test(p) });
  return dest;
}

/** Merges settings into <workspace>/.vscode/settings.json. */
export function writeWorkspaceSettings(workspace, settings) {
  const file = join(workspace, '.vscode', 'settings.json');
  mkdirSync(dirname(file), { recursive: true });
  let current = {};
  try { current = JSON.parse(readFileSync(file, 'utf8')); } catch { /* none yet */ }
  writeFileSync(file, JSON.stringify({ ...current, ...settings }, null, 2));
}

// Keeps the workbench quiet and screenshots uncluttered.
const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'git.enabled': false,
  'window.commandCenter': false,
};

/**
 * Starts the server and a browser on the workbench.
 * options: workspace (folder to open; default a fresh copy of examples/django-polls), extensionTestsPath
 * (compiled test entry: the workbench runs it and reports through onExit), theme, settings (workspace
 * settings), env (inherited by the extension host), onLog(type, args), viewport,
 * extraExtensionDevelopmentPaths (more extensions to load, e.g. the bench's empty baseline),
 * trustWorkspace (default true; false opens the folder in Restricted Mode), machineSettings (the server's
 * Machine settings: machine-scoped ones such as cloudward.serversView.sshConfigFile).
 */
export async function openWorkbench(options = {}) {
  const { chromium } = await import('playwright-core');
  const workspace = options.workspace || copyExample();
  writeWorkspaceSettings(workspace, { ...quietSettings, ...(options.theme ? { 'workbench.colorTheme': options.theme } : {}), ...(options.settings || {}) });
  const dataDir = mkdtempSync(join(tmpdir(), 'cloudward-vscode-'));
  const server = await startVSCodeServer({ dataDir, smokeTestDriver: true, trustWorkspace: options.trustWorkspace !== false, env: options.env || {}, extraArgs: options.serverArgs || [], machineSettings: options.machineSettings || {} });
  const browser = await chromium.launch({ executablePath: process.env.CLOUDWARD_CHROMIUM || '/usr/bin/chromium', args: chromiumArgs, headless: true });
  const context = await browser.newContext({ viewport: options.viewport || { width: 1400, height: 900 } });
  const page = await context.newPage();
  let exitResolve;
  const exited = new Promise((r) => { exitResolve = r; });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    if (options.onLog) options.onLog(type, args);
  });
  await page.exposeFunction('codeAutomationExit', (code) => { exitResolve(code); });
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const devPaths = [options.extensionDevelopmentPath || repoRoot, ...(options.extraExtensionDevelopmentPaths || [])];
  const payload = [...devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]), ['skipWelcome', 'true']];
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url);
  const close = async () => {
    await browser.close().catch(() => {});
    await server.stop();
    // VS Code's last writes to its workspace storage may land while the folder is removed (ENOTEMPTY):
    // rmSync retries those.
    if (!options.keepData) rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  return { page, browser, server, workspace, dataDir, url, exited, close };
}

/** Waits for the workbench UI to be up. */
export async function waitForWorkbench(page, timeout = 60_000) {
  await page.waitForSelector('.monaco-workbench', { timeout });
}

/**
 * Runs a command by its palette title ("Cloudward: Detect Project"). Waits until the command is listed
 * (the extension host may still be starting) before pressing Enter.
 */
export async function runCommand(page, title, { timeout = 60_000 } = {}) {
  await waitForWorkbench(page);
  const deadline = Date.now() + timeout;
  const input = page.locator('.quick-input-widget input.input');
  let lastError;
  while (Date.now() < deadline) {
    try {
      if (!(await input.isVisible())) await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      // Type into the focused quick input (fill() races with the widget re-rendering while it opens).
      await input.focus();
      await page.keyboard.press('Control+A');
      await page.keyboard.type(`>${title}`, { delay: 5 });
      // Something that opened meanwhile (an editor a previous step opens) may have taken the focus mid-typing:
      // then the palette holds only part of the title. Start again rather than run what the list shows.
      const typed = await input.inputValue().catch(() => '');
      if (typed !== `>${title}`) throw new Error(`the palette holds ${JSON.stringify(typed)}, not the whole title`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 4000 });
      await page.keyboard.press('Enter');
      return;
    } catch (e) {
      lastError = e;
      await page.keyboard.press('Escape').catch(() => {});
      await page.waitForTimeout(500);
    }
  }
  throw new Error(`command '${title}' never appeared in the command palette: ${lastError?.message?.split('\n')[0]}`);
}

/**
 * A step of the walkthrough, ready to click. The Welcome page shows its list of walkthroughs again at
 * times of its own (it re-renders on a theme change); the open walkthrough's buttons are disabled then (a
 * CI run waited 30 s on a disabled step): open the walkthrough again until the step is enabled.
 */
export async function walkthroughStep(page, id) {
  const selector = `.getting-started-step[data-step-id$="#${id}"]`;
  const enabled = () => page.waitForFunction((sel) => { const b = document.querySelector(sel); return !!b && !b.disabled && b.offsetParent !== null; }, selector, { timeout: 10_000 }).then(() => true, () => false);
  for (let attempt = 0; attempt < 3 && !(await enabled()); attempt++) {
    await runCommand(page, 'Cloudward: Open Walkthrough');
    await page.locator('h2.category-title', { hasText: 'From localhost to the cloud' }).waitFor({ timeout: 30_000 });
  }
  return page.locator(selector);
}

/**
 * Chooses a deploy path through "Cloudward: Choose Where to Deploy…" as a user does: `answers` are the
 * three questions' rows (traffic, upkeep, who looks after it), `path` the row of the path to take
 * ("Your own server", "Kubernetes", …); `shot` names a screenshot of the ranked list.
 */
export async function choosePath(page, answers, path, shot) {
  await runCommand(page, 'Cloudward: Choose Where to Deploy');
  await page.waitForTimeout(500);
  const input = page.locator('.quick-input-widget input.input');
  const answer = async (text, row) => {
    await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await input.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(text, { delay: 5 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor({ state: 'visible', timeout: 10_000 });
    // Let the filter settle on the typed row before accepting it (a busy machine renders late): Enter takes
    // the first row, which must be the typed one, not the recommended one still shown above it.
    await page.waitForFunction((t) => {
      const rows = [...document.querySelectorAll('.quick-input-list .monaco-list-row')].filter((r) => r.getBoundingClientRect().height > 0);
      rows.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
      return rows.length > 0 && rows[0].textContent.includes(t);
    }, text, { timeout: 10_000 });
    await page.waitForTimeout(400);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(400);
  };
  const firstRows = ['hobby', 'As little as possible', 'Nobody'];
  for (const [i, a] of answers.entries()) await answer(a, firstRows[i]);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'recommended' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  if (shot) await screenshot(page, shot);
  await answer(path, 'recommended');
}

/**
 * Answers the question the quick input shows (a step of a multi-question flow: Add Server, a generator):
 * fills `value`, presses Enter, and waits until that question is gone: the next one shown in its place
 * (another title or value) or the flow closed. A validation message keeps the question: that fails here.
 */
export async function answer(page, value, { timeout = 30_000 } = {}) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  const title = await page.locator('.quick-input-widget .quick-input-title').innerText().catch(() => '');
  await input.fill(value);
  await page.waitForFunction((v) => document.querySelector('.quick-input-widget input')?.value === v, value, { timeout });
  await input.press('Enter');
  await page.waitForFunction(([t, v]) => {
    const w = document.querySelector('.quick-input-widget');
    if (!w || w.style.display === 'none' || !w.offsetParent) return true;
    const shownTitle = w.querySelector('.quick-input-title')?.textContent ?? '';
    return shownTitle !== t || w.querySelector('input')?.value !== v;
  }, [title, value], { timeout });
}

/** Resolves after the browser painted twice: the DOM changes made so far are on screen. */
export async function painted(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Saves a screenshot under test-results/ and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
