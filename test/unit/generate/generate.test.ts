// The generated files: what each one must say, and that they agree with each other and with our linter.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { DockerfileParser } from 'dockerfile-ast';
import { detectProjectSync } from '../../../src/core/detect';
import { buildPlan } from '../../../src/core/plan';
import type { DeployPlan, PlanOverrides } from '../../../src/core/plan';
import { GENERATOR_KINDS, GENERATOR_KIND_IDS, HARDENING, renderFiles, unsupportedKinds } from '../../../src/core/generate';
import type { GeneratedFile, GeneratorKindId } from '../../../src/core/generate';
import { LintWorkspace } from '../../../src/core/lint';

const repo = path.resolve(__dirname, '../../../..');
const POLLS = path.join(repo, 'examples/django-polls');
const fixtureDir = (name: string) => path.join(repo, 'test/fixtures/projects', name);

function planFor(dir: string, overrides: PlanOverrides = {}): DeployPlan {
  return buildPlan(detectProjectSync(dir), { domain: 'polls.example.com', ...overrides }, { cores: 2 });
}

/** Like `cloudward generate all`: every kind that can serve the plan's app (no uWSGI for an ASGI app). */
function filesOf(plan: DeployPlan, kinds: readonly GeneratorKindId[] = GENERATOR_KIND_IDS): Map<string, string> {
  const skip = new Set(kinds === GENERATOR_KIND_IDS ? unsupportedKinds(plan, kinds).map((u) => u.kind) : []);
  return new Map(renderFiles(plan, kinds.filter((k) => !skip.has(k))).map((f) => [f.path, f.content]));
}

function get(files: Map<string, string>, p: string): string {
  const text = files.get(p);
  assert.ok(text !== undefined, `${p} was generated (got: ${[...files.keys()].join(', ')})`);
  return text;
}

/** Lines without comments, trimmed, for exact matches. */
function lines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

describe('generators', () => {
  const plan = planFor(POLLS);
  const files = filesOf(plan);

  it('write the files each kind announces, and each begins with what it is, the command and what to edit', () => {
    for (const kind of GENERATOR_KINDS) {
      const rendered = renderFiles(plan, [kind.id]);
      assert.deepStrictEqual(rendered.map((f) => f.path).sort(), kind.files(plan).sort(), kind.id);
      for (const f of rendered) {
        if (f.path.endsWith('.json')) {
          // JSON has no comments: its description names the command.
          assert.match(JSON.parse(f.content).description, new RegExp(`Made by \`cloudward generate ${kind.id}\``), f.path);
          continue;
        }
        const head = f.content.replace(/^# syntax=.*\n/, '').split('\n').slice(0, 3).join('\n');
        assert.match(head, new RegExp(`^# .+\\n# Made by \`cloudward generate ${kind.id}\``), f.path);
        assert.match(head, /\n# Edit: /, f.path);
      }
    }
  });

  it('are pure: the same plan gives the same files, in catalogue order, each kind once', () => {
    const a = renderFiles(plan, ['nginx', 'procfile', 'nginx']);
    const b = renderFiles(plan, ['procfile', 'nginx']);
    assert.deepStrictEqual(a, b);
    assert.deepStrictEqual(a.map((f: GeneratedFile) => f.kind), ['procfile', 'nginx']);
  });

  it('procfile: gunicorn on $PORT, migrations only on release (the build collects static files); .python-version only when missing', () => {
    const procfile = lines(get(files, 'Procfile'));
    assert.deepStrictEqual(procfile, [
      'web: gunicorn --bind 0.0.0.0:$PORT --access-logfile - mysite.wsgi:application',
      'release: python manage.py migrate --noinput',
    ]);
    assert.doesNotMatch(get(files, 'Procfile'), /^release:.*collectstatic/m, 'the release phase\'s files are thrown away');
    assert.ok(!files.has('.python-version'));
    const flask = filesOf(planFor(fixtureDir('flask-wsgi')), ['procfile']);
    assert.strictEqual(get(flask, '.python-version'), '3.10\n', 'runtime.txt names the version; .python-version is missing');
    assert.ok(!/release:/.test(get(flask, 'Procfile')), 'no migrations for Flask');
    const asgi = get(filesOf(planFor(fixtureDir('fastapi-entrypoint')), ['procfile']), 'Procfile');
    assert.match(asgi, /^web: gunicorn --bind 0\.0\.0\.0:\$PORT --worker-class uvicorn_worker\.UvicornWorker --access-logfile - orders\.api\.main:app$/m);
  });

  it('procfile: split settings name the production module for manage.py; src layout adds --pythonpath', () => {
    const split = get(filesOf(planFor(fixtureDir('django-split')), ['procfile']), 'Procfile');
    assert.match(split, /^release: python manage\.py migrate --noinput --settings=config\.settings\.production$/m);
    const src = get(filesOf(planFor(fixtureDir('django-src')), ['procfile']), 'Procfile');
    assert.match(src, /--pythonpath src/);
    assert.match(src, /python src\/manage\.py migrate/);
  });

  it('gunicorn: the socket bind, workers, timeouts, proxy trust, logs to stdout, max_requests with jitter', () => {
    const conf = get(files, 'gunicorn.conf.py');
    for (const line of [
      'wsgi_app = "mysite.wsgi:application"',
      'bind = ["unix:/run/mysite/mysite.sock"]',
      'workers = int(os.environ.get("WEB_CONCURRENCY", "5"))',
      'timeout = 30',
      'max_requests = 1000',
      'max_requests_jitter = 100',
      'forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")',
      'accesslog = "-"',
      'errorlog = "-"',
    ]) assert.ok(lines(conf).includes(line), line);
    assert.ok(!/worker_class/.test(conf), 'sync workers for WSGI');
    const asgi = get(filesOf(planFor(fixtureDir('django-channels')), ['gunicorn']), 'gunicorn.conf.py');
    assert.match(asgi, /^worker_class = "uvicorn_worker\.UvicornWorker"/m);
  });

  it('uwsgi: module, master, processes, socket, vacuum, die-on-term, harakiri', () => {
    const ini = lines(get(files, 'uwsgi.ini'));
    for (const line of ['[uwsgi]', 'module = mysite.wsgi:application', 'master = true', 'processes = 5', 'socket = /run/mysite/mysite.sock', 'vacuum = true', 'die-on-term = true', 'harakiri = 30', 'home = /srv/mysite/.venv']) {
      assert.ok(ini.includes(line), line);
    }
  });

  it('nginx: socket upstream, catch-all 444, server_name, static and media aliases, X-Forwarded-Proto', () => {
    const site = get(files, 'deploy/nginx/mysite.conf');
    assert.match(site, /upstream mysite_app \{\s*(#.*\s*)?server unix:\/run\/mysite\/mysite\.sock fail_timeout=0;/);
    assert.match(site, /listen 80 default_server;[\s\S]*?server_name _;\s*return 444;/);
    assert.match(site, /server_name polls\.example\.com;/);
    assert.match(site, /location \/static\/ \{\s*alias \/srv\/mysite\/staticfiles\/;/);
    assert.match(site, /location \/media\/ \{\s*alias \/srv\/mysite\/media\/;/);
    assert.match(site, /proxy_set_header X-Forwarded-Proto \$scheme;/);
    assert.match(site, /client_max_body_size 10m;/);
    assert.ok(!/Upgrade/.test(site) && !/ssl/.test(site), 'no WebSocket or TLS parts for a WSGI site without HTTPS');
  });

  it('nginx: HTTPS redirects HTTP and uses the certificate paths certbot writes; ASGI passes WebSocket upgrades', () => {
    const site = get(filesOf(planFor(fixtureDir('django-channels'), { https: true, domain: 'chat.example.com www.chat.example.com' }), ['nginx']), 'deploy/nginx/chat.conf');
    assert.match(site, /return 301 https:\/\/\$host\$request_uri;/);
    // `listen … http2` is deprecated from nginx 1.25.1 and `http2 on;` unknown to 1.22: neither, with a comment.
    assert.match(site, /listen 443 ssl;/);
    assert.doesNotMatch(site, /^\s*[^#\s][^\n]*http2/m);
    assert.match(site, /# HTTP\/2: add `http2 on;`/);
    assert.match(site, /ssl_certificate \/etc\/letsencrypt\/live\/chat\.example\.com\/fullchain\.pem;/);
    assert.match(site, /ssl_certificate_key \/etc\/letsencrypt\/live\/chat\.example\.com\/privkey\.pem;/);
    assert.match(site, /listen 443 ssl default_server;\s*listen \[::\]:443 ssl default_server;\s*ssl_reject_handshake on;/);
    assert.match(site, /server_name chat\.example\.com www\.chat\.example\.com;/);
    assert.match(site, /map \$http_upgrade \$chat_connection_upgrade/);
    assert.match(site, /proxy_set_header Upgrade \$http_upgrade;/);
  });

  it('nginx for uWSGI speaks the uwsgi protocol', () => {
    const site = get(filesOf(planFor(POLLS, { server: 'uwsgi' }), ['nginx']), 'deploy/nginx/mysite.conf');
    assert.match(site, /uwsgi_pass mysite_app;/);
    assert.match(site, /include uwsgi_params;/);
  });

  it('systemd: socket activation, User=, EnvironmentFile=, Restart=, reload by HUP, hardening', () => {
    const service = lines(get(files, 'deploy/systemd/mysite.service'));
    const socket = lines(get(files, 'deploy/systemd/mysite.socket'));
    for (const line of [
      'Requires=mysite.socket', 'Type=notify', 'User=mysite', 'Group=www-data', 'WorkingDirectory=/srv/mysite', 'EnvironmentFile=/etc/mysite/env',
      'Environment=DJANGO_SETTINGS_MODULE=mysite.settings', 'ExecReload=/bin/kill -s HUP $MAINPID', 'Restart=on-failure', 'NoNewPrivileges=true',
      'ProtectSystem=strict', 'PrivateTmp=true', 'WantedBy=multi-user.target',
    ]) assert.ok(service.includes(line), line);
    // the one hardening list, shared with the release units deploy installs (no IP egress filter: see hardening.ts)
    for (const line of HARDENING) assert.ok(service.includes(line), line);
    assert.ok(service.includes('ProtectHome=true') && service.includes('ReadWritePaths=-/srv/mysite/media -/srv/mysite'));
    assert.ok(!service.some((l) => l.startsWith('IPAddressDeny=')));
    assert.ok(service.some((l) => l.startsWith('ExecStart=/srv/mysite/.venv/bin/gunicorn --config /srv/mysite/gunicorn.conf.py ') && l.endsWith(' mysite.wsgi:application')));
    for (const line of ['ListenStream=/run/mysite/mysite.sock', 'SocketGroup=www-data', 'SocketMode=0660', 'WantedBy=sockets.target']) assert.ok(socket.includes(line), line);
  });

  it('dockerfile: multi-stage, pinned Python minor, non-root, collectstatic without real secrets, EXPOSE, HEALTHCHECK, exec-form CMD', () => {
    const text = get(files, 'Dockerfile');
    const df = DockerfileParser.parse(text);
    const froms = df.getFROMs().map((f) => f.getImageName() + ':' + f.getImageTag());
    assert.deepStrictEqual(froms, ['python:3.11-slim', 'python:3.11-slim']);
    const instr = df.getInstructions();
    const last = (k: string) => instr.filter((i) => i.getKeyword() === k).pop();
    assert.strictEqual(last('USER')?.getArgumentsContent(), '10001:10001');
    assert.strictEqual(last('EXPOSE')?.getArgumentsContent(), '8000');
    assert.ok(last('HEALTHCHECK'));
    const cmd = last('CMD')!.getArgumentsContent()!;
    // Exec form; sh only expands $PORT (Cloud Run sets 8080, Heroku and Render their own), exec hands PID 1 to gunicorn.
    assert.deepStrictEqual(JSON.parse(cmd), ['sh', '-c', 'exec gunicorn --bind 0.0.0.0:${PORT:-8000} --access-logfile - mysite.wsgi:application']);
    assert.match(text, /RUN --mount=type=cache,target=\/root\/\.cache\/pip pip install -r requirements\.txt/);
    assert.match(text, /^RUN export DJANGO_SECRET_KEY=build-time-only-not-a-secret [^\n]*\\\n\s+&& python manage\.py collectstatic --noinput$/m);
    assert.ok(!/^ENV .*SECRET/m.test(text) && !/^ARG .*SECRET/m.test(text), 'no secret in ENV or ARG');
    const ignore = lines(get(files, '.dockerignore'));
    for (const p of ['.git', '.env', '.venv', '**/__pycache__', '*.sqlite3', 'node_modules']) assert.ok(ignore.includes(p), p);
  });

  it('dockerfile: each package manager installs from its own lock, with a cache mount', () => {
    const cases: Array<[string, RegExp[]]> = [
      ['fastapi-entrypoint', [/COPY --from=ghcr\.io\/astral-sh\/uv:[\d.]+ \/uv \/bin\/uv/, /--mount=type=bind,source=uv\.lock,target=uv\.lock/, /uv sync --locked --no-dev --no-install-project/, /uv pip install --python \/opt\/venv\/bin\/python gunicorn uvicorn-worker/]],
      ['flask-factory', [/COPY pyproject\.toml poetry\.lock \.\//, /poetry install --only main --no-root/]],
      ['fastapi-pdm', [/COPY pyproject\.toml pdm\.lock \.\//, /pdm export --prod -o \/tmp\/requirements\.txt/]],
      ['django-channels', [/COPY Pipfile Pipfile\.lock \.\//, /pipenv requirements > \/tmp\/requirements\.txt/]],
      ['django-split', [/COPY requirements\/ requirements\//, /pip install -r requirements\/production\.txt/]],
    ];
    for (const [name, patterns] of cases) {
      const text = get(filesOf(planFor(fixtureDir(name)), ['dockerfile']), 'Dockerfile');
      for (const re of patterns) assert.match(text, re, `${name}: ${re}`);
      assert.match(text, /--mount=type=cache/, name);
    }
    assert.match(get(filesOf(planFor(fixtureDir('django-src')), ['dockerfile']), 'Dockerfile'), /python src\/manage\.py collectstatic/);
  });

  it('compose: app behind nginx with the static volume, PostgreSQL with a health check and no published port', () => {
    const doc = parseYaml(get(filesOf(planFor(fixtureDir('django-split')), ['compose']), 'compose.yaml'));
    const s = doc.services;
    assert.deepStrictEqual(Object.keys(s).sort(), ['collectstatic', 'db', 'migrate', 'nginx', 'web']);
    assert.match(s.db.image, /^postgres:\d+/);
    assert.ok(s.db.healthcheck.test.join(' ').includes('pg_isready'));
    assert.strictEqual(s.db.ports, undefined, 'the database is not published');
    assert.ok(s.db.volumes.includes('pgdata:/var/lib/postgresql/data'));
    assert.deepStrictEqual(s.web.env_file, ['.env']);
    assert.deepStrictEqual(s.web.depends_on.db, { condition: 'service_healthy' });
    assert.deepStrictEqual(s.web.depends_on.migrate, { condition: 'service_completed_successfully' });
    assert.ok(s.nginx.volumes.includes('static:/srv/static:ro'));
    assert.ok(s.collectstatic.volumes.includes('static:/app/staticfiles'));
    assert.match(doc.configs.nginx_site.content, /server web:8000 fail_timeout=0;/);
    assert.match(doc.configs.nginx_site.content, /location \/assets\/ \{\s*alias \/srv\/static\/;/);
    // Every reference resolves.
    for (const [name, svc] of Object.entries<Record<string, unknown>>(s)) {
      for (const dep of Object.keys((svc.depends_on as object) ?? {})) assert.ok(s[dep], `${name} depends on ${dep}`);
      for (const v of (svc.volumes as string[]) ?? []) assert.ok(doc.volumes[v.split(':')[0]] !== undefined, `${name} volume ${v}`);
      for (const c of (svc.configs as Array<{ source: string }>) ?? []) assert.ok(doc.configs[c.source], `${name} config ${c.source}`);
    }
    const sqlite = parseYaml(get(files, 'compose.yaml'));
    assert.strictEqual(sqlite.services.db, undefined, 'no database service for SQLite');
  });

  it('kubernetes: hardened Deployment with probes, Service, Ingress, ConfigMap, Secret without values, migrations Job', () => {
    const docs = [...files.entries()].filter(([p]) => p.startsWith('k8s/')).map(([p, t]) => {
      const all = parseAllDocuments(t);
      assert.strictEqual(all.length, 1, p);
      return all[0].toJS();
    });
    const byKind = Object.fromEntries(docs.map((d) => [d.kind, d]));
    // SQLite (the polls example): the database file on a PersistentVolumeClaim, one replica.
    assert.deepStrictEqual(Object.keys(byKind).sort(), ['ConfigMap', 'Deployment', 'Ingress', 'Job', 'PersistentVolumeClaim', 'Secret', 'Service']);
    const pod = byKind.Deployment.spec.template.spec;
    const c = pod.containers[0];
    assert.strictEqual(pod.securityContext.runAsNonRoot, true);
    assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
    assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
    assert.ok(c.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/tmp'));
    assert.ok(pod.volumes.some((v: { name: string; emptyDir?: object }) => v.name === 'tmp' && v.emptyDir));
    assert.strictEqual(c.readinessProbe.httpGet.port, 8000);
    assert.deepStrictEqual(c.readinessProbe.httpGet.httpHeaders, [{ name: 'Host', value: 'polls.example.com' }], 'answers whatever ALLOWED_HOSTS says about the pod IP');
    // Liveness differs: a slow database must make a pod unready, not get every pod restarted.
    assert.deepStrictEqual(c.livenessProbe.tcpSocket, { port: 8000 });
    assert.notDeepStrictEqual(c.livenessProbe, c.readinessProbe);
    assert.ok(c.resources.requests && c.resources.limits);
    assert.deepStrictEqual(c.envFrom, [{ configMapRef: { name: byKind.ConfigMap.metadata.name } }, { secretRef: { name: byKind.Secret.metadata.name } }]);
    assert.ok(Object.values(byKind.Secret.stringData).every((v) => v === ''), 'the Secret template has no values');
    assert.deepStrictEqual(byKind.Service.spec.selector, byKind.Deployment.spec.selector.matchLabels);
    assert.strictEqual(byKind.Service.spec.ports[0].targetPort, c.ports[0].containerPort);
    const backend = byKind.Ingress.spec.rules[0].http.paths[0].backend.service;
    assert.deepStrictEqual(backend, { name: byKind.Service.metadata.name, port: { number: byKind.Service.spec.ports[0].port } });
    assert.strictEqual(byKind.Ingress.spec.rules[0].host, 'polls.example.com');
    assert.deepStrictEqual(byKind.Job.spec.template.spec.containers[0].command, ['python', 'manage.py', 'migrate', '--noinput']);
    assert.ok(!files.has('k8s/hpa.yaml'));
    const scaled = filesOf(planFor(fixtureDir('django-split'), { autoscale: true, replicas: 3, maxReplicas: 8 }), ['kubernetes']);
    const hpa = parseYaml(get(scaled, 'k8s/hpa.yaml'));
    const deployment = parseYaml(get(scaled, 'k8s/deployment.yaml'));
    assert.deepStrictEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.scaleTargetRef.name], [3, 8, deployment.metadata.name]);
  });

  it('agree with each other: socket, port, module, static folder', () => {
    const p = planFor(POLLS, { socket: '/run/polls/web.sock', port: 9000, staticRoot: '/var/www/polls/static' });
    const f = filesOf(p);
    const sock = '/run/polls/web.sock';
    assert.match(get(f, 'gunicorn.conf.py'), new RegExp(`bind = \\["unix:${sock}"\\]`));
    assert.match(get(f, 'deploy/nginx/mysite.conf'), new RegExp(`server unix:${sock} fail_timeout=0;`));
    assert.match(get(f, 'deploy/systemd/mysite.socket'), new RegExp(`ListenStream=${sock}`));
    assert.match(get(f, 'uwsgi.ini'), new RegExp(`socket = ${sock}`));
    assert.match(get(f, 'deploy/nginx/mysite.conf'), /alias \/var\/www\/polls\/static\/;/);
    assert.match(get(f, 'Dockerfile'), /EXPOSE 9000/);
    assert.match(get(f, 'Dockerfile'), /--bind 0\.0\.0\.0:\$\{PORT:-9000\}/);
    assert.match(get(f, 'Dockerfile'), /^ENV PORT=9000$/m);
    assert.deepStrictEqual(parseYaml(get(f, 'compose.yaml')).services.web.expose, ['9000']);
    assert.strictEqual(parseYaml(get(f, 'k8s/deployment.yaml')).spec.template.spec.containers[0].ports[0].containerPort, 9000);
    assert.strictEqual(parseYaml(get(f, 'k8s/service.yaml')).spec.ports[0].targetPort, 9000);
    for (const [name, text] of f) if (/gunicorn|Procfile|Dockerfile|service$/.test(name)) assert.ok(text.includes('mysite.wsgi:application'), name);
  });

  it('pass our own deploy linter for every sample project', () => {
    const projects = [POLLS, ...fs.readdirSync(path.join(repo, 'test/fixtures/projects')).filter((n) => n !== 'not-python').map(fixtureDir)];
    for (const dir of projects) {
      const p = planFor(dir, { https: true });
      const ws = new LintWorkspace({});
      const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(r);
          else ws.setFile(r, fs.readFileSync(path.join(dir, r), 'utf8'));
        }
      };
      walk('');
      const generated = [...filesOf(p)].map(([f, content]) => ({ path: f, content }));
      for (const f of generated) ws.setFile(f.path, f.content);
      const findings = generated.flatMap((f) => ws.lintFile(f.path).map((x) => `${path.basename(dir)}/${f.path}: ${x.rule} ${x.message}`));
      assert.deepStrictEqual(findings, [], path.basename(dir));
    }
  });
});

describe('generators: shell safety', () => {
  it('the Procfile quotes an app factory call for the platform shell, and leaves $PORT to expand', () => {
    const plan = buildPlan(detectProjectSync(path.join(repo, 'test/fixtures/projects/flask-factory')), {}, { cores: 1 });
    const procfile = renderFiles(plan, ['procfile']).find((f) => f.path === 'Procfile')!.content;
    assert.match(procfile, /^web: gunicorn --bind 0\.0\.0\.0:\$PORT --access-logfile - 'todo:create_app\(\)'$/m);
  });
});

describe('the allowed hosts reach every platform file (the settings fix reads DJANGO_ALLOWED_HOSTS)', () => {
  const plan = planFor(POLLS, { domain: 'polls.example.com www.polls.example.com' });
  const files = filesOf(plan, ['procfile', 'compose', 'kubernetes']);

  it('Kubernetes: the ConfigMap allows the Ingress host (the probes send it too)', () => {
    const cm = parseYaml(get(files, 'k8s/configmap.yaml').replace(/^#.*$/gm, ''));
    assert.strictEqual(cm.data.DJANGO_ALLOWED_HOSTS, 'polls.example.com,www.polls.example.com');
    const deployment = parseYaml(get(files, 'k8s/deployment.yaml').replace(/^#.*$/gm, ''));
    const probeHost = deployment.spec.template.spec.containers[0].readinessProbe.httpGet.httpHeaders[0].value;
    assert.ok(cm.data.DJANGO_ALLOWED_HOSTS.split(',').includes(probeHost), probeHost);
  });

  it('compose: the app allows the domain and localhost, and nginx answers on localhost', () => {
    const doc = parseYaml(get(files, 'compose.yaml'));
    assert.strictEqual(doc.services.web.environment.DJANGO_ALLOWED_HOSTS, 'polls.example.com,www.polls.example.com,localhost,127.0.0.1');
    assert.match(doc.configs.nginx_site.content, /server_name polls\.example\.com www\.polls\.example\.com localhost 127\.0\.0\.1;/);
  });

  it('Procfile: the config var to set is named, with its value', () => {
    assert.match(get(files, 'Procfile'), /^# Config vars to set on the platform: DJANGO_ALLOWED_HOSTS=polls\.example\.com,www\.polls\.example\.com /m);
  });

  it('not for other frameworks', () => {
    const flask = filesOf(planFor(fixtureDir('flask-wsgi')), ['compose']);
    assert.ok(!get(flask, 'compose.yaml').includes('DJANGO_ALLOWED_HOSTS'));
  });
});

describe('compose: what it needs to answer is generated with it', () => {
  it('a .env.example names every secret compose.yaml reads; with HTTPS on, the app redirects unless .env turns it off for localhost', () => {
    const plan = planFor(fixtureDir('django-split'), { https: true });
    assert.strictEqual(plan.database, 'postgresql');
    const files = filesOf(plan, ['compose']);
    const template = get(files, '.env.example');
    const compose = get(files, 'compose.yaml');
    for (const name of ['DJANGO_SECRET_KEY', 'POSTGRES_PASSWORD', 'DJANGO_HTTPS']) assert.match(template, new RegExp(`^${name}=`, 'm'), name);
    assert.ok(!/^[A-Z_]+=\S/m.test(template.replace(/^DJANGO_HTTPS=1$/m, '')), 'no secret values in the template');
    for (const m of compose.matchAll(/\$\{([A-Z_]+)(?::[-?][^}]*)?\}/g)) assert.match(template, new RegExp(`^${m[1]}=`, 'm'), `compose reads ${m[1]}`);
    assert.strictEqual(parseYaml(compose).services.web.environment.DJANGO_HTTPS, '${DJANGO_HTTPS:-1}');
    // HTTPS off: nothing redirects to an HTTPS this stack does not serve.
    assert.strictEqual(parseYaml(get(filesOf(planFor(POLLS), ['compose']), 'compose.yaml')).services.web.environment.DJANGO_HTTPS, '0');
  });
});
