// The snippets are checked by the tools that will read them: nginx -t, systemd-analyze verify,
// Python's own parser and the Kubernetes OpenAPI schemas. A missing tool skips its tests (fails them under CI).
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { expandedSnippets } from '../../unit/walkthroughs/snippetFiles';
import { needTool } from '../../support/need';

const snippets = expandedSnippets();

function which(cmd: string, extra: string[] = []): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...extra]) {
    if (dir && fs.existsSync(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  return undefined;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cloudward-snippets-'));
}

describe('walkthroughs: snippets against the real tools', function () {
  this.timeout(30_000);

  describe('nginx -t', () => {
    const nginx = which('nginx', ['/usr/sbin']);
    for (const s of snippets.filter((x) => x.language === 'nginx')) {
      it(s.name, function () {
        needTool(this, !!nginx, 'nginx');
        const dir = tempDir();
        try {
          let site = s.text;
          // A certificate where the snippet expects certbot's, so nginx can load it.
          if (site.includes('ssl_certificate')) {
            const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=example.com',
              '-keyout', path.join(dir, 'privkey.pem'), '-out', path.join(dir, 'fullchain.pem')], { encoding: 'utf8' });
            assert.strictEqual(r.status, 0, r.stderr);
            site = site.replace(/\/etc\/letsencrypt\/live\/[^/]+\//g, `${dir}/`);
          }
          // A bare location block goes inside a server, as the user would put it.
          if (/^\s*location\b/.test(site)) site = `server {\n    listen 127.0.0.1:8080;\n${site}}\n`;
          fs.writeFileSync(path.join(dir, 'site.conf'), site);
          fs.writeFileSync(path.join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n    access_log off;\n    include ${dir}/site.conf;\n}\n`);
          const r = spawnSync(nginx!, ['-t', '-q', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { encoding: 'utf8' });
          assert.strictEqual(r.status, 0, `${r.stderr}\n${site}`);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });

  describe('systemd-analyze verify', () => {
    const analyze = which('systemd-analyze');
    for (const s of snippets.filter((x) => x.language === 'systemd-unit')) {
      it(s.name, function () {
        needTool(this, !!analyze, 'systemd-analyze (Debian package systemd)');
        const dir = tempDir();
        try {
          // verify checks that ExecStart's program exists: give the app folder a real virtualenv path.
          const app = path.join(dir, 'srv');
          fs.mkdirSync(path.join(app, '.venv', 'bin'), { recursive: true });
          fs.writeFileSync(path.join(app, '.venv', 'bin', 'gunicorn'), '#!/bin/sh\n', { mode: 0o755 });
          const unit = path.join(dir, path.basename(s.file));
          fs.writeFileSync(unit, s.text.replace(/\/srv\/mysite/g, app));
          // The socket's service is part of the same pair.
          if (unit.endsWith('.socket')) {
            const service = snippets.find((x) => x.file.endsWith('.service'))!;
            fs.writeFileSync(unit.replace(/\.socket$/, '.service'), service.text.replace(/\/srv\/mysite/g, app));
          }
          const r = spawnSync(analyze!, ['verify', '--man=no', unit], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_LEVEL: 'warning' } });
          const complaints = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes(path.basename(unit)) || /unknown|invalid|failed/i.test(l));
          assert.strictEqual(r.status, 0, `${r.stdout}${r.stderr}`);
          assert.deepStrictEqual(complaints, []);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });

  describe("Python's parser", () => {
    const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : which('python3');
    for (const s of snippets.filter((x) => x.language === 'python')) {
      it(s.name, function () {
        needTool(this, !!python, 'python3');
        const r = spawnSync(python!, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: s.text, encoding: 'utf8' });
        assert.strictEqual(r.status, 0, `${r.stderr}\n${s.text}`);
      });
    }
  });

  describe('Kubernetes schemas (kubernetes-models)', () => {
    for (const s of snippets.filter((x) => x.language === 'yaml')) {
      it(s.name, () => {
        const docs = parseAllDocuments(s.text);
        assert.strictEqual(docs.length, 1);
        assert.deepStrictEqual(docs[0].errors, []);
        const obj = docs[0].toJS() as { apiVersion: string; kind: string };
        const group = obj.apiVersion.includes('/') ? obj.apiVersion : `v1`;
        const modulePath = obj.apiVersion.includes('/') ? `kubernetes-models/${group}/${obj.kind}` : `kubernetes-models/v1/${obj.kind}`;
        const Model = (require(modulePath) as Record<string, new (o: unknown) => { validate(): void }>)[obj.kind];
        assert.doesNotThrow(() => new Model(obj).validate());
      });
    }
  });
});
