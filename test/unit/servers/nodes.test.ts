// What the Servers tree shows for a snapshot (src/views/servers/nodes.ts is free of vscode on purpose).
import * as assert from 'assert';
import type { Snapshot } from '../../../src/core/ssh/types';
import { contextValues, type LeafNode, releasesSection, snapshotNeedsAttention, snapshotSections } from '../../../src/views/servers/nodes';
import { deployFailureLines, formatDeployEvent } from '../../../src/core/deploy/deploy';
import { formatBytes, formatDuration } from '../../../src/views/servers/format';

const GiB = 1024 ** 3;

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    server: 'web',
    host: 'deploy@web:22',
    takenAt: '2026-11-22T05:00:00.000Z',
    durationMs: 120,
    os: 'Debian GNU/Linux 12 (bookworm)',
    osRelease: {},
    kernel: 'Linux 6.1.0 x86_64',
    uptimeSeconds: 3 * 86400 + 4 * 3600,
    load: [0.5, 0.4, 0.3],
    cpus: 2,
    memory: { totalBytes: 4 * GiB, availableBytes: 3 * GiB, swapTotalBytes: 0, swapFreeBytes: 0 },
    disks: [{ mount: '/', filesystem: '/dev/sda1', totalBytes: 40 * GiB, usedBytes: 10 * GiB, availableBytes: 30 * GiB, usedFraction: 0.25 }],
    services: [
      { unit: 'nginx.service', active: 'active', sub: 'running', load: 'loaded', description: 'nginx', mainPid: 10, kind: 'web', failed: false },
      { unit: 'gunicorn.service', active: 'failed', sub: 'failed', load: 'loaded', description: 'gunicorn', mainPid: null, kind: 'app', failed: true },
      { unit: 'postgresql.service', active: 'inactive', sub: 'dead', load: 'loaded', description: 'PostgreSQL', mainPid: null, kind: 'database', failed: false },
    ],
    ports: [
      { address: '0.0.0.0', port: 80, process: 'nginx', pid: 10 },
      { address: '::', port: 22, process: null, pid: null },
    ],
    app: { dir: '/srv/app', exists: true, currentRelease: '/srv/app/releases/42', lastDeploy: '2026-11-21T05:00:00.000Z' },
    nginx: { ok: true, output: 'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful' },
    tls: [{ path: '/etc/ssl/a.pem', subject: 'CN = example.com', notAfter: '2027-01-01T00:00:00Z', daysLeft: 40 }],
    errors: [],
    ...over,
  };
}

function section(s: Snapshot, id: string) {
  const found = snapshotSections('settings:web', s, false).find((x) => x.section === id);
  assert.ok(found, id);
  return found;
}

describe('Servers tree rows', () => {
  it('has the six sections in order', () => {
    assert.deepStrictEqual(
      snapshotSections('settings:web', snapshot(), false).map((s) => s.label),
      ['System', 'Services', 'Ports', 'App', 'nginx', 'TLS'],
    );
  });

  it('lists services app server first, with state icons and the context values the menus match', () => {
    const rows = section(snapshot(), 'services').children as LeafNode[];
    assert.deepStrictEqual(rows.map((r) => r.unit), ['gunicorn.service', 'nginx.service', 'postgresql.service']);
    assert.deepStrictEqual(rows.map((r) => r.contextValue), [contextValues.unitFailed, contextValues.unitActive, contextValues.unitInactive]);
    assert.deepStrictEqual(rows.map((r) => r.icon?.id), ['error', 'pass-filled', 'circle-large-outline']);
    assert.strictEqual(section(snapshot(), 'services').description, '1 running, 1 failed');
  });

  it('warns about a disk above 90% and not at 90%', () => {
    const disk = (usedFraction: number) => ({ mount: '/var', filesystem: 'x', totalBytes: 100 * GiB, usedBytes: usedFraction * 100 * GiB, availableBytes: (1 - usedFraction) * 100 * GiB, usedFraction });
    const rowsOf = (f: number) => {
      const disks = section(snapshot({ disks: [disk(f)] }), 'system').children.find((n) => n.label === 'Disks') as LeafNode;
      return (disks.children as LeafNode[])[0];
    };
    assert.strictEqual(rowsOf(0.95).icon?.id, 'warning');
    assert.match(String(rowsOf(0.95).description), /95%.*almost full/);
    assert.notStrictEqual(rowsOf(0.9).icon?.id, 'warning');
    assert.strictEqual(snapshotNeedsAttention(snapshot({ disks: [disk(0.95)], services: [] })), true);
  });

  it('flags load above the number of CPUs', () => {
    const load = (s: Snapshot) => section(s, 'system').children.find((n) => n.label === 'Load')!;
    assert.strictEqual(load(snapshot({ load: [2.5, 1, 1] })).icon?.id, 'warning');
    assert.match(String(load(snapshot()).description), /0\.50 · 0\.40 · 0\.30 on 2 CPUs/);
  });

  it('shows certificate expiry: soon, expired, unknown', () => {
    const tls = (daysLeft: number | null) => (section(snapshot({ tls: [{ path: '/c.pem', subject: 'CN = a.example', notAfter: null, daysLeft }] }), 'tls').children[0] as LeafNode);
    assert.strictEqual(tls(40).icon?.id, 'lock');
    assert.strictEqual(tls(3).icon?.id, 'warning');
    assert.strictEqual(tls(-2).icon?.id, 'error');
    assert.match(String(tls(-2).description), /expired 2 days ago/);
    assert.strictEqual(tls(null).icon?.id, 'warning');
    assert.strictEqual(tls(40).label, 'a.example');
  });

  it('puts each snapshot error in its section', () => {
    const s = snapshot({ errors: [{ section: 'ports', message: 'ss: permission denied' }, { section: 'memory', message: 'no /proc/meminfo' }] });
    assert.ok(section(s, 'ports').children.some((n) => n.label === 'ports: ss: permission denied'));
    assert.ok(section(s, 'system').children.some((n) => n.label === 'memory: no /proc/meminfo'));
  });

  it('dims the sections of stale data', () => {
    for (const s of snapshotSections('settings:web', snapshot(), true)) assert.strictEqual(s.icon?.color, 'disabledForeground');
  });

  it('keeps ids stable and unique', () => {
    const ids: string[] = [];
    const walk = (nodes: { id: string; children?: unknown[] }[]) => {
      for (const n of nodes) {
        ids.push(n.id);
        walk((n.children ?? []) as { id: string }[]);
      }
    };
    walk(snapshotSections('settings:web', snapshot(), false));
    assert.strictEqual(new Set(ids).size, ids.length);
  });

  it('formats sizes and durations', () => {
    assert.strictEqual(formatBytes(1536), '1.5 KiB');
    assert.strictEqual(formatBytes(40 * GiB), '40.0 GiB');
    assert.strictEqual(formatDuration(3 * 86400 + 4 * 3600 + 59), '3 days 4 h');
    assert.strictEqual(formatDuration(59), '59 s');
  });
});

describe('The linked project\'s rows', () => {
  const project = {
    folder: '/home/me/polls', folderName: 'polls', name: 'mysite', units: ['mysite.service', 'mysite.socket'], socket: '/run/mysite/mysite.sock',
    nginxSite: '/etc/nginx/sites-enabled/mysite', domain: 'mysite.test', appDir: '/srv/mysite',
    colors: ['blue', 'green'].map((c) => ({ units: [`mysite@${c}.service`, `mysite@${c}.socket`], socket: `/run/mysite/${c}.sock` })),
  };
  const unit = (u: string, active: string) => ({ unit: u, active, sub: active === 'active' ? 'running' : 'dead', load: u.startsWith('mysite@') ? 'loaded' : 'not-found', description: u, mainPid: null, kind: 'app' as const, failed: false });
  const rows = (s: Snapshot) => (snapshotSections('settings:web', s, false, project).find((x) => x.section === 'project')!.children as LeafNode[]);

  it('a provisioned server: the live colour\'s units and socket, not <name>.service as "not installed"', () => {
    const s = snapshot({
      services: [unit('mysite.service', 'inactive'), unit('mysite.socket', 'inactive'), unit('mysite@blue.service', 'inactive'), unit('mysite@blue.socket', 'inactive'),
        unit('mysite@green.service', 'active'), unit('mysite@green.socket', 'active')].map((x) => (x.unit === 'mysite@blue.socket' ? { ...x, active: 'active', sub: 'listening' } : x)),
      // After a switch the old colour's socket may still listen: the live colour is the one whose service runs.
      unixSockets: [{ path: '/run/mysite/blue.sock', process: 'systemd', pid: 1 }, { path: '/run/mysite/green.sock', process: 'systemd', pid: 1 }],
      paths: { '/etc/nginx/sites-enabled/mysite': 'file', '/run/mysite/mysite.sock': 'missing', '/run/mysite/blue.sock': 'missing', '/run/mysite/green.sock': 'socket' },
    });
    const r = rows(s);
    assert.deepStrictEqual(r.map((x) => x.label), ['mysite@green.service', 'mysite@green.socket', '/etc/nginx/sites-enabled/mysite', '/run/mysite/green.sock']);
    assert.ok(r.every((x) => x.icon?.id === 'pass-filled'), JSON.stringify(r.map((x) => [x.label, x.icon?.id, x.description])));
    assert.match(String(r[0].description), /live colour/);
    // Not listed again under Services.
    const services = snapshotSections('settings:web', s, false, project).find((x) => x.section === 'services')!.children as LeafNode[];
    assert.ok(!services.some((x) => /^mysite@/.test(x.label)), services.map((x) => x.label).join(', '));
  });

  it('provisioned, nothing deployed yet: one warning that no colour runs', () => {
    const r = rows(snapshot({ services: [unit('mysite.service', 'inactive'), unit('mysite@blue.service', 'inactive'), unit('mysite@green.service', 'inactive')], paths: {} }));
    assert.deepStrictEqual(r.map((x) => [x.label, x.description]), [['mysite@blue / mysite@green', 'no colour running']]);
  });

  it('units from the systemd generator (no template units): <name>.service and .socket as before', () => {
    const r = rows(snapshot({ services: [unit('mysite@blue.service', 'inactive')].map((x) => ({ ...x, load: 'not-found' })), paths: {} }));
    assert.deepStrictEqual(r.map((x) => [x.label, x.description]), [['mysite.service', 'not installed'], ['mysite.socket', 'not installed']]);
  });
});

describe('Releases rows', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  const info = {
    app: 'mysite', appDir: '/srv/mysite', live: 'r2',
    releases: [
      { id: 'r1', status: 'rolled-back' as const, commit: 'aaaaaaa1111', live: false, exists: true, started: '2026-12-03T10:00:00Z' },
      { id: 'r2', status: 'good' as const, commit: 'bbbbbbb2222', live: true, exists: true, started: '2026-12-03T11:00:00Z', by: 'me@laptop' },
      { id: 'r3', status: 'failed' as const, commit: 'ccccccc3333', dirty: true, live: false, exists: false, started: '2026-12-03T11:55:00Z', step: 'health', error: '400: ALLOWED_HOSTS lacks mysite.test' },
      { id: 'r0', status: 'good' as const, commit: 'ddddddd4444', live: false, exists: false, started: '2026-12-03T09:00:00Z' },
    ],
  };

  it('lists them newest first: commit, live mark, status, age; only kept good ones can be rolled back to', () => {
    const sec = releasesSection('s', info, now);
    assert.strictEqual(sec.label, 'Releases of mysite');
    assert.strictEqual(sec.description, 'live: bbbbbbb');
    const rows = sec.children as LeafNode[];
    assert.deepStrictEqual(rows.map((r) => r.label), ['ddddddd', 'ccccccc-dirty', 'bbbbbbb', 'aaaaaaa']);
    assert.strictEqual(rows[2].description, 'live · good · 1 h 0 min ago');
    assert.strictEqual(rows[2].icon?.id, 'pass-filled');
    assert.strictEqual(rows[2].contextValue, contextValues.releaseLive);
    assert.strictEqual(rows[3].contextValue, contextValues.releaseGood, 'a rolled-back release that is still there');
    assert.strictEqual(rows[1].contextValue, contextValues.releaseOther, 'a failed release');
    assert.strictEqual(rows[0].contextValue, contextValues.releaseOther, 'a good release whose folder was pruned');
    assert.match(rows[0].description!, /removed/);
    assert.match(rows[1].tooltip!, /failed at health: 400: ALLOWED_HOSTS lacks mysite.test/);
    assert.deepStrictEqual(rows[2].release, { id: 'r2', appDir: '/srv/mysite', app: 'mysite', live: true });
  });

  it('shows why they could not be read, and comes right after the project in the server', () => {
    const sec = releasesSection('s', { ...info, releases: [], error: 'Permission denied' }, now);
    assert.strictEqual(sec.description, 'not read');
    assert.match((sec.children[0] as LeafNode).label, /Permission denied/);
    const sections = snapshotSections('s', snapshot(), false, undefined, info);
    assert.strictEqual(sections[0].section, 'releases');
    assert.ok(!snapshotSections('s', snapshot(), false, undefined, { ...info, releases: [] }).some((x) => x.section === 'releases'), 'no section for an app never deployed');
  });
});

describe('deploy log lines', () => {
  const events = [
    { event: 'step' as const, step: 'upload', text: 'uploading abc' },
    { event: 'step' as const, step: 'health', text: 'checking the new release' },
    { event: 'log' as const, step: 'health', text: 'attempt 1' },
    { event: 'step' as const, step: 'health', text: 'checking again' },
    { event: 'failed' as const, step: 'health', error: '400: ALLOWED_HOSTS lacks mysite.test', output: 'DisallowedHost' },
    { event: 'done' as const, ok: false, live: 'r1' },
  ];
  it('a failure opens from the last start of the failed step, with the reason, its output and what still serves', () => {
    assert.deepStrictEqual(deployFailureLines(events, 'health'), [
      '--> checking again', 'FAILED at health: 400: ALLOWED_HOSTS lacks mysite.test', 'DisallowedHost', 'done: failed; r1 still serves',
    ]);
    assert.strictEqual(deployFailureLines(events, 'no-such-step')[0], '--> checking again');
    const many = Array.from({ length: 300 }, (_, i) => ({ event: 'log' as const, text: `l${i}` }));
    const cut = deployFailureLines([events[0], ...many], 'upload', 50);
    assert.strictEqual(cut.length, 51);
    assert.match(cut[0], /251 earlier lines/);
  });
  it('formats each event as one readable line', () => {
    assert.strictEqual(formatDeployEvent({ event: 'done', ok: true, live: 'r2', t: Date.parse('2026-12-03T12:00:05Z') / 1000 }), '[12:00:05] done: r2 is live');
    assert.strictEqual(formatDeployEvent({ event: 'warning', text: 'db ahead' }), 'warning: db ahead');
  });
});
