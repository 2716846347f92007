import type { AppInterface, Database, Framework, PackageManager } from '../detect/types';
import type { SystemPackages } from '../project/systemPackages';

/**
 * One deploy plan: detection plus the user's choices. Every generator renders from it, so ports,
 * sockets, modules, users and paths agree across the files. Paths are absolute paths on the server.
 */
export interface DeployPlan {
  /** App name: systemd unit, nginx upstream, image and Kubernetes names. `[a-z][a-z0-9-]*`. */
  name: string;
  framework: Framework;
  interface: AppInterface;
  /** `module:attribute` the server loads, e.g. `mysite.wsgi:application`. */
  appTarget: string;
  /** Django settings module, or null for other frameworks. */
  settingsModule: string | null;
  /** The app server: gunicorn (HTTP over the socket), or uWSGI (uwsgi protocol: nginx uses uwsgi_pass). */
  server: 'gunicorn' | 'uwsgi';
  /** Port the app server listens on inside a container (Dockerfile, compose, Kubernetes). */
  port: number;
  /** Unix socket gunicorn/uWSGI listens on for nginx (VPS layout). */
  socket: string;
  user: string;
  group: string;
  /** Where the code lives on the server, e.g. `/srv/mysite`. */
  appDir: string;
  /** The virtualenv on the server, e.g. `/srv/mysite/.venv`. */
  venv: string;
  /** Import root relative to appDir: `.`, or `src` for a src layout. */
  pythonPath: string;
  /** Environment file with the secrets (systemd `EnvironmentFile=`, compose `env_file`). */
  envFile: string;
  workers: number;
  /** Where `workers` came from: the user, the server's cores (BuildPlanOptions.cores), or DEFAULT_WORKERS. */
  workersSource: 'given' | 'server' | 'default';
  /** Seconds before a silent worker is killed and restarted. */
  timeout: number;
  /** Space-separated host names; the first one is the canonical one. */
  domain: string;
  https: boolean;
  /** Port nginx listens on for HTTP (80). */
  listenPort: number;
  /** Port nginx listens on for HTTPS (443). */
  httpsPort: number;
  staticUrl: string;
  /** Absolute; must equal Django's STATIC_ROOT on the server. */
  staticRoot: string;
  mediaUrl: string;
  mediaRoot: string;
  /** nginx `client_max_body_size`, e.g. `10m`. */
  maxBodySize: string;
  /** `major.minor`. */
  pythonVersion: string;
  /** Write `.python-version` (only when the project has no Python version file). */
  writePythonVersion: boolean;
  packageManager: PackageManager;
  lockFile: string | null;
  requirementsFile: string | null;
  /** Image reference with a tag, e.g. `mysite:1.0.0` or `registry.example.com/mysite:1.0.0`. */
  image: string;
  replicas: number;
  /** Add a HorizontalPodAutoscaler (up to maxReplicas). */
  autoscale: boolean;
  maxReplicas: number;
  database: Database | null;
  /**
   * Provisioning installs a PostgreSQL server on the VPS with a role and a database for the app, and puts
   * DATABASE_URL in the env file. Default: the project uses PostgreSQL (its settings, or a driver in its dependencies).
   */
  postgres: boolean;
  /** Where `postgres` came from: the user (--set, a setting), or detection (which gives way to a DATABASE_URL the user gave). */
  postgresSource: 'given' | 'detected';
  /** The PostgreSQL driver the project declares (psycopg, psycopg2, …), or null: without one the app cannot reach the database. */
  postgresDriver: string | null;
  redis: boolean;
  celery: boolean;
  whitenoise: boolean;
  /** HTTP path the probes and HEALTHCHECK request (answered for any Host header). */
  healthPath: string;
  /** Django: run `migrate` on release / in a Job. */
  migrate: boolean;
  /** Django with staticfiles: run `collectstatic`. */
  collectstatic: boolean;
  /** nginx serves mediaUrl from mediaRoot (Django). */
  serveMedia: boolean;
  /** Server packages the image must add because the project does not declare them. */
  extraPackages: string[];
  /** gunicorn worker class for ASGI, or null for the default sync worker. */
  workerClass: string | null;
  /** No file named the Python version and none was given: `pythonVersion` is a guess (reported, never silent). */
  pythonVersionGuessed: boolean;
  /** The project declares its dependencies (requirements*.txt, pyproject.toml or Pipfile). */
  dependenciesDeclared: boolean;
  /** Django uses staticfiles but the settings assign no STATIC_ROOT: collectstatic would fail, so it is left out. */
  staticRootMissing: boolean;
  /** The WSGI application uWSGI can load (`module:attribute`, Django's wsgi module even for an ASGI project), or null (ASGI only). */
  wsgiTarget: string | null;
  /** SQLite database file relative to the app folder (Django's NAME), when the database is SQLite. */
  sqliteFile: string | null;
  /**
   * Throwaway values for the management commands run at image build (collectstatic, compress): one for every
   * variable the production settings require, DEBUG's set off. Never a real value (it would stay in a layer).
   */
  buildEnv: Array<{ name: string; value: string }>;
  /** Run `manage.py compress` after collectstatic (django-compressor with COMPRESS_OFFLINE on): where the settings say so, or null. */
  compressOffline: { file: string; line: number } | null;
  /** System packages the project's own production Dockerfile installs (kept in the generated image), or null. */
  systemPackages: SystemPackages | null;
  /**
   * STATIC_ROOT is set in the settings in a way that cannot be read, and no staticRoot was given: `staticRoot`
   * is a guess (reported, and asked for). Where the settings set it.
   */
  staticRootUnread: { file: string; line: number; expression: string } | null;
}

export type PlanFieldType = 'string' | 'integer' | 'boolean' | 'path';

/** Metadata of a plan field that users may set: `--set key=value` and VS Code input boxes. */
export interface PlanField {
  key: keyof DeployPlan;
  /** Short label, e.g. "Domain". */
  title: string;
  description: string;
  type: PlanFieldType;
  /** How the default is derived, in words, e.g. "/srv/<name>". */
  default: string;
  /** A sample value for an input box's placeholder, when the field has no default worth showing. */
  example?: string;
  /** An error message for an invalid value, or undefined when the value is fine. */
  validate(value: string): string | undefined;
  /** Turns an already validated text into the plan's value. */
  parse(value: string): string | number | boolean;
}

/** Something detection could not find and the user must answer (not guessed). */
export interface PlanGap {
  key: keyof DeployPlan;
  /** Why it is asked, in one sentence. */
  reason: string;
  /** A suggestion to pre-fill an input box with (not a guess to use silently), if any. */
  suggestion?: string;
}

/** Values given by the user, by field key; text (from --set or an input box) or already typed. */
export type PlanOverrides = Partial<Record<keyof DeployPlan, string | number | boolean>>;

export interface BuildPlanOptions {
  /** CPU cores of the server the app will run on (the Servers view knows them), for 2 × cores + 1 workers. Unknown: DEFAULT_WORKERS. */
  cores?: number;
}
