// The compose file read the way Compose reads it: Compose interpolates `$VAR` in every value, the nginx
// site embedded in `configs.nginx_site.content` too, so `$host` unescaped would reach nginx as an empty
// string (`proxy_set_header Host ;`) and nginx would refuse to start. The generated file escapes `$` as
// `$$`; this test runs Compose's own interpolation (Debian's docker-compose package) over it, then nginx -t
// on the site that comes out.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { makeTempDir, missingTools, nginxSandbox, nginxTest, removeDir, repoRoot, runTool, tools } from '../../support/realtools';
import { needTool } from '../../support/need';
import { deployToTemp, examplePath, type DeployedProject } from './projects';

const INTERPOLATE = path.join(repoRoot, 'test', 'support', 'compose_interpolate.py');

/** Whether Debian's docker-compose (its Python package) is installed for /usr/bin/python3. */
async function haveCompose(): Promise<boolean> {
  const r = await runTool(tools.python, ['-c', 'import compose.config.interpolation']);
  return r.code === 0;
}

async function asComposeReadsIt(composeFile: string): Promise<{ configs: Record<string, { content: string }>; report: string }> {
  const r = await runTool(tools.python, [INTERPOLATE, composeFile], { cwd: path.dirname(composeFile) });
  assert.strictEqual(r.code, 0, r.report);
  return { ...JSON.parse(r.stdout), report: r.report };
}

describe('compose.yaml as Compose reads it (docker-compose interpolation, then nginx -t)', function () {
  this.timeout(120_000);
  const projects: DeployedProject[] = [];

  before(async function () {
    const missing = missingTools('nginx', 'python');
    needTool(this, missing.length === 0, missing.join(', '));
    needTool(this, await haveCompose(), 'docker-compose (Debian package, for its interpolation code)');
  });

  after(() => projects.forEach((p) => removeDir(p.root)));

  for (const [example, overrides] of [['django-polls', {}], ['django-polls', { interface: 'asgi', appTarget: 'mysite.asgi:application' }]] as const) {
    it(`${example}${'interface' in overrides ? ' (ASGI)' : ''}: the embedded nginx site keeps its variables and passes nginx -t`, async () => {
      const p = await deployToTemp(examplePath(example), ['compose'], overrides);
      projects.push(p);
      const composeFile = p.file('compose');
      // The secrets file the header asks for, empty: no variable of the site may depend on it.
      fs.writeFileSync(path.join(path.dirname(composeFile), '.env'), '');
      const { configs, report } = await asComposeReadsIt(composeFile);
      const site = configs.nginx_site.content;
      assert.doesNotMatch(report, /variable is not set/, `Compose found variables to replace:\n${report}`);
      assert.match(site, /proxy_set_header Host \$host;/);
      assert.match(site, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
      assert.match(site, /proxy_set_header X-Forwarded-Proto \$scheme;/);
      assert.doesNotMatch(site, /\$\$/, 'Compose turns $$ into $');
      // nginx resolves upstream hosts at start: the compose service name `web` stands for loopback here.
      const dir = makeTempDir('compose-nginx');
      try {
        const siteFile = path.join(dir, 'site.conf');
        fs.writeFileSync(siteFile, site.replace(/server web:(\d+)/, 'server 127.0.0.1:$1'));
        const r = await nginxTest(nginxSandbox(dir, [siteFile]));
        assert.strictEqual(r.code, 0, `nginx -t rejected the site Compose passes on:\n${r.report}\n--- site ---\n${site}`);
      } finally {
        removeDir(dir);
      }
    });
  }
});
