// The bench's SSH figures, against a private OpenSSH daemon on loopback (test/support/sshd.ts, compiled
// to out/): refreshing one server through Cloudward's SSH layer (the production bundle dist/ssh.js) vs a
// bare `ssh … true` through the OpenSSH client to the same daemon, alternating in the same run; the
// snapshot script's own time (run locally as the same user with the same environment: it is the same
// machine); the channels one refresh opens (counted by sshd itself, from its DEBUG log); and 20 servers
// refreshed in parallel. Every daemon is stopped by pid at the end, also on failure or Ctrl-C.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Newest modification time under a path (file or folder), for "is out/ older than the sources?". */
function newest(p) {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, f) => Math.max(m, newest(join(p, f))), st.mtimeMs);
}

const wallMs = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Runs the OpenSSH client to completion (async: the daemon and our event loop keep running). */
function runSsh(args) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(wallMs(t0)) : reject(new Error(`ssh exited ${code}: ${err.trim()}`))));
  });
}

export function sections({ figure, notes, root, require, RUNS }) {
  return {
    ssh: async () => {
      // The loopback harness runs Debian's sshd as root (it must switch to the test user).
      if (typeof process.getuid === 'function' && process.getuid() !== 0) {
        notes.push('ssh: skipped (the loopback sshd needs root)');
        return;
      }
      for (const tool of ['/usr/sbin/sshd', 'ssh']) {
        if (spawnSync(tool, ['-V'], { stdio: 'ignore' }).error) {
          notes.push(`ssh: skipped (${tool} is not installed; see scripts/prereqs.mjs)`);
          return;
        }
      }
      execFileSync(process.execPath, ['esbuild.mjs', '--production', '--quiet'], { cwd: root, stdio: 'inherit' });
      const harness = join(root, 'out', 'test', 'support', 'sshd.js');
      if (!existsSync(harness) || statSync(harness).mtimeMs < newest(join(root, 'test', 'support'))) {
        process.stderr.write('[bench] compiling the test harness (npx tsc -p .)…\n');
        // tsc exits non-zero on type errors elsewhere in the tree but still emits out/.
        spawnSync('npx', ['tsc', '-p', '.'], { cwd: root, stdio: 'ignore' });
        if (!existsSync(harness)) throw new Error('out/test/support/sshd.js is missing after `npx tsc -p .`');
      }
      const { TestSshd, makeKey } = require(harness);
      const ssh = require(join(root, 'dist', 'ssh.js'));

      const daemons = [];
      // On Ctrl-C or a kill, stop the daemons synchronously (by pid) before leaving.
      const emergency = () => {
        for (const d of daemons) {
          for (const pid of [...d.sessionPids(), d.daemonPid]) {
            try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
          }
          rmSync(d.dir, { recursive: true, force: true });
        }
        process.exit(130);
      };
      process.once('SIGINT', emergency);
      process.once('SIGTERM', emergency);
      const home = mkdtempSync(join(tmpdir(), 'cloudward-bench-ssh-'));
      const pools = [];
      try {
        // One daemon; `Match All` + LogLevel DEBUG raises the log level of the sessions (the first
        // LogLevel line wins outside Match), so sshd logs each channel it opens.
        const d = await TestSshd.start({ extraConfig: ['MaxStartups 64:30:100', 'Match All', '  LogLevel DEBUG'] });
        daemons.push(d);
        // A client of our own: private HOME, key, empty ssh config, known_hosts with the daemon's key.
        mkdirSync(join(home, '.ssh'), { mode: 0o700 });
        const key = makeKey(join(home, '.ssh'), 'id_bench');
        d.authorize(key.publicKey);
        const sshConfig = join(home, '.ssh', 'config');
        const knownHosts = join(home, '.ssh', 'known_hosts');
        writeFileSync(sshConfig, '');
        writeFileSync(knownHosts, d.knownHostsLine() + '\n');
        const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), SSH_AUTH_SOCK: '' };
        const spec = (name) => ({ name, host: d.host, port: d.port, user: d.user, identityFile: key.privateKey });
        const newPool = () => {
          const p = new ssh.SshPool({ trustStore: new ssh.MemoryTrustStore(), sshConfigFile: sshConfig, env, agentSocket: '', connectTimeoutMs: 20_000, commandTimeoutMs: 60_000 });
          pools.push(p);
          return p;
        };
        const bareArgs = ['-F', sshConfig, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`,
          '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'IdentitiesOnly=yes', '-i', key.privateKey, '-p', String(d.port), `${d.user}@${d.host}`, 'true'];

        // Channels, as sshd counts them: a session channel opened on any connection of this daemon.
        const channelsSoFar = () => (readFileSync(d.logFile, 'utf8').match(/server_input_channel_open: ctype /g) ?? []).length;
        // Warm-up (page cache, host key check paths, sshd's first fork), and a check that counting works.
        await runSsh(bareArgs);
        const c0 = channelsSoFar();
        await runSsh(bareArgs);
        if (channelsSoFar() - c0 !== 1) notes.push(`ssh: sshd's log counted ${channelsSoFar() - c0} channels for one \`ssh … true\` (expected 1): the channel count below is unreliable`);
        {
          const p = newPool();
          await p.get(spec('warm-up')).snapshot();
          p.dispose();
        }

        // 1. One refresh with a new connection (what the first refresh of a server costs: resolve the
        //    server through `ssh -G`, connect, verify the host key, log in, one script in one channel)
        //    vs the OpenSSH client, alternating so that drift hits both alike.
        const rounds = Math.max(8, RUNS * 3);
        const cold = [], bare = [], channels = [], warm = [];
        let snap;
        for (let i = 0; i < rounds; i++) {
          bare.push(await runSsh(bareArgs));
          const pool = newPool();
          const before = channelsSoFar();
          const t0 = process.hrtime.bigint();
          snap = await pool.get(spec('one')).snapshot();
          cold.push(wallMs(t0));
          // 2. The next refresh on the kept connection (every refresh after the first).
          const t1 = process.hrtime.bigint();
          await pool.get(spec('one')).snapshot();
          warm.push(wallMs(t1));
          pool.dispose();
          // sshd's monitor writes the log a moment later; two refreshes, so halve.
          await new Promise((r) => setTimeout(r, 100));
          channels.push((channelsSoFar() - before) / 2);
        }
        if (snap.errors?.length) notes.push(`ssh: the snapshot reported errors: ${JSON.stringify(snap.errors).slice(0, 300)}`);

        // 3. The script's own time: the same command line, run by /bin/sh as the test user with the
        //    environment sshd gives it (SetEnv PATH=<shims>…), on this same machine.
        const server = await newPool().get(spec('script')).resolve();
        const uid = Number(execFileSync('id', ['-u', d.user], { encoding: 'utf8' }).trim());
        const gid = Number(execFileSync('id', ['-g', d.user], { encoding: 'utf8' }).trim());
        const scriptEnv = { PATH: `${d.shimsDir}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`, CLOUDWARD_SHIM_STATE: d.stateDir, HOME: d.home, USER: d.user, LOGNAME: d.user, SHELL: '/bin/sh' };
        const script = [];
        for (let i = 0; i < rounds; i++) {
          const { command, nonce } = ssh.snapshotScript(server.appDir, server.units);
          const t0 = process.hrtime.bigint();
          const r = spawnSync('/bin/sh', ['-c', command], { uid, gid, env: scriptEnv, cwd: d.home, encoding: 'utf8', maxBuffer: 16 << 20 });
          script.push(wallMs(t0));
          if (!r.stdout.includes(`@@CW${nonce}@@os`)) throw new Error(`the snapshot script did not run locally: ${r.stderr || r.error}`);
        }

        const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
        const limit = 1.3 * med(bare) + med(script);
        figure('ssh: refresh one server (new connection)', 'ms', cold, {
          baseline: { name: 'ssh -o BatchMode=yes … true', samples: bare },
          budget: { max: limit, text: `≤ 1.3x bare ssh + script = ${limit.toFixed(0)} ms` },
          note: `bare ssh ${med(bare).toFixed(1)} ms, script ${med(script).toFixed(1)} ms; includes \`ssh -G\` and the snapshot's parse`,
        });
        figure('ssh: refresh one server (connection kept)', 'ms', warm, { baseline: { name: 'the script run locally', samples: script } });
        figure('ssh: snapshot script run locally (sh, same user)', 'ms', script, {});
        figure('ssh: channels per refresh (counted by sshd)', 'channels', channels, { budget: { max: 1, text: '1 channel' }, note: 'a new connection and a kept one, per refresh' });

        // 4. Twenty servers at once: 20 server entries (distinct names, so 20 connections) to the same
        //    daemon, through the pool's bounded concurrency, each with a new connection.
        const concurrency = 6;
        const parallel = [];
        const connections = [];
        for (let i = 0; i < Math.max(3, RUNS); i++) {
          const pool = newPool();
          const specs = Array.from({ length: 20 }, (_, k) => spec(`server-${k + 1}`));
          const logBefore = readFileSync(d.logFile, 'utf8').length;
          const t0 = process.hrtime.bigint();
          const results = await pool.snapshotAll(specs, concurrency);
          parallel.push(wallMs(t0));
          pool.dispose();
          const failed = [...results.values()].filter((r) => r instanceof Error);
          if (failed.length) throw new Error(`${failed.length} of 20 refreshes failed: ${failed[0].message}`);
          connections.push((readFileSync(d.logFile, 'utf8').slice(logBefore).match(/Accepted publickey for /g) ?? []).length);
        }
        figure('ssh: 20 servers refreshed in parallel', 'ms', parallel, {
          baseline: { name: '20 x one refresh', samples: cold.map((v) => v * 20) },
          budget: { maxRatio: 0.75, text: '< 0.75x of 20 one after another' },
          note: `20 server entries to one loopback sshd, ${concurrency} at a time (SshPool.snapshotAll), ${med(connections)} logins per round; 2 cores serve both ends`,
        });
      } finally {
        for (const p of pools) p.dispose();
        for (const d of daemons) await d.stop();
        rmSync(home, { recursive: true, force: true });
        process.removeListener('SIGINT', emergency);
        process.removeListener('SIGTERM', emergency);
      }
    },
  };
}
