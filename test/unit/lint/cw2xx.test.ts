import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lintText, LintWorkspace } from '../../../src/core/lint';
import { applyFix, expectAt, lintRule, only, rangeOf } from './helpers';
import { needTool } from '../../support/need';

const fixtures = path.join(__dirname, '../../../../test/fixtures/lint');
const startproject = fs.readFileSync(path.join(fixtures, 'startproject_settings.py'), 'utf8');
const production = fs.readFileSync(path.join(fixtures, 'production_settings.py'), 'utf8');
const SETTINGS = 'mysite/settings.py';
const DJANGO_PYTHON = '/usr/bin/python3';

function imports(module: string): boolean {
  try {
    execFileSync(DJANGO_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const hasDjango = () => imports('django');
const hasDjDatabaseUrl = () => imports('dj_database_url');

describe('CW2xx: Django settings', () => {
  it('say nothing about a production settings module that reads everything from the environment', () => {
    const findings = lintText(SETTINGS, production).filter((f) => /^CW2/.test(f.rule));
    assert.deepStrictEqual(findings, []);
  });

  it('say nothing about a settings package’s production module built on base.py (django-environ style)', () => {
    const text = [
      'from .base import *  # noqa',
      'from .base import env',
      '',
      'SECRET_KEY = env("DJANGO_SECRET_KEY")',
      'if "DJANGO_SECRET_KEY" not in os.environ:',
      '    SECRET_KEY = "".join(random.SystemRandom().choice(string.printable) for _ in range(50))',
      'ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["example.com"])',
      'DATABASES["default"] = env.db("DATABASE_URL")',
      'DATABASES["default"]["ATOMIC_REQUESTS"] = True',
      'SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")',
      'SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)',
      'SESSION_COOKIE_SECURE = True',
      'CSRF_COOKIE_SECURE = True',
      'CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])',
      'SECURE_HSTS_SECONDS = 60',
      'INSTALLED_APPS += ["gunicorn"]  # noqa F405',
      'MIDDLEWARE.append("whitenoise.middleware.WhiteNoiseMiddleware")',
      'STATICFILES_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"',
      '',
    ].join('\n');
    assert.deepStrictEqual(lintText('config/settings/production.py', text).filter((f) => /^CW2/.test(f.rule)), []);
  });

  it('are silent in development settings modules', () => {
    for (const p of ['mysite/settings/local.py', 'mysite/settings/dev.py', 'mysite/settings/test_ci.py']) {
      assert.deepStrictEqual(lintText(p, startproject).filter((f) => /^CW2/.test(f.rule)), [], p);
    }
  });

  it('flag what `django-admin startproject` leaves for development', () => {
    const rules = lintText(SETTINGS, startproject)
      .filter((f) => /^CW2/.test(f.rule))
      .map((f) => f.rule);
    assert.deepStrictEqual(rules.sort(), ['CW201', 'CW202', 'CW205', 'CW206', 'CW208']);
  });

  describe('CW201 DEBUG = True', () => {
    it('points at True, and the fix reads it from the environment and imports os', () => {
      const f = expectAt(lintRule(SETTINGS, startproject, 'CW201'), startproject, 'True', 0);
      assert.strictEqual(f.severity, 'error');
      const fixed = applyFix(startproject, f);
      assert.match(fixed, /^DEBUG = os\.environ\.get\("DJANGO_DEBUG", ""\) == "1"$/m);
      assert.match(fixed, /^from pathlib import Path\nimport os\n/m);
      assert.deepStrictEqual(lintRule(SETTINGS, fixed, 'CW201'), []);
    });

    it('does not add a second import os', () => {
      const text = 'import os\nINSTALLED_APPS = []\nDEBUG = True\n';
      const f = expectAt(lintRule(SETTINGS, text, 'CW201'), text, 'True');
      assert.strictEqual(applyFix(text, f), 'import os\nINSTALLED_APPS = []\nDEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"\n');
    });

    it('honours SILENCED_SYSTEM_CHECKS = ["security.W018"] and reads only the final module-level value', () => {
      assert.deepStrictEqual(lintRule(SETTINGS, 'DEBUG = True\nSILENCED_SYSTEM_CHECKS = ["security.W018"]\n', 'CW201'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'DEBUG = True\nDEBUG = env.bool("DEBUG", False)\n', 'CW201'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'DEBUG = False\nif os.environ.get("DEV"):\n    DEBUG = True\n', 'CW201'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, '"""DEBUG = True"""\n# DEBUG = True\nDEBUG = False\n', 'CW201'), []);
    });
  });

  describe('CW202 SECRET_KEY literal', () => {
    it('points at the string; the fix reads DJANGO_SECRET_KEY', () => {
      const key = startproject.match(/^SECRET_KEY = ('.*')$/m)![1];
      const f = expectAt(lintRule(SETTINGS, startproject, 'CW202'), startproject, key);
      assert.match(applyFix(startproject, f), /^SECRET_KEY = os\.environ\["DJANGO_SECRET_KEY"\]$/m);
    });

    it('is silenced by bandit/ruff comments and security.W009, not by an environment read', () => {
      assert.deepStrictEqual(lintRule(SETTINGS, 'SECRET_KEY = "abc"  # noqa: S105\n', 'CW202'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'SECRET_KEY = "abc"  # nosec B105\n', 'CW202'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'SECRET_KEY = "abc"\nSILENCED_SYSTEM_CHECKS = ["security.W009"]\n', 'CW202'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'SECRET_KEY = os.environ.get("SECRET_KEY")\n', 'CW202'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'SECRET_KEY = Path("/run/secrets/key").read_text().strip()\n', 'CW202'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'SECRET_KEY = f"{PREFIX}{os.environ[\'K\']}"\n', 'CW202'), []);
    });
  });

  describe('CW203 ALLOWED_HOSTS contains *', () => {
    it("points at '*' and offers the environment list", () => {
      const text = "DEBUG = False\nALLOWED_HOSTS = ['example.com', '*']\n";
      const f = expectAt(lintRule(SETTINGS, text, 'CW203'), text, "'*'");
      assert.strictEqual(f.severity, 'warning');
      const fixed = applyFix(text, f);
      assert.match(fixed, /^ALLOWED_HOSTS = \[host\.strip\(\) for host in os\.environ\.get\("DJANGO_ALLOWED_HOSTS", ""\)\.split\(","\) if host\.strip\(\)\]$/m);
      assert.match(fixed, /^import os$/m);
    });

    it('also sees ALLOWED_HOSTS.append("*"), but not ".example.com"', () => {
      const text = 'ALLOWED_HOSTS = []\nALLOWED_HOSTS.append("*")\n';
      expectAt(lintRule(SETTINGS, text, 'CW203'), text, '"*"');
      assert.deepStrictEqual(lintRule(SETTINGS, 'ALLOWED_HOSTS = [".example.com"]\n', 'CW203'), []);
    });
  });

  describe('CW204 ALLOWED_HOSTS empty', () => {
    it('points at [] when DEBUG is not literally True', () => {
      const text = 'DEBUG = False\nALLOWED_HOSTS = []\n';
      const f = expectAt(lintRule(SETTINGS, text, 'CW204'), text, '[]');
      assert.strictEqual(f.severity, 'error');
      assert.ok(f.fix);
    });

    it('is silent when the list is filled later or DEBUG is True', () => {
      assert.deepStrictEqual(lintRule(SETTINGS, 'DEBUG = True\nALLOWED_HOSTS = []\n', 'CW204'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'ALLOWED_HOSTS = []\nif HOST:\n    ALLOWED_HOSTS.append(HOST)\n', 'CW204'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'ALLOWED_HOSTS = []\nALLOWED_HOSTS += os.environ["H"].split()\n', 'CW204'), []);
    });
  });

  describe('CW205 STATIC_ROOT', () => {
    it('points at django.contrib.staticfiles; the fix follows pathlib', () => {
      const f = expectAt(lintRule(SETTINGS, startproject, 'CW205'), startproject, "'django.contrib.staticfiles'");
      const fixed = applyFix(startproject, f);
      assert.match(fixed, /^STATIC_URL = '\/static\/'\nSTATIC_ROOT = BASE_DIR \/ "staticfiles"$/m);
    });

    it('uses os.path.join when BASE_DIR is built with os.path', () => {
      const text = 'import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\nINSTALLED_APPS = ["django.contrib.staticfiles"]\n';
      const f = expectAt(lintRule(SETTINGS, text, 'CW205'), text, '"django.contrib.staticfiles"');
      assert.match(applyFix(text, f), /\nSTATIC_ROOT = os\.path\.join\(BASE_DIR, "staticfiles"\)\n$/);
    });

    it('is silent with remote storage, a star import, or STATIC_ROOT set conditionally', () => {
      const apps = 'INSTALLED_APPS = ["django.contrib.staticfiles"]\n';
      assert.deepStrictEqual(lintRule(SETTINGS, apps + 'STATICFILES_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"\n', 'CW205'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, apps + 'STORAGES = {"staticfiles": {"BACKEND": "storages.backends.s3.S3Storage"}}\n', 'CW205'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, 'from .base import *\n' + apps, 'CW205'), []);
      assert.deepStrictEqual(lintRule(SETTINGS, apps + 'if X:\n    STATIC_ROOT = "/srv/static"\n', 'CW205'), []);
    });
  });

  describe('CW206 HTTPS settings', () => {
    it('lists what is missing or off, anchored on the first setting that is off', () => {
      const text = 'DEBUG = False\nSESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = False\n';
      const f = expectAt(lintRule(SETTINGS, text, 'CW206'), text, 'False', 1);
      assert.strictEqual(f.severity, 'info');
      assert.match(f.message, /SECURE_SSL_REDIRECT, CSRF_COOKIE_SECURE, SECURE_HSTS_SECONDS/);
      const fixed = applyFix(text, f);
      assert.match(fixed, /^CSRF_COOKIE_SECURE = os\.environ\.get\("DJANGO_HTTPS", "1"\) == "1"$/m);
      assert.match(fixed, /^SECURE_SSL_REDIRECT = /m);
      assert.match(fixed, /^SECURE_HSTS_SECONDS = /m);
      assert.deepStrictEqual(lintRule(SETTINGS, fixed, 'CW206'), []);
    });

    it('is silent when a star import may provide them', () => {
      assert.deepStrictEqual(lintRule(SETTINGS, 'from .base import *\nDEBUG = False\n', 'CW206'), []);
    });
  });

  describe('settings packages: base.py is judged through production.py, which star-imports it', () => {
    const base = [
      'from pathlib import Path',
      'BASE_DIR = Path(__file__).resolve().parent.parent.parent',
      'DEBUG = False',
      'ALLOWED_HOSTS = []',
      "INSTALLED_APPS = ['django.contrib.admin', 'django.contrib.staticfiles']",
      "STATIC_URL = 'static/'",
      '',
    ].join('\n');
    const prod = [
      'import os',
      'from .base import *  # noqa',
      'ALLOWED_HOSTS = os.environ["DJANGO_ALLOWED_HOSTS"].split(",")',
      'STATIC_ROOT = BASE_DIR / "staticfiles"',
      'SECURE_SSL_REDIRECT = True',
      'SESSION_COOKIE_SECURE = True',
      'CSRF_COOKIE_SECURE = True',
      'SECURE_HSTS_SECONDS = 3600',
      '',
    ].join('\n');
    const ids = (ws: LintWorkspace, p: string) => ws.lintFile(p).map((f) => f.rule).filter((r) => ['CW204', 'CW205', 'CW206'].includes(r));

    it('no CW204/CW205/CW206 on base.py when production.py sets them', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/w/config/settings/base.py', base);
      ws.setFile('/w/config/settings/production.py', prod);
      ws.setFile('/w/config/settings/local.py', 'from .base import *\nDEBUG = True\n');
      assert.deepStrictEqual(ids(ws, '/w/config/settings/base.py'), []);
      assert.deepStrictEqual(ids(ws, '/w/config/settings/production.py'), []);
    });

    it('production.py is judged with base.py merged in: what neither sets is reported there', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/w/config/settings/base.py', base + 'SESSION_COOKIE_SECURE = True\n');
      ws.setFile('/w/config/settings/production.py', 'import os\nfrom .base import *  # noqa\nDEBUG = False\nCSRF_COOKIE_SECURE = True\n');
      const f = ws.lintFile('/w/config/settings/production.py').filter((x) => x.rule === 'CW206');
      assert.strictEqual(f.length, 1);
      assert.match(f[0].message, /: SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS$/);
      assert.deepStrictEqual(ids(ws, '/w/config/settings/base.py').filter((r) => r === 'CW206'), []);
    });

    it('a base imported only by development modules is judged on its own; alone, base.py gets the benefit of the doubt', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/w/config/settings/base.py', base);
      ws.setFile('/w/config/settings/local.py', 'from .base import *\nDEBUG = True\n');
      assert.deepStrictEqual(ids(ws, '/w/config/settings/base.py').sort(), ['CW204', 'CW205', 'CW206']);
      assert.deepStrictEqual(lintRule('config/settings/base.py', base, 'CW206'), []);
    });
  });

  describe('CW207 security middleware', () => {
    const text = [
      'MIDDLEWARE = [',
      "    'django.middleware.security.SecurityMiddleware',",
      "    'django.contrib.sessions.middleware.SessionMiddleware',",
      "    'django.middleware.common.CommonMiddleware',",
      "    'django.contrib.auth.middleware.AuthenticationMiddleware',",
      ']',
      '',
    ].join('\n');

    it('reports each missing middleware on MIDDLEWARE and inserts it in Django order', () => {
      const findings = lintRule(SETTINGS, text, 'CW207');
      assert.deepStrictEqual(findings.map((f) => f.message), ['CsrfViewMiddleware is missing from MIDDLEWARE', 'XFrameOptionsMiddleware is missing from MIDDLEWARE']);
      assert.deepStrictEqual(findings[0].range, rangeOf(text, 'MIDDLEWARE'));
      const csrf = applyFix(text, findings[0]);
      assert.match(csrf, /CommonMiddleware',\n {4}'django\.middleware\.csrf\.CsrfViewMiddleware',\n {4}'django\.contrib\.auth/);
      const xframe = applyFix(text, findings[1]);
      assert.match(xframe, /AuthenticationMiddleware',\n {4}'django\.middleware\.clickjacking\.XFrameOptionsMiddleware',\n\]/);
    });

    it('inserts SecurityMiddleware first, and counts middleware added later', () => {
      const t = "MIDDLEWARE = ['django.middleware.csrf.CsrfViewMiddleware', 'django.middleware.clickjacking.XFrameOptionsMiddleware']\n";
      const f = expectAt(lintRule(SETTINGS, t, 'CW207'), t, 'MIDDLEWARE');
      assert.match(applyFix(t, f), /^MIDDLEWARE = \['django\.middleware\.security\.SecurityMiddleware', 'django\.middleware\.csrf/);
      const later = t + "MIDDLEWARE.insert(0, 'django.middleware.security.SecurityMiddleware')\n";
      assert.deepStrictEqual(lintRule(SETTINGS, later, 'CW207'), []);
    });
  });

  describe('CW208 / CW209 databases', () => {
    it('CW208 points at the sqlite3 engine; the fix reads DATABASE_URL (dj-database-url), the SQLite file as default', () => {
      const f = expectAt(lintRule(SETTINGS, startproject, 'CW208'), startproject, "'django.db.backends.sqlite3'");
      const fixed = applyFix(startproject, f);
      assert.match(fixed, /^import dj_database_url$/m);
      assert.match(fixed, /'default': dj_database_url\.config\(\n {8}# DATABASE_URL, e\.g\. postgres:\/\/[^\n]*\n {8}default="sqlite:\/\/\/" \+ str\(BASE_DIR \/ 'db\.sqlite3'\),\n {8}conn_max_age=600,\n {4}\)/);
      assert.doesNotMatch(fixed, /DJANGO_DB_/, 'one way to speak of the database');
      assert.deepStrictEqual(lintRule(SETTINGS, fixed, 'CW208'), []);
    });

    it('CW209 points at a literal password', () => {
      const text = "DATABASES = {\n    'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': 'hunter2'},\n    'other': {'PASSWORD': ''},\n}\n";
      const f = expectAt(lintRule(SETTINGS, text, 'CW209'), text, "'hunter2'");
      assert.match(applyFix(text, f), /'PASSWORD': os\.environ\["DJANGO_DB_PASSWORD"\]/);
    });
  });

  describe('CW210 CSRF_TRUSTED_ORIGINS', () => {
    it('points at the origin without a scheme and adds https://', () => {
      const text = 'CSRF_TRUSTED_ORIGINS = ["https://ok.example.com", "example.com"]\n';
      const f = expectAt(lintRule(SETTINGS, text, 'CW210'), text, '"example.com"');
      assert.strictEqual(applyFix(text, f), 'CSRF_TRUSTED_ORIGINS = ["https://ok.example.com", "https://example.com"]\n');
    });
  });

  it('the fixed startproject settings pass Django’s own deployment checks for what we fixed', function () {
    needTool(this, hasDjango(), 'Django for /usr/bin/python3 (Debian package python3-django)');
    needTool(this, hasDjDatabaseUrl(), 'dj-database-url for /usr/bin/python3 (Debian package python3-dj-database-url)');
    this.timeout(30000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw2xx-'));
    try {
      execFileSync(DJANGO_PYTHON, ['-m', 'django', 'startproject', 'mysite', dir]);
      const file = path.join(dir, 'mysite', 'settings.py');
      let text = fs.readFileSync(file, 'utf8');
      // Apply every CW2xx fix, re-linting after each one (ranges move).
      for (let round = 0; round < 10; round++) {
        const next = lintText(SETTINGS, text).find((f) => /^CW2/.test(f.rule) && f.fix);
        if (!next) break;
        text = applyFix(text, next, SETTINGS);
      }
      assert.deepStrictEqual(only(lintText(SETTINGS, text), 'CW201'), []);
      fs.writeFileSync(file, text);
      const out = execFileSync(DJANGO_PYTHON, ['manage.py', 'check', '--deploy'], {
        cwd: dir,
        env: { ...process.env, DJANGO_SECRET_KEY: 'k'.repeat(30) + 'Zy9!x-Q7_rT2#mW4@pL8$vN6%bH3^jK5', DJANGO_ALLOWED_HOSTS: 'example.com' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const id of ['W004', 'W008', 'W009', 'W012', 'W016', 'W018']) assert.ok(!out.includes(`security.${id}`), `${id} still reported:\n${out}`);
      execFileSync(DJANGO_PYTHON, ['manage.py', 'collectstatic', '--noinput'], { cwd: dir, env: { ...process.env, DJANGO_SECRET_KEY: 'x'.repeat(50) }, stdio: 'ignore' });
      assert.ok(fs.existsSync(path.join(dir, 'staticfiles', 'admin')), 'collectstatic filled STATIC_ROOT');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
