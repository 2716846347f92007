// What the Servers tree shows for a snapshot (src/views/servers/nodes.ts is free of vscode on purpose).
import * as assert from 'assert';
import type { Snapshot } from '../../../src/core/ssh/types';
import { contextValues, type LeafNode, snapshotNeedsAttention, snapshotSections } from '../../../src/views/servers/nodes';
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
