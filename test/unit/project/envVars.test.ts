// The environment a settings module reads (parsed, never run): required variables, the loader of .env,
// the development .env and the throwaway values of the production checks.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parsePython } from '../../../src/core/lint/parse/python';
import {
  applyDevEnv,
  developmentEnvFile,
  dotenvLoadLines,
  envLoaderOf,
  envVarsOfModule,
  gitignoreCoversEnv,
  planDevEnv,
  randomSecretKey,
  buildTimeEnv,
  settingsEnvVars,
  throwawayCheckEnv,
} from '../../../src/core/project/envVars';

const vars = (src: string) => Object.fromEntries(envVarsOfModule(parsePython(src), 'settings.py').map((v) => [v.name, v]));

describe('settings environment variables', () => {
  it("reads CW202's fix and CW201's as required and DEBUG's variable", () => {
    const v = vars('import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\nDEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"\nALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h]\n');
    assert.deepStrictEqual([v.DJANGO_SECRET_KEY.required, v.DJANGO_SECRET_KEY.role], [true, 'secret-key']);
    assert.deepStrictEqual([v.DJANGO_DEBUG.required, v.DJANGO_DEBUG.role, v.DJANGO_DEBUG.trueText], [false, 'debug', '1']);
    assert.deepStrictEqual([v.DJANGO_ALLOWED_HOSTS.required, v.DJANGO_ALLOWED_HOSTS.role], [false, 'hosts']);
  });

  it('django-environ: env("X") is required, default= and the Env scheme are not, env.db() reads DATABASE_URL', () => {
    const v = vars('import environ\nenv = environ.Env(DEBUG=(bool, False))\nSECRET_KEY = env("SECRET_KEY")\nDEBUG = env.bool("DEBUG")\nDATABASES = {"default": env.db()}\nEMAIL_HOST = env("EMAIL_HOST", default="localhost")\nREDIS_URL = env.str("REDIS_URL")\n');
    assert.strictEqual(v.SECRET_KEY.required, true);
    assert.deepStrictEqual([v.DEBUG.required, v.DEBUG.cast], [false, 'bool']);
    assert.deepStrictEqual([v.DATABASE_URL.required, v.DATABASE_URL.role], [true, 'database']);
    assert.strictEqual(v.EMAIL_HOST.required, false);
    assert.strictEqual(v.REDIS_URL.required, true);
  });

  it("django-environ's typed readers take their default second (env.bool('X', False)); list/tuple/dict third", () => {
    const v = vars('import environ\nenv = environ.Env()\nA = env.bool("A", False)\nB = env.int("B", 5)\nC = env.list("C", str)\nD = env.list("D", str, [])\nE = env.str("E")\n');
    assert.deepStrictEqual([v.A.required, v.A.cast], [false, 'bool']);
    assert.deepStrictEqual([v.B.required, v.B.cast], [false, 'int']);
    assert.deepStrictEqual([v.C.required, v.D.required, v.E.required], [true, false, true], 'env.list("C", str): str is the cast, not a default');
  });

  it("a project's own env* helper: its cast from the name, a positional default counts, never required without one (its semantics are unknown)", () => {
    const v = vars('import os\nDEBUG = envbool("DEBUG", "True")\nPORT = envint("SMTP_PORT")\nTOKEN = envsecret("TELEGRAM_TOKEN")\n');
    assert.deepStrictEqual([v.DEBUG.role, v.DEBUG.cast, v.DEBUG.required], ['debug', 'bool', false]);
    assert.deepStrictEqual([v.SMTP_PORT.cast, v.SMTP_PORT.required], ['int', false]);
    assert.strictEqual(v.TELEGRAM_TOKEN.required, false);
  });

  it('int(os.environ["X"]) must parse as a number', () => {
    const v = vars('import os\nWORKERS = int(os.environ["APP_WORKERS"])\nRATIO = float(os.environ.get("RATIO", "0.5"))\n');
    assert.deepStrictEqual([v.APP_WORKERS.required, v.APP_WORKERS.cast], [true, 'int']);
    assert.deepStrictEqual([v.RATIO.required, v.RATIO.cast], [false, 'int']);
  });

  it('build-time values: the same on every run, of the shape each reader parses, DEBUG off, optional ones left out', () => {
    const v = envVarsOfModule(parsePython([
      'import os, environ, dj_database_url',
      'env = environ.Env()',
      'SECRET_KEY = os.environ["APP_SECRET_KEY"]',
      'DEBUG = os.environ.get("APP_DEBUG", "0") == "1"',
      'FEATURE = env.bool("FEATURE_X")',
      'WORKERS = int(os.environ["APP_WORKERS"])',
      'DATABASES = {"default": dj_database_url.config()}',
      'CACHES = {"default": env.cache()}',
      'BROKER = os.environ["CELERY_BROKER_URL"]',
      'SENTRY = os.environ.get("SENTRY_DSN")',
      'NAME = os.environ["SITE_NAME"]',
    ].join('\n') + '\n'), 'settings.py');
    const env = Object.fromEntries(buildTimeEnv(v).map((e) => [e.name, e.value]));
    assert.deepStrictEqual(env, {
      APP_SECRET_KEY: 'build-time-only-not-a-secret',
      APP_DEBUG: '0',
      FEATURE_X: 'False',
      APP_WORKERS: '1',
      DATABASE_URL: 'sqlite:///:memory:',
      CACHE_URL: 'locmemcache://',
      CELERY_BROKER_URL: 'redis://localhost:6379/0',
      SITE_NAME: 'build-time-placeholder',
    });
    assert.deepStrictEqual(buildTimeEnv(v), buildTimeEnv(v));
  });

  it("python-decouple: config('X') is required; a positional or keyword default is not", () => {
    const v = vars('from decouple import config, Csv\nSECRET_KEY = config("SECRET_KEY")\nDEBUG = config("DEBUG", default=False, cast=bool)\nALLOWED_HOSTS = config("ALLOWED_HOSTS", cast=Csv())\nEMAIL_PORT = config("EMAIL_PORT", 25, cast=int)\n');
    assert.strictEqual(v.SECRET_KEY.required, true);
    assert.deepStrictEqual([v.DEBUG.required, v.DEBUG.cast], [false, 'bool']);
    assert.deepStrictEqual([v.ALLOWED_HOSTS.required, v.ALLOWED_HOSTS.cast, v.ALLOWED_HOSTS.role], [true, 'list', 'hosts']);
    assert.strictEqual(v.EMAIL_PORT.required, false);
  });

  it('dj-database-url without a default requires DATABASE_URL; reads in if/try blocks or functions are never required', () => {
    const v = vars('import os, dj_database_url\nDATABASES = {"default": dj_database_url.config(conn_max_age=600)}\nif os.environ.get("SENTRY"):\n    SENTRY_DSN = os.environ["SENTRY_DSN"]\ndef f():\n    return os.environ["INSIDE"]\n');
    assert.strictEqual(v.DATABASE_URL.required, true);
    assert.strictEqual(v.SENTRY_DSN.required, false);
    assert.strictEqual(v.INSIDE, undefined);
  });

  it('follows a settings package: production.py star-importing base.py', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-envvars-'));
    try {
      fs.mkdirSync(path.join(dir, 'settings'));
      fs.writeFileSync(path.join(dir, 'settings', '__init__.py'), '');
      fs.writeFileSync(path.join(dir, 'settings', 'base.py'), 'import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n');
      fs.writeFileSync(path.join(dir, 'settings', 'production.py'), 'from .base import *\nDATABASES = {"default": {"NAME": os.environ["DB_NAME"]}}\n');
      const names = settingsEnvVars(path.join(dir, 'settings', 'production.py')).filter((x) => x.required).map((x) => x.name).sort();
      assert.deepStrictEqual(names, ['DB_NAME', 'DJANGO_SECRET_KEY']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('.env loaders', () => {
  const project = '/p';
  const loader = (src: string, file = '/p/mysite/settings.py') => envLoaderOf(file, project, (f) => (f === file ? src : undefined));
  it('python-dotenv with BASE_DIR / ".env", load_dotenv() searching upwards, django-environ read_env() beside the settings', () => {
    assert.deepStrictEqual(loader('from dotenv import load_dotenv\nload_dotenv(BASE_DIR / ".env")\n'), { kind: 'python-dotenv', file: '/p/mysite/settings.py', envFile: '/p/.env' });
    assert.strictEqual(loader('import dotenv\ndotenv.load_dotenv()\n').envFile, '/p/.env');
    assert.strictEqual(loader('import environ\nenviron.Env.read_env()\n').envFile, '/p/mysite/.env');
    assert.strictEqual(loader('import environ\nenviron.Env.read_env(os.path.join(BASE_DIR, ".env"))\n').envFile, '/p/.env');
    // A path computed some other way: the loader is known, the file is not.
    assert.strictEqual(loader('import environ\nenviron.Env.read_env(str(ROOT_DIR / ".envs" / ".local" / ".django"))\n').envFile, undefined);
    assert.strictEqual(loader('from decouple import config\n').kind, 'python-decouple');
    assert.strictEqual(loader('import os\n').kind, 'none');
  });

  it('the two python-dotenv lines go after BASE_DIR (a Path) or after the imports', () => {
    const withBase = dotenvLoadLines(parsePython('from pathlib import Path\nimport os\n\nBASE_DIR = Path(__file__).resolve().parent.parent\nSECRET_KEY = os.environ["K"]\n'));
    assert.strictEqual(withBase.line, 4);
    assert.match(withBase.text, /^\nfrom dotenv import load_dotenv .*\nload_dotenv\(BASE_DIR \/ "\.env"\)\n$/);
    const osPath = dotenvLoadLines(parsePython('import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n'));
    assert.match(osPath.text, /load_dotenv\(os\.path\.join\(BASE_DIR, "\.env"\)\)/);
    assert.strictEqual(dotenvLoadLines(parsePython('"""doc"""\nimport os\nSECRET_KEY = os.environ["K"]\n')).line, 2);
  });
});

describe('development .env and throwaway check values', () => {
  it('a random key Django accepts (50+ characters, 5+ different, nothing a .env reader interprets)', () => {
    const a = randomSecretKey();
    assert.ok(a.length >= 50 && new Set(a).size >= 5);
    assert.doesNotMatch(a, /[$#"'\s=\\]/);
    assert.notStrictEqual(a, randomSecretKey());
  });

  it('writes the key, DEBUG on with the text the settings compare to, local hosts; lists what only the user knows', () => {
    const v = envVarsOfModule(parsePython('import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\nDEBUG = os.environ.get("DJANGO_DEBUG", "") == "yes"\nSTRIPE_KEY = os.environ["STRIPE_KEY"]\n'), '/p/settings.py');
    const f = developmentEnvFile(v);
    assert.match(f.content, /^DJANGO_SECRET_KEY=[^\n]{64}$/m);
    assert.match(f.content, /^DJANGO_DEBUG=yes$/m);
    assert.match(f.content, /^# STRIPE_KEY=/m);
    assert.deepStrictEqual([f.set, f.toFill], [['DJANGO_SECRET_KEY', 'DJANGO_DEBUG'], ['STRIPE_KEY']]);
  });

  it('throwaway values for every required variable; DEBUG forced off; optional ones left alone', () => {
    const v = envVarsOfModule(parsePython('import os, environ\nenv = environ.Env()\nSECRET_KEY = env("SECRET_KEY")\nDEBUG = env.bool("DJANGO_DEBUG", default=False)\nALLOWED_HOSTS = env.list("ALLOWED_HOSTS")\nDATABASES = {"default": env.db()}\nCELERY_BROKER_URL = env("CELERY_BROKER_URL")\nEMAIL_PORT = env.int("EMAIL_PORT")\nSENTRY = os.environ.get("SENTRY_DSN")\n'), 's.py');
    const env = throwawayCheckEnv(v);
    assert.strictEqual(env.SECRET_KEY.length, 64);
    assert.strictEqual(env.DJANGO_DEBUG, 'False');
    assert.strictEqual(env.ALLOWED_HOSTS, 'example.com');
    assert.strictEqual(env.DATABASE_URL, 'sqlite:///:memory:');
    assert.strictEqual(env.CELERY_BROKER_URL, 'redis://localhost:6379/0');
    assert.strictEqual(env.EMAIL_PORT, '1');
    assert.ok(!('SENTRY_DSN' in env));
  });

  it('.gitignore coverage: .env, /.env, .env*, *.env; a later negation uncovers', () => {
    for (const t of ['.env', '/.env', '.env*', '*.env', 'node_modules\n**/.env']) assert.ok(gitignoreCoversEnv(t), t);
    for (const t of ['', '.envrc', 'env/', '.env\n!.env', '# .env']) assert.ok(!gitignoreCoversEnv(t), t);
  });

  it('never overwrites an existing .env: says what it lacks; adds .env to the .gitignore once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-devenv-'));
    try {
      fs.mkdirSync(path.join(dir, 'mysite'));
      const settings = path.join(dir, 'mysite', 'settings.py');
      fs.writeFileSync(settings, 'import os\nfrom pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\nAPI = os.environ["API_TOKEN"]\n');
      fs.writeFileSync(path.join(dir, 'requirements.txt'), 'Django>=5.2,<6.0');
      fs.writeFileSync(path.join(dir, '.gitignore'), '__pycache__/');
      const plan = planDevEnv(dir, settings, dir);
      assert.strictEqual(plan.exists, false);
      assert.strictEqual(plan.loader.kind, 'none');
      assert.strictEqual(plan.loadLines?.file, settings);
      const r = applyDevEnv(plan, dir, { addLoadLines: true });
      assert.deepStrictEqual(r, { created: true, loadLinesAdded: true, requirementsUpdated: true, gitignoreUpdated: true });
      assert.strictEqual(fs.statSync(path.join(dir, '.env')).mode & 0o777, 0o600);
      assert.strictEqual(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '__pycache__/\n\n# Development secrets (Cloudward)\n.env\n');
      assert.strictEqual(fs.readFileSync(path.join(dir, 'requirements.txt'), 'utf8'), 'Django>=5.2,<6.0\npython-dotenv\n');
      assert.match(fs.readFileSync(settings, 'utf8'), /BASE_DIR = .*\n\nfrom dotenv import load_dotenv .*\nload_dotenv\(BASE_DIR \/ "\.env"\)\nSECRET_KEY/);
      const before = fs.readFileSync(path.join(dir, '.env'), 'utf8');
      // Second time: the loader is found now, the .env is kept, nothing is added twice.
      const again = planDevEnv(dir, settings, dir);
      assert.deepStrictEqual([again.exists, again.loader.kind, again.missing, again.gitignore, again.loadLines], [true, 'python-dotenv', ['API_TOKEN'], undefined, undefined]);
      assert.deepStrictEqual(applyDevEnv(again, dir, { addLoadLines: true }), { created: false, loadLinesAdded: false, requirementsUpdated: false, gitignoreUpdated: false });
      assert.strictEqual(fs.readFileSync(path.join(dir, '.env'), 'utf8'), before);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
