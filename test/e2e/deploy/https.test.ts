// HTTPS, firewall and sshd provisioning on a REAL Debian 12 server (scripts/real-server.sh), with certbot and
// pebble (Let's Encrypt's ACME test server) from Debian baked into the image. Pebble runs on the server itself,
// validates the HTTP-01 challenge through nginx on port 80, and certbot trusts pebble's CA. The domain resolves
// to the server through its /etc/hosts (the preflight resolves names on the server, as the server sees them).
// One server for all the tests; one deploy shows the app answering over HTTPS.
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import type { TLSSocket } from 'tls';
import { deployServerUp, needDeployServer, type CliRun, type DeployServer } from '../../support/deployServer';
import { SERVICES_PACKAGES, type RealServer } from '../../support/realServer';
import { FileTrustStore, SshPool, listServers } from '../../../src/core/ssh';
import { applyProvision, previewProvision, type ProvisionOptions } from '../../../src/core/provision';
import { buildPlan } from '../../../src/core/plan';
import { detectProject } from '../../../src/core/detect';

const HOST = 'mysite.test';
const PACKAGES = SERVICES_PACKAGES;
const ACME = 'https://127.0.0.1:14000/dir';
const CA = '/etc/pebble/ca.pem';

describe('provision HTTPS (certbot + pebble), firewall and sshd on a real Debian server (e2e)', function () {
  this.timeout(20 * 60_000);
  let fx: DeployServer | undefined;
  let srv: RealServer | undefined;
  let tmp = '';
  let project = '';
  let sshConfig = '';
  let httpPort = 0;
  let httpsPort = 0;
  let env: NodeJS.ProcessEnv = {};
  const cli = (...args: string[]): Promise<CliRun> => fx!.cli(...args);
  const common = () => ['--project', project, '--ssh-config', sshConfig, '--set', `domain=${HOST}`, '--set', 'healthPath=/admin/login/'];
  const withHttps = () => [...common(), '--set', 'https=true', '--acme-server', ACME, '--acme-ca-bundle', CA, '--email', 'ops@mysite.test'];
  const sh = (script: string) => srv!.exec('sh', ['-c', script]);

  function get(port: number, p: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; serial?: string; issuer?: string }> {
    return new Promise((resolve, reject) => {
      const req = (port === httpsPort ? https : http).get({ host: '127.0.0.1', port, path: p, headers: { Host: HOST }, servername: HOST, rejectUnauthorized: false, agent: false, timeout: 15_000 }, (res) => {
        const cert = port === httpsPort ? (res.socket as TLSSocket).getPeerCertificate() : undefined;
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, serial: cert?.serialNumber, issuer: String(cert?.issuer?.CN ?? '') }));
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('timeout')));
    });
  }

  async function options(extra: Partial<ProvisionOptions>): Promise<ProvisionOptions> {
    const detection = await detectProject(project);
    return { plan: buildPlan(detection, { domain: HOST, healthPath: '/admin/login/' }, { cores: 1 }), ...extra };
  }
  function pool(): SshPool {
    const { servers } = listServers({ sshConfigFile: sshConfig, env });
    return new SshPool({ trustStore: new FileTrustStore(path.join(tmp, 'trust.json')), sshConfigFile: sshConfig, env, lookupServer: (n) => servers.find((s) => s.name === n) });
  }
  async function until(what: string, check: () => Promise<boolean>, seconds: number): Promise<void> {
    for (let i = 0; i < seconds * 4; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.fail(`${what}: not within ${seconds} s`);
  }

  before(async function () {
    this.timeout(30 * 60_000);
    needDeployServer(this);
    fx = await deployServerUp(process.env.CLOUDWARD_E2E_SERVER ?? 'cw-https-e2e', HOST, { https: true, packages: PACKAGES, sshPort: Number(process.env.CLOUDWARD_E2E_SSH_PORT) || undefined });
    ({ srv, tmp, project, sshConfig, httpPort, httpsPort, env } = fx);
    // pebble on the server: its own TLS certificate from a throwaway CA that certbot is told to trust (CA);
    // HTTP-01 validation on port 80 of whatever the domain resolves to (the server's /etc/hosts: itself)
    const setup = await sh([
      'set -e',
      `echo "127.0.0.1 ${HOST}" >> /etc/hosts`,
      'mkdir -p /etc/pebble && cd /etc/pebble',
      'openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=cloudward test CA" 2>/dev/null',
      'openssl req -newkey rsa:2048 -nodes -keyout key.pem -out req.csr -subj "/CN=localhost" 2>/dev/null',
      'printf "subjectAltName=IP:127.0.0.1,DNS:localhost\\n" > san.ext',
      'openssl x509 -req -in req.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cert.pem -days 2 -extfile san.ext 2>/dev/null',
      'printf \'{"pebble":{"listenAddress":"127.0.0.1:14000","managementListenAddress":"127.0.0.1:15000","certificate":"/etc/pebble/cert.pem","privateKey":"/etc/pebble/key.pem","httpPort":80,"tlsPort":443,"ocspResponderURL":"","externalAccountBindingRequired":false}}\\n\' > pebble.json',
      'systemd-run --unit pebble -E PEBBLE_VA_NOSLEEP=1 -E PEBBLE_WFE_NONCEREJECT=0 -E PEBBLE_AUTHZREUSE=0 /usr/bin/pebble -config /etc/pebble/pebble.json',
      'for i in $(seq 50); do python3 -c "import socket; socket.create_connection((\'127.0.0.1\', 14000), 1)" 2>/dev/null && exit 0; sleep 0.2; done; exit 1',
    ].join('\n'));
    assert.strictEqual(setup.code, 0, `pebble setup: ${setup.stdout}${setup.stderr}`);
  });

  after(() => fx?.down());

  it('the plan shows the HTTPS step with its preflight', async () => {
    const r = await cli('provision', 'srv', ...withHttps(), '--dry-run');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /change\s+HTTPS certificate\s+preflight: a token in \/var\/www\/letsencrypt fetched back through http:\/\/mysite\.test\//);
    assert.match(r.stdout, /certbot certonly --webroot --server https:\/\/127\.0\.0\.1:14000\/dir/);
  });

  it('DNS that points elsewhere blocks provisioning before anything changes, and says so', async () => {
    await sh(`cp /etc/hosts /etc/hosts.cw && sed -i 's/^127.0.0.1 ${HOST}$/203.0.113.7 ${HOST}/' /etc/hosts`);
    try {
      const r = await cli('provision', 'srv', ...withHttps(), '--yes');
      assert.strictEqual(r.code, 1, r.stderr);
      assert.match(r.stderr, /nothing was changed: DNS points elsewhere: mysite\.test resolves to 203\.0\.113\.7, which is not this server/);
      assert.ok(!fs.existsSync(path.join(srv!.root, 'srv', 'mysite')), 'a step ran');
      assert.ok(!fs.existsSync(path.join(srv!.root, 'etc', 'nginx', 'sites-enabled', 'mysite')));
    } finally {
      await sh('mv /etc/hosts.cw /etc/hosts');
    }
  });

  it('port 80 closed: the preflight says so, certbot never runs, the HTTPS site is not written', async () => {
    // a firewall rule of the test's own rejects port 80 (every request of the preflight arrives on lo)
    const rule = await sh('nft add table inet cwtest && nft "add chain inet cwtest input { type filter hook input priority -10; }" && nft add rule inet cwtest input tcp dport 80 reject with tcp reset');
    assert.strictEqual(rule.code, 0, rule.stderr);
    try {
      const r = await cli('provision', 'srv', ...withHttps(), '--yes');
      assert.strictEqual(r.code, 1, r.stderr);
      assert.match(r.stderr, /step "https" failed: the HTTPS preflight failed, so certbot was not run .* port 80 closed: nothing accepts connections on 127\.0\.0\.1 port 80 for mysite\.test/);
      assert.ok(!fs.existsSync(path.join(srv!.root, 'etc', 'letsencrypt', 'live', HOST)), 'a certificate was requested');
      assert.ok(!fs.existsSync(path.join(srv!.root, 'etc', 'letsencrypt', 'accounts')), 'certbot registered with the ACME server');
      const site = fs.readFileSync(path.join(srv!.root, 'etc', 'nginx', 'sites-available', 'mysite'), 'utf8');
      assert.match(site, /location \/\.well-known\/acme-challenge\//);
      assert.doesNotMatch(site, /ssl_certificate/);
      assert.deepStrictEqual(fs.readdirSync(path.join(srv!.root, 'var', 'www', 'letsencrypt', '.well-known', 'acme-challenge')), [], 'the preflight token was left behind');
    } finally {
      await sh('nft delete table inet cwtest');
    }
  });

  it('gets the certificate from pebble with certbot --webroot, then serves HTTPS (redirect, HSTS); renewal timer on', async () => {
    const r = await cli('provision', 'srv', ...withHttps(), '--yes', '--json');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).changed.includes('https'), r.stdout);
    const conf = fs.readFileSync(path.join(srv!.root, 'etc', 'letsencrypt', 'renewal', `${HOST}.conf`), 'utf8');
    assert.match(conf, /authenticator = webroot/);
    assert.match(conf, /server = https:\/\/127\.0\.0\.1:14000\/dir/);
    const plain = await get(httpPort, '/admin/login/?next=/');
    assert.strictEqual(plain.status, 301);
    assert.strictEqual(plain.headers.location, `https://${HOST}/admin/login/?next=/`);
    const challenge = await get(httpPort, '/.well-known/acme-challenge/none');
    assert.strictEqual(challenge.status, 404, 'the ACME webroot is not served on port 80');
    const secure = await get(httpsPort, '/');
    assert.match(String(secure.headers['strict-transport-security']), /max-age=31536000/);
    assert.match(secure.issuer ?? '', /Pebble/i);
    const timer = await srv!.exec('systemctl', ['is-enabled', 'certbot.timer']);
    assert.strictEqual(timer.stdout.trim(), 'enabled');
    assert.strictEqual((await srv!.exec('systemctl', ['is-active', 'certbot.timer'])).stdout.trim(), 'active');
  });

  it('a second provision changes nothing', async () => {
    const r = await cli('provision', 'srv', ...withHttps(), '--yes', '--json');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout).changed, []);
  });

  it('deploys the app and it answers over HTTPS through nginx', async () => {
    const r = await cli('deploy', 'srv', ...common(), '--set', 'https=true');
    assert.strictEqual(r.code, 0, r.stderr);
    const page = await get(httpsPort, '/admin/login/');
    assert.strictEqual(page.status, 200);
    assert.match(page.body, /Django/);
    assert.match(String(page.headers['strict-transport-security']), /max-age/);
  });

  it('a renewal runs the deploy hook: nginx serves the new certificate', async () => {
    const before = (await get(httpsPort, '/')).serial;
    const renew = await srv!.exec('env', [`REQUESTS_CA_BUNDLE=${CA}`, 'certbot', 'renew', '--force-renewal', '--no-random-sleep-on-renew']);
    assert.strictEqual(renew.code, 0, renew.stdout + renew.stderr);
    const log = fs.readFileSync(path.join(srv!.root, 'var', 'log', 'letsencrypt', 'letsencrypt.log'), 'utf8');
    assert.match(log, /Running deploy-hook command: \/etc\/letsencrypt\/renewal-hooks\/deploy\/50-cloudward-reload-nginx/);
    // nginx -s reload returns once the signal is sent; new workers take over a moment later
    assert.ok(before);
    await until('nginx serving the renewed certificate', async () => (await get(httpsPort, '/')).serial !== before, 20);
  });

  it('a firewall change (and an sshd one) that no new SSH connection confirms reverts by itself', async () => {
    const p = pool();
    try {
      const conn = p.get({ name: 'srv', host: 'srv' });
      const o = await options({ firewall: true, revertAfterSeconds: 5 });
      const plan = await previewProvision(conn, o);
      const only = { ...plan, steps: plan.steps.filter((s) => s.id === 'firewall') };
      await assert.rejects(applyProvision(conn, only, { confirm: async () => { throw new Error('the test did not confirm'); } }),
        /step "firewall" failed: a new SSH connection could not confirm the change \(the test did not confirm\): it reverts by itself at/);
      assert.strictEqual((await srv!.exec('nft', ['list', 'table', 'inet', 'cloudward'])).code, 0, 'the firewall was not applied');
      await until('the firewall reverted', async () => (await srv!.exec('nft', ['list', 'table', 'inet', 'cloudward'])).code !== 0, 30);
      assert.ok(!fs.existsSync(path.join(srv!.root, 'etc', 'cloudward', 'firewall.nft')), 'the unconfirmed firewall was made permanent');
      const log = await sh('journalctl -t cloudward --no-pager -o cat');
      assert.match(log.stdout, /the firewall change was not confirmed by a new SSH connection: reverted/);
      // the sshd drop-in the same way: put back (here: removed) and sshd reloaded
      const sshd = await previewProvision(conn, await options({ sshKeysOnly: true, revertAfterSeconds: 5 }));
      await assert.rejects(applyProvision(conn, { ...sshd, steps: sshd.steps.filter((s) => s.id === 'sshd') }, { confirm: async () => { throw new Error('no'); } }), /step "sshd" failed/);
      const dropIn = path.join(srv!.root, 'etc', 'ssh', 'sshd_config.d', '10-cloudward.conf');
      assert.ok(fs.existsSync(dropIn), 'the sshd drop-in was not applied');
      await until('the sshd drop-in reverted', async () => !fs.existsSync(dropIn), 30);
    } finally {
      p.dispose();
    }
  });

  it('a confirmed firewall stays (the live SSH port open) and is enabled for boot; sshd keys-only likewise', async () => {
    const r = await cli('provision', 'srv', ...withHttps(), '--firewall', '--ssh-keys-only', '--revert-after', '5', '--yes', '--json');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(JSON.parse(r.stdout).changed.sort(), ['firewall', 'sshd']);
    await new Promise((res) => setTimeout(res, 8000));
    const table = await srv!.exec('nft', ['list', 'table', 'inet', 'cloudward']);
    assert.strictEqual(table.code, 0, 'the confirmed firewall was reverted');
    assert.match(table.stdout, /tcp dport \{ 22, 80, 443 \} accept/);
    assert.strictEqual((await srv!.exec('systemctl', ['is-enabled', 'cloudward-firewall.service'])).stdout.trim(), 'enabled');
    const sshd = await srv!.exec('sshd', ['-T']);
    assert.match(sshd.stdout, /^passwordauthentication no$/m);
    assert.ok(fs.existsSync(path.join(srv!.root, 'etc', 'ssh', 'sshd_config.d', '10-cloudward.conf')), 'the confirmed sshd drop-in was reverted');
    // a new login still works, and provisioning again changes nothing
    const again = await cli('provision', 'srv', ...withHttps(), '--firewall', '--ssh-keys-only', '--yes', '--json');
    assert.strictEqual(again.code, 0, again.stderr);
    assert.deepStrictEqual(JSON.parse(again.stdout).changed, []);
    assert.strictEqual((await get(httpsPort, '/admin/login/')).status, 200);
  });
});
