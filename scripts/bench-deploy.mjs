// The bench's deploy figure, on a real Debian server (scripts/real-server.sh, root only): a redeploy whose
// dependencies did not change (`cloudward deploy`: upload, unpack, reuse the virtualenv, import + collectstatic
// + check --deploy + migration plan in one Django start, start the other colour, health check, switch nginx)
// against the floor of the same run: uploading the same `git archive` over ssh, restarting the live unit and
// waiting for the first 200 through nginx. Uses the tsc output (out/); the server is stopped at the end.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as http from 'node:http';

const wallMs = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

export function sections({ figure, notes, root, require, RUNS }) {
  return {
    deploy: async () => {
      if (typeof process.getuid === 'function' && process.getuid() !== 0) return void notes.push('deploy: skipped (real-server.sh needs root)');
      const out = join(root, 'out', 'test', 'support');
      if (!existsSync(join(out, 'realServer.js'))) return void notes.push('deploy: skipped (run `npx tsc -p .` first: the bench uses out/)');
      const { realServerUp } = require(join(out, 'realServer.js'));
      const { freePort } = require(join(out, 'ports.js'));
      const { makeDjangoProject, localIndexReady, LOCAL_INDEX } = require(join(out, 'djangoProject.js'));
      if (!localIndexReady()) return void notes.push(`deploy: skipped (no local package index at ${LOCAL_INDEX}: the server could not install Django)`);
      const tmp = mkdtempSync(join(tmpdir(), 'cw-bench-deploy-'));
      const env = { ...process.env, HOME: join(tmp, 'home'), XDG_CONFIG_HOME: join(tmp, 'home', '.config'), SSH_AUTH_SOCK: '' };
      let srv;
      let index;
      // Ctrl-C: the server and the index server are ours to stop (by pid / by name of our instance)
      const onInt = () => {
        srv?.down();
        if (index?.pid) process.kill(index.pid);
        process.exit(130);
      };
      process.once('SIGINT', onInt);
      try {
        const project = makeDjangoProject(tmp, 'mysite.test');
        const indexPort = await freePort();
        index = spawn('/usr/bin/python3', ['-m', 'http.server', String(indexPort), '--bind', '127.0.0.1', '--directory', LOCAL_INDEX], { stdio: 'ignore' });
        const httpPort = await freePort();
        srv = realServerUp('cw-bench-deploy', { sshPort: await freePort(), forwards: `${httpPort}:80`, reverse: `3141:${indexPort}` });
        await srv.exec('sh', ['-c', 'printf "[global]\\nindex-url = http://127.0.0.1:3141/simple/\\n" > /etc/pip.conf']);
        const cfg = join(tmp, 'ssh_config');
        srv.sshConfig('srv', cfg);
        const cli = (...a) => execFileSync(process.execPath, [join(root, 'out', 'src', 'cli.js'), ...a, '--project', project, '--ssh-config', cfg, '--set', 'domain=mysite.test', '--set', 'healthPath=/admin/login/'], { env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
        writeFileSync(join(tmp, 'prod.env'), 'SQLITE_PATH=/srv/mysite/shared/data/db.sqlite3\n');
        cli('provision', 'srv', '--env-file', join(tmp, 'prod.env'), '--yes');
        cli('deploy', 'srv'); // builds the virtualenv once
        const ssh = ['-F', cfg, 'srv'];
        // (not fetch: it drops a Host header, and nginx answers other hosts with 444)
        const status = () => new Promise((resolve) => {
          const req = http.get({ host: '127.0.0.1', port: httpPort, path: '/admin/login/', headers: { Host: 'mysite.test' }, agent: false, timeout: 10_000 }, (res) => {
            res.resume();
            resolve(res.statusCode);
          });
          req.on('error', () => resolve(0));
          req.on('timeout', () => req.destroy());
        });
        const firstOk = async () => {
          for (let i = 0; i < 1200; i++) {
            if ((await status()) === 200) return;
            await new Promise((r) => setTimeout(r, 50));
          }
          throw new Error('the site did not answer 200 within a minute after the restart');
        };
        const redeploy = [];
        const floor = [];
        for (let i = 0; i < Math.max(2, Math.min(RUNS, 3)); i++) {
          let t0 = process.hrtime.bigint();
          cli('deploy', 'srv');
          redeploy.push(wallMs(t0) / 1000);
          const live = JSON.parse(cli('releases', 'srv', '--json')).state.color;
          t0 = process.hrtime.bigint();
          const tar = execFileSync('git', ['archive', '--format=tar', 'HEAD'], { cwd: project, maxBuffer: 1 << 30 });
          execFileSync('ssh', [...ssh, 'cat > /tmp/bench-floor.tar && mkdir -p /tmp/bench-floor && tar -xf /tmp/bench-floor.tar -C /tmp/bench-floor'], { input: tar });
          execFileSync('ssh', [...ssh, `sudo -n systemctl stop mysite@${live}.service && sudo -n systemctl start mysite@${live}.service`]);
          await firstOk();
          floor.push(wallMs(t0) / 1000);
        }
        const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
        figure('deploy: redeploy, dependencies unchanged (real Debian server)', 's', redeploy, {
          baseline: { name: 'upload the same archive + restart the unit + first 200', samples: floor },
          budget: { maxRatio: 3, text: '≤ 3x the floor (one Django start for the checks, the blue/green handover)' },
          note: `floor ${med(floor).toFixed(1)} s; the deploy adds the checks before the switch and the blue/green handover`,
        });
      } finally {
        process.off('SIGINT', onInt);
        srv?.down();
        if (index?.pid) process.kill(index.pid);
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  };
}
