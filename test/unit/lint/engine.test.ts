import * as assert from 'assert';
import { classify, DEFAULT_DEVELOPMENT_FILES, getRule, isDevelopmentFile, RULES } from '../../../src/core/lint';
import { covered, lint, LintWorkspace, only, r } from './helpers';

const pkg = require('../../../../package.json');

describe('lint engine', () => {
  describe('classify', () => {
    const cases: Array<[string, string | undefined, string | undefined]> = [
      ['Procfile', undefined, 'procfile'],
      ['Procfile.dev', undefined, 'procfile'],
      ['docker/Dockerfile.prod', undefined, 'dockerfile'],
      ['api.Dockerfile', undefined, 'dockerfile'],
      ['Containerfile', undefined, 'dockerfile'],
      ['compose.yaml', undefined, 'compose'],
      ['compose.prod.yml', undefined, 'compose'],
      ['docker-compose.override.yml', undefined, 'compose'],
      ['k8s/web.yaml', 'apiVersion: v1\nkind: Service\n', 'kubernetes'],
      ['.github/workflows/ci.yml', 'on: push\njobs: {}\n', undefined],
      ['deploy/app.service', undefined, 'systemd'],
      ['deploy/app.socket', undefined, 'systemd'],
      ['nginx.conf', undefined, 'nginx'],
      ['etc/nginx/mysite.conf', undefined, 'nginx'],
      ['sites-available/mysite', undefined, 'nginx'],
      ['deploy/site.conf', 'upstream app {\n server 127.0.0.1:8000;\n}\n', 'nginx'],
      ['deploy/other.conf', 'key = value\n', undefined],
      // nginx configs rendered at start (the nginx image's templates/*.template, an entrypoint's envsubst)
      ['nginx/default.conf.template', undefined, 'nginx'],
      ['proxy/default.conf.tpl', 'server {\n    listen 80;\n    location / { proxy_pass http://${APP_HOST}:${APP_PORT}; }\n}\n', 'nginx'],
      ['deploy/nginx.template', 'upstream app {\n server web:8000;\n}\n', 'nginx'],
      ['configs/config.cfg.template', 'SECRET_KEY = "x"\n', undefined],
      ['templates/page.tpl', '<html>{$title}</html>\n', undefined],
      ['gunicorn.conf.py', undefined, 'gunicorn'],
      ['gunicorn_conf.py', undefined, 'gunicorn'],
      ['deploy/uwsgi.ini', '[uwsgi]\nmodule = x\n', 'uwsgi'],
      ['setup.ini', '[metadata]\n', undefined],
      ['mysite/settings.py', undefined, 'django-settings'],
      ['config/settings/production.py', undefined, 'django-settings'],
      ['conf.py', 'INSTALLED_APPS = [\n]\n', 'django-settings'],
      ['app.py', 'from flask import Flask\napp = Flask(__name__)\n', 'python-app'],
      ['polls/views.py', 'def index(request): ...\n', undefined],
      ['entrypoint.sh', undefined, 'shell'],
      ['bin/start', '#!/usr/bin/env bash\nexec gunicorn x\n', 'shell'],
      ['bin/tool', '#!/usr/bin/env python3\n', undefined],
      ['fly.toml', undefined, 'platform'],
      ['render.yaml', undefined, 'platform'],
      ['app.yaml', 'runtime: python312\n', 'platform'],
      ['app.yaml', 'apiVersion: v1\nkind: Pod\n', 'kubernetes'],
      ['railway.json', undefined, 'platform'],
      ['nixpacks.toml', undefined, 'platform'],
      ['.dockerignore', undefined, 'dockerignore'],
      ['README.md', undefined, undefined],
    ];
    for (const [path, text, kind] of cases) it(`${path} → ${kind}`, () => assert.strictEqual(classify(path, text), kind));
  });

  describe('development files', () => {
    it('the default globs are the setting default of package.json', () => {
      assert.deepStrictEqual([...DEFAULT_DEVELOPMENT_FILES], pkg.contributes.configuration.properties['cloudward.lint.developmentFiles'].default);
    });
    it('recognises dev/local/test/override parts and dev settings modules', () => {
      for (const p of ['Procfile.dev', '/w/compose.override.yaml', 'docker-compose.dev.yml', 'Dockerfile.dev', 'C:\\w\\Dockerfile.local', 'config/settings/dev.py', 'settings/test_ci.py', 'local_settings.py', 'compose-test.yaml']) {
        assert.ok(isDevelopmentFile(p), p);
      }
      for (const p of ['Procfile', 'compose.yaml', 'Dockerfile', 'config/settings/production.py', 'devices/Dockerfile', 'latest/Procfile', 'settings.py']) {
        assert.ok(!isDevelopmentFile(p), p);
      }
    });
    it('the globs can be overridden', () => {
      assert.ok(isDevelopmentFile('deploy/Procfile.staging', ['**/*.staging']));
      assert.ok(!isDevelopmentFile('Procfile.dev', []));
      assert.strictEqual(only(lint('Procfile.dev', 'web: python manage.py runserver\n', { developmentFiles: [] }), 'CW101').length, 1);
    });
  });

  describe('RULES and the registry', () => {
    it('every rule has metadata and a docs page path', () => {
      for (const id of ['CW001', 'CW101', 'CW107', 'CW401', 'CW410']) {
        const info = RULES.find((x) => x.id === id);
        assert.ok(info, id);
        assert.strictEqual(info.docs, `docs/rules/${id}.md`);
        assert.ok(info.summary.length > 10);
        assert.ok(getRule(id));
      }
      assert.deepStrictEqual(RULES.map((x) => x.id), [...RULES.map((x) => x.id)].sort());
    });
  });

  describe('suppressions', () => {
    const RUNSERVER = 'web: python manage.py runserver\n';
    it('on the line itself and on the line above', () => {
      assert.deepStrictEqual(only(lint('Procfile', 'web: python manage.py runserver  # cloudward: ignore=CW101 -- demo app\n'), 'CW101'), []);
      assert.deepStrictEqual(only(lint('Procfile', '# cloudward: ignore=CW106,CW101 -- demo\nweb: python manage.py runserver\n'), 'CW101'), []);
      // Not two lines below.
      assert.strictEqual(only(lint('Procfile', '# cloudward: ignore=CW101\nrelease: true\nweb: python manage.py runserver\n'), 'CW101').length, 1);
    });
    it('ignore-file anywhere; systemd ";" comments', () => {
      assert.deepStrictEqual(only(lint('Procfile', RUNSERVER + '# cloudward: ignore-file=CW101\n'), 'CW101'), []);
      const unit = '[Service]\n; cloudward: ignore=CW403\nEnvironment=SECRET_KEY=abc\n';
      assert.deepStrictEqual(only(lint('x.service', unit), 'CW403'), []);
    });
    it('other tools: hadolint (next instruction, global), noqa/nosec mapped ids', () => {
      const d = '# hadolint global ignore=DL3006\nFROM python\nCMD ["gunicorn", "x"]\n';
      assert.deepStrictEqual(only(lint('Dockerfile', d), 'CW404'), []);
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python:3.12\n# hadolint ignore=DL3025\nCMD gunicorn x\n'), 'CW107'), []);
      // A hadolint code with no equivalent silences nothing of ours.
      assert.strictEqual(only(lint('Dockerfile', 'FROM python:3.12\n# hadolint ignore=DL3008\nCMD gunicorn x\n'), 'CW107').length, 1);
    });
    it('CW001: a stale suppression is reported at the id, an unknown id too', () => {
      const text = 'web: gunicorn x  # cloudward: ignore=CW101\nworker: celery -A x worker  # cloudward: ignore=CW999\n';
      const hits = only(lint('Procfile', text), 'CW001');
      assert.strictEqual(hits.length, 2);
      assert.deepStrictEqual(hits[0].range, r(0, 37, 0, 42));
      assert.strictEqual(covered(text, hits[0].range), 'CW101');
      assert.strictEqual(hits[0].severity, 'info');
      assert.match(hits[1].message, /unknown rule CW999/);
    });
    it('CW001 stays quiet when the rule did not run (off, development file) and for other tools', () => {
      assert.deepStrictEqual(only(lint('Procfile', 'web: gunicorn x # cloudward: ignore=CW101\n', { rules: { CW101: 'off' } }), 'CW001'), []);
      assert.deepStrictEqual(only(lint('Procfile.dev', 'web: python manage.py runserver # cloudward: ignore=CW101\n'), 'CW001'), []);
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python:3.12\n# hadolint ignore=DL3002\nUSER app\n'), 'CW001'), []);
      assert.deepStrictEqual(only(lint('Procfile', 'web: gunicorn x # cloudward: ignore=CW101\n# cloudward: ignore-file=CW001\n'), 'CW001'), []);
    });
  });

  describe('severity overrides', () => {
    it('off removes, others replace the severity', () => {
      const text = 'web: python manage.py runserver\n';
      assert.deepStrictEqual(only(lint('Procfile', text, { rules: { CW101: 'off' } }), 'CW101'), []);
      assert.strictEqual(only(lint('Procfile', text, { rules: { CW101: 'info' } }), 'CW101')[0].severity, 'info');
      const d = 'FROM python:3.12\nEXPOSE 80\nCMD ["x"]\n';
      assert.strictEqual(only(lint('Dockerfile', d, { rules: { CW406: 'error' } }), 'CW406')[0].severity, 'error');
    });
  });

  describe('LintWorkspace', () => {
    it('indexes deploy files incrementally; removed files are forgotten', () => {
      const ws = new LintWorkspace({});
      assert.strictEqual(ws.setFile('/p/Procfile', 'web: python manage.py runserver\n'), true);
      assert.strictEqual(ws.setFile('/p/polls/views.py', 'def index(): ...\n'), false);
      assert.ok(ws.isDeployFile('/p/Dockerfile'));
      assert.ok(!ws.isDeployFile('/p/README.md'));
      assert.strictEqual(only(ws.lintFile('/p/Procfile'), 'CW101').length, 1);
      ws.setFile('/p/Procfile', 'web: gunicorn x --bind 0.0.0.0:$PORT\n');
      assert.deepStrictEqual(ws.lintFile('/p/Procfile'), []);
      ws.removeFile('/p/Procfile');
      assert.deepStrictEqual(ws.lintFile('/p/Procfile'), []);
      assert.deepStrictEqual(ws.lintAll().filter((f) => f.file === '/p/Procfile'), []);
    });
    it('a changed .dockerignore changes the Dockerfile findings (cross-file)', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/p/Dockerfile', 'FROM python:3.12-slim\nCOPY . .\n');
      assert.strictEqual(only(ws.lintFile('/p/Dockerfile'), 'CW405').length, 1);
      assert.ok(ws.dependentsOf('/p/.dockerignore').includes('/p/Dockerfile'));
      ws.setFile('/p/.dockerignore', '.git\n.env\n.venv\n');
      assert.strictEqual(only(ws.lintFile('/p/Dockerfile'), 'CW405').length, 0);
    });
    it('reports an unparsable file instead of throwing', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/p/fly.toml', '[processes\napp = "x"\n');
      const r0 = ws.lintFileWithProblems('/p/fly.toml');
      assert.deepStrictEqual(r0.findings, []);
      assert.strictEqual(r0.problems.length, 1);
      assert.match(r0.problems[0].message, /invalid TOML/);
    });
  });
});
