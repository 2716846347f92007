import { stringify } from './yamlText';
import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { imageRef } from '../imageTags';
import { LOCAL_HOSTS, SQLITE_DATA_DIR, allowedHostsEnv, celeryArgs, commentText, header, inContainer, managePy, publicEnv, settingsFlag, shWord, sqliteInContainer } from './common';

const NGINX_IMAGE = imageRef('nginx', 'alpine');
const POSTGRES_IMAGE = imageRef('postgres', 'alpine');
const MYSQL_IMAGE = imageRef('mysql');
const REDIS_IMAGE = imageRef('redis', 'alpine');

/**
 * The nginx config of the compose stack: like the VPS site, but the app is the `web` service on its port.
 * With HTTPS on, TLS ends in front of the stack (the host's nginx with certbot, a load balancer): that
 * front says `X-Forwarded-Proto: https`, and this nginx must pass it on. Passing its own `$scheme`
 * (http, the hop from the front) made Django, whose SECURE_PROXY_SSL_HEADER reads that header, see every
 * request as HTTP and redirect it to HTTPS again, for ever.
 */
function composeNginxConf(plan: DeployPlan): string {
  const lines = [
    ...(plan.https
      ? [
          '# The scheme the visitor used: "https" from the TLS front in front of this stack, else this hop\'s own.',
          '# Only the value "https" passes; the front must set the header itself (overwriting any the client sent).',
          'map $http_x_forwarded_proto $visitor_scheme {',
          '    default $scheme;',
          '    https https;',
          '}',
        ]
      : []),
    'upstream app {',
    `    server web:${plan.port} fail_timeout=0;`,
    '}',
    'server {',
    '    listen 80 default_server;',
    '    server_name _;',
    '    return 444;',
    '}',
    'server {',
    '    listen 80;',
    // The domain, and localhost: `docker compose up` on your machine answers at http://localhost/.
    `    server_name ${[...new Set([...plan.domain.split(/\s+/), ...LOCAL_HOSTS])].join(' ')};`,
    `    client_max_body_size ${plan.maxBodySize};`,
  ];
  if (plan.collectstatic) lines.push(`    location ${plan.staticUrl} {`, '        alias /srv/static/;', '        expires 30d;', '    }');
  if (plan.serveMedia) lines.push(`    location ${plan.mediaUrl} {`, '        alias /srv/media/;', '    }');
  lines.push(
    '    location / {',
    '        proxy_pass http://app;',
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    `        proxy_set_header X-Forwarded-Proto ${plan.https ? '$visitor_scheme' : '$scheme'};`,
    '        proxy_redirect off;',
  );
  if (plan.interface === 'asgi') lines.push('        proxy_http_version 1.1;', '        proxy_set_header Upgrade $http_upgrade;', '        proxy_set_header Connection "upgrade";');
  lines.push('    }', '}', '');
  return lines.join('\n');
}

/** `compose.yaml`: the app, nginx in front serving static files, the database with a health check. */
export function renderCompose(plan: DeployPlan): GeneratedFile[] {
  const staticIn = inContainer(plan, plan.staticRoot);
  const mediaIn = inContainer(plan, plan.mediaRoot);
  const env: Record<string, string> = { ...publicEnv(plan), ...allowedHostsEnv(plan, LOCAL_HOSTS), FORWARDED_ALLOW_IPS: '*' };
  // This stack's nginx speaks HTTP: with HTTPS off the app must not redirect to it; with HTTPS on, TLS ends
  // in front of the stack and .env can turn it off to try it on localhost (see .env.example).
  if (plan.framework === 'django') env.DJANGO_HTTPS = plan.https ? '${DJANGO_HTTPS:-1}' : '0';
  const depends: Record<string, { condition: string }> = {};
  const services: Record<string, unknown> = {};
  const volumes: Record<string, Record<string, never>> = {};
  const app: Record<string, unknown> = { image: plan.image, env_file: ['.env'], environment: env };
  // SQLite: migrate, web and the workers must open the same file, so it lives on a named volume
  // (the image links the settings' path into it and lets the app user write there).
  const sqlite = sqliteInContainer(plan);
  if (sqlite) {
    app.volumes = [`sqlite:${SQLITE_DATA_DIR}`];
    volumes.sqlite = {};
  }

  if (plan.database === 'postgresql') {
    env.DATABASE_URL = `postgresql://${dbUser(plan)}:\${POSTGRES_PASSWORD}@db:5432/${dbUser(plan)}`;
    services.db = {
      image: POSTGRES_IMAGE,
      environment: { POSTGRES_DB: dbUser(plan), POSTGRES_USER: dbUser(plan), POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}' },
      volumes: ['pgdata:/var/lib/postgresql/data'],
      healthcheck: { test: ['CMD-SHELL', `pg_isready -U ${dbUser(plan)} -d ${dbUser(plan)}`], interval: '5s', timeout: '5s', retries: 10 },
      restart: 'unless-stopped',
    };
    volumes.pgdata = {};
    depends.db = { condition: 'service_healthy' };
  } else if (plan.database === 'mysql') {
    env.DATABASE_URL = `mysql://${dbUser(plan)}:\${MYSQL_PASSWORD}@db:3306/${dbUser(plan)}`;
    services.db = {
      image: MYSQL_IMAGE,
      environment: {
        MYSQL_DATABASE: dbUser(plan), MYSQL_USER: dbUser(plan),
        MYSQL_PASSWORD: '${MYSQL_PASSWORD:?set MYSQL_PASSWORD in .env}', MYSQL_ROOT_PASSWORD: '${MYSQL_ROOT_PASSWORD:?set MYSQL_ROOT_PASSWORD in .env}',
      },
      volumes: ['mysqldata:/var/lib/mysql'],
      healthcheck: { test: ['CMD', 'mysqladmin', 'ping', '-h', '127.0.0.1'], interval: '5s', timeout: '5s', retries: 10 },
      restart: 'unless-stopped',
    };
    volumes.mysqldata = {};
    depends.db = { condition: 'service_healthy' };
  }
  if (plan.redis || plan.celery) {
    env.REDIS_URL = 'redis://redis:6379/0';
    services.redis = {
      image: REDIS_IMAGE,
      healthcheck: { test: ['CMD', 'redis-cli', 'ping'], interval: '5s', timeout: '3s', retries: 10 },
      restart: 'unless-stopped',
    };
    depends.redis = { condition: 'service_healthy' };
  }
  const webDepends = { ...depends };
  if (plan.migrate) {
    // Migrations run once per `up`, before the app starts: never on every container start.
    services.migrate = {
      ...app,
      command: ['python', managePy(plan), 'migrate', '--noinput', ...settingsFlag(plan)],
      ...(Object.keys(depends).length ? { depends_on: depends } : {}),
    };
    webDepends.migrate = { condition: 'service_completed_successfully' };
  }
  const webVolumes: string[] = sqlite ? [`sqlite:${SQLITE_DATA_DIR}`] : [];
  if (plan.collectstatic) {
    // The image holds the collected files; this one-shot copies the current ones into the volume nginx reads.
    services.collectstatic = {
      ...app,
      // django-compressor's offline files go where collectstatic put the others (COMPRESS_ROOT is STATIC_ROOT by default).
      command: plan.compressOffline
        ? ['sh', '-c', [['python', managePy(plan), 'collectstatic', '--noinput', '--clear', ...settingsFlag(plan)], ['python', managePy(plan), 'compress', ...settingsFlag(plan)]].map((c) => c.map(shWord).join(' ')).join(' && ')]
        : ['python', managePy(plan), 'collectstatic', '--noinput', '--clear', ...settingsFlag(plan)],
      volumes: [`static:${staticIn}`],
    };
    volumes.static = {};
  }
  if (plan.serveMedia) {
    webVolumes.push(`media:${mediaIn}`);
    volumes.media = {};
  }
  services.web = {
    build: { context: '.' },
    ...app,
    expose: [String(plan.port)],
    ...(webVolumes.length ? { volumes: webVolumes } : {}),
    ...(Object.keys(webDepends).length ? { depends_on: webDepends } : {}),
    restart: 'unless-stopped',
  };
  if (plan.celery) {
    services.worker = {
      ...app,
      command: ['celery', ...celeryArgs(plan)],
      depends_on: webDepends,
      restart: 'unless-stopped',
    };
  }
  const nginxVolumes = [...(plan.collectstatic ? ['static:/srv/static:ro'] : []), ...(plan.serveMedia ? ['media:/srv/media:ro'] : [])];
  const nginxDepends: Record<string, { condition: string }> = { web: { condition: 'service_started' } };
  if (plan.collectstatic) nginxDepends.collectstatic = { condition: 'service_completed_successfully' };
  services.nginx = {
    image: NGINX_IMAGE,
    // Long syntax: a short "80:80" can be misread as a number by YAML 1.1 parsers.
    ports: [{ target: 80, published: String(plan.listenPort), protocol: 'tcp' }],
    configs: [{ source: 'nginx_site', target: '/etc/nginx/conf.d/default.conf' }],
    ...(nginxVolumes.length ? { volumes: nginxVolumes } : {}),
    depends_on: nginxDepends,
    restart: 'unless-stopped',
  };
  const doc = {
    name: plan.name,
    services,
    ...(Object.keys(volumes).length ? { volumes } : {}),
    // Compose interpolates $VAR in every value, this one too: nginx's $host would become an empty string
    // (and nginx refuse to start). `$$` is Compose's escape for a literal `$`.
    configs: { nginx_site: { content: escapeComposeInterpolation(composeNginxConf(plan)) } },
  };
  const text = header(
    `compose.yaml of ${plan.name}: the app behind nginx${plan.database && plan.database !== 'sqlite' ? `, with ${plan.database}` : ''}. Start: docker compose up -d --build`,
    'compose',
    'the published port and images; secrets go in .env beside this file (a copy of .env.example), never here.',
  ) + (sqlite
    ? `# SQLite: the database (${commentText(sqlite)}) is on the volume "sqlite" shared by migrate and the app. It suits one host and\n` +
      '# one app container; to scale, switch the settings to PostgreSQL and generate this file again.\n'
    : '') + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  return [{ kind: 'compose', path: 'compose.yaml', content: text }, { kind: 'compose', path: '.env.example', content: envTemplate(plan) }];
}

/**
 * The `.env` compose.yaml reads (`env_file` and the `${...}` it interpolates), as a template: the names,
 * what each is, no values. Copied to `.env` (never committed, never in the image) and filled in.
 */
function envTemplate(plan: DeployPlan): string {
  const lines = [
    header(
      `.env.example of ${plan.name}: the secrets compose.yaml reads, without values. Copy it to .env beside compose.yaml and fill it in.`,
      'compose',
      'nothing here but the names: the values go in .env, which stays out of git (and of the image: .dockerignore).',
    ).trimEnd(),
    '',
  ];
  if (plan.framework === 'django') {
    lines.push(
      '# A long random string: python -c "import secrets; print(secrets.token_urlsafe(50))"',
      'DJANGO_SECRET_KEY=',
      // The settings fix (CW206) turns HTTPS on unless DJANGO_HTTPS=0: this stack's nginx speaks plain HTTP.
      ...(plan.https
        ? [
            '# HTTPS ends in front of this stack (a load balancer, or the host\'s nginx with certbot) which must send',
            '# X-Forwarded-Proto: https (and overwrite one a client sent); this stack\'s nginx passes it on to the app.',
            '# Keep the published port reachable only from that front (a firewall, or publish it on 127.0.0.1).',
            '# To try the stack on http://localhost/ without a front, set DJANGO_HTTPS=0.',
            'DJANGO_HTTPS=1',
          ]
        : []),
    );
  } else lines.push('SECRET_KEY=');
  if (plan.database === 'postgresql') lines.push('POSTGRES_PASSWORD=');
  if (plan.database === 'mysql') lines.push('MYSQL_PASSWORD=', 'MYSQL_ROOT_PASSWORD=');
  return lines.join('\n') + '\n';
}

/** A literal text for a compose value: every `$` doubled, so Compose passes `$host` on as it is. */
export function escapeComposeInterpolation(text: string): string {
  return text.replace(/\$/g, '$$$$');
}

function dbUser(plan: DeployPlan): string {
  return plan.name.replace(/-/g, '_');
}
