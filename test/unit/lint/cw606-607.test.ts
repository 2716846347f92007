import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { applyFix, lintFiles, rangeOf } from './helpers';

const settings = fs.readFileSync(path.join(__dirname, '../../../../examples/django-polls/mysite/settings.py'), 'utf8');
const SETTINGS = 'mysite/settings.py';
const PROCFILE = 'web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\nrelease: python manage.py migrate --noinput\n';

/** Python accepts the fixed settings (its own parser, not ours). */
function assertPython(text: string): void {
  const r = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: text, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, `${r.stderr}\n${text}`);
}

describe('CW606: static files with nothing to serve them', () => {
  it('flags staticfiles when a Procfile, fly.toml, Dockerfile or manifest runs the app with no nginx and no WhiteNoise', () => {
    for (const start of ['Procfile', 'fly.toml', 'render.yaml', 'app.json', 'Dockerfile']) {
      const text = start === 'Procfile' ? PROCFILE : start === 'Dockerfile' ? 'FROM python:3.13-slim\nCMD ["gunicorn", "mysite.wsgi"]\n' : start === 'app.json' ? '{"name": "polls"}\n' : start === 'render.yaml' ? 'services: []\n' : 'app = "polls"\n';
      const f = lintFiles({ [SETTINGS]: settings, [start]: text }, 'CW606');
      assert.strictEqual(f.length, 1, start);
      assert.deepStrictEqual(f[0].range, rangeOf(settings, "'django.contrib.staticfiles'"));
      assert.strictEqual(f[0].severity, 'warning');
    }
  });

  it('is silent with nginx or compose in front, with WhiteNoise, with remote storage, or with no start file', () => {
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: settings }, 'CW606'), []);
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: settings, Procfile: PROCFILE, 'deploy/nginx/polls.conf': 'server { listen 80; }\n' }, 'CW606'), []);
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: settings, Dockerfile: 'FROM python:3.13-slim\n', 'compose.yaml': 'services: {}\n' }, 'CW606'), []);
    const withWhitenoise = settings.replace("'django.middleware.security.SecurityMiddleware',", "'django.middleware.security.SecurityMiddleware',\n    'whitenoise.middleware.WhiteNoiseMiddleware',");
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: withWhitenoise, Procfile: PROCFILE }, 'CW606'), []);
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: settings + 'STATICFILES_STORAGE = "storages.backends.s3.S3Storage"\n', Procfile: PROCFILE }, 'CW606'), []);
  });

  it('is silent when STATIC_URL puts the files on another host (a gateway or CDN serves them)', () => {
    for (const url of ['"https://cdn.example.org/static/"', '"//static.example.org/"', 'f"{ APP_URL }/static/"', 'f"{APP_URL}/static/"']) {
      const text = settings.replace(/^STATIC_URL = .*$/m, `STATIC_URL = ${url}`);
      assert.notStrictEqual(text, settings);
      assert.deepStrictEqual(lintFiles({ [SETTINGS]: text, Dockerfile: 'FROM python:3.13-slim\nCMD ["gunicorn", "mysite.wsgi"]\n' }, 'CW606'), [], url);
    }
    // A path, or an f-string that starts with text, is still this app's.
    const local = settings.replace(/^STATIC_URL = .*$/m, 'STATIC_URL = f"/{PREFIX}static/"');
    assert.strictEqual(lintFiles({ [SETTINGS]: local, Dockerfile: 'FROM python:3.13-slim\nCMD ["gunicorn", "mysite.wsgi"]\n' }, 'CW606').length, 1);
  });

  it('the fix adds the middleware right after SecurityMiddleware and STORAGES after STATIC_ROOT, once', () => {
    const [f] = lintFiles({ [SETTINGS]: settings, Procfile: PROCFILE }, 'CW606');
    const fixed = applyFix(settings, f);
    assert.match(fixed, /'django\.middleware\.security\.SecurityMiddleware',\n {4}"whitenoise\.middleware\.WhiteNoiseMiddleware",\n/);
    assert.match(fixed, /STATIC_ROOT = BASE_DIR \/ 'staticfiles'\n# Static files served by the app itself[^\n]*\nSTORAGES = \{\n.*\n.*CompressedManifestStaticFilesStorage"\},\n\}\n/);
    assertPython(fixed);
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: fixed, Procfile: PROCFILE }, 'CW606'), [], 'fixed: silent');
  });
});

describe('CW607: SQLite on a platform whose disk does not last', () => {
  it('is an error on the ENGINE when a Procfile, render.yaml, app.json or fly.toml without a volume deploys the app', () => {
    for (const [file, text] of [['Procfile', PROCFILE], ['render.yaml', 'services: []\n'], ['app.json', '{}\n'], ['fly.toml', 'app = "polls"\n']]) {
      const f = lintFiles({ [SETTINGS]: settings, [file]: text }, 'CW607');
      assert.strictEqual(f.length, 1, file);
      assert.strictEqual(f[0].severity, 'error');
      assert.deepStrictEqual(f[0].range, rangeOf(settings, "'django.db.backends.sqlite3'"));
    }
  });

  it('is silent on a VPS or compose, with a Fly volume, and for a server database', () => {
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: settings, 'deploy/systemd/polls.service': '[Service]\nExecStart=/srv/venv/bin/gunicorn mysite.wsgi\n' }, 'CW607'), []);
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: settings, 'fly.toml': 'app = "polls"\n[mounts]\nsource = "data"\ndestination = "/data"\n' }, 'CW607'), []);
    const pg = settings.replace("'django.db.backends.sqlite3'", "'django.db.backends.postgresql'");
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: pg, Procfile: PROCFILE }, 'CW607'), []);
  });

  it('the fix reads DATABASE_URL with dj-database-url and keeps the SQLite file as the local default', () => {
    const [f] = lintFiles({ [SETTINGS]: settings, Procfile: PROCFILE }, 'CW607');
    const fixed = applyFix(settings, f);
    assert.match(fixed, /^import dj_database_url$/m);
    assert.match(fixed, /'default': dj_database_url\.config\(default="sqlite:\/\/\/" \+ str\(BASE_DIR \/ 'db\.sqlite3'\), conn_max_age=600\)\n/);
    assertPython(fixed);
    assert.deepStrictEqual(lintFiles({ [SETTINGS]: fixed, Procfile: PROCFILE }, 'CW607'), [], 'fixed: silent');
  });
});
