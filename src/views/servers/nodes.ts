// What the Servers tree shows, as plain data: the provider turns these into TreeItems. Kept apart from
// the provider so that the mapping from a snapshot to rows reads in one place.
import type { Certificate, Disk, ListeningPort, Service, ServerSpec, Snapshot, SnapshotError, UnixSocket } from '../../core/ssh/types';
import type { ReleaseRecord } from '../../core/deploy/deploy';
import { formatAgo, formatBytes, formatDuration, formatTime, percent } from './format';

/** A codicon and, optionally, a theme color id. */
export interface Icon {
  id: string;
  color?: string;
}

export type SectionId = 'project' | 'releases' | 'system' | 'services' | 'ports' | 'app' | 'nginx' | 'tls';

/** What the linked workspace folder's deploy plan says the server runs (see project.ts). */
export interface ProjectFacts {
  /** The workspace folder (absolute path) and its name. */
  folder: string;
  folderName: string;
  /** The plan's app name. */
  name: string;
  /** `<name>.service`, `<name>.socket`: what the systemd generator writes. */
  units: string[];
  /** The unix socket between nginx and the app server. */
  socket: string;
  /**
   * What provision + deploy run instead (Cloudward's release layout), per colour: its template units
   * (`<name>@blue.service`, `<name>@blue.socket`) and its socket (`/run/<name>/blue.sock`).
   */
  colors?: { units: string[]; socket: string }[];
  /** Where the generated site is enabled. */
  nginxSite: string;
  domain: string;
  /** certbot's certificate for the domain, when the plan has HTTPS on. */
  certificate?: string;
  appDir: string;
}

/** A command a row runs when clicked (errors' actions). */
export interface RowCommand {
  command: string;
  title: string;
  args?: unknown[];
}

interface NodeBase {
  /** Stable across refreshes, unique in the tree (TreeItem.id keeps expansion state). */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  icon?: Icon;
  contextValue?: string;
  command?: RowCommand;
}

export interface GroupNode extends NodeBase {
  kind: 'group';
  group: string;
}

export interface ServerNode extends NodeBase {
  kind: 'server';
  serverId: string;
}

export interface SectionNode extends NodeBase {
  kind: 'section';
  serverId: string;
  section: SectionId;
  children: Node[];
}

/** A leaf: a fact, a unit, a port, a message, an error. */
export interface LeafNode extends NodeBase {
  kind: 'leaf';
  serverId: string;
  /** For unit rows: the systemd unit the actions apply to. */
  unit?: string;
  /** For release rows: the release and the app folder it belongs to. */
  release?: { id: string; appDir: string; app: string; live: boolean };
  /** Rows with their own children (the disks under System, nginx output lines). */
  children?: Node[];
}

export type Node = GroupNode | ServerNode | SectionNode | LeafNode;

// Theme colors from VS Code's registry: they follow the user's theme.
const GREEN = 'testing.iconPassed';
const RED = 'errorForeground';
const YELLOW = 'list.warningForeground';
const DIM = 'disabledForeground';

export const DISK_WARNING_FRACTION = 0.9;
export const TLS_WARNING_DAYS = 14;

/** Context values the menus in package.json match with `viewItem`. */
export const contextValues = {
  serverFromSettings: 'server:settings',
  serverFromSshConfig: 'server:ssh-config',
  unitActive: 'unit:active',
  unitInactive: 'unit:inactive',
  unitFailed: 'unit:failed',
  unitChanging: 'unit:changing',
  nginx: 'nginx',
  error: 'error',
  /** A good release that is not live: it can be rolled back to. */
  releaseGood: 'release:good',
  releaseLive: 'release:live',
  releaseOther: 'release:other',
} as const;

const sectionTitles: Record<SectionId, string> = {
  project: 'Project',
  releases: 'Releases',
  system: 'System',
  services: 'Services',
  ports: 'Ports',
  app: 'App',
  nginx: 'nginx',
  tls: 'TLS',
};

const sectionIcons: Record<SectionId, string> = {
  project: 'rocket',
  releases: 'history',
  system: 'dashboard',
  services: 'layers',
  ports: 'plug',
  app: 'package',
  nginx: 'globe',
  tls: 'lock',
};

/** Which section a snapshot error belongs to. */
function sectionOfError(e: SnapshotError): SectionId {
  switch (e.section) {
    case 'services':
    case 'failed':
      return 'services';
    case 'ports':
    case 'sockets':
      return 'ports';
    case 'app':
      return 'app';
    case 'nginx':
      return 'nginx';
    case 'tls':
      return 'tls';
    default:
      return 'system';
  }
}

function leaf(serverId: string, id: string, label: string, rest: Partial<LeafNode> = {}): LeafNode {
  return { kind: 'leaf', serverId, id: `${serverId}/${id}`, label, ...rest };
}

function errorRows(serverId: string, section: SectionId, errors: SnapshotError[]): LeafNode[] {
  return errors
    .filter((e) => sectionOfError(e) === section)
    .map((e, i) =>
      leaf(serverId, `${section}/error/${i}`, `${e.section}: ${e.message}`, {
        icon: { id: 'warning', color: YELLOW },
        tooltip: `${e.section}: ${e.message}`,
      }),
    );
}

export function isServiceRunning(s: Service): boolean {
  return s.active === 'active';
}

function serviceIcon(s: Service): Icon {
  if (s.load === 'not-found') return { id: 'question', color: DIM };
  if (s.failed || s.active === 'failed') return { id: 'error', color: RED };
  if (s.active === 'active') return { id: 'pass-filled', color: GREEN };
  if (s.active === 'activating' || s.active === 'deactivating' || s.active === 'reloading') return { id: 'sync', color: YELLOW };
  return { id: 'circle-large-outline', color: DIM };
}

function serviceContext(s: Service): string {
  if (s.failed || s.active === 'failed') return contextValues.unitFailed;
  if (s.active === 'active') return contextValues.unitActive;
  if (s.active === 'inactive') return contextValues.unitInactive;
  return contextValues.unitChanging;
}

const kindOrder: Record<string, number> = { app: 0, web: 1, database: 2, cache: 3, watched: 4, other: 5 };
const kindLabel: Record<string, string> = { app: 'app server', web: 'web server', database: 'database', cache: 'cache', watched: 'watched', other: '' };

function serviceRow(serverId: string, s: Service): LeafNode {
  const state = s.load === 'not-found' ? 'not found' : `${s.active} (${s.sub})`;
  return leaf(serverId, `services/${s.unit}`, s.unit, {
    unit: s.unit,
    description: state,
    icon: serviceIcon(s),
    contextValue: serviceContext(s),
    tooltip: [
      s.unit,
      s.description,
      `State: ${state}`,
      kindLabel[s.kind] ? `Kind: ${kindLabel[s.kind]}` : '',
      s.mainPid ? `Main PID: ${s.mainPid}` : '',
      s.failed ? 'Listed by systemctl --failed' : '',
    ]
      .filter(Boolean)
      .join('\n'),
  });
}

function diskRow(serverId: string, d: Disk): LeafNode {
  const full = d.usedFraction > DISK_WARNING_FRACTION;
  return leaf(serverId, `system/disk/${d.mount}`, d.mount, {
    description: `${formatBytes(d.usedBytes)} of ${formatBytes(d.totalBytes)} used (${percent(d.usedFraction)})${full ? ' — almost full' : ''}`,
    icon: full ? { id: 'warning', color: YELLOW } : { id: 'database' },
    tooltip: `${d.filesystem} on ${d.mount}\n${formatBytes(d.availableBytes)} available`,
  });
}

function portRow(serverId: string, p: ListeningPort): LeafNode {
  const address = p.address.includes(':') ? `[${p.address}]` : p.address;
  const proc = p.process ? `${p.process}${p.pid ? ` (${p.pid})` : ''}` : 'process not visible to this user';
  return leaf(serverId, `ports/${p.address}/${p.port}`, `${address}:${p.port}`, {
    description: proc,
    icon: { id: 'plug' },
    tooltip: `${address}:${p.port} — ${proc}`,
  });
}

function certificateRow(serverId: string, c: Certificate): LeafNode {
  const name = c.subject?.replace(/^.*CN\s*=\s*/, '') || c.path;
  let description: string;
  let icon: Icon;
  if (c.error || c.daysLeft === null) {
    description = c.error ?? 'expiry unknown';
    icon = { id: 'warning', color: YELLOW };
  } else if (c.daysLeft < 0) {
    description = `expired ${-c.daysLeft} day${c.daysLeft === -1 ? '' : 's'} ago`;
    icon = { id: 'error', color: RED };
  } else {
    description = `expires in ${c.daysLeft} day${c.daysLeft === 1 ? '' : 's'}`;
    icon = c.daysLeft < TLS_WARNING_DAYS ? { id: 'warning', color: YELLOW } : { id: 'lock', color: GREEN };
  }
  return leaf(serverId, `tls/${c.path}`, name, {
    description,
    icon,
    tooltip: [c.path, c.subject, c.notAfter ? `Not after: ${c.notAfter}` : '', c.error].filter(Boolean).join('\n'),
  });
}

function systemRows(serverId: string, s: Snapshot): Node[] {
  const rows: Node[] = [];
  if (s.os) rows.push(leaf(serverId, 'system/os', 'OS', { description: s.os, icon: { id: 'vm' } }));
  if (s.kernel) rows.push(leaf(serverId, 'system/kernel', 'Kernel', { description: s.kernel, icon: { id: 'chip' } }));
  if (s.uptimeSeconds !== null) rows.push(leaf(serverId, 'system/uptime', 'Uptime', { description: formatDuration(s.uptimeSeconds), icon: { id: 'clock' } }));
  if (s.load) {
    const busy = s.cpus !== null && s.load[0] > s.cpus;
    rows.push(
      leaf(serverId, 'system/load', 'Load', {
        description: `${s.load.map((l) => l.toFixed(2)).join(' · ')}${s.cpus !== null ? ` on ${s.cpus} CPU${s.cpus === 1 ? '' : 's'}` : ''}`,
        icon: busy ? { id: 'warning', color: YELLOW } : { id: 'pulse' },
        tooltip: `Load average over 1, 5 and 15 minutes${s.cpus !== null ? `; above ${s.cpus} means processes wait for a CPU` : ''}`,
      }),
    );
  }
  if (s.memory) {
    const used = s.memory.totalBytes ? 1 - s.memory.availableBytes / s.memory.totalBytes : 0;
    rows.push(
      leaf(serverId, 'system/memory', 'Memory', {
        description: `${formatBytes(s.memory.availableBytes)} of ${formatBytes(s.memory.totalBytes)} available (${percent(used)} used)`,
        icon: used > DISK_WARNING_FRACTION ? { id: 'warning', color: YELLOW } : { id: 'server-process' },
        tooltip: s.memory.swapTotalBytes ? `Swap: ${formatBytes(s.memory.swapTotalBytes - s.memory.swapFreeBytes)} of ${formatBytes(s.memory.swapTotalBytes)} used` : 'No swap',
      }),
    );
  }
  const disks = s.disks.map((d) => diskRow(serverId, d));
  const full = s.disks.filter((d) => d.usedFraction > DISK_WARNING_FRACTION).length;
  if (disks.length) {
    rows.push(
      leaf(serverId, 'system/disks', 'Disks', {
        description: full ? `${full} almost full` : `${disks.length}`,
        icon: full ? { id: 'warning', color: YELLOW } : { id: 'database' },
        children: disks,
      }),
    );
  }
  return [...rows, ...errorRows(serverId, 'system', s.errors)];
}

function servicesRows(serverId: string, s: Snapshot, project?: ProjectFacts): Node[] {
  const services = s.services.filter((x) => !project?.units.includes(x.unit) && !project?.colors?.some((c) => c.units.includes(x.unit))).sort((a, b) => (kindOrder[a.kind] ?? 9) - (kindOrder[b.kind] ?? 9) || a.unit.localeCompare(b.unit));
  const rows: Node[] = services.map((svc) => serviceRow(serverId, svc));
  if (!rows.length) rows.push(leaf(serverId, 'services/none', 'No app server, nginx or database unit found', { icon: { id: 'info' }, tooltip: 'Add units to watch with the "units" field of the server in cloudward.servers.' }));
  return [...rows, ...errorRows(serverId, 'services', s.errors)];
}

function socketRow(serverId: string, u: UnixSocket): LeafNode {
  const proc = u.process ? `${u.process}${u.pid ? ` (${u.pid})` : ''}` : 'process not visible to this user';
  return leaf(serverId, `ports/unix/${u.path}`, u.path, { description: `unix socket · ${proc}`, icon: { id: 'plug' }, tooltip: `unix:${u.path} — ${proc}` });
}

function portsRows(serverId: string, s: Snapshot): Node[] {
  const ports = [...s.ports].sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
  const sockets = [...(s.unixSockets ?? [])].sort((a, b) => a.path.localeCompare(b.path));
  const rows: Node[] = [...ports.map((p) => portRow(serverId, p)), ...sockets.map((u) => socketRow(serverId, u))];
  if (!rows.length && !s.errors.some((e) => sectionOfError(e) === 'ports')) rows.push(leaf(serverId, 'ports/none', 'Nothing listens on TCP or a unix socket', { icon: { id: 'info' } }));
  return [...rows, ...errorRows(serverId, 'ports', s.errors)];
}

function appRows(serverId: string, s: Snapshot): Node[] {
  const rows: Node[] = [];
  const a = s.app;
  if (!a) {
    rows.push(leaf(serverId, 'app/none', 'No app directory set', { icon: { id: 'info' }, tooltip: 'Set "appDir" for this server in the cloudward.servers setting.' }));
  } else if (!a.exists) {
    rows.push(leaf(serverId, 'app/dir', a.dir, { description: 'does not exist', icon: { id: 'warning', color: YELLOW } }));
  } else {
    rows.push(leaf(serverId, 'app/dir', 'Directory', { description: a.dir, icon: { id: 'folder' } }));
    rows.push(leaf(serverId, 'app/release', 'Current release', { description: a.currentRelease ?? 'no "current" symlink', icon: { id: 'tag' } }));
    if (a.lastDeploy) rows.push(leaf(serverId, 'app/deployed', 'Last deploy', { description: formatAgo(a.lastDeploy), tooltip: a.lastDeploy, icon: { id: 'history' } }));
  }
  return [...rows, ...errorRows(serverId, 'app', s.errors)];
}

function nginxRows(serverId: string, s: Snapshot): Node[] {
  const rows: Node[] = [];
  if (!s.nginx) {
    rows.push(leaf(serverId, 'nginx/none', 'nginx is not installed', { icon: { id: 'info' } }));
  } else {
    const lines = s.nginx.output.split('\n').filter((l) => l.trim());
    rows.push(
      leaf(serverId, 'nginx/test', s.nginx.ok ? 'Configuration OK' : 'Configuration has errors', {
        description: 'nginx -t',
        icon: s.nginx.ok ? { id: 'pass-filled', color: GREEN } : { id: 'error', color: RED },
        tooltip: s.nginx.output.trim(),
        contextValue: contextValues.nginx,
        children: lines.map((l, i) => leaf(serverId, `nginx/test/${i}`, l.replace(/^nginx:\s*/, ''), { tooltip: l })),
      }),
    );
  }
  return [...rows, ...errorRows(serverId, 'nginx', s.errors)];
}

function tlsRows(serverId: string, s: Snapshot): Node[] {
  const rows: Node[] = s.tls.map((c) => certificateRow(serverId, c));
  if (!rows.length) rows.push(leaf(serverId, 'tls/none', 'No ssl_certificate in the nginx configuration', { icon: { id: 'info' } }));
  return [...rows, ...errorRows(serverId, 'tls', s.errors)];
}

function sectionSummary(section: SectionId, s: Snapshot): { description?: string; warn: boolean } {
  switch (section) {
    case 'system': {
      const full = s.disks.some((d) => d.usedFraction > DISK_WARNING_FRACTION);
      const busy = !!s.load && s.cpus !== null && s.load[0] > s.cpus;
      return { description: [s.os, full ? 'disk almost full' : '', busy ? 'overloaded' : ''].filter(Boolean).join(' · '), warn: full || busy };
    }
    case 'services': {
      const running = s.services.filter(isServiceRunning).length;
      const failed = s.services.filter((x) => x.failed || x.active === 'failed').length;
      return { description: `${running} running${failed ? `, ${failed} failed` : ''}`, warn: failed > 0 };
    }
    case 'ports':
      return { description: `${s.ports.length + (s.unixSockets?.length ?? 0)} listening`, warn: false };
    case 'project':
    case 'releases':
      return { warn: false };
    case 'app':
      return { description: s.app?.lastDeploy ? `deployed ${formatAgo(s.app.lastDeploy)}` : s.app?.dir, warn: !!s.app && !s.app.exists };
    case 'nginx':
      return s.nginx ? { description: s.nginx.ok ? 'config OK' : 'config errors', warn: !s.nginx.ok } : { description: 'not installed', warn: false };
    case 'tls': {
      const soon = s.tls.filter((c) => c.daysLeft === null || c.daysLeft < TLS_WARNING_DAYS).length;
      return { description: s.tls.length ? `${s.tls.length} certificate${s.tls.length === 1 ? '' : 's'}${soon ? `, ${soon} need attention` : ''}` : 'none', warn: soon > 0 };
    }
  }
}

/** A linked project's own rows: its units, nginx site, socket and certificate, each with its state. */
function projectRows(serverId: string, s: Snapshot, p: ProjectFacts): { rows: Node[]; warn: boolean; description: string } {
  const rows: Node[] = [];
  let problems = 0;
  const ok: Icon = { id: 'pass-filled', color: GREEN };
  const bad: Icon = { id: 'warning', color: YELLOW };
  // Provisioned by Cloudward: the app runs as one colour of the template units (blue or green), not as <name>.service.
  // The live colour is the one whose service runs (after a switch or a rollback the other one's socket may still listen).
  const installed = (u: string) => s.services.find((x) => x.unit === u && x.load !== 'not-found');
  const colors = p.colors ?? [];
  const colorUnits = colors.flatMap((c) => c.units).map(installed).filter((x): x is Service => !!x);
  const liveColors = colors.filter((c) => c.units.some((u) => {
    const svc = u.endsWith('.service') ? installed(u) : undefined;
    return !!svc && isServiceRunning(svc);
  }));
  if (colorUnits.length) {
    if (!liveColors.length) {
      problems++;
      rows.push(leaf(serverId, 'project/unit/colors', `${p.name}@blue / ${p.name}@green`, { description: 'no colour running', icon: bad,
        tooltip: `The server is provisioned for ${p.name} (template units ${p.name}@.service and ${p.name}@.socket), but no colour runs: deploy a release.` }));
    }
    for (const svc of liveColors.flatMap((c) => c.units).map(installed).filter((x): x is Service => !!x)) {
      if (!isServiceRunning(svc)) problems++;
      const row = serviceRow(serverId, svc);
      rows.push({ ...row, id: `${serverId}/project/unit/${svc.unit}`, description: `${row.description ?? ''} · live colour`.replace(/^ · /, '') });
    }
  } else {
    const socketUnit = p.units.find((u) => u.endsWith('.socket'));
    const socketActive = s.services.some((x) => x.unit === socketUnit && isServiceRunning(x));
    for (const unit of p.units) {
      const svc = s.services.find((x) => x.unit === unit);
      if (!svc || svc.load === 'not-found') {
        problems++;
        rows.push(leaf(serverId, `project/unit/${unit}`, unit, { description: 'not installed', icon: bad, tooltip: `${unit} is not on the server: generate the systemd units, copy them to /etc/systemd/system and enable ${socketUnit ?? unit}, or provision the server.` }));
        continue;
      }
      // The socket starts the service on the first request: an inactive service behind a listening socket is fine.
      const waiting = unit.endsWith('.service') && socketActive && svc.active === 'inactive' && !svc.failed;
      if (!isServiceRunning(svc) && !waiting) problems++;
      const row = serviceRow(serverId, svc);
      rows.push({ ...row, id: `${serverId}/project/unit/${unit}`, ...(waiting ? { description: 'inactive: starts on the first request' } : {}) });
    }
  }
  const site = s.paths?.[p.nginxSite];
  if (site !== undefined) {
    const enabled = site === 'file' || site === 'other';
    if (!enabled) problems++;
    rows.push(leaf(serverId, 'project/site', p.nginxSite, {
      description: enabled ? `nginx site${s.nginx ? (s.nginx.ok ? ' · config OK' : ' · config errors') : ''}` : site === 'broken-link' ? 'link to a missing file' : site === 'unreadable' ? 'cannot be read by this user' : 'not enabled',
      icon: enabled && (!s.nginx || s.nginx.ok) ? ok : bad,
      contextValue: enabled && s.nginx ? contextValues.nginx : undefined,
      tooltip: `The nginx site of ${p.name} (deploy/nginx/${p.name}.conf, copied to /etc/nginx/sites-available/${p.name} and linked here).`,
    }));
  }
  // The socket nginx passes to: the live colour's in the release layout, else the plan's.
  const socketPaths = colorUnits.length ? liveColors.map((c) => c.socket) : [p.socket];
  const listening = s.unixSockets?.find((u) => socketPaths.includes(u.path));
  const socketPath = listening?.path ?? (colorUnits.length ? undefined : p.socket);
  const sock = socketPath ? s.paths?.[socketPath] : undefined;
  if (listening || sock !== undefined) {
    if (!listening) problems++;
    rows.push(leaf(serverId, 'project/socket', listening?.path ?? p.socket, {
      description: listening ? `listening${listening.process ? ` · ${listening.process}${listening.pid ? ` (${listening.pid})` : ''}` : ''}` : sock === 'socket' ? 'exists, nothing listens' : 'missing',
      icon: listening ? ok : bad,
      tooltip: colorUnits.length
        ? `The socket of the live colour, which nginx passes requests to (${p.name}@<colour>.socket listens on it, ${p.name}@<colour>.service answers).`
        : `The socket nginx passes requests to (${p.units.find((u) => u.endsWith('.socket')) ?? 'the socket unit'} listens on it, ${p.name}.service answers).`,
    }));
  }
  if (p.certificate) {
    const cert = s.tls.find((c) => c.path === p.certificate);
    if (cert) rows.push({ ...certificateRow(serverId, cert), id: `${serverId}/project/tls`, label: `${p.domain} certificate` });
    else {
      problems++;
      rows.push(leaf(serverId, 'project/tls', `${p.domain} certificate`, {
        description: s.paths?.[p.certificate] === 'file' ? 'not used by nginx' : 'not issued yet',
        icon: bad,
        tooltip: `${p.certificate}: certbot writes it (certbot certonly --webroot -w /var/www/letsencrypt -d ${p.domain}).`,
      }));
    }
  }
  return { rows, warn: problems > 0, description: `${p.folderName}${problems ? ` · ${problems} to look at` : ''}` };
}

type OtherSection = Exclude<SectionId, 'project' | 'releases'>;

const sectionRows: Record<OtherSection, (serverId: string, s: Snapshot, project?: ProjectFacts) => Node[]> = {
  system: systemRows,
  services: servicesRows,
  ports: portsRows,
  app: appRows,
  nginx: nginxRows,
  tls: tlsRows,
};

/** A stale snapshot's rows keep their glyphs but lose their colours: nothing shows green that may be down. */
function dimmed<T extends Node>(n: T): T {
  const out = { ...n, icon: n.icon ? { id: n.icon.id, color: DIM } : undefined };
  if (out.kind === 'section') out.children = out.children.map(dimmed);
  else if (out.kind === 'leaf' && out.children) out.children = out.children.map(dimmed);
  return out;
}

/** The releases of the app deployed on a server, from its journal there (`cloudward releases`). */
export interface ReleasesInfo {
  app: string;
  appDir: string;
  releases: ReleaseRecord[];
  live: string | null;
  /** Why they could not be read. */
  error?: string;
}

const releaseIcons: Record<string, Icon> = {
  good: { id: 'circle-large-outline' },
  failed: { id: 'error', color: RED },
  'rolled-back': { id: 'discard' },
  building: { id: 'loading~spin' },
  abandoned: { id: 'circle-slash', color: DIM },
};

/** One row per release, newest first: commit, live mark, status, age; the tooltip has the rest. */
export function releasesSection(serverId: string, info: ReleasesInfo, now = Date.now()): SectionNode {
  const rows: Node[] = [...info.releases].reverse().map((r) => {
    const commit = r.commit ? `${r.commit.slice(0, 7)}${r.dirty ? '-dirty' : ''}` : r.id;
    const when = r.started ?? r.updated;
    const status = r.status ?? 'unknown';
    const description = [r.live ? 'live' : undefined, status, when ? formatAgo(when, now) : undefined, r.exists ? undefined : 'removed'].filter(Boolean).join(' · ');
    const tooltip = [
      `Release ${r.id}${r.live ? ' (live)' : ''}`,
      `Status: ${status}${r.error ? ` at ${r.step ?? '?'}: ${r.error}` : ''}`,
      r.commit ? `Commit: ${r.commit}${r.dirty ? ' with uncommitted changes' : ''}` : undefined,
      r.by ? `By: ${r.by}` : undefined,
      when ? `Started: ${formatTime(when)}` : undefined,
      r.migrations?.length ? `Migrations applied by this deploy: ${r.migrations.slice(0, 6).join(', ')}${r.migrations.length > 6 ? ` and ${r.migrations.length - 6} more` : ''}` : undefined,
      r.exists ? undefined : 'Its folder was removed (kept: the last good releases); the deploy log is still on the server.',
    ].filter(Boolean).join('\n');
    const usable = r.exists && !r.live && (r.status === 'good' || r.status === 'rolled-back');
    return leaf(serverId, `releases/${r.id}`, commit, {
      description,
      tooltip,
      icon: r.live ? { id: 'pass-filled', color: GREEN } : releaseIcons[status] ?? { id: 'circle-large-outline' },
      contextValue: r.live ? contextValues.releaseLive : usable ? contextValues.releaseGood : contextValues.releaseOther,
      release: { id: r.id, appDir: info.appDir, app: info.app, live: r.live },
    });
  });
  if (info.error) rows.push(leaf(serverId, 'releases/error', `Releases could not be read: ${info.error}`, { icon: { id: 'warning', color: YELLOW }, tooltip: info.error }));
  const live = info.releases.find((r) => r.live);
  return {
    kind: 'section',
    serverId,
    section: 'releases',
    id: `${serverId}/releases`,
    label: `Releases of ${info.app}`,
    description: info.error ? 'not read' : live ? `live: ${live.commit?.slice(0, 7) ?? live.id}` : info.releases.length ? 'none live' : undefined,
    tooltip: `The releases of ${info.app} in ${info.appDir}, from the server's journal (newest first). Right-click one to roll back to it or to read its deploy log.`,
    icon: info.error ? { id: sectionIcons.releases, color: YELLOW } : { id: sectionIcons.releases },
    contextValue: 'section:releases',
    children: rows,
  };
}

/** The sections under a server, from its last snapshot: the linked project's first, then the rest. */
export function snapshotSections(serverId: string, s: Snapshot, stale: boolean, project?: ProjectFacts, releases?: ReleasesInfo): SectionNode[] {
  const sections: SectionNode[] = [];
  if (project) {
    const p = projectRows(serverId, s, project);
    sections.push({
      kind: 'section',
      serverId,
      section: 'project',
      id: `${serverId}/project`,
      label: project.name,
      description: p.description,
      tooltip: `${project.name}, the app of ${project.folder}: its units, nginx site, socket and certificate as Cloudward's generators name them.`,
      icon: p.warn ? { id: sectionIcons.project, color: YELLOW } : { id: sectionIcons.project },
      contextValue: 'section:project',
      children: p.rows,
    });
  }
  if (releases && (releases.releases.length || releases.error)) sections.push(releasesSection(serverId, releases));
  for (const section of Object.keys(sectionRows) as OtherSection[]) {
    const { description, warn } = sectionSummary(section, s);
    sections.push({
      kind: 'section',
      serverId,
      section,
      id: `${serverId}/${section}`,
      label: sectionTitles[section],
      description,
      icon: warn ? { id: sectionIcons[section], color: YELLOW } : { id: sectionIcons[section] },
      contextValue: section === 'nginx' && s.nginx ? contextValues.nginx : `section:${section}`,
      children: sectionRows[section](serverId, s, project),
    });
  }
  return stale ? sections.map(dimmed) : sections;
}

/** Whether anything in the snapshot deserves the user's eye (drives the server's icon color). */
export function snapshotNeedsAttention(s: Snapshot): boolean {
  return (Object.keys(sectionRows) as SectionId[]).some((section) => sectionSummary(section, s).warn);
}

/** `user@host:port` or `host` for the row under the name. */
export function describeSpec(spec: ServerSpec): string {
  return `${spec.user ? `${spec.user}@` : ''}${spec.host}${spec.port && spec.port !== 22 ? `:${spec.port}` : ''}`;
}

export { formatTime };
