// Detection over sample projects: what `cloudward detect` tells a developer about each kind of project.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { detectProject, detectProjectSync } from '../../../src/core/detect';
import type { Detection } from '../../../src/core/detect';

const repo = path.resolve(__dirname, '../../../..');
const fixture = (name: string) => path.join(repo, 'test/fixtures/projects', name);
const detect = (name: string) => detectProjectSync(fixture(name));
const hasNote = (d: Detection, pattern: RegExp) => d.notes.some((n) => pattern.test(n));

/** A throwaway project from a map of relative paths to contents. */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-detect-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('detectProject', () => {
  const temps: string[] = [];
  const tmp = (files: Record<string, string>) => {
    const d = project(files);
    temps.push(d);
    return d;
  };
  after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('reads the example Django project as a developer laptop has it', async () => {
    const d = await detectProject(path.join(repo, 'examples/django-polls'));
    assert.strictEqual(d.framework, 'django');
    assert.strictEqual(d.interface, 'wsgi');
    assert.strictEqual(d.appTarget, 'mysite.wsgi:application');
    assert.strictEqual(d.settingsModule, 'mysite.settings');
    assert.strictEqual(d.staticUrl, '/static/');
    assert.strictEqual(d.staticRoot, 'staticfiles');
    assert.strictEqual(d.mediaRoot, 'media');
    assert.strictEqual(d.pythonVersion, '3.11');
    assert.strictEqual(d.packageManager, 'pip');
    assert.strictEqual(d.requirementsFile, 'requirements.txt');
    assert.strictEqual(d.database, 'sqlite');
    assert.strictEqual(d.projectRoot, '.');
    assert.strictEqual(d.name, 'mysite');
    assert.deepStrictEqual(d.notes, []);
  });

  describe('Django', () => {
    it('split settings: production module from wsgi.py, values inherited from base.py', () => {
      const d = detect('django-split');
      assert.strictEqual(d.settingsModule, 'config.settings.production');
      assert.ok(hasNote(d, /config\.settings\.local/), 'says manage.py uses the local settings');
      assert.strictEqual(d.appTarget, 'config.wsgi:application');
      assert.strictEqual(d.staticRoot, 'staticfiles', 'str(BASE_DIR / "staticfiles") with BASE_DIR three levels up');
      assert.strictEqual(d.mediaRoot, 'shop/media');
      assert.strictEqual(d.staticUrl, '/assets/', 'production.py overrides base.py (default of env())');
      assert.strictEqual(d.requirementsFile, 'requirements/production.txt');
      assert.strictEqual(d.database, 'postgresql', 'psycopg in requirements/production.txt (through -r base.txt)');
      assert.ok(d.dependencies.includes('django') && d.dependencies.includes('gunicorn'));
      assert.strictEqual(d.whitenoise, true);
      assert.strictEqual(d.pythonVersion, '3.12');
      assert.strictEqual(d.pythonVersionFile, '.python-version');
      assert.strictEqual(d.name, 'django-split', 'a generic package name (config) is not the app name');
    });

    it('a development settings module is replaced by its production sibling', () => {
      const dir = tmp({
        'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings.dev')\n",
        'proj/__init__.py': '',
        'proj/settings/__init__.py': '',
        'proj/settings/dev.py': 'DEBUG = True\n',
        'proj/settings/prod.py': "WSGI_APPLICATION = 'proj.wsgi.application'\n",
        'requirements.txt': 'django\n',
      });
      const d = detectProjectSync(dir);
      assert.strictEqual(d.settingsModule, 'proj.settings.prod');
      assert.ok(hasNote(d, /rather than proj\.settings\.dev/));
    });

    it('src layout: manage.py in src/, BASE_DIR from os.path.dirname, PostgreSQL engine, version from requires-python', () => {
      const d = detect('django-src');
      assert.strictEqual(d.pythonPath, 'src');
      assert.strictEqual(d.appTarget, 'bookshop.wsgi:application');
      assert.strictEqual(d.staticRoot, 'src/static_collected');
      assert.strictEqual(d.mediaRoot, '/var/lib/bookshop/media', 'an absolute MEDIA_ROOT stays absolute');
      assert.strictEqual(d.database, 'postgresql');
      assert.strictEqual(d.pythonVersion, '3.12', '>=3.10,<3.13: the newest allowed');
      assert.strictEqual(d.pythonVersionFile, 'pyproject.toml');
      assert.strictEqual(d.packageManager, 'pip');
      assert.ok(hasNote(d, /WSGI_APPLICATION/), 'says the target was guessed from wsgi.py');
    });

    it('a project in a subfolder of the workspace, with the gaps reported', () => {
      const d = detect('django-subfolder');
      assert.strictEqual(d.projectRoot, 'backend');
      assert.strictEqual(d.appTarget, 'blog.wsgi:application');
      assert.strictEqual(d.staticRoot, null);
      assert.ok(hasNote(d, /^staticRoot: STATIC_ROOT is not set/));
      assert.strictEqual(d.pythonVersion, null);
      assert.ok(hasNote(d, /^pythonVersion:/));
      assert.ok(hasNote(d, /subfolder backend/));
    });

    it('a tooling-only pyproject.toml at the root does not hide the Django project in its folder', () => {
      const dir = tmp({
        'pyproject.toml': '[tool.ruff]\nline-length = 100\n',
        'web/manage.py': "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'portal.settings'\n",
        'web/requirements.txt': 'django\n',
        'web/portal/__init__.py': '',
        'web/portal/settings.py': "WSGI_APPLICATION = 'portal.wsgi.application'\n",
        'web/portal/wsgi.py': 'application = None\n',
      });
      const d = detectProjectSync(dir);
      assert.strictEqual(d.projectRoot, 'web');
      assert.strictEqual(d.settingsModule, 'portal.settings', 'os.environ[...] = ... is read too');
      assert.strictEqual(d.appTarget, 'portal.wsgi:application');
      assert.strictEqual(d.packageManager, 'pip');
    });

    it('channels: ASGI wins, target from ASGI_APPLICATION; pipenv, MySQL, Redis, Celery', () => {
      const d = detect('django-channels');
      assert.strictEqual(d.interface, 'asgi');
      assert.strictEqual(d.appTarget, 'chat.asgi:application');
      assert.strictEqual(d.wsgiModule, 'chat.wsgi');
      assert.strictEqual(d.packageManager, 'pipenv');
      assert.strictEqual(d.lockFile, 'Pipfile.lock');
      assert.strictEqual(d.pythonVersion, '3.11');
      assert.strictEqual(d.pythonVersionFile, 'Pipfile');
      assert.strictEqual(d.database, 'mysql');
      assert.strictEqual(d.redis, true);
      assert.strictEqual(d.celery, true);
      assert.strictEqual(d.channels, true);
    });

    it('uvicorn in the dependencies makes a Django project ASGI', () => {
      const dir = tmp({
        'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site1.settings')\n",
        'site1/__init__.py': '',
        'site1/settings.py': "WSGI_APPLICATION = 'site1.wsgi.application'\n",
        'site1/wsgi.py': 'application = None\n',
        'site1/asgi.py': 'application = None\n',
        'requirements.txt': 'Django>=5\nuvicorn[standard]\n',
      });
      const d = detectProjectSync(dir);
      assert.strictEqual(d.interface, 'asgi');
      assert.strictEqual(d.appTarget, 'site1.asgi:application');
      assert.ok(hasNote(d, /uvicorn is a dependency/));
    });

    it("django-environ's Path arithmetic and dj-database-url's default", () => {
      const d = detect('django-environ-path');
      assert.strictEqual(d.staticRoot, 'collected');
      assert.strictEqual(d.database, 'postgresql');
      assert.strictEqual(d.whitenoise, true);
      assert.strictEqual(d.settingsModule, 'core.settings');
      assert.strictEqual(d.appTarget, 'core.wsgi:application');
    });

    it('WSGI_APPLICATION wins over the wsgi.py of the project package', () => {
      const dir = tmp({
        'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'web.settings')\n",
        'web/__init__.py': '',
        'web/settings.py': 'WSGI_APPLICATION = "web.server.wsgi_app"\n',
        'web/wsgi.py': 'application = None\n',
        'requirements.txt': 'django\n',
      });
      assert.strictEqual(detectProjectSync(dir).appTarget, 'web.server:wsgi_app');
    });

    it('a STATIC_ROOT that needs Python to compute is null with a reason', () => {
      const dir = tmp({
        'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'web.settings')\n",
        'web/__init__.py': '',
        'web/settings.py': "import tempfile\nSTATIC_ROOT = tempfile.mkdtemp()\nINSTALLED_APPS = ['django.contrib.staticfiles']\n",
        'web/wsgi.py': 'application = None\n',
        'requirements.txt': 'django\n',
      });
      const d = detectProjectSync(dir);
      assert.strictEqual(d.staticRoot, null);
      assert.ok(hasNote(d, /^staticRoot: STATIC_ROOT = tempfile\.mkdtemp\(\) could not be read/));
    });
  });

  describe('Flask and FastAPI', () => {
    it('Flask app factory: module:create_app(), poetry with its lock, python from [tool.poetry.dependencies]', () => {
      const d = detect('flask-factory');
      assert.strictEqual(d.framework, 'flask');
      assert.strictEqual(d.interface, 'wsgi');
      assert.strictEqual(d.appTarget, 'todo:create_app()', 'the factory, not the test module that calls it');
      assert.strictEqual(d.packageManager, 'poetry');
      assert.strictEqual(d.lockFile, 'poetry.lock');
      assert.strictEqual(d.pythonVersion, '3.11');
      assert.strictEqual(d.database, 'postgresql');
      assert.strictEqual(d.name, 'todo-service');
    });

    it('Flask served from wsgi.py, pip requirements with comments, runtime.txt', () => {
      const d = detect('flask-wsgi');
      assert.strictEqual(d.framework, 'flask');
      assert.match(d.appTarget ?? '', /^wsgi:(app|application)$/);
      assert.strictEqual(d.pythonVersion, '3.10');
      assert.strictEqual(d.pythonVersionFile, 'runtime.txt');
      assert.strictEqual(d.requirementsFile, 'requirements.txt');
      assert.deepStrictEqual(d.dependencies, ['flask', 'gunicorn', 'redis']);
      assert.strictEqual(d.redis, true);
    });

    it("FastAPI's [tool.fastapi] entrypoint wins over the code; uv with uv.lock", () => {
      const d = detect('fastapi-entrypoint');
      assert.strictEqual(d.framework, 'fastapi');
      assert.strictEqual(d.interface, 'asgi');
      assert.strictEqual(d.appTarget, 'orders.api.main:app');
      assert.strictEqual(d.packageManager, 'uv');
      assert.strictEqual(d.lockFile, 'uv.lock');
      assert.strictEqual(d.pythonVersion, '3.12');
      assert.strictEqual(d.celery, true);
      assert.strictEqual(d.redis, true, 'celery[redis]');
    });

    it('FastAPI with an annotated app variable; pdm; version from .tool-versions', () => {
      const d = detect('fastapi-pdm');
      assert.strictEqual(d.appTarget, 'main:api');
      assert.strictEqual(d.packageManager, 'pdm');
      assert.strictEqual(d.pythonVersion, '3.12');
      assert.strictEqual(d.pythonVersionFile, '.tool-versions');
    });

    it('src layout without a lock file: module relative to src/, and the missing lock is reported', () => {
      const d = detect('fastapi-src-nolock');
      assert.strictEqual(d.appTarget, 'inventory.app:app');
      assert.strictEqual(d.pythonPath, 'src');
      assert.strictEqual(d.packageManager, 'uv');
      assert.strictEqual(d.lockFile, null);
      assert.ok(hasNote(d, /No lock file for uv/));
    });

    it('FLASK_APP in .flaskenv names the app', () => {
      const dir = tmp({
        'requirements.txt': 'flask\n',
        '.flaskenv': 'FLASK_APP=server:build_app()\n',
        'server.py': 'from flask import Flask\n\ndef build_app():\n    return Flask(__name__)\n',
        'other.py': 'from flask import Flask\napp = Flask(__name__)\n',
      });
      assert.strictEqual(detectProjectSync(dir).appTarget, 'server:build_app()');
    });
  });

  describe('gaps and limits', () => {
    it('a folder without a Python project: every field null, each with a reason', () => {
      const d = detect('not-python');
      for (const key of ['framework', 'interface', 'appTarget', 'pythonVersion', 'packageManager', 'database'] as const) {
        assert.strictEqual(d[key], null, key);
        assert.ok(hasNote(d, new RegExp(`^${key}:`)), `a note explains ${key}`);
      }
    });

    it('Python version sources in order: .python-version before runtime.txt before pyproject', () => {
      const dir = tmp({
        '.python-version': '3.13.1\n',
        'runtime.txt': 'python-3.9.18\n',
        'pyproject.toml': '[project]\nname = "x"\nrequires-python = ">=3.10"\ndependencies = ["flask"]\n',
        'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
      });
      const d = detectProjectSync(dir);
      assert.strictEqual(d.pythonVersion, '3.13');
      fs.rmSync(path.join(dir, '.python-version'));
      assert.strictEqual(detectProjectSync(dir).pythonVersion, '3.9');
      fs.rmSync(path.join(dir, 'runtime.txt'));
      assert.strictEqual(detectProjectSync(dir).pythonVersion, '3.10');
    });

    it('invalid TOML is reported, not thrown', () => {
      const dir = tmp({ 'pyproject.toml': '[project\nname = ', 'requirements.txt': 'flask\n', 'app.py': 'from flask import Flask\napp = Flask(__name__)\n' });
      const d = detectProjectSync(dir);
      assert.strictEqual(d.framework, 'flask');
      assert.ok(hasNote(d, /pyproject\.toml is not valid TOML/));
    });

    it('skips virtualenvs (by pyvenv.cfg, whatever their name), node_modules and .git', () => {
      const dir = tmp({
        'requirements.txt': 'fastapi\n',
        'service.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
        'pyenv-local/pyvenv.cfg': 'home = /usr/bin\n',
        'pyenv-local/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
        'node_modules/x/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      });
      assert.strictEqual(detectProjectSync(dir).appTarget, 'service:app');
    });

    it('a missing folder gives an empty detection, not an exception', () => {
      const d = detectProjectSync(path.join(os.tmpdir(), 'cw-does-not-exist-' + process.pid));
      assert.strictEqual(d.framework, null);
    });
  });
});

describe('detect on real project layouts', () => {
  it('a manage.py built on FlaskGroup (or a database helper named manage.py) does not make a Django project', () => {
    const flask = project({
      'requirements.txt': 'Flask==3.0\ngunicorn\n',
      'manage.py': 'from flask.cli import FlaskGroup\nfrom project import app\ncli = FlaskGroup(app)\n',
      'project/__init__.py': 'from flask import Flask\napp = Flask(__name__)\n',
    });
    assert.strictEqual(detectProjectSync(flask).framework, 'flask');
    const api = project({
      'pyproject.toml': '[project]\nname = "api"\ndependencies = ["fastapi", "uvicorn"]\n',
      'src/api/database/manage.py': 'def init_database(engine):\n    pass\n',
      'src/api/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
    });
    assert.strictEqual(detectProjectSync(api).framework, 'fastapi');
  });

  it("reads the Python version from the project's own production image, over a contradicting version file", () => {
    const dir = project({
      'requirements.txt': 'Django==5.2\n',
      'runtime.txt': 'python-3.10.4\n',
      'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings')\n",
      'proj/settings.py': 'INSTALLED_APPS = []\n',
      'proj/wsgi.py': 'application = None\n',
      'Dockerfile': 'FROM python:3.12-slim AS build\nFROM python:3.12-slim\n',
      '.devcontainer/Dockerfile': 'FROM python:3.9\n',
    });
    const d = detectProjectSync(dir);
    assert.strictEqual(d.pythonVersion, '3.12');
    assert.ok(d.notes.some((n) => /runtime\.txt says 3\.10/.test(n)), d.notes.join('\n'));
  });

  it('reads the image the final stage is built on, through earlier stages; a distroless final stage keeps its builder\'s version', () => {
    const base = { 'requirements.txt': 'Django==5.2\n', 'manage.py': '', 'proj/settings.py': 'INSTALLED_APPS = []\n' };
    // The final stage starts from an earlier one; a comment naming another version is not a FROM.
    const chained = project({ ...base, 'Dockerfile': '# FROM python:3.8 was the old image\nFROM docker.io/library/python:3.13-slim AS base\nFROM base AS final\nCMD ["gunicorn", "proj.wsgi"]\n' });
    assert.strictEqual(detectProjectSync(chained).pythonVersion, '3.13');
    const distroless = project({ ...base, 'Dockerfile': 'FROM python:3.11-slim AS build\nRUN pip wheel .\nFROM gcr.io/distroless/python3-debian12\nCOPY --from=build /w /w\n' });
    assert.strictEqual(detectProjectSync(distroless).pythonVersion, '3.11');
    // A development image the compose file builds is not production: its version is not the project's.
    const dev = project({ ...base, 'Dockerfile.dev': 'FROM python:3.9\n', 'docker-compose.yml': 'services:\n  web:\n    build: { context: ., dockerfile: Dockerfile.dev }\n' });
    assert.notStrictEqual(detectProjectSync(dev).pythonVersion, '3.9');
  });
});

describe('detect: the start command is the strongest evidence of the app', () => {
  it('reads the target a Dockerfile or an entrypoint script serves when the code alone is not certain', () => {
    const dir = project({
      'requirements.txt': 'fastapi\nuvicorn\n',
      'app/__init__.py': '',
      'app/main.py': 'from fastapi import FastAPI\nfrom app.api import router\napp = FastAPI()\n',
      'app/other.py': 'from fastapi import FastAPI\nsub = FastAPI()\n',
      'Dockerfile.prod': 'FROM python:3.12-slim\nCMD gunicorn --bind 0.0.0.0:$PORT app.main:app -k uvicorn.workers.UvicornWorker\n',
    });
    assert.strictEqual(detectProjectSync(dir).appTarget, 'app.main:app');
    const factory = project({
      'requirements.txt': 'Flask\ngunicorn\n',
      'site/__init__.py': 'from flask import Flask\ndef create_app():\n    return Flask(__name__)\n',
      'docker-entrypoint.sh': '#!/bin/sh\necho "run gunicorn other:app by hand"\nexec gunicorn --bind 0.0.0.0:8000 "site:create_app()"\n',
    });
    assert.strictEqual(detectProjectSync(factory).appTarget, 'site:create_app()');
  });
  const made: string[] = [];
  after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const tmp = (files: Record<string, string>) => {
    const d = project(files);
    made.push(d);
    return d;
  };

  it('a Procfile at the top makes the folder the project, even with a requirements file deeper down', () => {
    const d = detectProjectSync(tmp({
      Procfile: 'web: gunicorn app:app --log-file=-\n',
      'app.py': 'from flask import Flask\napp = Flask(__name__)\n',
      'skeleton/config/development/requirements.txt': 'flask\n',
      'skeleton/config/development/__init__.py': '',
    }));
    assert.strictEqual(d.projectRoot, '.');
    assert.strictEqual(d.appTarget, 'app:app');
  });

  it('Django: a WSGI module outside the settings package (wsgi/app.py) is the target when WSGI_APPLICATION is not set', () => {
    const d = detectProjectSync(tmp({
      'manage.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_pkg.settings")\n',
      'requirements.txt': 'django\ngunicorn\n',
      'site_pkg/__init__.py': '',
      'site_pkg/settings.py': 'INSTALLED_APPS = []\nROOT_URLCONF = "site_pkg.urls"\n',
      'wsgi/__init__.py': '',
      'wsgi/config.py': 'wsgi_app = "wsgi.app:application"\n',
      'wsgi/app.py': 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_pkg.settings")\nfrom django.core.wsgi import get_wsgi_application\n\napplication = get_wsgi_application()\n',
      'tests/wsgi.py': 'from django.core.wsgi import get_wsgi_application\ntest_app = get_wsgi_application()\n',
    }));
    assert.strictEqual(d.framework, 'django');
    assert.strictEqual(d.appTarget, 'wsgi.app:application');
    assert.ok(hasNote(d, /wsgi\/app\.py assigns with get_wsgi_application/));
  });

  it('a uv workspace root of tooling only: the project is its one member, imports relative to it', () => {
    const d = detectProjectSync(tmp({
      'pyproject.toml': '[dependency-groups]\ndev = ["ruff"]\n\n[tool.uv.workspace]\nmembers = ["backend"]\n',
      'backend/pyproject.toml': '[project]\nname = "app"\nrequires-python = ">=3.12"\ndependencies = ["fastapi[standard]"]\n\n[tool.fastapi]\nentrypoint = "app.main:app"\n',
      'backend/app/__init__.py': '',
      'backend/app/main.py': 'from fastapi import FastAPI\napp = FastAPI()\n',
      'compose.yml': 'services:\n  backend:\n    build:\n      context: ./backend\n',
    }));
    assert.strictEqual(d.projectRoot, 'backend');
    assert.strictEqual(d.framework, 'fastapi');
    assert.strictEqual(d.appTarget, 'app.main:app');
  });

  it('reads Python through the one reader: defaults inside calls, docstrings and comments are not code', () => {
    const manage = "import os\n# os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'old.settings')\ndef main():\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n";
    const settings = [
      'from pathlib import Path',
      'import os',
      'BASE_DIR = Path(__file__).resolve().parent.parent',
      '"""',
      "STATIC_ROOT = 'wrong'",
      '"""',
      'STATIC_ROOT = BASE_DIR / "static"  # collected',
      "INSTALLED_APPS = ['django.contrib.staticfiles']  # 'channels'",
      'DATABASES = {',
      "    'default': {",
      "        'ENGINE': 'django.db.backends.sqlite3',",
      "        'NAME': os.getenv('DB_NAME', BASE_DIR / 'data.sqlite3'),",
      '    }',
      '}',
    ].join('\n');
    const d = detectProjectSync(tmp({ 'manage.py': manage, 'mysite/__init__.py': '', 'mysite/settings.py': settings, 'mysite/wsgi.py': 'application = get_wsgi_application()\n' }));
    assert.strictEqual(d.settingsModule, 'mysite.settings');
    assert.strictEqual(d.staticRoot, 'static');
    assert.strictEqual(d.database, 'sqlite');
    assert.strictEqual(d.sqliteFile, 'data.sqlite3');
    assert.strictEqual(d.channels, false);
  });

  it('an app factory counts when every parameter has a default; an app in a docstring does not', () => {
    const app = 'from flask import Flask\n"""\napp = Flask(__name__)\n"""\ndef create_app(config=None, *args, **kwargs):\n    return Flask(__name__)\n';
    assert.strictEqual(detectProjectSync(tmp({ 'requirements.txt': 'flask\n', 'app.py': app })).appTarget, 'app:create_app()');
  });
});
