import * as assert from 'assert';
import { execFileSync } from 'child_process';
import {
  parseCertificates,
  parseDf,
  parseMeminfo,
  parseOsRelease,
  parseSnapshotOutput,
  parseSs,
  parseSystemctlShow,
  snapshotScript,
} from '../../../src/core/ssh/snapshot';

// Output captured from real tools (Debian 12 / Ubuntu 22.04 servers).
const OS_RELEASE = `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
ID=ubuntu
ID_LIKE=debian
`;
const MEMINFO = `MemTotal:        2014488 kB
MemFree:          163164 kB
MemAvailable:    1127340 kB
Buffers:           56760 kB
Cached:           986432 kB
SwapCached:            0 kB
SwapTotal:        969960 kB
SwapFree:         969960 kB
HugePages_Total:       0
`;
const DF = `Filesystem     1024-blocks     Used Available Capacity Mounted on
udev               987436        0    987436       0% /dev
tmpfs              201452     1036    200416       1% /run
/dev/vda1        40470732 37861620    544652      99% /
tmpfs             1007244        0   1007244       0% /dev/shm
/dev/vda15         106858     6186    100672       6% /boot/efi
/dev/loop0          64768    64768         0     100% /snap/core20/2264
/dev/sdb1       103081248 12345678  85476892      13% /srv/my data
`;
const SYSTEMCTL_SHOW = `Id=gunicorn.service
LoadState=loaded
ActiveState=active
SubState=running
MainPID=812
Description=gunicorn daemon

Id=nginx.service
LoadState=loaded
ActiveState=failed
SubState=failed
MainPID=0
Description=A high performance web server and a reverse proxy server

Id=myapp-worker.service
LoadState=not-found
ActiveState=inactive
SubState=dead
MainPID=0
Description=myapp-worker.service
`;
const SS = `LISTEN 0      511          0.0.0.0:80         0.0.0.0:*    users:(("nginx",pid=812,fd=6),("nginx",pid=811,fd=6))
LISTEN 0      2048       127.0.0.1:8000       0.0.0.0:*    users:(("gunicorn",pid=901,fd=5))
LISTEN 0      4096   127.0.0.53%lo:53         0.0.0.0:*    users:(("systemd-resolve",pid=600,fd=14))
LISTEN 0      244        127.0.0.1:5432       0.0.0.0:*
LISTEN 0      511             [::]:80            [::]:*    users:(("nginx",pid=812,fd=7))
`;

describe('snapshot parsers', () => {
  it('reads /etc/os-release', () => {
    const r = parseOsRelease(OS_RELEASE);
    assert.strictEqual(r.PRETTY_NAME, 'Ubuntu 22.04.4 LTS');
    assert.strictEqual(r.ID, 'ubuntu');
  });

  it('reads /proc/meminfo in bytes', () => {
    assert.deepStrictEqual(parseMeminfo(MEMINFO), {
      totalBytes: 2014488 * 1024,
      availableBytes: 1127340 * 1024,
      swapTotalBytes: 969960 * 1024,
      swapFreeBytes: 969960 * 1024,
    });
    // kernels before 3.14 have no MemAvailable
    assert.strictEqual(parseMeminfo('MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\n')!.availableBytes, 35 * 1024);
    assert.strictEqual(parseMeminfo('garbage'), null);
  });

  it('reads df -P -k, leaving out tmpfs, /dev, /run and snaps; mounts with spaces kept', () => {
    const d = parseDf(DF);
    assert.deepStrictEqual(d.map((x) => x.mount), ['/', '/boot/efi', '/srv/my data']);
    const root = d[0];
    assert.strictEqual(root.totalBytes, 40470732 * 1024);
    assert.strictEqual(root.usedBytes, 37861620 * 1024);
    assert.ok(root.usedFraction > 0.98 && root.usedFraction < 0.99, String(root.usedFraction)); // df says 99%
  });

  it('reads systemctl show blocks and classifies units', () => {
    const s = parseSystemctlShow(SYSTEMCTL_SHOW, ['myapp-worker.service']);
    assert.deepStrictEqual(
      s.map((x) => [x.unit, x.active, x.sub, x.kind, x.failed, x.mainPid]),
      [
        ['gunicorn.service', 'active', 'running', 'app', false, 812],
        ['nginx.service', 'failed', 'failed', 'web', true, null],
        ['myapp-worker.service', 'inactive', 'dead', 'watched', false, null],
      ],
    );
    assert.strictEqual(s[2].load, 'not-found');
  });

  it('reads ss -ltnpH with and without process columns', () => {
    assert.deepStrictEqual(parseSs(SS), [
      { address: '0.0.0.0', port: 80, process: 'nginx', pid: 812 },
      { address: '127.0.0.1', port: 8000, process: 'gunicorn', pid: 901 },
      { address: '127.0.0.53', port: 53, process: 'systemd-resolve', pid: 600 },
      { address: '127.0.0.1', port: 5432, process: null, pid: null },
      { address: '::', port: 80, process: 'nginx', pid: 812 },
    ]);
    // with the header line of older ss without -H
    assert.strictEqual(parseSs('State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n' + SS).length, 5);
  });

  it('reads openssl x509 -enddate -subject per certificate', () => {
    const now = Date.parse('2026-11-22T00:00:00Z');
    const c = parseCertificates(
      'cert=/etc/letsencrypt/live/example.com/fullchain.pem\n  notAfter=Jan 20 12:00:00 2027 GMT\n  subject=CN = example.com\ncert=/etc/ssl/missing.pem\n  Could not open file or uri for loading certificate from /etc/ssl/missing.pem\n',
      now,
    );
    assert.strictEqual(c[0].notAfter, '2027-01-20T12:00:00.000Z');
    assert.strictEqual(c[0].daysLeft, 59);
    assert.strictEqual(c[0].subject, 'CN = example.com');
    assert.strictEqual(c[1].notAfter, null);
    assert.match(c[1].error!, /Could not open/);
  });
});

describe('snapshot output', () => {
  const N = 'abc123';
  const M = `@@CW${N}@@`;
  const sections = (parts: Record<string, string>) => Object.entries(parts).map(([k, v]) => `\n${M}${k}\n${v}`).join('');

  it('parses every section and reports unavailable ones as errors, not failures', () => {
    const out = sections({
      os: OS_RELEASE,
      kernel: 'Linux 5.15.0-105-generic x86_64',
      uptime: '123456.78 234567.89',
      load: '0.52 0.58 0.59 2/345 6789',
      cpus: '2',
      memory: MEMINFO,
      disks: DF,
      failed: 'nginx.service',
      services: SYSTEMCTL_SHOW,
      ports: `${M}na ss not installed`,
      app: 'exists=1\ncurrent=/srv/app/releases/20261120\nmtime=1795000000',
      nginx: `nginx: [emerg] unknown directive "sever" in /etc/nginx/sites-enabled/app:1\nnginx: configuration file /etc/nginx/nginx.conf test failed\n${M}exit 1`,
      tls: `${M}na openssl not installed`,
      end: '',
    });
    const s = parseSnapshotOutput(out, N, { server: 'prod', host: 'deploy@10.0.0.5:22', appDir: '/srv/app', units: [] });
    assert.strictEqual(s.os, 'Ubuntu 22.04.4 LTS');
    assert.strictEqual(s.kernel, 'Linux 5.15.0-105-generic x86_64');
    assert.strictEqual(s.uptimeSeconds, 123456);
    assert.deepStrictEqual(s.load, [0.52, 0.58, 0.59]);
    assert.strictEqual(s.cpus, 2);
    assert.strictEqual(s.memory!.totalBytes, 2014488 * 1024);
    assert.strictEqual(s.disks.length, 3);
    assert.ok(s.services.find((x) => x.unit === 'nginx.service')!.failed);
    assert.deepStrictEqual(s.ports, []);
    assert.deepStrictEqual(s.app, { dir: '/srv/app', exists: true, currentRelease: '/srv/app/releases/20261120', lastDeploy: new Date(1795000000 * 1000).toISOString() });
    assert.strictEqual(s.nginx!.ok, false);
    assert.match(s.nginx!.output, /unknown directive "sever"/);
    assert.deepStrictEqual(s.errors, [
      { section: 'ports', message: 'not available: ss not installed' },
      { section: 'tls', message: 'not available: openssl not installed' },
    ]);
  });

  it('does not call a configuration broken when nginx -t could not read it without root', () => {
    const out = sections({
      nginx: `${M}noroot\nnginx: [alert] could not open error log file: open() "/var/log/nginx/error.log" failed (13: Permission denied)\n${M}exit 1`,
      end: '',
    });
    const s = parseSnapshotOutput(out, N, { server: 'p', host: 'h' });
    assert.strictEqual(s.nginx, null);
    assert.ok(s.errors.some((e) => e.section === 'nginx' && /needs root/.test(e.message)));
  });

  it('says which sections are missing when the script was cut short', () => {
    const s = parseSnapshotOutput(sections({ os: OS_RELEASE, kernel: 'Linux' }), N, { server: 'p', host: 'h' });
    assert.strictEqual(s.os, 'Ubuntu 22.04.4 LTS');
    assert.ok(s.errors.some((e) => e.section === 'memory' && /did not finish/.test(e.message)));
  });

  it('cannot be fooled by a marker with another nonce in the output', () => {
    const out = sections({ os: 'NAME=x\n@@CWother@@kernel\nPRETTY_NAME="Real"', kernel: 'Linux' });
    const s = parseSnapshotOutput(out, N, { server: 'p', host: 'h' });
    assert.strictEqual(s.os, 'Real');
    assert.strictEqual(s.kernel, 'Linux');
  });

  it('the script is valid POSIX sh and runs on this machine (dash), tolerant of what is missing here', () => {
    const { command, nonce } = snapshotScript('/nonexistent/app', ['cron.service']);
    assert.ok(!command.includes('\0'));
    const out = execFileSync('sh', ['-c', command], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
    const s = parseSnapshotOutput(out, nonce, { server: 'local', host: 'local', appDir: '/nonexistent/app' });
    assert.ok(s.os, 'os-release read');
    assert.ok(s.cpus && s.cpus >= 1);
    assert.ok(s.memory && s.memory.totalBytes > 0);
    assert.ok(s.disks.length >= 1);
    assert.deepStrictEqual(s.app, { dir: '/nonexistent/app', exists: false, currentRelease: null, lastDeploy: null });
  });

  it('reads listening unix sockets (system ones left out) and the kinds of the paths asked about', () => {
    const nonce = 'n1';
    const M = `@@CW${nonce}@@`;
    const out = [
      `${M}os`, 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
      `${M}sockets`,
      'u_str LISTEN 0      511    /run/mysite/mysite.sock 182177 * 0 users:(("gunicorn",pid=2678,fd=3))',
      'u_str LISTEN 0      4096   /run/systemd/private 1234 * 0 users:(("systemd",pid=1,fd=20))',
      'u_str LISTEN 0      4096   @/org/kernel/linux/storage 99 * 0',
      'u_str LISTEN 0      128    /srv/with space/app.sock 4321 * 0',
      `${M}paths`,
      'file /etc/nginx/sites-enabled/mysite',
      'missing /etc/letsencrypt/live/example.com/fullchain.pem',
      'socket /run/mysite/mysite.sock',
      `${M}end`,
    ].join('\n');
    const s = parseSnapshotOutput(out, nonce, { server: 's', host: 'h' });
    assert.deepStrictEqual(s.unixSockets, [
      { path: '/run/mysite/mysite.sock', process: 'gunicorn', pid: 2678 },
      { path: '/srv/with space/app.sock', process: null, pid: null },
    ]);
    assert.deepStrictEqual(s.paths, {
      '/etc/nginx/sites-enabled/mysite': 'file',
      '/etc/letsencrypt/live/example.com/fullchain.pem': 'missing',
      '/run/mysite/mysite.sock': 'socket',
    });
  });

  it('quotes a hostile app directory and unit list into single arguments', () => {
    const evil = "/tmp/x'; touch /tmp/PWNED; echo '";
    const evilPath = "/srv/a b/$(touch /tmp/PWNED)'.sock";
    const { command } = snapshotScript(evil, ['a.service'], undefined, [evilPath, '/etc/nginx/sites-enabled/mysite', 'relative/is/dropped']);
    // sh -c '<script>' cloudward '<appDir>' '<paths>' '<unit>': the words come back intact
    const out = execFileSync('sh', ['-c', command.replace(/^'sh' '-c' '(?:[^']|'\\'')*'/, `'sh' '-c' 'printf "%s\\\\n" "$@"'`)], { encoding: 'utf8' });
    assert.deepStrictEqual(out.split('\n').slice(0, 4), [evil, evilPath, '/etc/nginx/sites-enabled/mysite', 'a.service']);
  });
});
