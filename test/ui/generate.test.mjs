// The interactive generate flow in the real workbench, as a user meets it: Detect Project's notification,
// then "Generate nginx site": the domain (a detection gap) is asked, the values list is reviewed, the
// proposed file is previewed and created only after "Create" (a quick pick that leaves the preview visible).
import assert from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openWorkbench, runCommand, screenshot, waitForWorkbench } from '../../scripts/workbench.mjs';

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

    // The proposal is shown, then a quick pick (not a modal: the proposal stays visible) asks before anything is written.
    const question = page.locator('.quick-input-widget', { hasText: 'Cloudward proposes a new file: deploy/nginx/mysite.conf' });
    await question.waitFor({ state: 'visible', timeout: 15_000 });
    assert.ok(!existsSync(target), 'nothing is written before the answer');
    await page.locator('.tab', { hasText: 'mysite.conf' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await screenshot(page, 'generate-create-question');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: /^Create/ }).first().click();

    // Created, then its text inserted and saved: wait for the saved content.
    const written = () => existsSync(target) && /server_name polls\.example\.com;/.test(readFileSync(target, 'utf8'));
    const deadline = Date.now() + 15_000;
    while (!written() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.ok(written(), `the site was not written: ${existsSync(target) ? readFileSync(target, 'utf8').slice(0, 200) : 'missing'}`);
  });
});
