// The walkthroughs in the real workbench: open them, look at a diagram step in the light, dark and
// high-contrast themes (screenshots under test-results/, to be looked at by a person), and watch a step
// get checked when the project reaches its state.
import assert from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { choosePath, openWorkbench, runCommand, screenshot, waitForWorkbench, walkthroughStep, writeWorkspaceSettings } from '../../scripts/workbench.mjs';

const THEMES = [
  { name: 'light', theme: 'Default Light Modern', bodyClass: 'vs' },
  { name: 'dark', theme: 'Default Dark Modern', bodyClass: 'vs-dark' },
  { name: 'hc', theme: 'Default High Contrast', bodyClass: 'hc-black' },
];

/** The walkthrough's media sits beside the steps only when the editor is wide: hide both side bars. */
async function widenEditor(page) {
  if (await page.locator('.part.auxiliarybar').isVisible()) await page.keyboard.press('Control+Alt+B');
  if (await page.locator('.part.sidebar').isVisible()) await page.keyboard.press('Control+B');
  await page.locator('.part.sidebar').waitFor({ state: 'hidden', timeout: 5000 });
}

/** The heading of the open walkthrough (the Welcome page's list shows the same title in an h3). */
function walkthroughTitle(page, title) {
  return page.locator('h2.category-title', { hasText: title });
}

function step(page, id) {
  return page.locator(`.getting-started-step[data-step-id$="#${id}"]`);
}

async function selectStep(page, id) {
  await step(page, id).click();
  await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-expanded') === 'true', `.getting-started-step[data-step-id$="#${id}"]`);
}

/** Waits until the step's SVG (found by its <title> id) is drawn in the media webview; returns its size. */
async function waitForDiagram(page, titleId, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const size = await frame
        .evaluate((id) => {
          const svg = document.getElementById(id)?.closest('svg');
          if (!svg) return undefined;
          const r = svg.getBoundingClientRect();
          return { width: r.width, height: r.height };
        }, titleId)
        .catch(() => undefined);
      if (size && size.width > 0) return size;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`the diagram #${titleId} never appeared`);
}

/** Waits until a markdown step page (rendered in its own webview) shows `text`. */
async function waitForText(page, text, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (await frame.evaluate((t) => document.body?.innerText.includes(t), text).catch(() => false)) return;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no step page shows '${text}'`);
}

/** The fill the browser computed for the diagram's first text: proves the theme variables resolved. */
async function diagramTextColour(page, titleId) {
  for (const frame of page.frames()) {
    const colour = await frame
      .evaluate((id) => {
        const text = document.getElementById(id)?.closest('svg')?.querySelector('text');
        return text ? getComputedStyle(text).fill : undefined;
      }, titleId)
      .catch(() => undefined);
    if (colour) return colour;
  }
  return undefined;
}

async function useTheme(page, workspace, { theme, bodyClass }) {
  writeWorkspaceSettings(workspace, { 'workbench.colorTheme': theme });
  await page.waitForFunction((cls) => document.querySelector('.monaco-workbench')?.classList.contains(cls), bodyClass, { timeout: 60_000 }); // the settings file watcher can be slow on a busy machine
  // The webview receives the new theme variables a moment after the workbench.
  await page.waitForTimeout(800);
}

async function isChecked(page, id) {
  return (await step(page, id).locator('.codicon').first().getAttribute('class')).includes('getting-started-step-checked');
}

async function waitForChecked(page, id, message, timeout = 30_000) {
  const sel = `.getting-started-step[data-step-id$="#${id}"] .codicon`;
  await page
    .waitForFunction((s) => document.querySelector(s)?.classList.contains('codicon-getting-started-step-checked'), sel, { timeout })
    .catch(async () => {
      const file = await screenshot(page, `walkthrough-unchecked-${id}`);
      assert.fail(`${message} (see ${file})`);
    });
}

describe('Walkthroughs (real workbench)', function () {
  this.timeout(240_000);
  let wb;
  const colours = {};

  before(async () => {
    wb = await openWorkbench({ theme: THEMES[0].theme, viewport: { width: 1600, height: 1000 } });
    await waitForWorkbench(wb.page);
    await widenEditor(wb.page);
  });
  after(async () => {
    await wb?.close();
  });

  /** Cloudward: Choose Where to Deploy…: the three questions (typed answers), then the ranked paths; `path` picks by its title. */
  it('before a choice shows the shared steps only; the decision aid ranks the paths for the example (light and dark)', async () => {
    const { page } = wb;
    await runCommand(page, 'Cloudward: Open Walkthrough');
    await walkthroughTitle(page, 'From localhost to the cloud').waitFor({ timeout: 30_000 });
    await widenEditor(page);
    await selectStep(page, 'choose');
    await waitForText(page, 'Where will your app run?');
    assert.strictEqual(await step(page, 'webServer').count(), 0, 'no server step before a path is chosen');
    await screenshot(page, 'walkthrough-before-choice-light');
    await choosePath(page, ['A hobby', 'As little as possible', 'Nobody'], 'container platform', 'decision-aid-light');
    await waitForChecked(page, 'choose', 'the choose step stayed unchecked after a path was chosen');
    await step(page, 'containerFiles').waitFor({ timeout: 20_000 });
    assert.strictEqual(await step(page, 'webServer').count(), 0, 'the container path shows no nginx step');
    for (const t of THEMES.slice(0, 2)) {
      await useTheme(page, wb.workspace, t);
      await selectStep(page, 'containerFiles');
      await waitForText(page, 'A container platform');
      await screenshot(page, `walkthrough-path-container-${t.name}`);
    }
  });

  it('the platform path shows its own steps (light and dark)', async () => {
    const { page } = wb;
    await useTheme(page, wb.workspace, THEMES[1]);
    await choosePath(page, ['A hobby', 'A moderate', 'Nobody'], 'builds your code', 'decision-aid-dark');
    await (await walkthroughStep(page, 'paasFiles')).waitFor({ timeout: 20_000 });
    for (const t of THEMES.slice(0, 2)) {
      await useTheme(page, wb.workspace, t);
      await selectStep(page, 'paasSettings');
      await waitForText(page, 'Static files and the database on a platform');
      await screenshot(page, `walkthrough-path-paas-${t.name}`);
    }
  });

  it('the Kubernetes path draws its diagram (light and dark)', async () => {
    const { page } = wb;
    await choosePath(page, ['Large', 'Whatever', 'People'], 'Kubernetes');
    await (await walkthroughStep(page, 'kubernetes')).waitFor({ timeout: 20_000 });
    await selectStep(page, 'kubernetes');
    for (const t of THEMES.slice(0, 2)) {
      await useTheme(page, wb.workspace, t);
      await waitForDiagram(page, 'k8-title');
      await screenshot(page, `walkthrough-path-kubernetes-${t.name}`);
    }
  });

  it('the VPS path draws the request diagram in every theme, and checks the nginx step when the project gets a site', async () => {
    const { page } = wb;
    await choosePath(page, ['A hobby', 'As little as possible', 'Me'], 'Your own server');
    await (await walkthroughStep(page, 'webServer')).waitFor({ timeout: 20_000 });
    await selectStep(page, 'webServer');
    for (const t of THEMES) {
      await useTheme(page, wb.workspace, t);
      const size = await waitForDiagram(page, 'rf-title');
      assert.ok(size.width > 300, `diagram only ${size.width}px wide`);
      colours[t.name] = await diagramTextColour(page, 'rf-title');
      await screenshot(page, `walkthrough-path-vps-${t.name}`);
    }
    assert.notStrictEqual(colours.light, colours.dark, JSON.stringify(colours));
    await useTheme(page, wb.workspace, THEMES[0]);
    assert.strictEqual(await isChecked(page, 'webServer'), false, 'the example project has no nginx site yet');
    const dir = join(wb.workspace, 'deploy', 'nginx');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'mysite.conf'), 'server {\n    listen 80;\n    server_name example.com;\n    location / {\n        proxy_pass http://unix:/run/mysite/mysite.sock;\n        proxy_set_header X-Forwarded-Proto $scheme;\n    }\n}\n');
    await waitForChecked(page, 'webServer', 'the nginx step stayed unchecked after the site was written');
    assert.strictEqual(await isChecked(page, 'vpsServer'), false, 'a site file does not tick "your server"');
    await screenshot(page, 'walkthrough-nginx-step-checked');
  });

  it('draws the first two diagrams too (for review in both themes)', async () => {
    const { page } = wb;
    await runCommand(page, 'Cloudward: Open Walkthrough');
    await walkthroughTitle(page, 'From localhost to the cloud').waitFor({ timeout: 30_000 });
    for (const t of THEMES.slice(0, 2)) {
      await useTheme(page, wb.workspace, t);
      await selectStep(page, 'devServer');
      await waitForDiagram(page, 'lvc-title');
      await screenshot(page, `walkthrough-localhost-${t.name}`);
      await selectStep(page, 'findApp');
      await waitForDiagram(page, 'wa-title');
      await screenshot(page, `walkthrough-wsgi-asgi-${t.name}`);
    }
    await selectStep(page, 'settings');
    await waitForText(page, 'HTTPS behind a proxy');
    await screenshot(page, 'walkthrough-settings-page-dark');
  });
});
