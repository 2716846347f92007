// The interactive generate flow in the real workbench, as a user meets it: Detect Project's notification,
// then "Generate nginx site": the domain (a detection gap) is asked, the values list is reviewed, the
// proposed file is previewed and created only after a yes given on the proposal itself (its title bar's
// buttons, Ctrl+Enter), nothing covering it; an existing file's diff stays in view while the user decides,
// and Escape there writes nothing (screenshots in the light and dark themes).
import assert from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkbench, painted, runCommand, screenshot, waitForWorkbench, writeWorkspaceSettings } from '../../scripts/workbench.mjs';

describe('Generate, interactively (real workbench)', function () {
  this.timeout(180_000);
  let wb;
  before(async () => {
    wb = await openWorkbench();
    await waitForWorkbench(wb.page);
  });
  after(async () => {
    await wb?.close();
  });

  it('Detect Project shows the essentials in a notification', async () => {
    await runCommand(wb.page, 'Cloudward: Detect Project');
    // Headless, the workbench keeps new notifications in the center instead of popping a toast: open it.
    await runCommand(wb.page, 'Notifications: Show Notifications');
    const note = wb.page.locator('.notification-list-item', { hasText: 'mysite.wsgi:application' }).first();
    await note.waitFor({ state: 'visible', timeout: 30_000 }).catch(async (e) => {
      console.log(`    screenshot: ${await screenshot(wb.page, 'generate-detect-failed')}`);
      throw e;
    });
    const text = await note.innerText();
    await screenshot(wb.page, 'generate-detect-notification');
    assert.match(text, /Django \(WSGI\)/);
    assert.match(text, /Show Details/);
    await note.getByRole('button', { name: 'Show Details' }).click();
    // The rendered Markdown preview, not the Markdown source.
    await wb.page.locator('.tab', { hasText: 'Preview Cloudward detection' }).first().waitFor({ state: 'visible', timeout: 15_000 });
  });

  it('Generate nginx site asks the domain, shows the values, previews, and creates the file on "Create"', async () => {
    const page = wb.page;
    const target = join(wb.workspace, 'deploy', 'nginx', 'mysite.conf');
    assert.ok(!existsSync(target));
    await runCommand(page, 'Cloudward: Generate nginx Site');

    // The domain cannot be detected: an input box asks it, with validation.
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Domain' }).waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill('not a host!');
    await page.locator('.quick-input-widget', { hasText: 'is not a host name' }).waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('polls.example.com');
    await page.keyboard.press('Enter');

    // The values list: detected values as defaults, "Generate" first.
    const generate = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Generate nginx site' }).first();
    await generate.waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'polls.example.com' }).first().waitFor({ state: 'visible' });
    await screenshot(page, 'generate-values-list');
    await generate.click();

    // The proposal is shown with the answers on its title bar and in the status bar; nothing covers it.
    await proposalWaiting(page, 'mysite.conf');
    assert.ok(!existsSync(target), 'nothing is written before the answer');
    await screenshot(page, 'generate-create-question');
    await page.locator('.editor-actions .action-label[aria-label^="Create the Proposed File"]').first().waitFor({ state: 'visible', timeout: 10_000 });
    // The yes from the keyboard, in the proposal.
    await page.keyboard.press('Control+Enter');

    // Created, then its text inserted and saved: wait for the saved content.
    const written = () => existsSync(target) && /server_name polls\.example\.com;/.test(readFileSync(target, 'utf8'));
    const deadline = Date.now() + 15_000;
    while (!written() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(written(), `the site was not written: ${existsSync(target) ? readFileSync(target, 'utf8').slice(0, 200) : 'missing'}`);
    // The created file opens in an editor, which takes the focus: wait for it, so that the next case's
    // keys go to the command palette, not into this file.
    await page.locator('.tabs-container .tab.active', { hasText: 'mysite.conf' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await painted(page);
  });

  it('an existing file that differs: the diff stays in view while deciding; Escape writes nothing; the title bar\'s Skip keeps it', async () => {
    const page = wb.page;
    const procfile = join(wb.workspace, 'Procfile');
    const before = readFileSync(procfile, 'utf8');
    const themes = [['light', 'Default Light Modern', 'vs'], ['dark', 'Default Dark Modern', 'vs-dark']];
    for (const [name, theme, cls] of themes) {
      writeWorkspaceSettings(wb.workspace, { 'workbench.colorTheme': theme });
      await page.waitForFunction((c) => document.querySelector('.monaco-workbench')?.classList.contains(c), cls, { timeout: 60_000 });
      await runCommand(page, 'Cloudward: Generate Procfile');
      // The values list (not the palette's row of the same name): "Generate" is its first row.
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'with the values below' }).first().waitFor({ state: 'visible', timeout: 30_000 }).catch(async (e) => {
        throw new Error(`${e.message.split('\n')[0]} (see ${await screenshot(page, `generate-procfile-no-values-${name}`)})`);
      });
      await page.keyboard.press('Enter');
      // The diff, both sides, with nothing over it (a one-line file was hidden by the old question).
      await proposalWaiting(page, 'Procfile');
      await page.locator('.monaco-diff-editor').first().waitFor({ state: 'visible', timeout: 15_000 });
      await page.locator('.editor-actions .action-label[aria-label^="Overwrite Your File with the Proposal"]').first().waitFor({ state: 'visible', timeout: 30_000 }).catch(async (e) => {
        throw new Error(`${e.message.split('\n')[0]} (see ${await screenshot(page, `generate-diff-no-actions-${name}`)})`);
      });
      await painted(page);
      await screenshot(page, `generate-diff-question-${name}`);
      if (name === 'light') {
        // Escape in the proposal: nothing written, the proposal closed. A notification toast (the generator's
        // warnings) takes the first Escape, as everywhere in VS Code; then the proposal's.
        // The generator's warnings may arrive as a toast at any moment, so: Escape until the proposal is gone.
        const toasts = page.locator('.notification-toast-container .notification-toast');
        const bar = page.locator('.statusbar-item', { hasText: 'Escape writes nothing' });
        for (let i = 0; i < 5 && (await bar.count()); i++) {
          if (await toasts.count()) {
            await page.keyboard.press('Escape');
            await toasts.first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
            continue;
          }
          // As a user does: the proposal has the focus when it opens; Escape at once. (A click on the diff's
          // lines first left the focus on the page's body, where no proposal key applies.)
          await page.keyboard.press('Escape');
          await bar.first().waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => undefined);
        }
      } else {
        await page.locator('.editor-actions .action-label[aria-label^="Skip This File"]').first().click();
      }
      await page.locator('.statusbar-item', { hasText: 'Escape writes nothing' }).waitFor({ state: 'hidden', timeout: 15_000 }).catch(async (e) => {
        const shot = await screenshot(page, `generate-still-proposing-${name}`);
        throw new Error(`${e.message.split('\n')[0]} (see ${shot}); Escape:\n${await escapeTrace(page)}\nthe Cloudward log ends:\n${cloudwardLog(wb.dataDir)}`);
      });
      await page.locator('.tab', { hasText: 'yours ↔ proposed' }).waitFor({ state: 'hidden', timeout: 15_000 });
      assert.strictEqual(readFileSync(procfile, 'utf8'), before, `${name}: the Procfile changed`);
      assert.ok(!existsSync(`${procfile}.new`), `${name}: a .new file was written`);
    }
    writeWorkspaceSettings(wb.workspace, { 'workbench.colorTheme': 'Default Light Modern' });
  });
});

/** The last lines of the Cloudward output channel's log file (the extension host's, on the server side). */
function cloudwardLog(dataDir) {
  const walk = (d) => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)])) : []);
  const files = walk(dataDir).filter((f) => /Cloudward\.log$/.test(f));
  return files.map((f) => readFileSync(f, 'utf8').split('\n').slice(-25).join('\n')).join('\n') || `(no Cloudward log under ${dataDir})`;
}

/**
 * For a failure's message: where the focus is, and how the keybinding service resolves one more Escape there
 * ("Developer: Toggle Keyboard Shortcuts Troubleshooting" traces it to the console).
 */
async function escapeTrace(page) {
  const lines = [];
  const listen = (msg) => {
    if (/KeybindingService/.test(msg.text())) lines.push(msg.text().replace(/^%c INFO color: #\w+ /, '').slice(0, 200));
  };
  try {
    await runCommand(page, 'Developer: Toggle Keyboard Shortcuts Troubleshooting');
    await page.waitForTimeout(500);
    lines.push(`focused: ${await page.evaluate(() => { const a = document.activeElement; return `${a?.tagName}.${String(a?.className).split(' ')[0]} in ${a?.closest('.modified-in-monaco-diff-editor') ? 'the proposal' : a?.closest('.monaco-editor') ? 'another editor' : 'no editor'}`; })}`);
    page.on('console', listen);
    await page.keyboard.press('Escape');
    await page.waitForTimeout(1000);
  } catch (e) {
    lines.push(`not traced: ${e.message.split('\n')[0]}`);
  } finally {
    page.off('console', listen);
  }
  return lines.join('\n');
}

/** A proposal waits for its answer: its tab is open, the status bar says how to answer, no quick input covers it. */
async function proposalWaiting(page, tab) {
  await page.locator('.statusbar-item', { hasText: 'Escape writes nothing' }).waitFor({ state: 'visible', timeout: 30_000 }).catch(async (e) => {
    throw new Error(`${e.message.split('\n')[0]} (see ${await screenshot(page, `generate-no-proposal-${tab}`)})`);
  });
  await page.locator('.tab', { hasText: tab }).first().waitFor({ state: 'visible', timeout: 10_000 });
  // The answered question closes with the proposal's arrival; give its widget a moment to hide.
  const covered = await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5_000 }).then(() => false, () => true);
  assert.ok(!covered, 'a question covers the proposal');
}
