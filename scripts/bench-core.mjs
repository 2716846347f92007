// The bench's core figures: lint, detection, generation (from the production bundle dist/core.js and
// dist/cli.js, what users run), each with a baseline measured in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// ---------- synthetic inputs, the sizes the budgets name ----------

/** A Django settings module of about `lines` lines: assignments, lists, dicts, comments, env reads. */
export function settingsFile(lines = 5000) {
  const head = ['import os', 'from pathlib import Path', '', 'BASE_DIR = Path(__file__).resolve().parent.parent',
    'SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]', 'DEBUG = os.environ.get("DJANGO_DEBUG") == "1"',
    'ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")', 'STATIC_URL = "/static/"', 'STATIC_ROOT = BASE_DIR / "staticfiles"', ''];
  const out = [...head];
  for (let i = 0; out.length < lines; i++) {
    out.push(`# Feature flags and tuning for module ${i}`, `FEATURE_${i}_ENABLED = os.environ.get("FEATURE_${i}", "0") == "1"`,
      `FEATURE_${i}_OPTIONS = {`, `    "timeout": ${i % 60},`, `    "name": "feature-${i}",`, `    "targets": ["a", "b", 'c'],`, '}',
      `FEATURE_${i}_HOSTS = [`, `    "host-${i}.internal",  # internal`, '    """multi', `    line ${i}""",`, ']', '');
  }
  return out.slice(0, lines).join('\n') + '\n';
}

/** Multi-document Kubernetes YAML of about `bytes` bytes. */
export function kubernetesYaml(bytes = 1024 * 1024) {
  const doc = (i) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${i}
  labels: { app: web-${i} }
spec:
  replicas: 2
  selector:
    matchLabels: { app: web-${i} }
  template:
    metadata:
      labels: { app: web-${i} }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 10001 }
      containers:
        - name: web
          image: registry.example.com/web:1.4.${i}
          command: ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]
          ports: [{ containerPort: 8000 }]
          envFrom: [{ configMapRef: { name: web-config } }, { secretRef: { name: web-secrets } }]
          readinessProbe: { httpGet: { path: /healthz, port: 8000 } }
          livenessProbe: { httpGet: { path: /healthz, port: 8000 } }
          resources: { requests: { cpu: 100m, memory: 128Mi }, limits: { cpu: "1", memory: 512Mi } }
---
apiVersion: v1
kind: Service
metadata: { name: web-${i} }
spec:
  selector: { app: web-${i} }
  ports: [{ port: 80, targetPort: 8000 }]
---
`;
  let s = '';
  for (let i = 0; s.length < bytes; i++) s += doc(i);
  return s;
}

/** An nginx config of about `lines` lines: many server blocks for a proxied Django app. */
export function nginxConfig(lines = 2000) {
  const out = ['upstream app_server {', '    server unix:/run/gunicorn.sock fail_timeout=0;', '}', '',
    'server {', '    listen 80 default_server;', '    server_name _;', '    return 444;', '}', ''];
  for (let i = 0; out.length < lines; i++) {
    out.push('server {', '    listen 80;', `    server_name site${i}.example.com;`, '    client_max_body_size 10m;', '',
      '    location /static/ {', '        alias /srv/app/staticfiles/;', '    }', '',
      '    location / {', '        proxy_set_header Host $host;', '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      '        proxy_set_header X-Forwarded-Proto $scheme;', '        proxy_pass http://app_server;', '    }', '}', '');
  }
  return out.slice(0, lines).join('\n') + '\n';
}

/** A Django project of `count` files: apps with models, views, templates and static files. */
export function syntheticProject(dir, count = 2000) {
  const w = (p, t) => { mkdirSync(join(dir, p, '..'), { recursive: true }); writeFileSync(join(dir, p), t); };
  w('manage.py', "#!/usr/bin/env python\nimport os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n");
  w('mysite/__init__.py', '');
  w('mysite/settings.py', settingsFile(200));
  w('mysite/wsgi.py', "import os\nfrom django.core.wsgi import get_wsgi_application\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\napplication = get_wsgi_application()\n");
  w('requirements.txt', 'Django>=4.2\ngunicorn\npsycopg[binary]\n');
  w('.python-version', '3.12\n');
  let n = 6;
  for (let a = 0; n < count; a++) {
    for (const f of ['__init__.py', 'models.py', 'views.py', 'urls.py', 'admin.py', 'apps.py', 'tests.py', 'migrations/__init__.py', 'migrations/0001_initial.py']) {
      if (n >= count) break;
      w(`app${a}/${f}`, `# app ${a}\nfrom django.db import models\n`); n++;
    }
    for (let t = 0; t < 6 && n < count; t++, n++) w(`app${a}/templates/app${a}/page${t}.html`, `<h1>{{ title }}</h1>\n`);
    for (let s = 0; s < 5 && n < count; s++, n++) w(`app${a}/static/app${a}/file${s}.css`, 'body { margin: 0 }\n');
  }
  return dir;
}

// ---------- sections ----------
export function sections({ figure, time, notes, root, require, RUNS }) {
  const core = () => require(join(root, 'dist', 'core.js'));
  // Wall times, with the CPU times of the same runs as `.cpu` (pass them to figure()).
  const samples = (n, fn) => {
    fn();
    const wall = [], cpu = [];
    for (let i = 0; i < n; i++) { const [w, , c] = time(fn); wall.push(w); cpu.push(c); }
    return Object.assign(wall, { cpu });
  };
  const readSplit = (file) => () => readFileSync(file, 'utf8').split('\n').length;
  const n = Math.max(10, RUNS * 4);
  return {
    lint: async () => {
      execFileSync(process.execPath, ['esbuild.mjs', '--production', '--quiet'], { cwd: root, stdio: 'inherit' });
      const { lintText, LintWorkspace } = core();
      const dir = mkdtempSync(join(tmpdir(), 'cloudward-bench-lint-'));
      try {
        const inputs = [
          ['lint: 5,000-line settings.py', join(dir, 'mysite', 'settings.py'), settingsFile(5000)],
          ['lint: 1 MB Kubernetes YAML', join(dir, 'k8s', 'deploy.yaml'), kubernetesYaml()],
          ['lint: 2,000-line nginx config', join(dir, 'nginx', 'site.conf'), nginxConfig(2000)],
        ];
        for (const [name, file, text] of inputs) {
          mkdirSync(join(file, '..'), { recursive: true });
          writeFileSync(file, text);
          const baseline = samples(n, readSplit(file));
          // A cold lint each time: the linter keeps parsed documents per path (parse/yaml.ts), so every
          // run lints a copy of its own, written before the timing (same name, its own folder).
          const copies = Array.from({ length: n + 1 }, (_, i) => {
            const copy = join(dir, `run${i}`, file.slice(dir.length + 1));
            mkdirSync(join(copy, '..'), { recursive: true });
            writeFileSync(copy, text);
            return copy;
          });
          let next = 0;
          const ours = samples(n, () => { const copy = copies[next++]; return lintText(copy, readFileSync(copy, 'utf8')); });
          figure(name, 'ms', ours, { baseline: { name: 'read + split lines', samples: baseline }, budget: { max: 20, text: '< 20 ms' }, cpu: ours.cpu });
        }
        // A keystroke: the index already holds the workspace; one file changes and is linted again.
        const ws = new LintWorkspace({});
        for (const [, file, text] of inputs) ws.setFile(file, text);
        const settings = inputs[0][1];
        let text = inputs[0][2];
        const keystroke = samples(n, () => { text = text.replace(/timeout": (\d+)/, (_m, d) => `timeout": ${(Number(d) + 1) % 60}`); ws.setFile(settings, text); return ws.lintFile(settings); });
        figure('re-lint on a keystroke (settings.py, in the index)', 'ms', keystroke, { budget: { max: 20, text: '< 20 ms, no re-read' }, cpu: keystroke.cpu });
        // The same in the 1 MB YAML: one document changes, the others are reused (parse/yaml.ts).
        const yamlFile = inputs[1][1];
        let yamlText = inputs[1][2];
        const yamlKeystroke = samples(n, () => { yamlText = yamlText.replace(/replicas: (\d+)/, (_m, d) => `replicas: ${(Number(d) % 9) + 1}`); ws.setFile(yamlFile, yamlText); return ws.lintFile(yamlFile); });
        figure('re-lint on a keystroke (1 MB YAML, one document changed)', 'ms', yamlKeystroke, { budget: { max: 20, text: '< 20 ms' }, cpu: yamlKeystroke.cpu });
        // Single pathological lines (the unit test hostile.test.ts guards them against stalls only):
        // the slowest file kind per line, against reading and splitting the same text.
        const lines = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'lint', 'pathological-lines.json'), 'utf8')).lines
          .map((l) => l.prefix + l.unit.repeat(l.times) + l.suffix);
        const kinds = ['Procfile', 'Dockerfile', 'compose.yaml', 'k8s/app.yaml', 'settings.py', 'gunicorn.conf.py', 'nginx/site.conf', 'app.service', 'uwsgi.ini', '.env.production'];
        const worst = [], floor = [];
        for (let r = 0; r < Math.max(3, RUNS); r++) {
          let max = 0;
          for (const line of lines) for (const k of kinds) { const [w] = time(() => lintText(join(dir, `p${r}`, k), line)); max = Math.max(max, w); }
          worst.push(max);
          floor.push(Math.max(...lines.map((line) => time(() => line.split('\n').length)[0])));
        }
        figure('lint: pathological single lines (slowest file kind)', 'ms', worst, { baseline: { name: 'split the same line', samples: floor }, budget: { max: 200, text: '< 200 ms each, linear' } });
        // Issue 11's budget: the CLI on the 5,000-line settings.py + the 1 MB manifest, cold (a fresh
        // process) against the floor of starting Node and reading the same two files; and warm (the same
        // files linted again in one process, after a first lint) against reading them again.
        const pair = join(dir, 'pair');
        for (const [, file, text] of inputs.slice(0, 2)) {
          const copy = join(pair, file.slice(dir.length + 1));
          mkdirSync(join(copy, '..'), { recursive: true });
          writeFileSync(copy, text);
        }
        const pairFiles = inputs.slice(0, 2).map(([, file]) => join(pair, file.slice(dir.length + 1)));
        const wallOf = (args, env = process.env) => { const t0 = process.hrtime.bigint(); spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env }); return Number(process.hrtime.bigint() - t0) / 1e6; };
        const lintPair = [join(root, 'dist', 'cli.js'), 'lint', pair, '--fail-on', 'never', '--format', 'json'];
        // Cold: a fresh process each time, with the code cache the first run of this bundle left in the
        // user's cache folder (src/cli/codeCache.ts); "first run": the same without a code cache.
        const coldCli = [], firstRun = [], coldFloor = [];
        for (let i = 0; i < Math.max(5, RUNS * 2); i++) {
          coldCli.push(wallOf(lintPair));
          firstRun.push(wallOf(lintPair, { ...process.env, CLOUDWARD_CODE_CACHE: '0' }));
          coldFloor.push(wallOf(['-e', `const fs = require('fs'); for (const f of ${JSON.stringify(pairFiles)}) fs.readFileSync(f, 'utf8')`]));
        }
        figure('CLI cold: cloudward lint (5,000-line settings.py + 1 MB YAML)', 'ms', coldCli, { baseline: { name: 'start Node + read the two files', samples: coldFloor }, budget: { maxRatio: 4, text: '≤ 4x the floor' } });
        figure('CLI cold, first run of this build (no code cache yet)', 'ms', firstRun, { baseline: { name: 'start Node + read the two files', samples: coldFloor } });
        const warm = samples(n, () => pairFiles.map((f) => lintText(f, readFileSync(f, 'utf8') + '\n')));
        const warmFloor = samples(n, () => pairFiles.map((f) => readFileSync(f, 'utf8').split('\n').length));
        figure('warm: lint the same two files again (changed text, one process)', 'ms', warm, { baseline: { name: 'read + split the two files', samples: warmFloor }, cpu: warm.cpu });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // The whole examples/ tree through the CLI, Node start-up included.
      const wall = (args) => { const t0 = process.hrtime.bigint(); spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' }); return Number(process.hrtime.bigint() - t0) / 1e6; };
      const cli = [], bare = [];
      for (let i = 0; i < Math.max(5, RUNS * 2); i++) {
        cli.push(wall([join(root, 'dist', 'cli.js'), 'lint', 'examples', '--fail-on', 'never', '--format', 'json']));
        bare.push(wall(['-e', '0']));
      }
      figure('CLI: cloudward lint examples/', 'ms', cli, { baseline: { name: 'node -e 0', samples: bare }, budget: { max: 1000, text: '< 1 s with Node start-up' } });
    },

    detect: async () => {
      const { detectProjectSync } = core();
      const dir = syntheticProject(mkdtempSync(join(tmpdir(), 'cloudward-bench-project-')));
      try {
        const walk = () => {
          const { readdirSync } = require('node:fs');
          const rec = (d) => readdirSync(d, { withFileTypes: true }).reduce((a, e) => a + (e.isDirectory() ? rec(join(d, e.name)) : 1), 0);
          return rec(dir);
        };
        const baseline = samples(n, walk);
        const ours = samples(n, () => detectProjectSync(dir));
        figure('detect: 2,000-file Django project', 'ms', ours, { baseline: { name: 'walk the same tree (readdir)', samples: baseline }, budget: { max: 50, text: '< 50 ms' }, cpu: ours.cpu });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },

    generate: async () => {
      const { detectProjectSync, buildPlan, renderFiles, GENERATOR_KIND_IDS } = core();
      const plan = buildPlan(detectProjectSync(join(root, 'examples', 'django-polls')), { domain: 'polls.example.com', https: 'true' });
      let bytes = 0;
      const ours = samples(n * 2, () => { const files = renderFiles(plan, GENERATOR_KIND_IDS); bytes = files.reduce((a, f) => a + f.content.length, 0); return files; });
      const baseline = samples(n * 2, () => JSON.parse(JSON.stringify(plan)));
      figure('generate: every file from one plan', 'ms', ours, { baseline: { name: 'clone the plan (JSON)', samples: baseline }, budget: { max: 20, text: '< 20 ms' }, cpu: ours.cpu, note: `${GENERATOR_KIND_IDS.length} kinds, ${(bytes / 1024).toFixed(1)} KB of files` });
      if (!bytes) notes.push('generate: rendered nothing');
    },
  };
}
