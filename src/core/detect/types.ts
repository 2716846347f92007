// What Cloudward reads from a Python web project's files. Every field that could not be found is
// `null`, and `notes` says why: a gap is reported, never silently guessed.

import type { SystemPackages } from '../project/systemPackages';

export type Framework = 'django' | 'flask' | 'fastapi' | 'wsgi' | 'asgi';
export type AppInterface = 'wsgi' | 'asgi';
export type PackageManager = 'uv' | 'poetry' | 'pdm' | 'pipenv' | 'pip';
export type Database = 'postgresql' | 'mysql' | 'sqlite';

export interface Detection {
  framework: Framework | null;
  interface: AppInterface | null;
  /** What the server loads, `module:attribute`, e.g. `mysite.wsgi:application`, `app:create_app()`. */
  appTarget: string | null;
  /** Django only, e.g. `mysite.settings` or `config.settings.production`. */
  settingsModule: string | null;
  staticUrl: string | null;
  /** Relative to `projectRoot` (POSIX), as Django resolves it from BASE_DIR, e.g. `staticfiles`. */
  staticRoot: string | null;
  mediaUrl: string | null;
  mediaRoot: string | null;
  /** `major.minor`, e.g. `3.12`. */
  pythonVersion: string | null;
  /** The file the version came from, relative to `projectRoot`. */
  pythonVersionFile: string | null;
  packageManager: PackageManager | null;
  /** Relative to `projectRoot`: `uv.lock`, `poetry.lock`, `pdm.lock`, `Pipfile.lock`, or null. */
  lockFile: string | null;
  /** The requirements file pip installs from (relative to `projectRoot`), when the manager is pip. */
  requirementsFile: string | null;
  database: Database | null;
  redis: boolean;
  celery: boolean;
  whitenoise: boolean;
  channels: boolean;
  /** Normalised (PEP 503) names of the declared dependencies. */
  dependencies: string[];
  /** The project's folder relative to the folder asked about (`.` when it is that folder). */
  projectRoot: string;
  /** Where imports start, relative to `projectRoot`: `.` or `src` (src layout), or the folder of manage.py. */
  pythonPath: string;
  /** e.g. `mysite.wsgi` / `mysite.asgi` (Django), whatever module holds the app otherwise. */
  wsgiModule: string | null;
  asgiModule: string | null;
  /** The Django project package (holds settings/urls/wsgi), e.g. `mysite` or `config`. */
  djangoProjectPackage: string | null;
  hasManagePy: boolean;
  /** `django.contrib.staticfiles` installed (so `collectstatic` must run). */
  usesStaticfiles: boolean;
  /** Django settings assign STATIC_ROOT (collectstatic fails without it), even if its value could not be read. */
  staticRootSet: boolean;
  /** The SQLite database file relative to `projectRoot` (Django's NAME), when the database is SQLite and NAME is readable. */
  sqliteFile: string | null;
  /** The production settings module's file, relative to `projectRoot`. */
  settingsFile: string | null;
  /**
   * The environment variables the production settings cannot be imported without (no default in the code),
   * and the one DEBUG reads: what `collectstatic` at image build must be given a throwaway value for.
   */
  settingsEnv: SettingsEnvRead[];
  /** STATIC_ROOT is assigned in a way that cannot be read without running Python: where (relative to `projectRoot`, 1-based line). */
  staticRootUnread: { file: string; line: number; expression: string } | null;
  /** django-compressor's COMPRESS_OFFLINE is on: where the settings say so (relative to `projectRoot`, 1-based line). */
  compressOffline: { file: string; line: number } | null;
  /** System packages the project's own production Dockerfile(s) install, or null. */
  systemPackages: SystemPackages | null;
  /** A name for the app: the Django project package, the pyproject name, or the folder name. */
  name: string | null;
  notes: string[];
}

/** One environment read of the settings (see project/envVars.ts SettingsEnvVar), file relative to `projectRoot`. */
export interface SettingsEnvRead {
  name: string;
  required: boolean;
  role: 'secret-key' | 'debug' | 'hosts' | 'database' | 'other';
  cast?: 'bool' | 'int' | 'list';
  trueText?: string;
  file: string;
}
