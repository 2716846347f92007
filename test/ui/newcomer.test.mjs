// A newcomer's first hour, in the real workbench against the loopback sshd, in the light and dark themes
// (screenshots under test-results/newcomer-*.png, to be looked at): a generator started from a
// walkthrough button keeps focus in its input and has Back, Escape writes nothing; Add Server asks for
// the key file and the project; the host-key dialogs' default (Enter) and Escape are the safe answers,
// a changed key shows both fingerprints and where the old one is; the Servers view shows the project's
// own units, site and socket first.
import assert from 'node:assert';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { answer, choosePath, copyExample, openWorkbench, painted, runCommand, screenshot, waitForWorkbench, walkthroughStep, writeWorkspaceSettings } from '../../scripts/workbench.mjs';
import { setup } from '../integration/setup/sshd.mjs';

const THEMES = [
  { name: 'light', theme: 'Default Light Modern', bodyClass: 'vs' },
  { name: 'dark', theme: 'Default Dark Modern', bodyClass: 'vs-dark' },
];

async function useTheme(page, workspace, { theme, bodyClass }) {
  writeWorkspaceSettings(workspace, { 'workbench.colorTheme': theme });
  await page.waitForFunction((cls) => document.querySelector('.monaco-workbench')?.classList.contains(cls), bodyClass, { timeout: 60_000 });
  await painted(page);
}

/** Whether keyboard focus is inside the quick input (not on the walkthrough button behind it). */
function focusInQuickInput(page) {
  return page.evaluate(() => !!document.activeElement?.closest('.quick-input-widget'));
}

/** Records which walkthrough step elements receive focus from now on (window.__stepFocus). */
async function recordStepFocus(page) {
  await page.evaluate(() => {
    window.__stepFocus = [];
    window.__focusLog = [];
    if (window.__stepFocusListening) return;
    window.__stepFocusListening = true;
    document.addEventListener('focusin', (e) => {
      const id = e.target?.getAttribute?.('data-step-id');
      if (id) window.__stepFocus.push(id);
      // For a failure's message: where focus went, in order.
      window.__focusLog.push(`${e.target?.tagName?.toLowerCase()}.${String(e.target?.className || '').split(' ')[0]}${id ? `#${id.split('#').pop()}` : ''}`);
    }, true);
  });
}

const quickInput = (page) => page.locator('.quick-input-widget');
const quickTitle = (page, text) => page.locator('.quick-input-widget .quick-input-title', { hasText: text });

describe('A newcomer\'s first hour (real workbench, loopback sshd)', function () {
  this.timeout(480_000);
  // One retry: under load (2 cores shared by several VS Code instances) a click or a focus change can be lost;
  // a failure that repeats still fails. Seen in a loaded CI run of 2026-12-03, said in the closing note.
  this.retries(1);
  let wb;
  let teardown;
  let listener;
  let madeRun = false;
  const tmp = mkdtempSync(join(tmpdir(), 'cw-newcomer-'));
  let knownHosts;
  const env = {};

  before(async function () {
    const workspace = copyExample();
    teardown = await setup({ workspace, env });
    if (!env.CLOUDWARD_TEST_SSHD_PORT) throw new Error(`the loopback sshd did not start: ${env.CLOUDWARD_TEST_SSHD_ERROR}`);
    // The generated units as installed on the server: the socket listening, the service started on demand.
    const units = join(dirname(env.CLOUDWARD_TEST_SSHD_RECORD), 'units');
    writeFileSync(join(units, 'mysite.socket'), 'LoadState=loaded\nActiveState=active\nSubState=listening\nDescription=mysite app server socket\n', { mode: 0o666 });
    writeFileSync(join(units, 'mysite.service'), 'LoadState=loaded\nActiveState=inactive\nSubState=dead\nDescription=mysite (gunicorn)\n', { mode: 0o666 });
    // gunicorn's socket where the plan puts it (/run/<name>/<name>.sock).
    madeRun = !existsSync('/run/mysite');
    mkdirSync('/run/mysite', { recursive: true });
    rmSync('/run/mysite/mysite.sock', { force: true });
    listener = createServer().listen('/run/mysite/mysite.sock');
    // The extension host's own home, whose known_hosts holds another key for the server under the name
    // "localhost": a CHANGED key, as after a reinstall (the same server as 127.0.0.1 is trusted anew).
    const home = join(tmp, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
    const keyBase64 = env.CLOUDWARD_TEST_SSHD_HOSTKEY.split(/\s+/)[1];
    const other = Buffer.concat([Buffer.from(keyBase64, 'base64').subarray(0, 19), Buffer.alloc(32, 7)]).toString('base64');
    knownHosts = join(home, '.ssh', 'known_hosts');
    writeFileSync(knownHosts, `# the server before its reinstall\n[localhost]:${env.CLOUDWARD_TEST_SSHD_PORT} ssh-ed25519 ${other}\n`);
    env.SSH_AUTH_SOCK = '';
    env.HOME = home;
    wb = await openWorkbench({ workspace, env, theme: THEMES[0].theme });
    await waitForWorkbench(wb.page);
  });

  after(async () => {
    try {
      await wb?.close();
    } finally {
      listener?.close();
      rmSync(madeRun ? '/run/mysite' : '/run/mysite/mysite.sock', { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
      await teardown?.();
    }
  });

  // The walkthrough focuses a clicked step 250 ms later (later on a loaded machine), while the first question
  // is up; the question takes the focus back (src/multiStep.ts shows an untyped input box again).
  it('a generator started from a walkthrough button keeps focus in its input, has Back, and Escape writes nothing', async () => {
    const { page, workspace } = wb;
    await runCommand(page, 'Cloudward: Open Walkthrough');
    await page.locator('h2.category-title', { hasText: 'From localhost to the cloud' }).waitFor({ timeout: 30_000 });
    // The nginx step belongs to the own-server path: take that path first, as a user does.
    await choosePath(page, ['A hobby', 'As little as possible', 'Me'], 'Your own server');
    for (const t of THEMES) {
      await useTheme(page, workspace, t);
      const step = await walkthroughStep(page, 'webServer');
      // Clicking a step makes the walkthrough focus it 250 ms later (its slide animation): the button is
      // clicked at once, so that this delayed focus lands while the first question is up, the case where
      // a user's Enter went to the step and ran it again.
      await recordStepFocus(page);
      // An already expanded step is not selected (nor focused) again by a click.
      const wasExpanded = (await step.getAttribute('aria-expanded')) === 'true';
      await step.click();
      await step.getByRole('button', { name: 'Generate nginx Site' }).click();
      await quickTitle(page, 'Domain').waitFor({ state: 'visible', timeout: 30_000 });
      // The step took focus (the click's, and the walkthrough's own 250 ms later, or later on a loaded machine,
      // which lands while the question is up when the button is clicked at once): the question has it back, and
      // still has it after the product's last refocus (4 s after the question showed).
      const focused = async (what) => page.waitForFunction((expanded) => (expanded || window.__stepFocus.some((id) => id.endsWith('#webServer'))) && !!document.activeElement?.closest('.quick-input-widget'), wasExpanded, { timeout: 15_000 })
        .catch(async (e) => {
          throw new Error(`${what} (focused: ${await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120))}; focus went to ${JSON.stringify(await page.evaluate(() => window.__focusLog))}; see ${await screenshot(page, 'newcomer-generator-no-focus')})\n${e.message.split('\n')[0]}`);
        });
      await focused('the first question has no focus');
      await page.waitForTimeout(4500);
      await focused('the first question lost the focus');
      if (t.name === 'light') {
        // Typed, as a user does: every key goes to the question.
        await page.keyboard.type('polls.example.com', { delay: 10 });
      } else {
        // Filled: the theme was changed just before, and the walkthrough re-renders its media for the new
        // theme at a time of its own (seconds later on a loaded machine), which can take keys typed
        // meanwhile; a user does not switch themes in the middle of a question.
        await page.locator('.quick-input-widget input').fill('polls.example.com');
      }
      await page.waitForFunction(() => document.querySelector('.quick-input-widget input')?.value === 'polls.example.com', undefined, { timeout: 10_000 }).catch(async (e) => {
        const value = await page.evaluate(() => document.querySelector('.quick-input-widget input')?.value);
        throw new Error(`${t.name}: the domain box holds ${JSON.stringify(value)}; focus moved to ${JSON.stringify(await page.evaluate(() => window.__focusLog))} (see ${await screenshot(page, 'newcomer-generator-typed')})\n${e.message.split('\n')[0]}`);
      });
      await screenshot(page, `newcomer-generator-domain-${t.name}`);
      // Enter from the keyboard, wherever focus is: on the step it would run the step again.
      await page.keyboard.press('Enter');
      // The second question (the review list) replaces the first without giving focus back to the button.
      const generate = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Generate nginx site' }).first();
      await generate.waitFor({ state: 'visible', timeout: 30_000 });
      await page.waitForFunction(() => !!document.activeElement?.closest('.quick-input-widget'), undefined, { timeout: 10_000 })
        .catch(() => assert.fail('focus left the flow after the first question'));
      await screenshot(page, `newcomer-generator-review-${t.name}`);
      // Back shows the first question again, with the answer given.
      await page.locator('.quick-input-widget .codicon-quick-input-back').first().click();
      await quickTitle(page, 'Domain').waitFor({ state: 'visible', timeout: 10_000 });
      assert.strictEqual(await page.locator('.quick-input-widget input').inputValue(), 'polls.example.com');
      assert.ok(await focusInQuickInput(page), 'Back left focus outside the question');
      // Escape ends it: nothing written.
      await page.keyboard.press('Escape');
      await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 });
      assert.ok(!existsSync(join(workspace, 'deploy', 'nginx')), 'Escape wrote a file');
    }
    await useTheme(page, workspace, THEMES[0]);
  });

  async function addServer(page, name, host, project) {
    await runCommand(page, 'Cloudward: Add Server…');
    await answer(page, name);
    await answer(page, host);
    await answer(page, env.CLOUDWARD_TEST_SSHD_USER);
    await answer(page, env.CLOUDWARD_TEST_SSHD_PORT);
    await quickTitle(page, 'Key File').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Another key file' }).first().click();
    await answer(page, env.CLOUDWARD_TEST_SSHD_KEY);
    await quickTitle(page, 'Project').waitFor({ state: 'visible', timeout: 10_000 });
    if (!project) await page.locator('.quick-input-list .monaco-list-row', { hasText: 'No project' }).first().click();
    else await page.keyboard.press('Enter');
    await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 });
  }

  it('Add Server asks for the key file and the project, with Back', async () => {
    const { page } = wb;
    await runCommand(page, 'Cloudward: Add Server…');
    await answer(page, 'loopback');
    await answer(page, '127.0.0.1');
    await answer(page, env.CLOUDWARD_TEST_SSHD_USER);
    await answer(page, env.CLOUDWARD_TEST_SSHD_PORT);
    await quickTitle(page, 'Key File').waitFor({ state: 'visible', timeout: 10_000 });
    // Back to the port (kept), then on again.
    await page.locator('.quick-input-widget .codicon-quick-input-back').first().click();
    await quickTitle(page, 'Port').waitFor({ state: 'visible', timeout: 10_000 });
    assert.strictEqual(await page.locator('.quick-input-widget input').inputValue(), env.CLOUDWARD_TEST_SSHD_PORT);
    await page.keyboard.press('Enter');
    await quickTitle(page, 'Key File').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Another key file' }).first().click();
    await answer(page, env.CLOUDWARD_TEST_SSHD_KEY);
    await quickTitle(page, 'Project').waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(page, 'newcomer-add-server-project');
    await page.keyboard.press('Enter');
    await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 });
  });

  // A row under a server (aria-level 2): the server's own row may hold the same words (its description),
  // and clicking it would collapse the server instead.
  const problemRow = (page, rowText) => page.locator('.monaco-list-row[aria-level="2"]', { hasText: rowText }).first();
  const hostKeyDialog = (page) => page.locator('.monaco-dialog-box');

  async function dialogFor(page, rowText) {
    const row = problemRow(page, rowText);
    await row.waitFor({ state: 'visible', timeout: 30_000 }).catch(async (e) => {
      throw new Error(`${e.message.split('\n')[0]} (see ${await screenshot(page, 'newcomer-no-row')})`);
    });
    await row.click();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    return dialog;
  }

  it('the unknown host key dialog: Enter and Escape do not trust; the fingerprint is shown; then the project\'s units', async () => {
    const { page, workspace } = wb;
    await runCommand(page, 'View: Show Cloudward');
    const server = page.getByRole('treeitem', { name: /^loopback/ }).first();
    await server.waitFor({ state: 'visible', timeout: 30_000 });
    await useTheme(page, workspace, THEMES[0]);
    // Expanding the server the first time asks at once (whether or not the background refresh ended).
    await server.click();
    for (const [i, t] of THEMES.entries()) {
      await useTheme(page, workspace, t);
      let dialog = hostKeyDialog(page);
      if (i === 0) await dialog.waitFor({ state: 'visible', timeout: 30_000 });
      else dialog = await dialogFor(page, 'Host key not trusted');
      assert.ok((await dialog.innerText()).includes(env.CLOUDWARD_TEST_SSHD_FINGERPRINT), 'the fingerprint is not shown');
      await screenshot(page, `newcomer-unknown-host-key-${t.name}`);
      // Light: Enter (the default button); dark: Escape. Neither trusts.
      await page.keyboard.press(i === 0 ? 'Enter' : 'Escape');
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
      await problemRow(page, 'Host key not trusted').waitFor({ state: 'visible', timeout: 30_000 });
    }
    const dialog = await dialogFor(page, 'Host key not trusted');
    await dialog.getByRole('button', { name: 'Trust and Connect' }).click();
    // The project's own section first: its units, the socket.
    await page.locator('.monaco-list-row[aria-level="3"]', { hasText: 'mysite.service' }).first().waitFor({ state: 'visible', timeout: 30_000 }).catch(async (e) => {
      throw new Error(`${e.message.split('\n')[0]} (see ${await screenshot(page, 'newcomer-servers-no-project')})`);
    });
    await page.locator('.monaco-list-row[aria-level="3"]', { hasText: '/run/mysite/mysite.sock' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    const labels = await page.locator('.monaco-list-row[aria-level="2"]').allInnerTexts();
    assert.match(labels[0] ?? '', /mysite/, `first section: ${labels.join(' | ')}`);
    for (const t of THEMES) {
      await useTheme(page, workspace, t);
      await screenshot(page, `newcomer-servers-project-${t.name}`);
    }
  });

  it('the changed host key dialog: both fingerprints and where the old key is; Enter keeps refusing', async () => {
    const { page, workspace } = wb;
    await addServer(page, 'reinstalled', 'localhost', false);
    const host = page.getByRole('treeitem', { name: /^reinstalled/ }).first();
    await host.waitFor({ state: 'visible', timeout: 30_000 });
    await host.click();
    for (const t of THEMES) {
      await useTheme(page, workspace, t);
      const dialog = await dialogFor(page, /CHANGED|Show Details/);
      const text = await dialog.innerText();
      assert.ok(text.includes(env.CLOUDWARD_TEST_SSHD_FINGERPRINT), `the offered fingerprint is missing:\n${text}`);
      assert.ok(text.includes(`${knownHosts}:2`), `where the old key is stored is missing:\n${text}`);
      await screenshot(page, `newcomer-changed-host-key-${t.name}`);
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    }
    // Still refused, and the file is as it was.
    assert.match(readFileSync(knownHosts, 'utf8'), /before its reinstall/);
  });

  it('"Open Settings" from a Django checks error lands on the interpreter setting, in this remote window\'s workspace settings', async () => {
    const { page, workspace } = wb;
    // The workbench is a remote window (the VS Code server, vscode-remote:// folder): the project's Python
    // is on that machine, so its workspace settings are where the interpreter belongs.
    writeWorkspaceSettings(workspace, { 'cloudward.python.interpreter': '/nonexistent/venv/bin/python3' });
    await runCommand(page, 'Cloudward: Run Django Deployment Checks');
    await runCommand(page, 'Notifications: Show Notifications');
    const note = page.locator('.notification-list-item', { hasText: 'was not found' }).first();
    await note.waitFor({ state: 'visible', timeout: 60_000 }).catch(async (e) => {
      throw new Error(`${e.message.split('\n')[0]} (see ${await screenshot(page, 'newcomer-checks-no-error')})`);
    });
    await note.getByRole('button', { name: 'Open Settings' }).click();
    const editor = page.locator('.settings-editor');
    await editor.waitFor({ state: 'visible', timeout: 30_000 });
    // The search holds the setting's id, the Workspace tab is the one shown, and the setting is there.
    await page.waitForFunction(() => {
      const search = document.querySelector('.settings-editor .settings-header .monaco-editor .view-lines')?.textContent ?? '';
      return search.replace(/\u00a0/g, ' ').includes('@id:cloudward.python.interpreter');
    }, undefined, { timeout: 15_000 });
    // The tab shown: "Workspace" (named after the folder in some versions), not User nor Remote.
    const checked = page.locator('.settings-editor .settings-tabs-widget .action-label.checked').first();
    await checked.waitFor({ state: 'visible', timeout: 15_000 });
    const tab = await checked.innerText();
    if (!/Workspace|django-polls/i.test(tab)) assert.fail(`the settings open in the "${tab}" tab, not the workspace's (see ${await screenshot(page, 'newcomer-checks-settings-tab')})`);
    const row = page.locator('.settings-editor .setting-item-contents', { hasText: 'manage.py check --deploy' }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    assert.strictEqual(await row.locator('input').first().inputValue(), '/nonexistent/venv/bin/python3');
    await screenshot(page, 'newcomer-checks-open-settings');
  });
});
