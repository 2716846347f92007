// Issues 13 and 14's "done when", in the real workbench against a REAL Debian server (scripts/real-server.sh:
// systemd, sshd, nginx), with the example project (examples/django-polls, made ready for production as a user
// would): in the editor, the user keeps a production secret, provisions the server from its row (the host key
// trusted, the plan shown as a document, applied after a yes; a second run changes nothing); the first release
// comes from the CLI (to save time); then, in the editor, the user deploys a new commit from the server's row,
// sees it live under Releases in the Servers view, reads its deploy log, and rolls back to the first release from
// that release's row. Screenshots of the plan, the provisioned server, and the releases in the dark and light themes.
// Django and gunicorn come from this machine's local package index, served through the script's reverse forward.
import assert from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyExample, openWorkbench, repoRoot, runCommand, screenshot, waitForWorkbench, writeWorkspaceSettings } from '../../scripts/workbench.mjs';

const require = createRequire(import.meta.url);
const HOST = 'mysite.test';
// Names and the SSH port are global on a machine: CW_UI_DEPLOY_SERVER/_PORT let two checkouts run it side by side.
const SERVER = process.env.CW_UI_DEPLOY_SERVER || 'cw-ui-deploy';
const SSH_PORT = Number(process.env.CW_UI_DEPLOY_PORT) || 2431;

describe('Deploy, releases and rollback in the Servers view (real workbench, real Debian server)', function () {
  this.timeout(15 * 60_000);
  // One retry: under load (2 cores shared by several VS Code instances) a click or a focus change can be lost;
  // a failure that repeats still fails. Seen in a loaded CI run of 2026-12-03, said in the closing note.
  this.retries(Number(process.env.CW_UI_RETRIES ?? 1));
  let wb;
  let srv;
  let indexServer;
  let tmp;
  let workspace;
  let httpPort;
  let first = '';
  let second = '';
  let cliDeploy;

  const git = (...a) => execFileSync('git', ['-c', 'user.email=ui@cloudward.test', '-c', 'user.name=ui', ...a], { cwd: workspace, encoding: 'utf8' }).trim();
  const page = () => wb.page;
  const row = (level, text) => page().locator(`.monaco-list-row[aria-level="${level}"]`, { hasText: text }).first();

  // node:http, not fetch: fetch may not set the Host header, which nginx's site needs.
  function get(path) {
    return new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: httpPort, path, headers: { Host: HOST }, timeout: 15_000, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', (e) => resolve({ status: 0, body: String(e.code ?? e.message) }));
      req.on('timeout', () => req.destroy());
    });
  }

  /** Waits for a locator; on a timeout, the screenshot says what showed instead. */
  async function shows(locator, timeout) {
    await locator.waitFor({ state: 'visible', timeout }).catch(async (e) => {
      throw new Error(`${e.message.split('\n')[0]} (see ${await screenshot(page(), 'deploy-ui-timeout')})`);
    });
  }

  /** A release row (by its commit) whose description has `text`. */
  const release = (commit, text) => page().locator('.monaco-list-row[aria-level="3"]', { hasText: commit.slice(0, 7) }).filter({ hasText: text }).first();

  /**
   * Right-clicks a row and runs a context-menu item. A click can be lost: the row re-rendered by a background
   * refresh, or the menu taking the click as the end of the right-click that opened it (seen: the menu still
   * open, the item hovered, nothing run). The menu closes when its item runs: until it has, try again. A row's
   * tooltip can cover the row (seen): the mouse moves away first.
   */
  async function contextMenu(rowLocator, item) {
    const menu = page().locator('.context-view .monaco-menu');
    for (let attempt = 1; ; attempt++) {
      try {
        // Away from the tree first: a row's tooltip, left by the last click, can cover the next row.
        await page().mouse.move(700, 700);
        await page().locator('.monaco-hover, .workbench-hover').first().waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
        await rowLocator().click({ button: 'right' });
        const entry = page().locator('.context-view .action-label', { hasText: item }).first();
        await entry.waitFor({ state: 'visible', timeout: 5000 });
        await page().waitForTimeout(300);
        await entry.click();
        await menu.waitFor({ state: 'hidden', timeout: 3000 });
        return;
      } catch (e) {
        if (await menu.isVisible().catch(() => false)) await page().keyboard.press('Escape').catch(() => {});
        if (attempt === 3) throw new Error(`${e.message.split('\n')[0]} (see ${await screenshot(page(), 'deploy-ui-menu')})`);
      }
    }
  }

  before(async function () {
    this.timeout(30 * 60_000);
    const { realServerSupported, realServerUp } = require(join(repoRoot, 'out', 'test', 'support', 'realServer.js'));
    const { LOCAL_INDEX, localIndexReady } = require(join(repoRoot, 'out', 'test', 'support', 'djangoProject.js'));
    const missing = !realServerSupported() ? 'root on a Debian host (real-server.sh boots a systemd-nspawn server)'
      : !localIndexReady() ? `a local package index with Django and gunicorn at ${LOCAL_INDEX} (pip config list shows none here)` : '';
    if (missing) {
      if (process.env.CI) throw new Error(`missing tool: ${missing}`);
      console.log(`      skipped: needs ${missing}`);
      this.skip();
    }
    tmp = mkdtempSync(join(tmpdir(), 'cw-ui-deploy-'));

    // The example project, made ready for production the way the walkthrough and the quick fixes leave it.
    workspace = copyExample();
    const settings = join(workspace, 'mysite', 'settings.py');
    const s = readFileSync(settings, 'utf8');
    writeFileSync(settings, s
      .replace('from pathlib import Path', 'import os\nfrom pathlib import Path')
      .replace(/^DEBUG = True$/m, 'DEBUG = False')
      .replace(/^ALLOWED_HOSTS = \[\]$/m, `ALLOWED_HOSTS = ['${HOST}']`)
      .replace(/'NAME': BASE_DIR \/ 'db\.sqlite3',/, "'NAME': os.environ.get('SQLITE_PATH', BASE_DIR / 'db.sqlite3'),")
      + "\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n");
    assert.match(readFileSync(settings, 'utf8'), /SQLITE_PATH/, 'the example\'s settings changed: adapt this set-up');
    writeFileSync(join(workspace, '.gitignore'), `${readFileSync(join(workspace, '.gitignore'), 'utf8')}\n.vscode/\n`);
    git('init', '-q', '.');
    git('add', '-A');
    git('commit', '-qm', 'polls, ready for production');
    first = git('rev-parse', 'HEAD');

    // The server, its package index through the reverse forward, and an SSH config whose known_hosts has its key.
    const { freePort } = require(join(repoRoot, 'out', 'test', 'support', 'ports.js'));
    const indexPort = await freePort();
    indexServer = spawn('/usr/bin/python3', ['-m', 'http.server', String(indexPort), '--bind', '127.0.0.1', '--directory', LOCAL_INDEX], { stdio: 'ignore' });
    httpPort = await freePort();
    srv = realServerUp(SERVER, { sshPort: SSH_PORT, forwards: `${httpPort}:80`, reverse: `3141:${indexPort}` });
    await srv.exec('sh', ['-c', 'printf "[global]\\nindex-url = http://127.0.0.1:3141/simple/\\n" > /etc/pip.conf']);
    const sshConfig = join(tmp, 'ssh_config');
    srv.sshConfig('prod', sshConfig);

    // The CLI for the first release, after the editor has provisioned the server (the e2e tests cover it).
    cliDeploy = () => execFileSync(process.execPath, [join(repoRoot, 'out', 'src', 'cli.js'), 'deploy', 'prod', '--project', workspace, '--ssh-config', sshConfig, '--set', `domain=${HOST}`],
      { encoding: 'utf8', env: { ...process.env, HOME: tmp, SSH_AUTH_SOCK: '' }, stdio: ['ignore', 'pipe', 'pipe'] });

    // The server as a user adds it (its host key is trusted in the editor's modal, below).
    wb = await openWorkbench({ workspace, theme: 'Default Dark Modern', env: { SSH_AUTH_SOCK: '' }, settings: {
      // Linked to the project: its section (the live colour's units, the site, the socket) comes first.
      'cloudward.servers': [{ name: 'prod', host: '127.0.0.1', port: SSH_PORT, user: srv.user, identityFile: srv.key, project: workspace }],
      'cloudward.serversView.showSshConfigHosts': false,
    } });
    await waitForWorkbench(wb.page);
  });

  // Every failed attempt says why, with its own screenshot (mocha prints only the last attempt's error).
  let attempt = 0;
  afterEach(async function () {
    const err = this.currentTest?.err;
    if (err && wb) console.log(`      attempt ${attempt} failed: ${String(err.message).split('\n')[0]}; screenshot: ${await screenshot(wb.page, `deploy-ui-failed-${attempt}`)}`);
    // What the server holds, for the failure's reader (no secret is in these listings).
    if (err && srv) console.log((await srv.exec('sh', ['-c', 'ls -la /srv/mysite/shared/data /srv/mysite; tail -n 40 /srv/mysite/releases/*/deploy.log 2>/dev/null | grep -iv secret | tail -n 60'])).stdout.replace(/^/gm, '      | '));
  });

  after(async () => {
    try {
      await wb?.close();
    } finally {
      srv?.down();
      if (indexServer?.pid) process.kill(indexServer.pid);
      if (tmp) rmSync(tmp, { recursive: true, force: true });
      if (workspace) rmSync(join(workspace, '..'), { recursive: true, force: true });
    }
  });

  it('provisions from the server\'s row: the secret kept in the editor, the domain asked once, the host key trusted, the plan shown, then applied; a second run changes nothing', async () => {
    const p = page();
    await runCommand(p, 'View: Show Cloudward');
    await row(1, 'prod').waitFor({ state: 'visible', timeout: 60_000 });
    const input = p.locator('.quick-input-widget input');
    const dialog = p.locator('.monaco-dialog-box');

    // A production secret from the editor (VS Code's secret storage; sent on stdin when provisioning): the
    // domain is asked first, once for the folder.
    await contextMenu(() => row(1, 'prod'), 'Set Production Secret…');
    await shows(input, 60_000);
    await input.fill(HOST);
    await p.keyboard.press('Enter');
    await shows(p.locator('.quick-input-widget', { hasText: 'Name (an environment variable' }), 30_000);
    await input.fill('SQLITE_PATH');
    await p.keyboard.press('Enter');
    await shows(p.locator('.quick-input-widget', { hasText: 'Value (kept in' }), 30_000);
    await input.fill('/srv/mysite/shared/data/db.sqlite3');
    await p.keyboard.press('Enter');
    await p.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 30_000 });

    // Provision: the host key dialog (first connection), the plan as a document, the modal, the progress.
    await contextMenu(() => row(1, 'prod'), 'Provision Server…');
    await shows(dialog, 60_000);
    assert.match(await dialog.innerText(), /SHA256:/);
    await dialog.getByRole('button', { name: 'Trust and Connect' }).click();
    await shows(p.locator('.tab', { hasText: 'provision-prod.diff' }), 120_000);
    await shows(p.locator('.monaco-editor .view-lines', { hasText: 'Provision plan for prod' }).first(), 30_000);
    await shows(dialog, 60_000);
    assert.match(await dialog.innerText(), /Apply \d+ step\(s\) to prod\?/);
    await screenshot(p, 'provision-plan');
    assert.doesNotMatch(await p.locator('.monaco-editor .view-lines').first().innerText(), /\/srv\/mysite\/shared\/data\/db\.sqlite3/, 'a secret value is in the plan');
    await dialog.getByRole('button', { name: 'Provision' }).click();
    await runCommand(p, 'Notifications: Show Notifications');
    await shows(p.locator('.notification-list-item', { hasText: 'prod provisioned' }).first(), 10 * 60_000);
    const env = await srv.exec('sh', ['-c', 'stat -c "%a %U:%G" /etc/mysite/env && cat /etc/mysite/env']);
    assert.match(env.stdout, /^640 deploy:mysite\n/);
    assert.match(env.stdout, /^SQLITE_PATH=\/srv\/mysite\/shared\/data\/db\.sqlite3$/m);
    // The result in the Servers view: the site in nginx, checked.
    if ((await row(1, 'prod').getAttribute('aria-expanded')) !== 'true') await row(1, 'prod').click();
    await shows(row(2, 'nginx'), 60_000);
    await screenshot(p, 'provision-done');

    // Again: nothing to change, and it says so.
    await contextMenu(() => row(1, 'prod'), 'Provision Server…');
    await shows(p.locator('.notification-list-item', { hasText: 'already provisioned; nothing to change' }).first(), 5 * 60_000);
    await p.keyboard.press('Escape');

    // The first release, from the CLI, and a second commit for the editor to deploy.
    cliDeploy();
    const page1 = await get('/polls/');
    assert.strictEqual(page1.status, 200, `the first release does not serve /polls/: ${page1.body.slice(0, 300)}`);
    // A second commit for the editor to deploy.
    const index = join(workspace, 'polls', 'templates', 'polls', 'index.html');
    writeFileSync(index, readFileSync(index, 'utf8').replace('<h1>Latest polls</h1>', '<h1>Latest polls (release two)</h1>'));
    git('commit', '-qam', 'release two');
    second = git('rev-parse', 'HEAD');

  });

  it('deploys from the server\'s row, shows the release live under Releases, its deploy log, and rolls back from a release row', async () => {
    const p = page();
    await runCommand(p, 'View: Show Cloudward');
    await row(1, 'prod').waitFor({ state: 'visible', timeout: 60_000 });

    attempt++;
    // Deploy from the server's context menu: the domain (asked by Set Production Secret…) and the host key (trusted
    // when provisioning) are not asked again. (A retry answers whatever the failed attempt left unanswered.)
    await contextMenu(() => row(1, 'prod'), 'Deploy to Server…');
    const input = p.locator('.quick-input-widget input');
    const dialog = p.locator('.monaco-dialog-box');
    const progress = p.locator('.notification-list-item, .notification-toast', { hasText: `deploying mysite to prod` }).first();
    const next = () => Promise.race([
      input.waitFor({ state: 'visible', timeout: 60_000 }).then(() => 'input'),
      dialog.waitFor({ state: 'visible', timeout: 60_000 }).then(() => 'dialog'),
      progress.waitFor({ state: 'visible', timeout: 60_000 }).then(() => 'deploying'),
      release(second, 'live · good').waitFor({ state: 'visible', timeout: 60_000 }).then(() => 'live'),
    ]).catch(() => 'nothing');
    for (let seen = await next(); seen === 'input' || seen === 'dialog'; seen = await next()) {
      assert.ok(attempt > 1, `the deploy asked again (${seen === 'input' ? 'the domain' : 'the host key'}; see ${await screenshot(p, 'deploy-asked-again')})`);
      if (seen === 'input') {
        await input.fill(HOST);
        await p.keyboard.press('Enter');
      } else await dialog.getByRole('button', { name: 'Trust and Connect' }).click();
      await p.waitForTimeout(500);
    }

    // The Releases section (refreshed when the deploy ends): the new commit first, marked live; the first one below.
    // (Headless, the "is live" message goes to the notification centre: the row is what the user sees.)
    if ((await row(1, 'prod').getAttribute('aria-expanded')) !== 'true') await row(1, 'prod').click();
    await shows(release(second, 'live · good'), 5 * 60_000);
    assert.match((await get('/polls/')).body, /release two/, 'the new release does not serve');
    // The linked project's section: the live colour's units running, nothing "not installed".
    const projectSection = row(2, 'mysite');
    if ((await projectSection.getAttribute('aria-expanded')) !== 'true') await projectSection.click();
    await shows(p.locator('.monaco-list-row[aria-level="3"]', { hasText: 'live colour' }).first(), 60_000);
    assert.strictEqual(await p.locator('.monaco-list-row[aria-level="3"]', { hasText: 'not installed' }).count(), 0, `a project unit shows as not installed (see ${await screenshot(p, 'deploy-project-units')})`);
    assert.match(await release(first, 'good').innerText(), /just now|ago/);
    await screenshot(p, 'deploy-releases-live');

    // Its deploy log, from the server, in an editor.
    await contextMenu(() => row(3, second.slice(0, 7)), 'Show Deploy Log');
    await shows(p.locator('.monaco-editor .view-lines', { hasText: 'is live' }).first(), 60_000);
    await screenshot(p, 'deploy-log');

    // Roll back from the first release's row (a modal asks).
    await contextMenu(() => row(3, first.slice(0, 7)), 'Roll Back to This Release');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await dialog.innerText(), /Migrations are not reversed/);
    await dialog.getByRole('button', { name: 'Roll Back' }).click();
    await shows(release(first, 'live · good'), 5 * 60_000);
    assert.doesNotMatch((await get('/polls/')).body, /release two/, 'the first release does not serve again');
    await shows(release(second, 'rolled-back'), 10_000);
    // The editor group closed, so that the view and its rows fill the picture; the dark theme, then the light one.
    await p.keyboard.press('Control+K').then(() => p.keyboard.press('Control+W')).catch(() => {});
    await p.waitForFunction(() => document.querySelector('.monaco-workbench')?.classList.contains('vs-dark'), undefined, { timeout: 60_000 });
    console.log(`      screenshot: ${await screenshot(p, 'deploy-rolled-back-dark')}`);
    writeWorkspaceSettings(workspace, { 'workbench.colorTheme': 'Default Light Modern' });
    // the settings file watcher can be slow on a busy machine
    await p.waitForFunction(() => document.querySelector('.monaco-workbench')?.classList.contains('vs'), undefined, { timeout: 60_000 });
    await p.waitForTimeout(1000);
    console.log(`      screenshot: ${await screenshot(p, 'deploy-rolled-back-light')}`);
  });
});
