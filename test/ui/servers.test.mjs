// The Servers view in the real workbench against the loopback sshd: add a server through the palette's
// input boxes, trust its host key in the modal (checking the fingerprint shown), expand it, screenshot.
import assert from 'node:assert';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { answer, copyExample, openWorkbench, repoRoot, runCommand, screenshot, waitForWorkbench } from '../../scripts/workbench.mjs';
import { setup } from '../integration/setup/sshd.mjs';

const require = createRequire(import.meta.url);

describe('Servers view (real workbench, loopback sshd)', function () {
  this.timeout(180_000);
  // One retry: under load (2 cores shared by several VS Code instances) a click or a focus change can be lost;
  // a failure that repeats still fails. Seen in a loaded CI run of 2026-12-03, said in the closing note.
  this.retries(1);
  let wb;
  let teardown;
  let agent;
  const env = {};

  before(async function () {
    const workspace = copyExample();
    teardown = await setup({ workspace, env });
    if (!env.CLOUDWARD_TEST_SSHD_PORT) throw new Error(`the loopback sshd did not start: ${env.CLOUDWARD_TEST_SSHD_ERROR}`);
    // The key through an agent: Add Server asks no identity file, as for most users.
    const { TestAgent } = require(join(repoRoot, 'out', 'test', 'support', 'sshd.js'));
    agent = await TestAgent.start();
    agent.add({ privateKey: env.CLOUDWARD_TEST_SSHD_KEY });
    env.SSH_AUTH_SOCK = agent.socket;
    wb = await openWorkbench({ workspace, env });
    await waitForWorkbench(wb.page);
  });

  after(async () => {
    // Each step even if the one before failed: the daemon and the agent must not outlive the test.
    try {
      await wb?.close();
    } finally {
      try {
        await agent?.stop();
      } finally {
        await teardown?.();
      }
    }
  });

  it('adds the server, asks to trust its host key with the right fingerprint, and shows its services', async () => {
    const { page } = wb;
    await runCommand(page, 'Cloudward: Add Server…');
    await answer(page, 'loopback');
    await answer(page, '127.0.0.1');
    await answer(page, env.CLOUDWARD_TEST_SSHD_USER);
    await answer(page, env.CLOUDWARD_TEST_SSHD_PORT);
    // Key file: the first row (the agent and the SSH config's keys); project: none, so that the view
    // lists what the server runs without a project's section first (newcomer.test.mjs covers that).
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Key File' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Project' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'No project' }).first().click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });

    await runCommand(page, 'View: Show Cloudward');
    const server = page.getByRole('treeitem', { name: /loopback/ }).first();
    await server.waitFor({ state: 'visible', timeout: 30_000 });
    await server.click();
    // Expanding the server the first time asks at once, whether or not the background refresh (which
    // never asks) already found the key unknown: one behaviour, so the dialog is what comes.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 }).catch(async (e) => {
      throw new Error(`${e.message}\n(see ${await screenshot(page, 'servers-no-dialog')})`);
    });
    const text = await dialog.innerText();
    assert.ok(text.includes(env.CLOUDWARD_TEST_SSHD_FINGERPRINT), `the modal does not show ${env.CLOUDWARD_TEST_SSHD_FINGERPRINT}:\n${text}`);
    await screenshot(page, 'servers-unknown-host-key');
    await dialog.getByRole('button', { name: 'Trust and Connect' }).click();

    const services = page.locator('.monaco-list-row[aria-level="2"]', { hasText: 'Services' }).first();
    await services.waitFor({ state: 'visible', timeout: 30_000 });
    for (const unit of ['gunicorn.service', 'nginx.service']) {
      await page.locator('.monaco-list-row[aria-level="3"]', { hasText: unit }).first().waitFor({ state: 'visible', timeout: 10_000 });
    }
    const file = await screenshot(page, 'servers-expanded');
    console.log(`      screenshot: ${file}`);
  });

  it('shows a unit\'s journal in its own output channel from the row\'s actions', async () => {
    const { page } = wb;
    // journalctl's lines (the shim prints them in the real short format) in the Output panel.
    const output = page.locator('.output-view, .panel', { hasText: 'of gunicorn.service' }).first();
    // A background refresh may re-render the row while its context menu opens: try again, a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        const row = page.locator('.monaco-list-row[aria-level="3"]', { hasText: 'gunicorn.service' }).first();
        if (attempt === 1) {
          await row.click({ button: 'right' });
          const item = page.locator('.context-view .action-label', { hasText: 'Show Unit Logs' }).first();
          await item.waitFor({ state: 'visible', timeout: 5000 });
          await item.click();
        } else {
          // The same command from the row's inline action.
          await row.hover();
          await row.locator('.action-label[aria-label*="Show Unit Logs"]').first().click({ timeout: 5000 });
        }
        await output.waitFor({ state: 'visible', timeout: 20_000 });
        break;
      } catch (e) {
        await page.keyboard.press('Escape').catch(() => {});
        if (attempt === 3) {
          // Headless, messages go to the notification centre: show it in the screenshot.
          await page.keyboard.press('Escape').catch(() => {});
          await page.locator('.notifications-center, .codicon-bell, .codicon-bell-dot').first().click().catch(() => {});
          throw new Error(`${e.message.split('\n')[0]} (see ${await screenshot(page, 'servers-unit-logs-failed')})`);
        }
      }
    }
    await screenshot(page, 'servers-unit-logs');
  });
});
