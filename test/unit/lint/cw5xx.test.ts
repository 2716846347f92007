import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lintText, LintWorkspace } from '../../../src/core/lint';
import { applyFix, expectAt, lintRule, only } from './helpers';
import { catchAll, certbotSite, hardenedUnit } from './cw-fixtures';
import { needTool } from '../../support/need';
import { hasTool, nginxAccepts } from './nginxCheck';

const SITE = 'deploy/nginx/polls.conf';

describe('CW5xx: proxy and process manager', () => {
  it('say nothing about a certbot-managed site with a catch-all server, nor a hardened unit', () => {
    const ws = new LintWorkspace();
    ws.setFile('deploy/nginx/polls.conf', certbotSite);
    ws.setFile('deploy/nginx/default', catchAll);
    ws.setFile('deploy/gunicorn.service', hardenedUnit);
    assert.deepStrictEqual(ws.lintAll().filter((f) => /^CW5/.test(f.rule)), []);
  });

  describe('CW501 X-Forwarded-Proto', () => {
    const site = 'server {\n    server_name a.example;\n    location / {\n        proxy_set_header Host $host;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n';

    it('points at proxy_pass; the fix adds the header where the header list is defined', () => {
      const f = expectAt(lintRule(SITE, site, 'CW501'), site, 'proxy_pass');
      const fixed = applyFix(site, f);
      assert.match(fixed, / {8}proxy_set_header Host \$host;\n {8}proxy_set_header X-Forwarded-Proto \$scheme;\n {8}proxy_pass/);
      assert.deepStrictEqual(lintRule(SITE, fixed, 'CW501'), []);
    });

    it('adds to the server level when the location inherits from it (keeping the inherited headers)', () => {
      const inherited = 'server {\n    proxy_set_header Host $host;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n';
      const f = expectAt(lintRule(SITE, inherited, 'CW501'), inherited, 'proxy_pass');
      assert.strictEqual(applyFix(inherited, f), 'server {\n    proxy_set_header Host $host;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    location / {\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n');
    });

    it('knows that a location with its own headers does not inherit the server’s', () => {
      const shadowed = 'server {\n    proxy_set_header X-Forwarded-Proto $scheme;\n    location / {\n        proxy_set_header Host $host;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n';
      expectAt(lintRule(SITE, shadowed, 'CW501'), shadowed, 'proxy_pass');
    });

    it('the fixed site passes nginx -t', function () {
      needTool(this, hasTool('nginx'), 'nginx');
      const fixed = applyFix(site, lintRule(SITE, site, 'CW501')[0]);
      const r = nginxAccepts(fixed);
      assert.ok(r.ok, r.output);
    });
  });

  describe('CW502 alias traversal', () => {
    const site = 'server {\n    server_name a.example;\n    location /static {\n        alias /srv/app/staticfiles/;\n    }\n    location ~ ^/media/(.*)$ {\n        alias /srv/app/media/$1;\n    }\n}\n';

    it('points at the alias and the fix adds the slash to the location', () => {
      const f = expectAt(lintRule(SITE, site, 'CW502'), site, '/srv/app/staticfiles/');
      assert.strictEqual(f.severity, 'error');
      const fixed = applyFix(site, f);
      assert.match(fixed, /location \/static\/ \{/);
      assert.deepStrictEqual(lintRule(SITE, fixed, 'CW502'), []);
    });
  });

  describe('CW503 default server', () => {
    const site = 'server {\n    listen 80;\n    server_name polls.example.com;\n    location / { proxy_pass http://127.0.0.1:8000; proxy_set_header X-Forwarded-Proto $scheme; }\n}\n';

    it('points at the named server; the fix appends a catch-all that nginx accepts', function () {
      const f = expectAt(lintRule(SITE, site, 'CW503'), site, 'server');
      assert.strictEqual(f.severity, 'info');
      const fixed = applyFix(site, f);
      assert.deepStrictEqual(lintRule(SITE, fixed, 'CW503'), []);
      if (hasTool('nginx')) {
        const r = nginxAccepts(fixed);
        assert.ok(r.ok, r.output);
      }
    });

    it('is silent for a site with no app behind it (a redirect-only or static server answers unknown hosts harmlessly)', () => {
      const redirect = 'server {\n    server_name ${OLD_DOMAIN};\n    rewrite ^/(.*)$ https://${NEW_DOMAIN}/$1 permanent;\n}\n';
      assert.deepStrictEqual(lintRule('default.conf.template', redirect, 'CW503'), []);
      const files = 'server {\n    listen 80;\n    server_name docs.example.com;\n    root /srv/docs;\n}\n';
      assert.deepStrictEqual(lintRule(SITE, files, 'CW503'), []);
      // An include may hold the proxy_pass: the rule still speaks.
      const included = 'server {\n    listen 80;\n    server_name polls.example.com;\n    include /etc/nginx/snippets/app.conf;\n}\n';
      assert.strictEqual(lintRule(SITE, included, 'CW503').length, 1);
    });

    it('is satisfied by a catch-all in another nginx file of the workspace', () => {
      const ws = new LintWorkspace();
      ws.setFile(SITE, site);
      ws.setFile('deploy/nginx/default', catchAll);
      assert.deepStrictEqual(only(ws.lintAll(), 'CW503'), []);
    });
  });

  describe('CW504 / CW505 systemd', () => {
    const unit = '[Unit]\nDescription=app\n\n[Service]\nWorkingDirectory=/srv/app\nExecStart=/srv/app/venv/bin/gunicorn -w 3 mysite.wsgi\n\n[Install]\nWantedBy=multi-user.target\n';

    it('CW504 points at the program; the fix adds User=/Group=', () => {
      const f = expectAt(lintRule('app.service', unit, 'CW504'), unit, '/srv/app/venv/bin/gunicorn');
      assert.strictEqual(f.severity, 'warning');
      assert.match(applyFix(unit, f), /\[Service\]\nUser=www-data\nGroup=www-data\nWorkingDirectory/);
      const root = unit.replace('[Service]\n', '[Service]\nUser=root\n');
      expectAt(lintRule('app.service', root, 'CW504'), root, 'root');
      assert.deepStrictEqual(lintRule('app.service', unit.replace('[Service]\n', '[Service]\nDynamicUser=yes\n'), 'CW504'), []);
      assert.deepStrictEqual(lintRule('app.service', unit.replace('ExecStart', '; cloudward: ignore=CW504 -- root needed for port 80\nExecStart'), 'CW504'), []);
    });

    it('CW505 points at [Service]; the fix adds Restart=on-failure', () => {
      const f = expectAt(lintRule('app.service', unit, 'CW505'), unit, '[Service]');
      assert.strictEqual(f.severity, 'info');
      assert.match(applyFix(unit, f), /\[Service\]\nRestart=on-failure\n/);
      const no = unit.replace('[Service]\n', '[Service]\nRestart=no\n');
      expectAt(lintRule('app.service', no, 'CW505'), no, 'no', 0);
    });

    it('ignore units that do not start the app', () => {
      const other = '[Service]\nExecStart=/usr/bin/backup.sh\n';
      assert.deepStrictEqual(lintText('backup.service', other).filter((f) => /^CW50[45]/.test(f.rule)), []);
    });

    it('the fixed unit passes systemd-analyze verify', function () {
      needTool(this, hasTool('systemd-analyze'), 'systemd-analyze (Debian package systemd)');
      this.timeout(20000);
      let text = unit;
      for (const rule of ['CW504', 'CW505']) text = applyFix(text, lintRule('app.service', text, rule)[0]);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw5xx-unit-'));
      try {
        const bin = path.join(dir, 'gunicorn');
        fs.writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
        const file = path.join(dir, 'polls-app.service');
        fs.writeFileSync(file, text.replace('/srv/app/venv/bin/gunicorn', bin).replace('WorkingDirectory=/srv/app', `WorkingDirectory=${dir}`));
        const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
        const complaints = `${r.stderr}`.split('\n').filter((l) => l.includes('polls-app.service') && !/Failed to|Cannot|not found|No such/.test(l));
        assert.deepStrictEqual(complaints, [], r.stderr);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
