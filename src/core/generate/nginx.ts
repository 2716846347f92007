import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { commentText, configWord, header, primaryDomain } from './common';

export function nginxSitePath(plan: DeployPlan): string {
  return `deploy/nginx/${plan.name}.conf`;
}

/** Directives that hand a request to the app server, with what Django needs to know about the client. */
function appLocation(plan: DeployPlan, upstream: string): string[] {
  if (plan.server === 'uwsgi') {
    return [
      '        include uwsgi_params;',
      `        uwsgi_pass ${upstream};`,
      '        uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;',
      '        uwsgi_param HTTP_X_FORWARDED_FOR $proxy_add_x_forwarded_for;',
    ];
  }
  const lines = [
    `        proxy_pass http://${upstream};`,
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        # The app learns the request was HTTPS from this header (Django: SECURE_PROXY_SSL_HEADER); without it, redirect loops.',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header X-Real-IP $remote_addr;',
    '        proxy_redirect off;',
    `        proxy_read_timeout ${plan.timeout}s;`,
  ];
  if (plan.interface === 'asgi') {
    lines.push(
      '        # WebSockets (ASGI): pass the upgrade through.',
      '        proxy_http_version 1.1;',
      '        proxy_set_header Upgrade $http_upgrade;',
      `        proxy_set_header Connection $${varName(plan)}_connection_upgrade;`,
    );
  }
  return lines;
}

function varName(plan: DeployPlan): string {
  return plan.name.replace(/-/g, '_');
}

/** HSTS, sent by the HTTPS server (and repeated in every location that has add_header lines of its own). */
const HSTS = 'add_header Strict-Transport-Security "max-age=31536000" always;';

function fileLocations(plan: DeployPlan): string[] {
  const out: string[] = [];
  if (plan.collectstatic || plan.framework === 'django') {
    out.push(
      '    # Static files straight from STATIC_ROOT (collectstatic fills it); Django never sees these requests.',
      ...(plan.staticRootUnread
        ? [`    # TODO: STATIC_ROOT in ${commentText(`${plan.staticRootUnread.file}:${plan.staticRootUnread.line}`)} could not be read: this folder is a guess. Check it.`]
        : []),
      `    location ${configWord(plan.staticUrl, 'an nginx location')} {`,
      `        alias ${configWord(plan.staticRoot, 'an nginx alias')}/;`,
      '        access_log off;',
      '        # One Cache-Control header (expires would add a second one): 30 days.',
      '        add_header Cache-Control "public, max-age=2592000";',
      // nginx inherits add_header only into a location that has none: the server's HSTS must be repeated.
      ...(plan.https ? [`        ${HSTS}`] : []),
      '    }',
      '',
    );
  }
  if (plan.serveMedia) {
    out.push(
      '    # Uploaded files from MEDIA_ROOT.',
      `    location ${configWord(plan.mediaUrl, 'an nginx location')} {`,
      `        alias ${configWord(plan.mediaRoot, 'an nginx alias')}/;`,
      '    }',
      '',
    );
  }
  return out;
}

/** Options of the release layout (provision + deploy): the live socket comes from a file deploy rewrites. */
export interface NginxSiteOptions {
  /** An nginx file holding the upstream's `server unix:…;` line, included instead of the plan's socket. */
  upstreamInclude?: string;
  /** Where nginx's file path goes (default: the generator's relative path). */
  path?: string;
  /**
   * The first phase of an HTTPS site, before its certificate exists: the app on HTTP plus the ACME webroot
   * (certbot certonly --webroot answers its challenge there). Provisioning swaps in the HTTPS site once
   * certbot has the certificate.
   */
  acmeBeforeCertificate?: boolean;
}

/** Where certbot's HTTP-01 challenge files go (certbot certonly --webroot -w ACME_WEBROOT). */
export const ACME_WEBROOT = '/var/www/letsencrypt';

/** The nginx site of a VPS: catch-all 444, static and media from disk, the app over its unix socket. */
export function renderNginxSite(plan: DeployPlan, options: NginxSiteOptions = {}): GeneratedFile[] {
  if (options.acmeBeforeCertificate && plan.https) {
    const site = renderNginxSite({ ...plan, https: false }, { ...options, acmeBeforeCertificate: true })[0];
    return [{ ...site, content: site.content.replace('# nginx site of', '# HTTP phase (until certbot has the certificate) of the HTTPS site.\n# nginx site of') }];
  }
  const upstream = `${varName(plan)}_app`;
  const listen = (port: number, extra = '') => [`    listen ${port}${extra};`, `    listen [::]:${port}${extra};`];
  const lines: string[] = [
    header(
      `nginx site of ${plan.name}: copy to /etc/nginx/sites-available/${plan.name} and link it from sites-enabled.`,
      'nginx',
      `server_name (${plan.domain}) and client_max_body_size; keep the socket, STATIC_ROOT and MEDIA_ROOT paths in step with the app.`,
    ).trimEnd(),
    '',
    `upstream ${upstream} {`,
    ...(options.upstreamInclude
      ? ['    # The live release\'s socket; `cloudward deploy` rewrites this file, then reloads nginx gracefully.', `    include ${options.upstreamInclude};`]
      : ['    # fail_timeout=0: always retry the app server, even after a failed request (it may be restarting).', `    server unix:${configWord(plan.socket, 'an nginx upstream')} fail_timeout=0;`]),
    '}',
    '',
  ];
  if (plan.interface === 'asgi' && plan.server === 'gunicorn') {
    lines.push(`map $http_upgrade $${varName(plan)}_connection_upgrade {`, '    default upgrade;', "    '' close;", '}', '');
  }
  lines.push(
    '# Requests for any other host name (scanners, the bare IP address) get no answer at all.',
    'server {',
    ...listen(plan.listenPort, ' default_server'),
  );
  if (plan.https) lines.push(...listen(plan.httpsPort, ' ssl default_server'), '    ssl_reject_handshake on;');
  lines.push('    server_name _;', '    return 444;', '}', '');

  const body = [`    server_name ${plan.domain.split(' ').map((h) => configWord(h, 'server_name')).join(' ')};`, `    client_max_body_size ${plan.maxBodySize};`, '', ...fileLocations(plan),
    '    location / {', ...appLocation(plan, upstream), '    }'];
  if (plan.https) {
    const cert = `/etc/letsencrypt/live/${primaryDomain(plan)}`;
    lines.push(
      'server {',
      ...listen(plan.listenPort),
      `    server_name ${plan.domain};`,
      '    # certbot answers its HTTP challenge here; everything else moves to HTTPS.',
      '    location /.well-known/acme-challenge/ {',
      `        root ${ACME_WEBROOT};`,
      '    }',
      '    location / {',
      '        return 301 https://$host$request_uri;',
      '    }',
      '}',
      '',
      'server {',
      ...listen(plan.httpsPort, ' ssl'),
      // `listen ... ssl http2` is deprecated from nginx 1.25.1 and `http2 on;` is unknown before it: no form
      // suits Debian 12's nginx 1.22 and newer ones alike, so HTTP/2 is left for the user to switch on.
      '    # HTTP/2: add `http2 on;` here on nginx 1.25.1 or newer (older nginx: `listen ... ssl http2;` instead).',
      '    # Certificate paths as certbot writes them (certbot certonly --webroot -w /var/www/letsencrypt).',
      `    ssl_certificate ${cert}/fullchain.pem;`,
      `    ssl_certificate_key ${cert}/privkey.pem;`,
      '    ssl_protocols TLSv1.2 TLSv1.3;',
      '    ssl_session_cache shared:SSL:10m;',
      '    ssl_session_timeout 1d;',
      '    # Browsers keep to HTTPS for a year once they saw this (a location with add_header lines of its own must repeat it).',
      `    ${HSTS}`,
      ...body,
      '}',
      '',
    );
  } else if (options.acmeBeforeCertificate) {
    lines.push('server {', ...listen(plan.listenPort), ...body.slice(0, 3),
      '    # certbot answers its HTTP challenge here (certbot certonly --webroot).',
      '    location /.well-known/acme-challenge/ {', `        root ${ACME_WEBROOT};`, '    }', '', ...body.slice(3), '}', '');
  } else {
    lines.push('server {', ...listen(plan.listenPort), ...body, '}', '');
  }
  return [{ kind: 'nginx', path: options.path ?? nginxSitePath(plan), content: lines.join('\n') }];
}
