// The decision aid: where should this project run? It reads what detection knows (the database, uploads,
// Celery, WebSockets, WhiteNoise) and three answers the code cannot give (traffic, budget, who looks after
// the server), and ranks the four paths with their reasons. Pure: the editor's Quick Pick, the CLI and the
// tests call the same function. Costs are rough and dated (COSTS_CHECKED): they say what kind of bill to
// expect, not a quote.
import type { Detection } from '../detect/types';

export type DeployPathId = 'paas' | 'container' | 'vps' | 'kubernetes';
/** The platform inside a path: the files generated and the CLI shown depend on it. */
export type PlatformId = 'heroku' | 'render' | 'fly' | 'cloudrun' | 'vps' | 'kubernetes';

export const DEPLOY_PATHS: readonly DeployPathId[] = ['paas', 'container', 'vps', 'kubernetes'];
export const PLATFORMS: Readonly<Record<DeployPathId, readonly PlatformId[]>> = {
  paas: ['heroku', 'render'],
  container: ['fly', 'cloudrun'],
  vps: ['vps'],
  kubernetes: ['kubernetes'],
};

export const PATH_TITLES: Readonly<Record<DeployPathId, string>> = {
  paas: 'A platform that builds your code (Heroku, Render)',
  container: 'A container platform (Fly.io, Cloud Run)',
  vps: 'Your own server (a VPS with nginx, gunicorn, systemd)',
  kubernetes: 'Kubernetes',
};

export const PLATFORM_TITLES: Readonly<Record<PlatformId, string>> = {
  heroku: 'Heroku', render: 'Render', fly: 'Fly.io', cloudrun: 'Google Cloud Run', vps: 'your own server', kubernetes: 'a Kubernetes cluster',
};

/** When the rough costs below were last compared with the providers' pricing pages. */
export const COSTS_CHECKED = '2026-12';

const COSTS: Readonly<Record<PlatformId, string>> = {
  heroku: 'about $10–20 a month (a Basic dyno and Essential Postgres; no free tier)',
  render: 'free to try (the service sleeps, the free database expires); about $15–25 a month always on with a database',
  fly: 'about $5–15 a month (a small shared-CPU machine with a volume or Postgres), billed by use',
  cloudrun: 'a few dollars a month at low traffic (billed per request, scales to zero), plus a database (Cloud SQL from about $10)',
  vps: 'about €5–10 a month for the machine, plus your hours for updates, backups and HTTPS',
  kubernetes: 'from about $70 a month for a managed cluster with its load balancer, plus the time to run it',
};

/** What the project's files say, in the terms that decide the path. */
export interface ProjectFacts {
  framework: Detection['framework'];
  database: Detection['database'];
  /** MEDIA_ROOT set: users upload files that must outlive a deploy. */
  media: boolean;
  celery: boolean;
  /** Channels or another ASGI app: WebSockets and long-lived connections. */
  websockets: boolean;
  whitenoise: boolean;
}

export type Traffic = 'hobby' | 'steady' | 'large';
export type Budget = 'minimal' | 'moderate' | 'flexible';
export type Upkeep = 'none' | 'some' | 'expert';

/** The three questions the code cannot answer. */
export interface ChoiceAnswers {
  traffic: Traffic;
  budget: Budget;
  /** Who looks after a server: nobody, someone a few hours a month, or people who run servers for a living. */
  upkeep: Upkeep;
}

export interface PathRecommendation {
  path: DeployPathId;
  platform: PlatformId;
  title: string;
  /** Higher is better; the list is sorted by it. */
  score: number;
  /** Why this path fits, one short sentence each. */
  reasons: string[];
  /** What speaks against it for this project and these answers. */
  against: string[];
  /** What the user must do on this path because of the project (a rule to fix, a service to add). */
  todo: string[];
  cost: string;
}

export function factsFromDetection(d: Detection): ProjectFacts {
  return {
    framework: d.framework,
    database: d.database,
    media: d.mediaRoot !== null,
    celery: d.celery,
    websockets: d.channels || (d.interface === 'asgi' && d.framework === 'django'),
    whitenoise: d.whitenoise,
  };
}

/** The platform of a path that suits the project best. */
export function platformFor(path: DeployPathId, facts: ProjectFacts, answers: ChoiceAnswers): PlatformId {
  if (path === 'paas') return answers.budget === 'minimal' ? 'render' : 'heroku';
  // Cloud Run has no volume and no always-on process: SQLite, Celery and WebSockets fit Fly.io better.
  if (path === 'container') return facts.database === 'sqlite' || facts.celery || facts.websockets ? 'fly' : 'cloudrun';
  return path;
}

/** Ranks the four paths for a project and the user's answers, best first (ties keep the DEPLOY_PATHS order). */
export function recommendPaths(facts: ProjectFacts, answers: ChoiceAnswers): PathRecommendation[] {
  const out = DEPLOY_PATHS.map((path) => {
    const platform = platformFor(path, facts, answers);
    const r: PathRecommendation = { path, platform, title: PATH_TITLES[path], score: 0, reasons: [], against: [], todo: [], cost: COSTS[platform] };
    const plus = (n: number, why: string) => {
      r.score += n;
      (n < 0 ? r.against : r.reasons).push(why);
    };
    // Who looks after it.
    if (path === 'paas') plus(answers.upkeep === 'none' ? 4 : 2, 'The platform patches the OS, Python and TLS; you push code.');
    if (path === 'container') plus(answers.upkeep === 'none' ? 3 : 2, 'The platform runs your image and ends HTTPS; you own the Dockerfile.');
    if (path === 'vps') {
      if (answers.upkeep === 'none') plus(-4, 'Nobody to patch the server, renew certificates and restore backups: a VPS needs that person.');
      else plus(answers.upkeep === 'expert' ? 3 : 2, 'You keep full control and maintain the stack yourself (Cloudward provisions and watches it).');
    }
    if (path === 'kubernetes') {
      if (answers.upkeep === 'expert') plus(2, 'Your team already runs clusters.');
      else plus(-4, 'A cluster is a system of its own to learn and operate.');
    }
    // Money.
    if (answers.budget === 'minimal') {
      if (path === 'vps') plus(2, 'The cheapest fixed price: one small machine runs the app, the database and the worker.');
      if (path === 'container') plus(1, 'Billed by use: a quiet site costs little.');
      if (path === 'paas') plus(-1, 'Always-on dynos and a managed database cost more than a small VPS.');
      if (path === 'kubernetes') plus(-3, 'A cluster costs more than the app needs.');
    } else if (answers.budget === 'flexible') {
      if (path === 'paas') plus(1, 'Money buys back your time: scaling is a slider.');
    }
    // Traffic.
    if (answers.traffic === 'hobby' && path === 'kubernetes') plus(-2, 'Far more machinery than a small site needs.');
    if (answers.traffic === 'large') {
      if (path === 'kubernetes') plus(3, 'Many replicas, rolling updates and autoscaling are what it is for.');
      if (path === 'paas' || path === 'container') plus(1, 'More instances are one command away.');
      if (path === 'vps') plus(-1, 'One machine is a ceiling: more means a load balancer and shared state.');
    }
    // The project's own facts.
    if (facts.database === 'sqlite') {
      if (path === 'vps') plus(2, 'SQLite keeps working: the server\'s disk lasts (back the file up).');
      else if (platform === 'fly') {
        plus(0, 'SQLite can live on a Fly volume (one machine), or move to Postgres.');
      } else {
        plus(-2, 'SQLite is lost at every deploy here: the database must move to PostgreSQL.');
        r.todo.push('Read the database from DATABASE_URL (lint rule CW607 has the fix) and attach the platform\'s PostgreSQL.');
      }
    } else if (facts.database === 'postgresql' || facts.database === 'mysql') {
      if (path === 'vps') r.todo.push(`Install ${facts.database === 'postgresql' ? 'PostgreSQL' : 'MySQL'} on the server, or rent a managed database.`);
      else r.todo.push(`Attach the platform's managed ${facts.database === 'postgresql' ? 'PostgreSQL' : 'database'} (it sets DATABASE_URL).`);
    }
    if (facts.media) {
      if (path === 'vps') plus(1, 'Uploaded files stay on the server\'s disk (include them in the backups).');
      else {
        plus(-1, 'Uploaded files vanish with each deploy here: they need object storage.');
        r.todo.push('Store uploads in object storage (django-storages with S3, GCS or R2).');
      }
    }
    if (facts.celery) {
      if (platform === 'cloudrun') plus(-2, 'Cloud Run has no always-on process for the Celery worker.');
      else r.reasons.push(`The Celery worker runs as ${path === 'paas' ? 'a worker process (Procfile worker:)' : path === 'vps' ? 'a second systemd unit' : path === 'kubernetes' ? 'a worker Deployment' : 'a second process group'}, with Redis beside it.`);
      if (platform !== 'cloudrun') r.todo.push('Add Redis for Celery (an add-on, a service or apt install redis-server).');
    }
    if (facts.websockets) r.reasons.push(path === 'vps' ? 'WebSockets pass through the generated nginx site (Upgrade headers).' : 'WebSockets work here; long connections count against request limits.');
    if (!facts.whitenoise && path !== 'vps' && facts.framework === 'django') {
      r.todo.push('Serve static files with WhiteNoise (lint rule CW606 has the fix): no nginx stands in front here.');
    }
    return r;
  });
  return out.map((r, i) => ({ r, i })).sort((a, b) => b.r.score - a.r.score || a.i - b.i).map(({ r }) => r);
}
