// One POSIX sh script gathers every fact of a server in one exec (one channel: safe under MaxSessions 1),
// each section behind a marker with a per-run nonce (so output cannot forge one) and tolerant of missing
// tools: a missing section becomes an entry in `errors`, never a failed snapshot.
import { randomBytes } from 'crypto';
import { shCommand } from './quote';
import type { AppInfo, Certificate, Disk, ListeningPort, PathKind, Service, ServiceKind, Snapshot, SnapshotError, UnixSocket } from './types';

/** Unit names the script looks for among the server's services (besides the watched ones and failed ones). */
const DETECT = 'gunicorn|uwsgi|uvicorn|daphne|hypercorn|celery|nginx|apache2|httpd|caddy|postgresql|mysql|mariadb|redis|memcached';

const SCRIPT = String.raw`
M='@@CW__NONCE__@@'
sec() { printf '\n%s%s\n' "$M" "$1"; }
na() { printf '%sna %s\n' "$M" "$1"; }
has() { command -v "$1" >/dev/null 2>&1; }
set -f
export LC_ALL=C SYSTEMD_PAGER= SYSTEMD_COLORS=0 SYSTEMD_LESS=
APP=$1; PATHS=$2; shift 2
# Root reads (ss processes, nginx -t, certificates) through sudo only for admins (sudo/wheel/admin group):
# sudo run by anyone else mails an "incident" to root on every refresh.
if [ "$(id -u)" = 0 ]; then AS=''
elif has sudo && id -Gn 2>/dev/null | grep -qwE 'sudo|wheel|admin' && sudo -n true >/dev/null 2>&1; then AS='sudo -n'
else AS=''; fi
sec os
if [ -r /etc/os-release ]; then cat /etc/os-release; elif [ -r /usr/lib/os-release ]; then cat /usr/lib/os-release; else na 'no /etc/os-release'; fi
sec kernel
uname -srm 2>/dev/null || na 'uname failed'
sec uptime
cat /proc/uptime 2>/dev/null || na 'no /proc/uptime'
sec load
cat /proc/loadavg 2>/dev/null || na 'no /proc/loadavg'
sec cpus
if has nproc; then nproc; else getconf _NPROCESSORS_ONLN 2>/dev/null || na 'cannot count CPUs'; fi
sec memory
cat /proc/meminfo 2>/dev/null || na 'no /proc/meminfo'
sec disks
if has df; then df -P -k 2>/dev/null; else na 'df not installed'; fi
sec failed
if has systemctl; then
  FAILED=$(systemctl --failed --no-legend --plain 2>/dev/null | awk '{print $1}' | grep -E '^[A-Za-z0-9@._:][A-Za-z0-9@._:-]*$')
  printf '%s\n' $FAILED
else na 'systemctl not installed'; fi
sec services
if has systemctl; then
  FOUND=$(systemctl list-units --type=service --all --no-legend --plain 2>/dev/null | awk '{print $1}' | grep -E '(__DETECT__)' | grep -E '^[A-Za-z0-9@._:][A-Za-z0-9@._:-]*$')
  set -- "$@" $FOUND $FAILED
  if [ $# -gt 0 ]; then systemctl show -p Id,LoadState,ActiveState,SubState,MainPID,Description "$@" 2>&1; fi
else na 'systemctl not installed'; fi
sec ports
if has ss; then $AS ss -ltnpH 2>/dev/null || $AS ss -ltnp 2>&1; else na 'ss not installed'; fi
sec sockets
if has ss; then $AS ss -lxpH 2>/dev/null || $AS ss -lxp 2>&1; else na 'ss not installed'; fi
sec paths
printf '%s\n' "$PATHS" | while IFS= read -r p; do
  [ -n "$p" ] || continue
  if [ -S "$p" ]; then t=socket; elif [ -L "$p" ] && [ ! -e "$p" ]; then t=broken-link; elif [ -f "$p" ]; then t=file; elif [ -e "$p" ]; then t=other; elif [ -d "$(dirname "$p")" ] && [ ! -r "$(dirname "$p")" ]; then t=unreadable; else t=missing; fi
  printf '%s %s\n' "$t" "$p"
done
sec app
if [ -n "$APP" ]; then
  if [ -d "$APP" ]; then
    echo exists=1
    if [ -L "$APP/current" ]; then
      printf 'current=%s\n' "$(readlink "$APP/current")"
      printf 'mtime=%s\n' "$(stat -c %Y "$APP/current" 2>/dev/null)"
    else printf 'mtime=%s\n' "$(stat -c %Y "$APP" 2>/dev/null)"; fi
  else echo exists=0; fi
fi
NGX=$(command -v nginx 2>/dev/null)
[ -z "$NGX" ] && [ -x /usr/sbin/nginx ] && NGX=/usr/sbin/nginx
sec nginx
if [ -n "$NGX" ]; then
  [ -z "$AS" ] && [ "$(id -u)" != 0 ] && printf '%snoroot\n' "$M"
  $AS "$NGX" -t 2>&1; printf '%sexit %s\n' "$M" "$?"
else na 'nginx not installed'; fi
sec tls
if [ -z "$NGX" ]; then na 'nginx not installed'
elif ! has openssl; then na 'openssl not installed'
else
  { $AS "$NGX" -T 2>/dev/null || cat /etc/nginx/nginx.conf /etc/nginx/conf.d/*.conf /etc/nginx/sites-enabled/* 2>/dev/null; } \
    | sed -n 's/^[[:space:]]*ssl_certificate[[:space:]][[:space:]]*\([^;]*\);.*/\1/p' | sed "s/^[\"']//; s/[\"'][[:space:]]*\$//" | sort -u | while IFS= read -r f; do
      case "$f" in \$*|'') continue;; esac
      printf 'cert=%s\n' "$f"
      $AS openssl x509 -noout -enddate -subject -in "$f" 2>&1 | sed 's/^/  /'
    done
fi
sec end
`;

/**
 * The script and its arguments as one command line (every argument single-quoted). `paths`: absolute
 * files whose kind the snapshot reports (a project's nginx site, its socket, its certificate).
 */
export function snapshotScript(
  appDir: string | undefined,
  units: readonly string[],
  nonce = randomBytes(8).toString('hex'),
  paths: readonly string[] = [],
): { command: string; nonce: string } {
  const script = SCRIPT.replace(/__NONCE__/g, nonce).replace('__DETECT__', DETECT);
  const checked = paths.filter((p) => p.startsWith('/') && !/[\0\n\r]/.test(p));
  return { command: shCommand(['sh', '-c', script, 'cloudward', appDir ?? '', checked.join('\n'), ...units]), nonce };
}

function kindOf(unit: string, watched: readonly string[]): ServiceKind {
  if (/gunicorn|uwsgi|uvicorn|daphne|hypercorn|celery/.test(unit)) return 'app';
  if (/nginx|apache2|httpd|caddy/.test(unit)) return 'web';
  if (/postgresql|mysql|mariadb/.test(unit)) return 'database';
  if (/redis|memcached/.test(unit)) return 'cache';
  return watched.includes(unit) || watched.includes(unit.replace(/\.service$/, '')) ? 'watched' : 'other';
}

const num = (s: string | undefined): number | null => {
  if (s === undefined) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
};

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2];
    if (/^".*"$/.test(v)) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    else if (/^'.*'$/.test(v)) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

export function parseMeminfo(text: string): Snapshot['memory'] {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) kb.set(m[1], Number(m[2]) * 1024);
  }
  const total = kb.get('MemTotal');
  if (total === undefined) return null;
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return { totalBytes: total, availableBytes: available, swapTotalBytes: kb.get('SwapTotal') ?? 0, swapFreeBytes: kb.get('SwapFree') ?? 0 };
}

const PSEUDO_FS = new Set(['tmpfs', 'devtmpfs', 'udev', 'none', 'shm', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'efivarfs']);

export function parseDf(text: string): Disk[] {
  const disks: Disk[] = [];
  for (const line of text.split('\n')) {
    const m = /^(.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+%|-)\s+(\/.*)$/.exec(line.trim());
    if (!m) continue;
    const [, filesystem, total, used, avail, , mount] = m;
    if (PSEUDO_FS.has(filesystem) || /^\/(proc|sys|dev|run|snap)(\/|$)/.test(mount)) continue;
    const totalBytes = Number(total) * 1024;
    if (totalBytes < 1024 * 1024) continue; // placeholders and pseudo mounts, not disks
    const usedBytes = Number(used) * 1024;
    const availableBytes = Number(avail) * 1024;
    const usedFraction = usedBytes + availableBytes > 0 ? usedBytes / (usedBytes + availableBytes) : 0;
    disks.push({ mount, filesystem, totalBytes, usedBytes, availableBytes, usedFraction });
  }
  return disks;
}

/** `systemctl show -p …` output: one block of key=value lines per unit, blank line between. */
export function parseSystemctlShow(text: string, watched: readonly string[] = []): Service[] {
  const services = new Map<string, Service>();
  for (const block of text.split(/\n\s*\n/)) {
    const kv = new Map<string, string>();
    for (const line of block.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    const unit = kv.get('Id');
    if (!unit || services.has(unit)) continue;
    const pid = num(kv.get('MainPID'));
    services.set(unit, {
      unit,
      active: kv.get('ActiveState') ?? 'unknown',
      sub: kv.get('SubState') ?? 'unknown',
      load: kv.get('LoadState') ?? 'unknown',
      description: kv.get('Description') ?? '',
      mainPid: pid ? pid : null,
      kind: kindOf(unit, watched),
      failed: kv.get('ActiveState') === 'failed',
    });
  }
  return [...services.values()];
}

/** `ss -ltnp` lines (with or without header) → listening TCP sockets. */
export function parseSs(text: string): ListeningPort[] {
  const ports: ListeningPort[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || f[0] === 'State' || f[0] === 'Netid') continue;
    const local = f[0] === 'LISTEN' ? f[3] : f[0] === 'tcp' ? f[4] : f[3];
    const m = /^(.*):(\d+|\*)$/.exec(local ?? '');
    if (!m || m[2] === '*') continue;
    let address = m[1].replace(/^\[(.*)\]$/, '$1');
    address = address.replace(/%\S+$/, ''); // 127.0.0.53%lo → interface suffix is noise here
    const users = /users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(line);
    ports.push({ address, port: Number(m[2]), process: users ? users[1] : null, pid: users ? Number(users[2]) : null });
  }
  const seen = new Set<string>();
  return ports.filter((p) => {
    const k = `${p.address}|${p.port}|${p.pid}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/** System sockets nobody deploys (systemd, D-Bus, the user sessions): left out of the Ports section. */
const SYSTEM_SOCKETS = /^(?:@|\/run\/(?:systemd|dbus|user|udev|lvm|dmeventd|uuidd|snapd)\b|\/var\/run\/dbus\/)/;

/** `ss -lxp` lines (with or without header) → listening unix sockets (abstract and system ones left out). */
export function parseUnixSockets(text: string): UnixSocket[] {
  const out: UnixSocket[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^u_(?:str|seq|dgr)\s+LISTEN\s+\d+\s+\d+\s+(.+?)\s+\d+\s+\*\s+\d+(?:\s+(users:.*))?\s*$/.exec(line.trim());
    if (!m || SYSTEM_SOCKETS.test(m[1]) || seen.has(m[1])) continue;
    seen.add(m[1]);
    const users = m[2] ? /users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(m[2]) : null;
    out.push({ path: m[1], process: users ? users[1] : null, pid: users ? Number(users[2]) : null });
  }
  return out;
}

/** `<kind> <path>` lines of the paths section. */
function parsePaths(text: string): Record<string, PathKind> {
  const out: Record<string, PathKind> = {};
  for (const line of text.split('\n')) {
    const m = /^(socket|file|other|broken-link|missing|unreadable) (\/.*)$/.exec(line);
    if (m) out[m[2]] = m[1] as PathKind;
  }
  return out;
}

export function parseCertificates(text: string, now = Date.now()): Certificate[] {
  const certs: Certificate[] = [];
  let cur: Certificate | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('cert=')) {
      cur = { path: line.slice(5), subject: null, notAfter: null, daysLeft: null };
      certs.push(cur);
    } else if (cur && line.startsWith('  ')) {
      const l = line.trim();
      if (l.startsWith('notAfter=')) {
        const t = Date.parse(l.slice(9).replace(/\s+/g, ' '));
        if (Number.isFinite(t)) {
          cur.notAfter = new Date(t).toISOString();
          cur.daysLeft = Math.floor((t - now) / 86_400_000);
        }
      } else if (l.startsWith('subject=')) cur.subject = l.slice(8).trim();
      else if (l) cur.error = cur.error ? `${cur.error} ${l}` : l;
    }
  }
  for (const c of certs) if (c.notAfter) delete c.error;
  return certs;
}

/** Splits the script output by the nonce markers and parses each section into a snapshot. */
export function parseSnapshotOutput(
  output: string,
  nonce: string,
  ctx: { server: string; host: string; units?: readonly string[]; appDir?: string; takenAt?: Date; durationMs?: number },
): Snapshot {
  const marker = `@@CW${nonce}@@`;
  type Section = { lines: string[]; na?: string; exit?: number; noroot?: boolean };
  const sections = new Map<string, Section>();
  let cur: Section | undefined;
  for (const line of output.split('\n')) {
    if (line.startsWith(marker)) {
      const rest = line.slice(marker.length);
      if (rest.startsWith('na ')) {
        if (cur) cur.na = rest.slice(3);
      } else if (rest.startsWith('exit ')) {
        if (cur) cur.exit = Number(rest.slice(5));
      } else if (rest === 'noroot') {
        if (cur) cur.noroot = true;
      } else {
        cur = { lines: [] };
        sections.set(rest.trim(), cur);
      }
    } else if (cur) cur.lines.push(line);
  }
  const errors: SnapshotError[] = [];
  const units = ctx.units ?? [];
  const take = (name: string): string | undefined => {
    const s = sections.get(name);
    if (!s) {
      errors.push({ section: name, message: sections.has('end') ? 'missing from the output' : 'not gathered: the script did not finish' });
      return undefined;
    }
    if (s.na !== undefined) {
      errors.push({ section: name, message: `not available: ${s.na}` });
      return undefined;
    }
    return s.lines.join('\n').trim();
  };
  const unparsable = (section: string, text: string) => errors.push({ section, message: `could not read: ${text.split('\n')[0].slice(0, 200) || 'no output'}` });

  const osText = take('os');
  const osRelease = osText ? parseOsRelease(osText) : {};
  const os = osRelease.PRETTY_NAME ?? (osRelease.NAME ? `${osRelease.NAME} ${osRelease.VERSION ?? ''}`.trim() : null);
  const kernel = take('kernel')?.split('\n')[0] || null;
  const uptimeText = take('uptime');
  const uptime = uptimeText !== undefined ? num(uptimeText.split(/\s+/)[0]) : null;
  const loadText = take('load');
  let load: Snapshot['load'] = null;
  if (loadText !== undefined) {
    const l = loadText.split(/\s+/).slice(0, 3).map(Number);
    if (l.length === 3 && l.every(Number.isFinite)) load = [l[0], l[1], l[2]];
    else unparsable('load', loadText);
  }
  const cpusText = take('cpus');
  const cpus = cpusText !== undefined ? num(cpusText.split('\n')[0]) : null;
  const memText = take('memory');
  const memory = memText !== undefined ? parseMeminfo(memText) : null;
  if (memText !== undefined && !memory) unparsable('memory', memText);
  const dfText = take('disks');
  const disks = dfText !== undefined ? parseDf(dfText) : [];

  const failedText = take('failed');
  const failedUnits = failedText ? failedText.split('\n').map((s) => s.trim()).filter(Boolean) : [];
  const showText = take('services');
  const services = showText !== undefined ? parseSystemctlShow(showText, units) : [];
  if (showText && !services.length) unparsable('services', showText);
  for (const f of failedUnits) {
    const s = services.find((x) => x.unit === f);
    if (s) s.failed = true;
    else services.push({ unit: f, active: 'failed', sub: 'failed', load: 'unknown', description: '', mainPid: null, kind: kindOf(f, units), failed: true });
  }

  const ssText = take('ports');
  const ports = ssText !== undefined ? parseSs(ssText) : [];
  // Older scripts (and tests' canned output) have no sockets/paths sections: nothing to report then.
  const sockText = sections.has('sockets') ? take('sockets') : undefined;
  const unixSockets = sockText !== undefined ? parseUnixSockets(sockText) : [];
  const paths = sections.has('paths') ? parsePaths(sections.get('paths')!.lines.join('\n')) : {};

  let app: AppInfo | null = null;
  if (ctx.appDir) {
    const appText = take('app') ?? '';
    const kv = new Map(appText.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
    const mtime = num(kv.get('mtime'));
    app = {
      dir: ctx.appDir,
      exists: kv.get('exists') === '1',
      currentRelease: kv.get('current') || null,
      lastDeploy: mtime ? new Date(mtime * 1000).toISOString() : null,
    };
  }

  let nginx: Snapshot['nginx'] = null;
  const ng = sections.get('nginx');
  if (ng && ng.na === undefined) {
    const output = ng.lines.join('\n').trim();
    if (ng.exit !== 0 && ng.noroot && /permission denied|\(13:/i.test(output)) {
      // Not a verdict on the configuration: nginx -t could not even read its files as this user.
      errors.push({ section: 'nginx', message: `nginx -t needs root, and this user has no password-less sudo: ${output.split('\n')[0]}` });
    } else nginx = { ok: ng.exit === 0, output };
  }
  else if (!ng) take('nginx');
  const tlsSection = sections.get('tls');
  const tls = tlsSection && tlsSection.na === undefined ? parseCertificates(tlsSection.lines.join('\n')) : [];
  if (tlsSection?.na && ng?.na === undefined) errors.push({ section: 'tls', message: `not available: ${tlsSection.na}` });

  const takenAt = ctx.takenAt ?? new Date();
  return {
    server: ctx.server,
    host: ctx.host,
    takenAt: takenAt.toISOString(),
    durationMs: ctx.durationMs ?? 0,
    os,
    osRelease,
    kernel,
    uptimeSeconds: uptime === null ? null : Math.floor(uptime),
    load,
    cpus,
    memory,
    disks,
    services,
    ports,
    unixSockets,
    paths,
    app,
    nginx,
    tls,
    errors,
  };
}
