import { IMAGE_TAGS, IMAGE_TAGS_CHECKED } from '../../../src/core/imageTags';
import * as assert from 'assert';
import * as F from './fixtures';
import { applyFix, covered, expectOne, lint, LintWorkspace, only, r } from './helpers';

describe('lint rules CW401-CW410 (images, containers, clusters)', () => {
  describe('CW401 runs as root', () => {
    it('Dockerfile without USER: flags the final FROM, fix adds a user before CMD', () => {
      const text = 'FROM python:3.12-slim AS build\nRUN echo\nFROM python:3.12-slim\nCOPY . /app\nCMD ["gunicorn", "x"]\n';
      const f = expectOne(lint('Dockerfile', text), 'CW401', text, r(2, 0, 2, 4), 'FROM');
      const fixed = applyFix(text, f);
      assert.match(fixed, /useradd[^\n]*\nUSER app\nCMD \["gunicorn", "x"\]\n$/);
      assert.deepStrictEqual(only(lint('Dockerfile', fixed), 'CW401'), []);
    });
    it('USER root explicitly (and USER 0); honours # hadolint ignore=DL3002', () => {
      const text = 'FROM python:3.12-slim\nUSER root\nCMD ["gunicorn", "x"]\n';
      expectOne(lint('Dockerfile', text), 'CW401', text, r(1, 5, 1, 9), 'root');
      const zero = 'FROM python:3.12-alpine\nUSER 0:0\n';
      assert.match(applyFix(zero, only(lint('Dockerfile', zero), 'CW401')[0]), /adduser -S -G app app\nUSER app/);
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python:3.12-slim\n# hadolint ignore=DL3002\nUSER root\n'), 'CW401'), []);
    });
    it('a stage inheriting USER from an earlier stage is fine', () => {
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python:3.12-slim AS base\nUSER app\nFROM base\nCMD ["gunicorn", "x"]\n'), 'CW401'), []);
    });
    it('Kubernetes container without runAsNonRoot: flags its name, fix inserts a securityContext', () => {
      const text = 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n';
      const f = expectOne(lint('deploy.yaml', text), 'CW401', text, r(6, 16, 6, 19), 'web');
      const fixed = applyFix(text, f);
      assert.strictEqual(fixed, text.replace('image: web:1.0\n', 'image: web:1.0\n          securityContext:\n            runAsNonRoot: true\n            runAsUser: 10001\n'));
      assert.deepStrictEqual(only(lint('deploy.yaml', fixed), 'CW401'), []);
    });
    it('compose user: root', () => {
      const text = 'services:\n  web:\n    image: web:1\n    user: root\n';
      const f = expectOne(lint('compose.yaml', text), 'CW401', text, r(3, 10, 3, 14), 'root');
      assert.strictEqual(applyFix(text, f), 'services:\n  web:\n    image: web:1\n    user: "10001:10001"\n');
    });
  });

  describe('CW402 debug through the environment', () => {
    it('Dockerfile ENV, compose (map and list), Kubernetes env, systemd Environment=', () => {
      const d = 'FROM python:3.12-slim\nENV DJANGO_DEBUG=True\n';
      const f = expectOne(lint('Dockerfile', d), 'CW402', d, r(1, 17, 1, 21), 'True');
      assert.strictEqual(applyFix(d, f), 'FROM python:3.12-slim\nENV DJANGO_DEBUG=False\n');
      const c = 'services:\n  web:\n    image: x:1\n    environment:\n      - FLASK_DEBUG=1\n      - FLASK_ENV=development\n';
      const hits = only(lint('compose.yaml', c), 'CW402');
      assert.deepStrictEqual(hits.map((h) => covered(c, h.range)), ['1', 'development']);
      const k = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      env:\n        - name: DEBUG\n          value: "true"\n';
      expectOne(lint('pod.yaml', k), 'CW402', k, r(7, 18, 7, 22), 'true');
      const s = '[Service]\nUser=app\nEnvironment="DJANGO_DEBUG=1" LANG=C\n';
      expectOne(lint('app.service', s), 'CW402', s, r(2, 12, 2, 28));
    });
    it('silent in development files and for off values', () => {
      assert.deepStrictEqual(only(lint('docker-compose.dev.yml', 'services:\n  web:\n    environment:\n      DEBUG: "1"\n'), 'CW402'), []);
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python:3.12-slim\nENV DEBUG=0 FLASK_ENV=production\n'), 'CW402'), []);
    });
  });

  describe('CW403 literal secrets in the environment', () => {
    it('compose SECRET_KEY literal → ${SECRET_KEY}', () => {
      const text = 'services:\n  web:\n    image: x:1\n    environment:\n      SECRET_KEY: "s3cr3t-value"\n';
      const f = expectOne(lint('compose.yaml', text), 'CW403', text, r(4, 19, 4, 31), 's3cr3t-value');
      assert.strictEqual(applyFix(text, f), 'services:\n  web:\n    image: x:1\n    environment:\n      SECRET_KEY: "${SECRET_KEY}"\n');
    });
    it('the password inside a DATABASE_URL', () => {
      const text = 'FROM python:3.12-slim\nENV DATABASE_URL=postgres://app:hunter2@db:5432/app\n';
      expectOne(lint('Dockerfile', text), 'CW403', text, r(1, 32, 1, 39), 'hunter2');
    });
    it('Kubernetes env value → secretKeyRef', () => {
      const text = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      env:\n        - name: API_TOKEN\n          value: abc123\n';
      const f = expectOne(lint('pod.yaml', text), 'CW403', text, r(7, 17, 7, 23), 'abc123');
      assert.match(applyFix(text, f), /- name: API_TOKEN\n {10}valueFrom: \{ secretKeyRef: \{ name: app-secrets, key: api-token \} \}\n/);
    });
    it('ARG with a default value, and systemd', () => {
      const text = 'FROM python:3.12-slim\nARG DB_PASSWORD=changeme\n';
      const f = expectOne(lint('Dockerfile', text), 'CW403', text, r(1, 16, 1, 24), 'changeme');
      assert.strictEqual(applyFix(text, f), 'FROM python:3.12-slim\nARG DB_PASSWORD\n');
      const s = '[Service]\nEnvironment=SECRET_KEY=abc\n';
      expectOne(lint('x.service', s), 'CW403', s, r(1, 23, 1, 26), 'abc');
    });
    it('references, valueFrom and empty values are fine', () => {
      const c = 'services:\n  web:\n    image: x:1\n    environment:\n      SECRET_KEY: ${SECRET_KEY}\n      DB_PASSWORD:\n      - ignored\n';
      assert.deepStrictEqual(only(lint('compose.yaml', c), 'CW403'), []);
      assert.deepStrictEqual(only(lint('k.yaml', F.PROD_K8S), 'CW403'), []);
    });
  });

  describe('CW404 mutable images', () => {
    it('the one table of tags (fix and generators) was checked within the last year', () => {
      const age = (Date.now() - Date.parse(IMAGE_TAGS_CHECKED)) / 86_400_000;
      assert.ok(age < 366, `src/core/imageTags.ts was checked ${Math.floor(age)} days ago: check each tag against its project's supported releases and bump IMAGE_TAGS_CHECKED`);
    });

    it('FROM without a tag / :latest; stage names and scratch are not images', () => {
      const text = 'FROM python AS build\nFROM build AS b2\nFROM scratch\nFROM nginx:latest\n';
      const hits = only(lint('Dockerfile', text), 'CW404');
      assert.deepStrictEqual(hits.map((h) => [covered(text, h.range), h.range.start.line]), [['python', 0], ['nginx:latest', 3]]);
      assert.strictEqual(applyFix(text, hits[0]).split('\n')[0], `FROM python:${IMAGE_TAGS.python} AS build`, 'the tag table the generators use');
      assert.strictEqual(applyFix(text, hits[1]).split('\n')[3], `FROM nginx:${IMAGE_TAGS.nginx}`);
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python@sha256:abc\nFROM registry:5000/team/app:1.2\n'), 'CW404'), []);
    });
    it('compose image: (not when built) and Kubernetes image:', () => {
      const c = 'services:\n  db:\n    image: "postgres"\n  web:\n    build: .\n    image: mysite\n';
      expectOne(lint('compose.yaml', c), 'CW404', c, r(2, 12, 2, 20), 'postgres');
      const k = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      image: ghcr.io/acme/web:latest\n';
      expectOne(lint('pod.yaml', k), 'CW404', k, r(5, 13, 5, 36), 'ghcr.io/acme/web:latest');
    });
  });

  describe('CW405 build context leaks', () => {
    it('COPY . with no .dockerignore: fix creates one', () => {
      const ws = new LintWorkspace({});
      const text = 'FROM python:3.12-slim\nCOPY . /app\n';
      ws.setFile('/p/Dockerfile', text);
      const f = expectOne(ws.lintFile('/p/Dockerfile'), 'CW405', text, r(1, 5, 1, 6), '.');
      assert.strictEqual(f.fix?.edits[0].file, '/p/.dockerignore');
      assert.strictEqual(f.fix?.edits[0].create, true);
      assert.match(f.fix!.edits[0].edits[0].newText, /^\.env\n\.git\n\.venv\nvenv\n/);
    });
    it('a .dockerignore missing .env: fix appends; complete one: silent', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/p/Dockerfile', 'FROM python:3.12-slim\nCOPY --chown=app . .\n');
      ws.setFile('/p/.dockerignore', '.git\n**/.venv\n');
      const f = only(ws.lintFile('/p/Dockerfile'), 'CW405')[0];
      assert.match(f.message, /\.env/);
      assert.doesNotMatch(f.message, /\.git/);
      assert.strictEqual(f.fix?.edits[0].edits[0].newText, '.env\n');
      ws.setFile('/p/.dockerignore', '*\n!mysite\n!manage.py\n!requirements.txt\n');
      assert.deepStrictEqual(only(ws.lintFile('/p/Dockerfile'), 'CW405'), []);
    });
    it('does not run on a lone file (needs the workspace)', () => {
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python:3.12-slim\nCOPY . .\n'), 'CW405'), []);
    });
  });

  describe('CW406 health checks', () => {
    it('Kubernetes container without probes (warning), fix adds TCP probes on its port', () => {
      const text = 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1.0\n          ports:\n            - containerPort: 8080\n';
      const f = expectOne(lint('deploy.yaml', text), 'CW406', text, r(6, 16, 6, 19), 'web');
      assert.strictEqual(f.severity, 'warning');
      const fixed = applyFix(text, f);
      assert.match(fixed, /- containerPort: 8080\n {10}readinessProbe:\n {12}tcpSocket:\n {14}port: 8080\n/);
      assert.deepStrictEqual(only(lint('deploy.yaml', fixed), 'CW406'), []);
    });
    it('Dockerfile without HEALTHCHECK (info); Jobs need none', () => {
      const text = 'FROM python:3.12-slim\nEXPOSE 8000\nCMD ["gunicorn", "x"]\n';
      const f = expectOne(lint('Dockerfile', text), 'CW406', text, r(0, 0, 0, 4));
      assert.strictEqual(f.severity, 'info');
      assert.match(applyFix(text, f), /EXPOSE 8000\nHEALTHCHECK [^\n]*8000[^\n]*\nCMD/);
      assert.deepStrictEqual(only(lint('job.yaml', 'apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers:\n        - name: migrate\n          image: web:1\n'), 'CW406'), []);
    });
  });

  describe('CW407 resources', () => {
    it('lists what is missing; fix adds requests and limits', () => {
      const text = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      image: web:1\n';
      const f = expectOne(lint('pod.yaml', text), 'CW407', text, r(4, 12, 4, 15), 'web');
      assert.match(f.message, /requests\.cpu, requests\.memory, limits\.cpu, limits\.memory/);
      assert.deepStrictEqual(only(lint('pod.yaml', applyFix(text, f)), 'CW407'), []);
      const partial = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      resources:\n        requests: {cpu: 100m, memory: 1Gi}\n';
      assert.match(only(lint('pod.yaml', partial), 'CW407')[0].message, /no limits\.cpu, limits\.memory$/);
    });
  });

  describe('CW408 privileged', () => {
    it('privileged and allowPrivilegeEscalation true; docker.sock mounts', () => {
      const k = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      securityContext:\n        privileged: true\n        allowPrivilegeEscalation: true\n  volumes:\n    - name: sock\n      hostPath:\n        path: /var/run/docker.sock\n';
      const hits = only(lint('pod.yaml', k), 'CW408');
      assert.deepStrictEqual(hits.map((h) => covered(k, h.range)), ['true', 'true', '/var/run/docker.sock']);
      assert.strictEqual(applyFix(k, hits[0]).split('\n')[6], '        privileged: false');
      const c = 'services:\n  ci:\n    image: docker:27\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - data:/data\n';
      const f = expectOne(lint('compose.yaml', c), 'CW408', c, r(4, 8, 4, 49));
      assert.strictEqual(applyFix(c, f), 'services:\n  ci:\n    image: docker:27\n    volumes:\n      - data:/data\n');
    });
  });

  describe('CW409 database ports on all interfaces', () => {
    it('"5432:5432" → 127.0.0.1:5432:5432; loopback and app ports are fine', () => {
      const text = 'services:\n  db:\n    image: postgres:16\n    ports:\n      - "5432:5432"\n  cache:\n    image: redis:7\n    ports:\n      - 127.0.0.1:6379:6379\n  web:\n    image: web:1\n    ports:\n      - "8000:8000"\n';
      const f = expectOne(lint('compose.yaml', text), 'CW409', text, r(4, 9, 4, 18), '5432:5432');
      assert.strictEqual(applyFix(text, f).split('\n')[4], '      - "127.0.0.1:5432:5432"');
      const all = 'services:\n  db:\n    image: mysql:8.4\n    ports:\n      - 0.0.0.0:3306:3306\n';
      assert.strictEqual(applyFix(all, only(lint('compose.yaml', all), 'CW409')[0]).split('\n')[4], '      - 127.0.0.1:3306:3306');
    });
  });

  describe('CW410 source bind mounts', () => {
    it('.:/app in compose.yaml, not in compose.override.yaml', () => {
      const text = 'services:\n  web:\n    image: web:1\n    volumes:\n      - .:/app\n      - static:/app/staticfiles\n';
      const f = expectOne(lint('compose.yaml', text), 'CW410', text, r(4, 8, 4, 14), '.:/app');
      assert.strictEqual(applyFix(text, f), 'services:\n  web:\n    image: web:1\n    volumes:\n      - static:/app/staticfiles\n');
      assert.deepStrictEqual(only(lint('compose.override.yaml', text), 'CW410'), []);
      assert.deepStrictEqual(only(lint('compose.yaml', 'services:\n  db:\n    image: postgres:16\n    volumes:\n      - ./initdb:/docker-entrypoint-initdb.d\n'), 'CW410'), []);
    });
  });
});
