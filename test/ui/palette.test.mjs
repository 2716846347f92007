// Drives the real workbench: the command palette runs one of our commands by its title.
import assert from 'node:assert';
import { openWorkbench, runCommand, screenshot, waitForWorkbench } from '../../scripts/workbench.mjs';

describe('Command palette (real workbench)', function () {
  this.timeout(180_000);
  let wb;
  before(async () => {
    wb = await openWorkbench();
    await waitForWorkbench(wb.page);
  });
  after(async () => {
    await wb?.close();
  });

  it('runs "Cloudward: Open Walkthrough" and shows the walkthrough', async () => {
    await runCommand(wb.page, 'Cloudward: Open Walkthrough');
    const title = wb.page.getByText('From localhost to the cloud').first();
    await title.waitFor({ state: 'visible', timeout: 30_000 });
    const file = await screenshot(wb.page, 'palette-open-walkthrough');
    assert.ok(await title.isVisible(), `walkthrough title not visible (see ${file})`);
  });
});
