import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { LintWorkspace } from '../../../src/core/lint';
import type { Finding } from '../../../src/core/lint';
import { applyFix, lintFiles, only, rangeOf } from './helpers';
import { catchAll, certbotSite, hardenedUnit } from './cw-fixtures';

const production = fs.readFileSync(path.join(__dirname, '../../../../test/fixtures/lint/production_settings.py'), 'utf8');

const project: Record<string, string | undefined> = {
  'manage.py': undefined,
  'mysite/__init__.py': undefined,
  'mysite/wsgi.py': undefined,
  'mysite/urls.py': undefined,
  'mysite/settings.py': production,
  'deploy/nginx/polls.conf': certbotSite,
  'deploy/nginx/default': catchAll,
  'deploy/gunicorn.service': hardenedUnit,
  'deploy/gunicorn.socket': '[Unit]\nDescription=gunicorn socket\n\n[Socket]\nListenStream=/run/gunicorn.sock\nSocketUser=www-data\n\n[Install]\nWantedBy=sockets.target\n',
  Procfile: 'web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT --log-file -\n',
};

function one(findings: Finding[], file: string, text: string, needle: string, nth = 0): Finding {
  assert.strictEqual(findings.length, 1, JSON.stringify(findings.map((f) => [f.file, f.message])));
  assert.strictEqual(findings[0].file, file);
  assert.deepStrictEqual(findings[0].range, rangeOf(text, needle, nth));
  return findings[0];
}

describe('CW6xx: files that must agree', () => {
  it('say nothing about a consistent project (certbot site, socket-activated gunicorn, production settings)', () => {
    const ws = new LintWorkspace();
    for (const [p, t] of Object.entries(project)) ws.setFile(p, t);
    assert.deepStrictEqual(ws.lintAll().filter((f) => /^CW6/.test(f.rule)), []);
  });

  describe('CW601 proxy target vs app bind', () => {
    const site = 'server {\n    server_name a.example;\n    location / {\n        include proxy_params;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n';

    it('points at the proxy_pass target and relates the gunicorn bind', () => {
      const conf = 'bind = "127.0.0.1:8001"\nworkers = 3\n';
      const findings = lintFiles({ 'nginx/site.conf': site, 'gunicorn.conf.py': conf }, 'CW601');
      const f = one(findings, 'nginx/site.conf', site, 'http://127.0.0.1:8000');
      assert.strictEqual(f.severity, 'error');
      assert.deepStrictEqual(f.related?.map((r) => [r.file, r.range]), [['gunicorn.conf.py', rangeOf(conf, '"127.0.0.1:8001"')]]);
      assert.deepStrictEqual(lintFiles({ 'nginx/site.conf': site, 'gunicorn.conf.py': 'bind = ["127.0.0.1:8000"]\n' }, 'CW601'), []);
    });

    it('compares unix sockets with systemd ListenStream and --bind in ExecStart', () => {
      const unixSite = site.replace('http://127.0.0.1:8000', 'http://unix:/run/app.sock');
      const socket = '[Socket]\nListenStream=/run/gunicorn.sock\n';
      const findings = lintFiles({ 'nginx/site.conf': unixSite, 'gunicorn.socket': socket }, 'CW601');
      one(findings, 'nginx/site.conf', unixSite, 'http://unix:/run/app.sock');
      assert.deepStrictEqual(lintFiles({ 'nginx/site.conf': unixSite, 'app.service': '[Service]\nUser=app\nExecStart=/usr/bin/gunicorn --bind=unix:/run/app.sock app:app\n' }, 'CW601'), []);
    });

    it('checks upstream servers where they are written', () => {
      const up = 'upstream app {\n    server 127.0.0.1:9000 fail_timeout=0;\n}\nserver {\n    location / {\n        include proxy_params;\n        proxy_pass http://app;\n    }\n}\n';
      const findings = lintFiles({ 'nginx/site.conf': up, Procfile: 'web: gunicorn app:app -b 127.0.0.1:8000\n' }, 'CW601');
      one(findings, 'nginx/site.conf', up, '127.0.0.1:9000');
    });

    it('does not report other local services once one target is the app', () => {
      const multi = 'server {\n    location / {\n        include proxy_params;\n        proxy_pass http://127.0.0.1:3000;\n    }\n    location /api/ {\n        include proxy_params;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n';
      assert.deepStrictEqual(lintFiles({ 'nginx/site.conf': multi, 'gunicorn.conf.py': 'bind = "127.0.0.1:8000"\n' }, 'CW601'), []);
    });

    it('is silent when no bind is known, or the bind is a variable', () => {
      assert.deepStrictEqual(lintFiles({ 'nginx/site.conf': site }, 'CW601'), []);
      assert.deepStrictEqual(lintFiles({ 'nginx/site.conf': site, Procfile: 'web: gunicorn app:app --bind 0.0.0.0:$PORT\n' }, 'CW601'), []);
    });
  });

  describe('CW602 static folder vs STATIC_ROOT', () => {
    const settings = 'from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nINSTALLED_APPS = []\nSTATIC_URL = "/static/"\nSTATIC_ROOT = BASE_DIR / "staticfiles"\n';

    it('points at the alias and relates STATIC_ROOT', () => {
      const site = 'server {\n    location /static/ {\n        alias /srv/polls/static/;\n    }\n}\n';
      const findings = lintFiles({ 'mysite/settings.py': settings, 'nginx/site.conf': site }, 'CW602');
      const f = one(findings, 'nginx/site.conf', site, '/srv/polls/static/');
      assert.deepStrictEqual(f.related?.map((r) => [r.file, r.range]), [['mysite/settings.py', rangeOf(settings, 'BASE_DIR / "staticfiles"')]]);
    });

    it('accepts the folder under any deploy path, and root + location', () => {
      const alias = 'server {\n    location /static/ {\n        alias /srv/polls/staticfiles/;\n    }\n}\n';
      const root = 'server {\n    location /static/ {\n        root /srv/polls/staticfiles/..;\n    }\n}\n';
      assert.deepStrictEqual(lintFiles({ 'mysite/settings.py': settings, 'nginx/site.conf': alias }, 'CW602'), []);
      const f = lintFiles({ 'mysite/settings.py': settings, 'nginx/site.conf': root }, 'CW602');
      assert.strictEqual(f.length, 1, 'root + /static/ is /srv/polls/static, not staticfiles');
      const absolute = 'STATIC_URL = "static/"\nSTATIC_ROOT = "/var/www/static"\nINSTALLED_APPS = []\n';
      const rooted = 'server {\n    location /static {\n        root /var/www;\n    }\n}\n';
      assert.deepStrictEqual(lintFiles({ 'mysite/settings.py': absolute, 'nginx/site.conf': rooted }, 'CW602'), []);
    });

    it('compares the whole STATIC_ROOT path from the project root, not only the folder name', () => {
      // BASE_DIR is src/ (settings in src/blog/): STATIC_ROOT is <project>/src/blog/staticfiles.
      const nested = 'from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nINSTALLED_APPS = []\nSTATIC_URL = "/static/"\nSTATIC_ROOT = BASE_DIR / "blog" / "staticfiles"\n';
      const site = (alias: string) => `server {\n    location /static/ {\n        alias ${alias};\n    }\n}\n`;
      const files = (alias: string) => ({ 'src/blog/settings.py': nested, 'src/manage.py': 'import os\n', 'deploy/nginx/site.conf': site(alias) });
      const wrong = lintFiles(files('/srv/blog/staticfiles/'), 'CW602');
      assert.strictEqual(wrong.length, 1, JSON.stringify(wrong));
      assert.match(wrong[0].message, /STATIC_ROOT is <project>\/src\/blog\/staticfiles$/);
      assert.deepStrictEqual(lintFiles(files('/srv/blog/src/blog/staticfiles/'), 'CW602'), []);
      // os.path spelling of BASE_DIR, and the plain layout: settings in mysite/, BASE_DIR the project root.
      const osPath = 'import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\nINSTALLED_APPS = []\nSTATIC_URL = "/static/"\nSTATIC_ROOT = os.path.join(BASE_DIR, "staticfiles")\n';
      assert.deepStrictEqual(lintFiles({ 'mysite/settings.py': osPath, 'nginx/site.conf': site('/srv/app/staticfiles/') }, 'CW602'), []);
      assert.strictEqual(lintFiles({ 'mysite/settings.py': osPath, 'nginx/site.conf': site('/srv/app/mysite/static/') }, 'CW602').length, 1);
    });
  });

  describe('CW603 SSL redirect loop', () => {
    const proxied = 'server {\n    location / {\n        proxy_set_header Host $host;\n        proxy_pass http://127.0.0.1:8000;\n    }\n}\n';

    it('points at SECURE_SSL_REDIRECT when no SECURE_PROXY_SSL_HEADER is set; the fix adds it', () => {
      const settings = 'INSTALLED_APPS = []\nSECURE_SSL_REDIRECT = True\nDEBUG = False\n';
      const findings = lintFiles({ 'mysite/settings.py': settings, 'nginx/site.conf': proxied }, 'CW603');
      const f = one(findings, 'mysite/settings.py', settings, 'True');
      assert.strictEqual(f.related?.[0].file, 'nginx/site.conf');
      assert.strictEqual(applyFix(settings, f), 'INSTALLED_APPS = []\nSECURE_SSL_REDIRECT = True\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\nDEBUG = False\n');
    });

    it('with the header set, points at nginx that does not send X-Forwarded-Proto; the fix edits nginx', () => {
      const settings = 'INSTALLED_APPS = []\nSECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\nSECURE_SSL_REDIRECT = True\n';
      const f = one(lintFiles({ 'mysite/settings.py': settings, 'nginx/site.conf': proxied }, 'CW603'), 'mysite/settings.py', settings, 'True');
      const fixedSite = applyFix(proxied, f, 'nginx/site.conf');
      assert.match(fixedSite, /proxy_set_header X-Forwarded-Proto \$scheme;\n {8}proxy_pass/);
      assert.deepStrictEqual(lintFiles({ 'mysite/settings.py': settings, 'nginx/site.conf': fixedSite }, 'CW603'), []);
    });

    it('counts a Procfile platform as a proxy, and is silent without any proxy', () => {
      const settings = 'INSTALLED_APPS = []\nSECURE_SSL_REDIRECT = True\n';
      assert.strictEqual(lintFiles({ 'mysite/settings.py': settings, Procfile: 'web: gunicorn mysite.wsgi\n' }, 'CW603').length, 1);
      assert.deepStrictEqual(lintFiles({ 'mysite/settings.py': settings }, 'CW603'), []);
    });
  });

  describe('CW604 start module exists', () => {
    const files = { 'manage.py': undefined, 'mysite/__init__.py': undefined, 'mysite/settings.py': 'INSTALLED_APPS = []\n', 'mysite/wsgi.py': undefined };

    it('points at the missing module; the fix names the project’s application', () => {
      const procfile = 'release: python manage.py migrate\nweb: gunicorn mysit.wsgi --workers 3 --bind 0.0.0.0:$PORT\n';
      const f = one(lintFiles({ ...files, Procfile: procfile }, 'CW604'), 'Procfile', procfile, 'mysit.wsgi');
      assert.strictEqual(applyFix(procfile, f), procfile.replace('mysit.wsgi', 'mysite.wsgi'));
    });

    it('reads the parsed start commands, not text: a server named in an echo or a comment is no start command', () => {
      const script = '#!/bin/sh\necho "then run: gunicorn mysite.wsgy:app"\n# gunicorn mysit.wsgi\nexec gunicorn mysite.wsgi:application --bind 0.0.0.0:8000\n';
      assert.deepStrictEqual(lintFiles({ ...files, 'start.sh': script }, 'CW604'), []);
      const wrong = script.replace('exec gunicorn mysite.wsgi:application', 'exec gunicorn "mysite.wsgy:application"');
      one(lintFiles({ ...files, 'start.sh': wrong }, 'CW604'), 'start.sh', wrong, 'mysite.wsgy:application');
    });

    it('reads exec-form Dockerfiles, Kubernetes args and systemd units', () => {
      const docker = 'FROM python:3.12-slim\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "-k", "uvicorn.workers.UvicornWorker", "app.main:app"]\n';
      one(lintFiles({ ...files, Dockerfile: docker }, 'CW604'), 'Dockerfile', docker, 'app.main:app');
      assert.deepStrictEqual(lintFiles({ ...files, 'app/__init__.py': undefined, 'app/main.py': undefined, Dockerfile: docker }, 'CW604'), []);
      const k8s = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: polls:1.0\n          command: ["gunicorn"]\n          args:\n            - --workers\n            - "3"\n            - mysite.wsgi:application\n';
      assert.deepStrictEqual(lintFiles({ ...files, 'k8s/web.yaml': k8s }, 'CW604'), []);
      assert.deepStrictEqual(lintFiles({ ...files, 'app.service': hardenedUnit }, 'CW604'), []);
    });

    it('is silent when the workspace index knows no Python sources', () => {
      assert.deepStrictEqual(lintFiles({ Procfile: 'web: gunicorn nowhere.wsgi\n' }, 'CW604'), []);
    });
  });

  describe('CW605 ports agree', () => {
    it('Dockerfile EXPOSE vs the bind in CMD', () => {
      const docker = 'FROM python:3.12-slim\nEXPOSE 8080\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]\n';
      const f = one(lintFiles({ Dockerfile: docker }, 'CW605'), 'Dockerfile', docker, '8080');
      assert.strictEqual(f.related?.[0].file, 'Dockerfile');
      assert.deepStrictEqual(lintFiles({ Dockerfile: docker.replace('EXPOSE 8080', 'EXPOSE 8000') }, 'CW605'), []);
    });

    it('Kubernetes probes and Services vs containerPort', () => {
      const k8s = [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: web}',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: web',
        '          image: polls:1.0',
        '          args: ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]',
        '          ports:',
        '            - containerPort: 8000',
        '          readinessProbe:',
        '            httpGet: {path: /healthz, port: 8080}',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: web}',
        'spec:',
        '  ports:',
        '    - port: 80',
        '      targetPort: 9000',
        '',
      ].join('\n');
      const findings = only(lintFiles({ 'k8s/web.yaml': k8s }, 'CW605'), 'CW605');
      assert.deepStrictEqual(findings.map((f) => f.range), [rangeOf(k8s, '8080'), rangeOf(k8s, '9000')]);
      const good = k8s.replace('port: 8080', 'port: 8000').replace('targetPort: 9000', 'targetPort: 8000');
      assert.deepStrictEqual(lintFiles({ 'k8s/web.yaml': good }, 'CW605'), []);
    });

    it('Kubernetes: binds, probes and Service targets against containerPorts, across files, with the ports named and five related at most', () => {
      const a = [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '        - name: web',
        '          args: ["gunicorn", "--bind", "0.0.0.0:8001", "--bind", "0.0.0.0:8002", "mysite.wsgi"]',
        '          ports: [{containerPort: 8000}, {containerPort: 7000}]',
        '          livenessProbe: {tcpSocket: {port: 8000}}',
        '        - name: side',
        '          ports: [{containerPort: 9100}]',
        '          startupProbe: {httpGet: {port: 9101}}',
        '---',
        'apiVersion: v1',
        'kind: Service',
        'spec:',
        '  ports: [{port: 80, targetPort: 9000}, {port: 81, targetPort: 8000}]',
        '',
      ].join('\n');
      const b = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: j\n      ports: [{containerPort: 5001}, {containerPort: 5002}, {containerPort: 5003}]\n';
      const findings = only(lintFiles({ 'k8s/a.yaml': a, 'k8s/b.yaml': b }, 'CW605'), 'CW605');
      assert.deepStrictEqual(
        findings.map((f) => [f.file, f.message, f.related?.map((r) => r.file)]),
        [
          ['k8s/a.yaml', 'containerPort 8000 disagrees with the server in this container binds 8001/8002', ['k8s/a.yaml', 'k8s/a.yaml']],
          ['k8s/a.yaml', 'startupProbe 9101 disagrees with containerPort 9100', ['k8s/a.yaml']],
          ['k8s/a.yaml', 'Service targetPort 9000 disagrees with containerPort 8000/7000/9100/5001/5002/5003', ['k8s/a.yaml', 'k8s/a.yaml', 'k8s/a.yaml', 'k8s/b.yaml', 'k8s/b.yaml']],
        ],
      );
      assert.deepStrictEqual(findings.map((f) => f.range), [rangeOf(a, '8000'), rangeOf(a, '9101'), rangeOf(a, '9000')]);
    });

    it('compose services other than the app are not compared', () => {
      const compose = 'services:\n  web:\n    build: .\n    command: gunicorn mysite.wsgi --bind 0.0.0.0:8000\n    ports:\n      - "8000:8000"\n  frontend:\n    build: ./frontend\n    command: npm run start\n    ports:\n      - "3000:3000"\n';
      assert.deepStrictEqual(lintFiles({ 'compose.yaml': compose }, 'CW605'), []);
    });

    it('a built service without a command is compared with the Dockerfile', () => {
      const docker = 'FROM python:3.12-slim\nEXPOSE 8000\nCMD ["gunicorn", "--bind", "0.0.0.0:8000", "mysite.wsgi"]\n';
      const compose = 'services:\n  web:\n    build: .\n    ports:\n      - "80:8080"\n';
      const f = lintFiles({ Dockerfile: docker, 'compose.yaml': compose }, 'CW605');
      assert.strictEqual(f.length, 1);
      assert.strictEqual(f[0].file, 'compose.yaml');
      assert.strictEqual(f[0].related?.[0].file, 'Dockerfile');
    });

    it('compose ports of the built service vs the app bind', () => {
      const compose = 'services:\n  web:\n    build: .\n    command: gunicorn mysite.wsgi --bind 0.0.0.0:8000\n    ports:\n      - "8080:8080"\n  db:\n    image: postgres:16\n    ports:\n      - "127.0.0.1:5432:5432"\n';
      const f = lintFiles({ 'compose.yaml': compose }, 'CW605');
      assert.strictEqual(f.length, 1);
      assert.deepStrictEqual(f[0].range, { start: { line: 5, character: 14 }, end: { line: 5, character: 18 } });
      assert.deepStrictEqual(lintFiles({ 'compose.yaml': compose.replace('"8080:8080"', '"8080:8000"') }, 'CW605'), []);
    });
  });
});

describe('CW2xx-CW6xx on hostile input', () => {
  it('never fail, whatever the files hold', () => {
    const fc = require('fast-check') as typeof import('fast-check');
    const tokens = fc.constantFrom(
      'DEBUG = True\n', 'SECRET_KEY = "x"\n', 'ALLOWED_HOSTS = ["*"\n', 'INSTALLED_APPS = [\n', '"django.contrib.staticfiles"', 'MIDDLEWARE = (', 'DATABASES = {"default": {',
      'app.run(debug=True)', 'if __name__ == "__main__":\n', 'server {', 'location /static {', 'alias /x/;', 'proxy_pass http://unix:/run/a.sock;', '}', 'upstream u {', 'server 127.0.0.1:1;',
      '[Service]\n', 'ExecStart=/usr/bin/gunicorn --bind ', '\\\n', 'ListenStream=', '--bind', ' 0.0.0.0:8000 ', 'gunicorn ', 'mysite.wsgi', '"', "'", '\n', '  ', '#', ';', '{', '[', '(', ')', ']', '$PORT', 'EXPOSE 80\n', 'CMD ["gunicorn"', 'ports:\n  - "80:80"\n', 'containerPort: 8000\n', 'kind: Service\n',
    );
    const content = fc.oneof(fc.array(tokens, { maxLength: 40 }).map((a) => a.join('')), fc.string({ maxLength: 200 }));
    const names = ['mysite/settings.py', 'app.py', 'nginx/site.conf', 'app.service', 'app.socket', 'gunicorn.conf.py', 'uwsgi.ini', 'Procfile', 'Dockerfile', 'compose.yaml', 'k8s/web.yaml'];
    fc.assert(
      fc.property(fc.array(content, { minLength: names.length, maxLength: names.length }), (texts) => {
        const ws = new LintWorkspace();
        ws.setFile('mysite/wsgi.py');
        names.forEach((n, i) => ws.setFile(n, n === 'app.py' ? 'from flask import Flask\napp = Flask(__name__)\n' + texts[i] : n === 'k8s/web.yaml' ? 'apiVersion: v1\nkind: Pod\n' + texts[i] : texts[i]));
        const { problems } = ws.lintAllWithProblems();
        const failures = problems.filter((p) => /rule CW[2356]\d\d failed/.test(p.message));
        assert.deepStrictEqual(failures, []);
      }),
      { numRuns: 300 },
    );
  });
});
