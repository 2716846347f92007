// "Checked by the real tools": the files generated for examples/django-polls are accepted by nginx -t,
// systemd-analyze verify, gunicorn --check-config, the Kubernetes schemas (kubernetes-models), and the
// compose file's references all resolve. Plain mocha on Node, Debian's binaries.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import {
  gunicornCheckConfig,
  makeTempDir,
  missingTools,
  nginxSandbox,
  nginxTest,
  removeDir,
  runTool,
  selfSignedCertificate,
  systemdComplaints,
  systemdVerify,
  tools,
} from '../../support/realtools';
import { ALL_KINDS, DeployedProject, deployToTemp, examplePath, unitValues } from './projects';
import { needTool } from '../../support/need';

const read = (f: string) => fs.readFileSync(f, 'utf8');

describe('Generated files, checked by the real tools (examples/django-polls)', function () {
  this.timeout(120_000);
  let p: DeployedProject;

  before(async function () {
    const missing = missingTools('nginx', 'gunicorn', 'systemdAnalyze', 'python');
    needTool(this, missing.length === 0, missing.join(', '));
    p = await deployToTemp(examplePath('django-polls'), ALL_KINDS);
  });

  after(() => removeDir(p?.root));

  it('nginx -t accepts the site, included from a minimal main config', async () => {
    const site = p.file('nginx');
    const sb = nginxSandbox(makeTempDir('nginx-t'), [site]);
    try {
      const r = await nginxTest(sb);
      assert.strictEqual(r.code, 0, `nginx -t rejected ${path.basename(site)}:\n${r.report}\n--- site ---\n${read(site)}`);
    } finally {
      removeDir(sb.dir);
    }
  });

  it('nginx -t accepts the HTTPS variant (certbot paths pointed at a test certificate)', async function () {
    needTool(this, fs.existsSync(tools.openssl), tools.openssl);
    const https = await deployToTemp(examplePath('django-polls'), ['nginx'], { https: true });
    const dir = makeTempDir('nginx-tls');
    try {
      const site = https.file('nginx');
      const text = read(site);
      // Certbot writes /etc/letsencrypt/live/<domain>/{fullchain,privkey}.pem on the server; here a
      // self-signed pair stands in for them. Everything else is tested as generated.
      const { cert, key } = await selfSignedCertificate(dir, https.plan.domain.split(' ')[0]);
      const live = /\/etc\/letsencrypt\/live\/[^/\s;]+\//g;
      assert.match(text, live, 'the TLS server block should use the certificate paths certbot writes');
      const tested = text.replace(/\/etc\/letsencrypt\/live\/[^/\s;]+\/fullchain\.pem/g, cert).replace(/\/etc\/letsencrypt\/live\/[^/\s;]+\/privkey\.pem/g, key);
      fs.writeFileSync(site, tested);
      const sb = nginxSandbox(path.join(dir, 'nginx'), [site]);
      const r = await nginxTest(sb);
      assert.strictEqual(r.code, 0, `nginx -t rejected the HTTPS site:\n${r.report}\n--- site ---\n${tested}`);
      assert.match(text, /return 301 https:\/\/|return 308 https:\/\//, 'plain HTTP should redirect to HTTPS');
    } finally {
      removeDir(dir);
      removeDir(https.root);
    }
  });

  for (const variant of [
    { interface: 'asgi' },
    { server: 'uwsgi' },
    { interface: 'asgi', https: true },
    { server: 'uwsgi', https: true, listenPort: 8080, httpsPort: 8443 },
  ]) {
    it(`nginx -t accepts the site for ${JSON.stringify(variant)}`, async () => {
      const v = await deployToTemp(examplePath('django-polls'), ['nginx'], variant);
      const dir = makeTempDir('nginx-variant');
      try {
        const site = v.file('nginx');
        let text = read(site);
        if (variant.https) {
          const { cert, key } = await selfSignedCertificate(dir, v.plan.domain.split(' ')[0]);
          text = text.replace(/\/etc\/letsencrypt\/live\/[^/\s;]+\/fullchain\.pem/g, cert).replace(/\/etc\/letsencrypt\/live\/[^/\s;]+\/privkey\.pem/g, key);
          fs.writeFileSync(site, text);
        }
        const r = await nginxTest(nginxSandbox(path.join(dir, 'nginx'), [site]));
        assert.strictEqual(r.code, 0, `nginx -t rejected the site:\n${r.report}\n--- site ---\n${text}`);
        if (variant.interface === 'asgi' && !variant.server) assert.match(text, /Upgrade \$http_upgrade/, 'WebSocket upgrade for ASGI');
        if (variant.server === 'uwsgi') assert.match(text, /uwsgi_pass /);
      } finally {
        removeDir(dir);
        removeDir(v.root);
      }
    });
  }

  it('systemd-analyze verify accepts the service and socket units, without a single warning', async () => {
    // No systemd runs in a container: verify works on unit files alone (--man=no skips the man pages of
    // Documentation=). The units are copied to their own dir, named as they would be in /etc/systemd/system.
    const units = p.files.filter((f) => f.kind === 'systemd').map((f) => path.join(p.outDir, f.path));
    assert.ok(units.some((u) => u.endsWith('.service')) && units.some((u) => u.endsWith('.socket')), `expected a .service and a .socket: ${units.join(', ')}`);
    const r = await systemdVerify(units);
    const complaints = systemdComplaints(r, units);
    assert.strictEqual(r.code, 0, `systemd-analyze verify failed:\n${r.report}`);
    assert.deepStrictEqual(complaints, [], `systemd-analyze verify warned:\n${r.report}`);
  });

  it('gunicorn --check-config accepts the config and loads the application', async () => {
    const conf = p.file('gunicorn', /gunicorn\.conf\.py$/);
    const r = await gunicornCheckConfig(conf, p.plan.appTarget, { cwd: path.join(p.appDir, p.plan.pythonPath), env: p.env });
    assert.strictEqual(r.code, 0, `gunicorn --check-config rejected ${path.basename(conf)}:\n${r.report}\n--- config ---\n${read(conf)}`);
  });

  it('the socket agrees: nginx upstream = systemd ListenStream = gunicorn bind = uWSGI socket', () => {
    const sock = p.plan.socket;
    assert.ok(read(p.file('nginx')).includes(`unix:${sock}`), 'nginx upstream');
    const socketUnit = read(p.file('systemd', /\.socket$/));
    assert.deepStrictEqual(unitValues(socketUnit, 'ListenStream'), [sock], 'systemd ListenStream');
    assert.match(read(p.file('gunicorn', /gunicorn\.conf\.py$/)), new RegExp(`unix:${escape(sock)}`), 'gunicorn bind');
    assert.ok(read(p.file('uwsgi')).includes(sock), 'uwsgi socket');
  });

  it('uwsgi.ini parses as INI with the plan\'s module and socket', async () => {
    const ini = p.file('uwsgi');
    const script = 'import configparser,json,sys\nc=configparser.ConfigParser(strict=True)\nc.read(sys.argv[1])\nprint(json.dumps(dict(c["uwsgi"])))';
    const r = await runTool(tools.python, ['-c', script, ini]);
    assert.strictEqual(r.code, 0, r.report);
    const values = JSON.parse(r.stdout) as Record<string, string>;
    assert.ok(Object.values(values).some((v) => v.includes(p.plan.socket)), `no socket in ${JSON.stringify(values)}`);
  });

  it('the Kubernetes documents validate against the Kubernetes schemas and refer to each other', () => {
    const docs = p.files
      .filter((f) => f.kind === 'kubernetes')
      .flatMap((f) => parseAllDocuments(f.content).map((d, i) => ({ where: `${f.path}#${i}`, doc: d })))
      .filter(({ doc }) => doc.contents !== null);
    const objects = docs.map(({ where, doc }) => {
      assert.deepStrictEqual(doc.errors.map(String), [], `YAML errors in ${where}`);
      return { where, obj: doc.toJS() as K8sObject };
    });
    for (const { where, obj } of objects) validateK8s(obj, where);

    const byKind = (kind: string) => objects.filter((o) => o.obj.kind === kind).map((o) => o.obj);
    for (const kind of ['Deployment', 'Service', 'Ingress', 'ConfigMap', 'Secret', 'Job']) {
      assert.ok(byKind(kind).length > 0, `no ${kind} among ${objects.map((o) => o.obj.kind).join(', ')}`);
    }
    const deployment = byKind('Deployment')[0] as K8sAny;
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    const service = byKind('Service')[0] as K8sAny;
    for (const [k, v] of Object.entries(service.spec.selector as Record<string, string>)) {
      assert.strictEqual(podLabels[k], v, `Service selector ${k}=${v} does not select the Deployment's pods`);
    }
    const ingress = byKind('Ingress')[0] as K8sAny;
    const backends = JSON.stringify(ingress.spec);
    assert.ok(backends.includes(`"name":"${service.metadata.name}"`), 'the Ingress should route to the Service');
    const names = (kind: string) => byKind(kind).map((o) => o.metadata?.name);
    const container = deployment.spec.template.spec.containers[0];
    for (const ref of (container.envFrom ?? []) as K8sAny[]) {
      if (ref.configMapRef) assert.ok(names('ConfigMap').includes(ref.configMapRef.name), `envFrom ConfigMap ${ref.configMapRef.name}`);
      if (ref.secretRef) assert.ok(names('Secret').includes(ref.secretRef.name), `envFrom Secret ${ref.secretRef.name}`);
    }
    assert.strictEqual(container.securityContext?.runAsNonRoot ?? deployment.spec.template.spec.securityContext?.runAsNonRoot, true, 'runAsNonRoot');
    assert.strictEqual(container.securityContext?.readOnlyRootFilesystem, true, 'readOnlyRootFilesystem');
    const job = byKind('Job')[0] as K8sAny;
    assert.strictEqual(job.spec.template.spec.containers[0].image, container.image, 'the migrations Job runs the same image');
    const containerPort = container.ports?.[0]?.containerPort;
    assert.strictEqual(containerPort, p.plan.port, 'container port = plan port');
    const secret = byKind('Secret')[0] as K8sAny;
    for (const v of Object.values({ ...(secret.data ?? {}), ...(secret.stringData ?? {}) })) {
      assert.ok(v === '' || v === null, 'the Secret is a template: no values');
    }
  });

  it('compose.yaml parses and every service reference resolves', () => {
    const composeFile = p.file('compose');
    const text = read(composeFile);
    const compose = parseYaml(text) as K8sAny;
    const header = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
    assert.ok(compose && typeof compose.services === 'object', 'no services in compose.yaml');
    const services = Object.keys(compose.services);
    const volumes = Object.keys(compose.volumes ?? {});
    const networks = Object.keys(compose.networks ?? {});
    const composeDir = path.dirname(composeFile);
    const generated = new Set(p.files.map((f) => path.join(p.outDir, f.path)));
    for (const [name, svc] of Object.entries(compose.services as Record<string, K8sAny>)) {
      const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      for (const d of deps) assert.ok(services.includes(d), `${name}.depends_on: no service ${d}`);
      for (const v of (svc.volumes ?? []) as (string | K8sAny)[]) {
        const source = typeof v === 'string' ? v.split(':')[0] : v.source;
        if (typeof v !== 'string' && v.type && v.type !== 'volume') continue;
        if (!source || source.startsWith('.') || source.startsWith('/') || source.startsWith('~')) continue;
        assert.ok(volumes.includes(source), `${name}.volumes: named volume ${source} is not declared`);
      }
      const nets = Array.isArray(svc.networks) ? svc.networks : Object.keys(svc.networks ?? {});
      for (const n of nets) assert.ok(networks.includes(n) || n === 'default', `${name}.networks: no network ${n}`);
      for (const kind of ['configs', 'secrets'] as const) {
        for (const ref of (svc[kind] ?? []) as (string | K8sAny)[]) {
          const source = typeof ref === 'string' ? ref : ref.source;
          assert.ok(compose[kind] && source in compose[kind], `${name}.${kind}: ${source} is not declared at the top level`);
        }
      }
      const envFiles = ([] as (string | K8sAny)[]).concat(svc.env_file ?? []);
      for (const e of envFiles) {
        const file = typeof e === 'string' ? e : e.path;
        const required = typeof e === 'string' ? true : e.required !== false;
        const abs = path.resolve(composeDir, file);
        // An env file holds the secrets, so the user writes it: it resolves if it exists, is generated, is
        // optional, or is the secrets file the header tells the user to create beside compose.yaml.
        const documented = header.includes(file);
        assert.ok(!required || fs.existsSync(abs) || generated.has(abs) || documented, `${name}.env_file ${file} does not resolve (not generated, not optional, not documented)`);
      }
      if (svc.build) {
        const ctxDir = path.resolve(composeDir, typeof svc.build === 'string' ? svc.build : svc.build.context ?? '.');
        const dockerfile = path.resolve(ctxDir, typeof svc.build === 'object' && svc.build.dockerfile ? svc.build.dockerfile : 'Dockerfile');
        assert.ok(generated.has(dockerfile) || fs.existsSync(dockerfile), `${name}.build: no ${path.relative(p.outDir, dockerfile)}`);
      }
      if (svc.ports && /postgres|mysql|mariadb/.test(String(svc.image))) assert.fail(`${name}: the database port is published`);
    }
  });
});

type K8sObject = { apiVersion: string; kind: string; metadata?: { name?: string } };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type K8sAny = any;

/** Validates one object with kubernetes-models' class for its apiVersion and kind (the official schemas). */
function validateK8s(obj: K8sObject, where: string): void {
  assert.ok(obj.apiVersion && obj.kind, `${where}: apiVersion and kind are required`);
  const modulePath = `kubernetes-models/${obj.apiVersion}`;
  let mod: Record<string, new (o: unknown) => { validate(): void }>;
  try {
    mod = require(modulePath);
  } catch {
    assert.fail(`${where}: unknown apiVersion ${obj.apiVersion}`);
  }
  const Model = mod[obj.kind];
  assert.ok(Model, `${where}: unknown kind ${obj.kind} in ${obj.apiVersion}`);
  try {
    new Model(obj).validate();
  } catch (e) {
    assert.fail(`${where} (${obj.kind} ${obj.metadata?.name}) does not validate: ${(e as Error).message}`);
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

