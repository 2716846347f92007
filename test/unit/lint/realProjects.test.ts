// Lessons from linting real public projects, each as a minimal fixture of our own: which files are
// production files (decided from the project as a whole), which modules are settings modules,
// production modules overriding a shared base, and unsafe fallbacks read from the environment.
import * as assert from 'assert';
import { applyFix, covered, lintFiles, lintRule, lintText, LintWorkspace } from './helpers';
import type { Finding } from '../../../src/core/lint';

function lintAll(files: Record<string, string>): Finding[] {
  const ws = new LintWorkspace();
  for (const [p, t] of Object.entries(files)) ws.setFile(`/w/${p}`, t);
  return ws.lintAll();
}

function filesWith(findings: Finding[]): string[] {
  return [...new Set(findings.map((f) => f.file.replace('/w/', '')))].sort();
}

const DEV_COMPOSE = 'services:\n  web:\n    build: ./app\n    command: python manage.py runserver 0.0.0.0:8000\n    volumes:\n      - ./app/:/usr/src/app/\n  db:\n    image: postgres:15\n    environment:\n      - POSTGRES_PASSWORD=postgres\n';
const PROD_COMPOSE = 'services:\n  web:\n    build:\n      context: ./app\n      dockerfile: Dockerfile.prod\n    command: gunicorn hello.wsgi:application --bind 0.0.0.0:8000\n  db:\n    image: postgres:15\n';
const ROOT_IMAGE = 'FROM python:3.12-slim\nCOPY . /app\nCMD ["gunicorn", "hello.wsgi"]\n';

describe('lint on real project layouts', () => {
  describe('production vs development files, from the project as a whole', () => {
    it('a plain docker-compose.yml beside docker-compose.prod.yml is the development one; the Dockerfile only it builds too', () => {
      const files = {
        'docker-compose.yml': DEV_COMPOSE,
        'docker-compose.prod.yml': PROD_COMPOSE,
        'app/Dockerfile': ROOT_IMAGE,
        'app/Dockerfile.prod': ROOT_IMAGE,
      };
      const found = filesWith(lintAll(files));
      assert.ok(!found.includes('docker-compose.yml'), found.join());
      assert.ok(!found.includes('app/Dockerfile'), found.join());
      assert.ok(found.includes('app/Dockerfile.prod'), 'the production image is still linted');
      const ws = new LintWorkspace();
      for (const [p, t] of Object.entries(files)) ws.setFile(`/w/${p}`, t);
      assert.match(ws.roleOf('/w/docker-compose.yml')!.why!, /docker-compose\.prod\.yml/);
      assert.match(ws.roleOf('/w/app/Dockerfile')!.why!, /production/);
      assert.deepStrictEqual(ws.roleOf('/w/docker-compose.prod.yml'), { production: true, why: undefined });
    });

    it('an overlay such as compose.deploy.yml leaves compose.yml a production file', () => {
      const found = lintAll({
        'compose.yml': 'services:\n  backend:\n    build: ./backend\n    image: backend:1\n  adminer:\n    image: adminer\n',
        'compose.deploy.yml': 'services:\n  backend:\n    restart: always\n  adminer:\n    restart: always\n',
        'backend/Dockerfile': ROOT_IMAGE,
      });
      assert.ok(found.some((f) => f.rule === 'CW404' && f.file === '/w/compose.yml'));
    });

    it('a compose file that selects development settings is a development file, but the production Dockerfile it builds is not', () => {
      const found = lintAll({
        'docker-compose.yml': 'services:\n  app:\n    build: .\n    environment:\n      DJANGO_SETTINGS_MODULE: shop.settings.dev\n      DJANGO_SECRET_KEY: changeme\n',
        Dockerfile: ROOT_IMAGE,
      });
      assert.ok(!found.some((f) => f.file === '/w/docker-compose.yml'));
      assert.ok(found.some((f) => f.file === '/w/Dockerfile' && f.rule === 'CW401'));
    });

    it('ENVIRONMENT=dev and a dev build target mark compose files as development', () => {
      assert.deepStrictEqual(lintFiles({ '/w/compose.yaml': 'services:\n  web:\n    environment:\n      - ENVIRONMENT=dev\n    volumes:\n      - .:/app\n' }, 'CW410'), []);
      assert.deepStrictEqual(lintFiles({ '/w/compose.yaml': 'services:\n  web:\n    build:\n      context: .\n      target: dev\n    volumes:\n      - .:/app\n' }, 'CW410'), []);
    });

    it('dev containers, tests, playwright images, Procfile.windows, local.Dockerfile and ci/local_dev settings are not production files', () => {
      const found = lintAll({
        '.devcontainer/Dockerfile': 'FROM mcr.microsoft.com/devcontainers/python:3.11\n',
        '.devcontainer/docker-compose.yml': 'services:\n  db:\n    image: postgres:latest\n',
        'tests/e2e/docker/docker-compose.yml': 'services:\n  ldap:\n    image: openldap\n',
        'frontend/Dockerfile.playwright': 'FROM node:20\n',
        'docker/local.Dockerfile': 'FROM python:3.12\nCOPY . /app\n',
        'Procfile.windows': 'web: python manage.py runserver\n',
        'settings/ci.py': 'DEBUG = False\nSECRET_KEY = "ci"\nALLOWED_HOSTS = ["*"]\n',
        'settings/local_dev.py': 'DEBUG = True\nSECRET_KEY = "dev"\n',
        'tests/settings.py': 'SECRET_KEY = "x"\nINSTALLED_APPS = []\n',
        'scripts/smoketest_configuration.py': 'ALLOWED_HOSTS = ["*"]\n',
      });
      assert.deepStrictEqual(found, []);
    });
  });

  describe('settings modules', () => {
    it('a module named settings.py that assigns no Django setting is not a settings module', () => {
      assert.deepStrictEqual(lintRule('/w/auth/settings.py', 'USER_SETTINGS = getattr(settings, "SIMPLE_JWT", None)\nDEFAULTS = {}\n', 'CW206'), []);
      assert.deepStrictEqual(lintRule('/w/core/settings/static.py', 'APP_VERSION = "1"\n', 'CW206'), []);
    });

    it('a production module outside a settings package that star-imports the base is a settings module', () => {
      const found = lintFiles(
        {
          '/w/config/django/base.py': 'SECRET_KEY = "dev-only"\nDEBUG = True\nALLOWED_HOSTS = ["*"]\nINSTALLED_APPS = []\n',
          '/w/config/django/production.py': 'import os\nfrom .base import *\nDEBUG = False\nSECRET_KEY = os.environ["SECRET_KEY"]\nALLOWED_HOSTS = os.environ["HOSTS"].split(",")\n',
        },
        'CW202',
      );
      assert.deepStrictEqual(found, []);
    });

    it('the base values a production module overrides are not reported (CW201-CW203, CW208, CW209)', () => {
      const base = 'SECRET_KEY = "dev-only"\nDEBUG = True\nALLOWED_HOSTS = ["*"]\nINSTALLED_APPS = []\nDATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "PASSWORD": "pw"}}\n';
      const prod = 'import os\nfrom .base import *\nDEBUG = False\nSECRET_KEY = os.environ["SECRET_KEY"]\nALLOWED_HOSTS = ["example.com"]\nDATABASES = {}\n';
      for (const rule of ['CW201', 'CW202', 'CW203', 'CW208', 'CW209']) {
        assert.deepStrictEqual(lintFiles({ '/w/proj/settings/base.py': base, '/w/proj/settings/production.py': prod }, rule), [], rule);
      }
      // What production.py does not override is still reported in the base.
      const partial = 'from .base import *\nDEBUG = False\n';
      assert.strictEqual(lintFiles({ '/w/proj/settings/base.py': base, '/w/proj/settings/production.py': partial }, 'CW202').length, 1);
    });

    it('ALLOWED_HOSTS = ["*"] under `if DEBUG:` is a development value', () => {
      const text = 'DEBUG = False\nALLOWED_HOSTS = ["example.com"]\nif DEBUG:\n    ALLOWED_HOSTS = ["*"]\n';
      assert.deepStrictEqual(lintRule('/w/proj/settings.py', text, 'CW203'), []);
    });
  });

  describe('unsafe fallbacks read from the environment', () => {
    const cases: Array<[string, string, string, string]> = [
      ['CW202', 'SECRET_KEY = os.environ.get("SECRET_KEY", "dev-key")\n', '"dev-key"', 'os.environ.get'],
      ['CW202', 'SECRET_KEY = os.getenv("SECRET_KEY", "dev-key")\n', '"dev-key"', 'os.getenv'],
      ['CW202', 'SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-key"\n', '"dev-key"', 'or fallback'],
      ['CW202', 'SECRET_KEY = env("SECRET_KEY", default="dev-key")\n', '"dev-key"', 'django-environ'],
      ['CW202', 'SECRET_KEY = envsecret("SECRET_KEY", "---")\n', '"---"', 'a project helper'],
      ['CW201', 'DEBUG = env.bool("DEBUG", default=True)\n', 'True', 'env.bool'],
      ['CW201', 'DEBUG = config("DEBUG", default=True, cast=bool)\n', 'True', 'decouple'],
      ['CW201', 'DEBUG = envbool("DEBUG", "True")\n', '"True"', 'a project helper'],
      ['CW201', 'DEBUG = bool(os.environ.get("DEBUG", 0))\n', 'bool', 'bool() of a string'],
      ['CW201', 'DEBUG = os.environ.get("DEBUG", "") != "False"\n', 'os.environ.get("DEBUG", "") != "False"', '!= "False"'],
      ['CW203', 'ALLOWED_HOSTS = os.getenv("HOSTS", "*").split(",")\n', '"*"', 'split fallback'],
      ['CW209', 'DATABASES = {"default": {"PASSWORD": os.environ.get("DB_PASSWORD", "password")}}\n', '"password"', 'password fallback'],
    ];
    for (const [rule, line, token, what] of cases) {
      it(`${rule}: ${what}`, () => {
        const text = `import os\nINSTALLED_APPS = []\n${line}`;
        const found = lintRule('/w/proj/settings.py', text, rule);
        assert.strictEqual(found.length, 1, JSON.stringify(found));
        assert.strictEqual(covered(text, found[0].range), token);
      });
    }
    it('safe defaults stay silent', () => {
      const text = 'import os\nINSTALLED_APPS = []\nDEBUG = env.bool("DEBUG", default=False)\nSECRET_KEY = os.environ["SECRET_KEY"]\nALLOWED_HOSTS = os.getenv("HOSTS", "").split(",")\nDEBUG2 = os.getenv("DEBUG", "False") == "True"\n';
      for (const rule of ['CW201', 'CW202', 'CW203']) assert.deepStrictEqual(lintRule('/w/proj/settings.py', text, rule), [], rule);
      assert.deepStrictEqual(lintRule('/w/proj/settings.py', 'INSTALLED_APPS = []\nDEBUG = os.getenv("DEBUG", "False") == "True"\n', 'CW201'), []);
    });
  });
});

describe('lint on real project layouts: images, proxies and the files that connect them', () => {
  it('CW401 leaves service images (nginx, postgres) alone: they drop root in their own entrypoint', () => {
    assert.deepStrictEqual(lintRule('/w/nginx/Dockerfile', 'FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/conf.d/\n', 'CW401'), []);
    assert.deepStrictEqual(lintRule('/w/db/Dockerfile', 'FROM postgres:16\n', 'CW401'), []);
    assert.strictEqual(lintRule('/w/Dockerfile', 'FROM python:3.12-slim\nCMD ["gunicorn", "app:app"]\n', 'CW401').length, 1);
  });

  it('CW405 reads the .dockerignore of the build context: the compose context, or the folder the COPY sources are in', () => {
    const ignore = '.env\n.git\n.venv\n';
    const df = 'FROM python:3.12-slim\nCOPY requirements.txt /app/\nCOPY . /app\n';
    assert.deepStrictEqual(lintFiles({ '/w/.dockerignore': ignore, '/w/requirements.txt': 'django\n', '/w/docker/Dockerfile': df }, 'CW405'), []);
    assert.deepStrictEqual(
      lintFiles({ '/w/.dockerignore': ignore, '/w/docker/Dockerfile': 'FROM python:3.12-slim\nCOPY . /app\n', '/w/docker/compose.yaml': 'services:\n  web:\n    build:\n      context: ..\n      dockerfile: docker/Dockerfile\n' }, 'CW405'),
      [],
    );
    // `env/` is a virtualenv too.
    assert.deepStrictEqual(lintFiles({ '/w/app/.dockerignore': '.env\n.git\nenv\n', '/w/app/Dockerfile': 'FROM python:3.12-slim\nCOPY . /app\n' }, 'CW405'), []);
  });

  it('Dockerfile-prod is a Dockerfile; FROM python:slim is a floating tag', () => {
    const text = 'FROM python:slim\nCOPY . /app\n';
    const found = lintRule('/w/Dockerfile-prod', text, 'CW404');
    assert.strictEqual(found.length, 1);
    assert.strictEqual(covered(text, found[0].range), 'python:slim');
    assert.deepStrictEqual(lintRule('/w/Dockerfile', 'FROM python:3.12-slim\n', 'CW404'), []);
  });

  it('CW103: uvicorn.run(reload=True) inside a function (a develop command, def main) is a development entry point', () => {
    const inFn = 'import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\ndef develop():\n    uvicorn.run("app:app", reload=True)\n';
    assert.deepStrictEqual(lintRule('/w/cli.py', inFn, 'CW103'), []);
    const top = 'import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\nuvicorn.run("app:app", port=8000, reload=True)\n';
    const found = lintRule('/w/main.py', top, 'CW103');
    assert.strictEqual(found.length, 1);
    assert.strictEqual(covered(top, found[0].range), 'reload=True');
  });

  it('CW605 compares a front-end image only with its own server (silent when the pairing is unknown)', () => {
    const found = lintFiles(
      {
        '/w/client/Dockerfile': 'FROM node:20\nCOPY . .\nEXPOSE 8080\nCMD ["http-server", "dist"]\n',
        '/w/server/Dockerfile': 'FROM python:3.12-slim\nCOPY . .\nCMD ["sh", "entrypoint.sh"]\n',
        '/w/server/entrypoint.sh': '#!/bin/sh\nexec gunicorn -b 0.0.0.0:5000 manage:app\n',
      },
      'CW605',
    );
    assert.deepStrictEqual(found, []);
  });

  it('CW602 inside containers compares the folder under BASE_DIR, not the host path', () => {
    const settings = 'from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nINSTALLED_APPS = ["django.contrib.staticfiles"]\nSTATIC_URL = "/static/"\nSTATIC_ROOT = BASE_DIR / "staticfiles"\n';
    const nginx = 'upstream app { server web:8000; }\nserver {\n  listen 80;\n  location / { proxy_pass http://app; proxy_set_header X-Forwarded-Proto $scheme; }\n  location /static/ { alias /home/app/web/staticfiles/; }\n}\n';
    const files = { '/w/app/hello/settings.py': settings, '/w/app/manage.py': '', '/w/nginx/nginx.conf': nginx, '/w/nginx/Dockerfile': 'FROM nginx:1.27\nCOPY nginx.conf /etc/nginx/conf.d\n' };
    assert.deepStrictEqual(lintFiles(files, 'CW602'), []);
  });

  it('CW601 hears the bind of a supervisor program', () => {
    const nginx = 'server {\n  listen 80;\n  location / { proxy_pass http://localhost:8000; proxy_set_header X-Forwarded-Proto $scheme; }\n}\n';
    const supervisor = '[program:site]\ncommand=/srv/venv/bin/gunicorn -b localhost:8000 -w 4 site:app\nuser=site\n';
    assert.deepStrictEqual(lintFiles({ '/w/deployment/nginx/site': nginx, '/w/deployment/supervisor/site.conf': supervisor }, 'CW601'), []);
    assert.strictEqual(lintFiles({ '/w/deployment/nginx/site': nginx, '/w/deployment/supervisor/site.conf': supervisor.replace('8000', '8001') }, 'CW601').length, 1);
  });
});

describe('lint: start commands read once, binds from what the commands run', () => {
  const rangeOf = (text: string, needle: string) => {
    const at = text.indexOf(needle);
    const before = text.slice(0, at).split('\n');
    const line = before.length - 1;
    const character = before[line].length;
    return { start: { line, character }, end: { line, character: character + needle.length } };
  };

  it('CW101 looks into `bash -c "…"` scripts (compose, Procfile, Dockerfile exec form), at the word in the script', () => {
    const compose = 'services:\n  web:\n    build: .\n    command: bash -c "python manage.py migrate && python manage.py runserver 0.0.0.0:8000"\n';
    const found = lintFiles({ '/w/docker-compose.prod.yml': compose, '/w/manage.py': '' }, 'CW101');
    assert.deepStrictEqual(found.map((f) => f.range), [rangeOf(compose, 'runserver')]);
    const procfile = "web: sh -ec 'python manage.py collectstatic --noinput; python manage.py runserver 0.0.0.0:$PORT'\n";
    assert.deepStrictEqual(lintFiles({ '/w/Procfile': procfile, '/w/manage.py': '' }, 'CW101').map((f) => f.range), [rangeOf(procfile, 'runserver')]);
    const dockerfile = 'FROM python:3.12-slim\nCOPY . /app\nCMD ["bash", "--login", "-c", "python manage.py runserver 0.0.0.0:8000"]\n';
    assert.deepStrictEqual(lintFiles({ '/w/Dockerfile': dockerfile, '/w/manage.py': '' }, 'CW101').map((f) => f.range), [rangeOf(dockerfile, 'runserver')]);
    // A script whose source differs from its value (an escape) stays one word: nothing is guessed.
    const escaped = compose.replace('"python manage.py migrate', '"python manage.py migrate \\"x\\"');
    assert.deepStrictEqual(lintFiles({ '/w/docker-compose.prod.yml': escaped, '/w/manage.py': '' }, 'CW101'), []);
  });

  it('exec-form strings keep their spaces (dockerfile-ast drops them): the command in `sh -c` is read', () => {
    const dockerfile = 'FROM python:3.12-slim\nCOPY . /app\nEXPOSE 8000\nCMD ["sh", "-c", "python manage.py migrate && exec gunicorn mysite.wsgi --bind 0.0.0.0:9000"]\n';
    const found = lintFiles({ '/w/Dockerfile': dockerfile }, 'CW605');
    assert.deepStrictEqual(found.map((f) => f.message), ['EXPOSE 8000 disagrees with the app server binds 9000']);
  });

  it('CW107: `CMD ["sh", "-c", "… && gunicorn …"]` leaves gunicorn a child of sh (dash); bash -c and exec do not', () => {
    const sh = 'FROM python:3.12-slim\nUSER app\nCMD ["sh", "-c", "python manage.py migrate && gunicorn mysite.wsgi --bind 0.0.0.0:8000"]\n';
    const found = lintFiles({ '/w/Dockerfile': sh }, 'CW107');
    assert.deepStrictEqual(found.map((f) => f.range), [rangeOf(sh, 'gunicorn')]);
    assert.strictEqual(applyFix(sh, found[0]), sh.replace('&& gunicorn', '&& exec gunicorn'));
    for (const quiet of [sh.replace('&& gunicorn', '&& exec gunicorn'), sh.replace('"sh"', '"bash"'), sh.replace('gunicorn mysite.wsgi --bind 0.0.0.0:8000', 'celery -A mysite worker')]) {
      assert.deepStrictEqual(lintFiles({ '/w/Dockerfile': quiet }, 'CW107'), [], quiet);
    }
    // Shell form: the fix keeps the user's own shell and puts exec before its script's last command.
    const shellForm = 'FROM python:3.12-slim\nUSER app\nCMD bash -c "python manage.py migrate && gunicorn mysite.wsgi"\n';
    const f = lintFiles({ '/w/Dockerfile': shellForm }, 'CW107');
    assert.strictEqual(applyFix(shellForm, f[0]), 'FROM python:3.12-slim\nUSER app\nCMD ["bash", "-c", "python manage.py migrate && exec gunicorn mysite.wsgi"]\n');
    // An entrypoint script whose last line is `bash -c "…"`: the script's shell waits for bash; not this case.
    assert.deepStrictEqual(lintFiles({ '/w/entrypoint.sh': '#!/bin/sh\nbash -c "gunicorn mysite.wsgi"\n' }, 'CW107'), []);
  });

  it('CW605: a flag that a script only mentions (echo, a comment, an env value) is no bind', () => {
    const manifest = (command: string) =>
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: example/web:1.0\n' +
      `          # run it by hand with: gunicorn --bind 0.0.0.0:7777\n          command: ${command}\n          ports: [{ containerPort: 8000 }]\n          env:\n            - { name: NOTE, value: "-b 0.0.0.0:6666" }\n`;
    const quiet = manifest('["sh", "-c", "echo usage: gunicorn --bind 0.0.0.0:9999; exec gunicorn mysite.wsgi:application"]');
    assert.deepStrictEqual(lintFiles({ '/w/k8s/web.yaml': quiet }, 'CW605'), []);
    const wrong = manifest('["sh", "-c", "python manage.py migrate && exec gunicorn mysite.wsgi:application --bind 0.0.0.0:9000"]');
    const found = lintFiles({ '/w/k8s/web.yaml': wrong }, 'CW605');
    assert.deepStrictEqual(found.map((f) => [f.range, f.related?.map((r) => r.range)]), [[rangeOf(wrong, '8000'), [rangeOf(wrong, '0.0.0.0:9000')]]]);
  });

  it('binds and servers inside shell bodies (do, then, else, a function) are read', () => {
    const nginx = 'server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8000; proxy_set_header X-Forwarded-Proto $scheme; }\n}\n';
    for (const script of ['#!/bin/sh\nwhile true; do gunicorn app:app --bind 127.0.0.1:8000; done\n', '#!/bin/sh\nrun() { exec gunicorn app:app --bind 127.0.0.1:8000; }\nrun\n']) {
      assert.deepStrictEqual(lintFiles({ '/w/nginx/site.conf': nginx, '/w/entrypoint.sh': script }, 'CW601'), [], script);
      assert.strictEqual(lintFiles({ '/w/nginx/site.conf': nginx.replace(':8000', ':8001'), '/w/entrypoint.sh': script }, 'CW601').length, 1, script);
    }
    // wger's production entrypoint: the server started without exec in the branch that ends the script.
    const entry = '#!/bin/bash\nif [[ "$USE_GUNICORN" == "True" ]];\nthen\n    gunicorn app.wsgi:application --bind 0.0.0.0:$PORT\nelse\n    python3 manage.py runserver 0.0.0.0:$PORT\nfi\n';
    assert.deepStrictEqual(lintFiles({ '/w/docker/entrypoint.sh': entry }, 'CW107').map((f) => f.range), [rangeOf(entry, 'python3 manage')].map((r) => ({ start: r.start, end: { line: r.start.line, character: r.start.character + 'python3'.length } })));
  });

  it('CW605: a compose service is compared with the binds of the Dockerfile it builds, not another one', () => {
    // The app image runs daphne on 9000 (`-p`, read now that the command is parsed); an nginx image and a
    // front-end image are built from their own Dockerfiles and publish their own ports.
    const files = {
      '/w/server/Dockerfile': 'FROM python:3.12-slim\nCOPY . /app\nEXPOSE 9000\nCMD ["daphne", "-b", "0.0.0.0", "-p", "9000", "site.asgi:application"]\n',
      '/w/server/proxy/Dockerfile': 'FROM nginx:1.27\nCOPY default.conf /etc/nginx/conf.d/\n',
      '/w/server/docker-compose.yml': 'services:\n  app:\n    build: .\n    ports:\n      - "9000:9000"\n  proxy:\n    build:\n      context: ./proxy\n    ports:\n      - 80:80\n      - 443:443\n',
      '/w/client/docker/Dockerfile': 'FROM node:20\nCOPY . .\nCMD ["npm", "start"]\n',
      '/w/client/deploy/docker-compose.yml': "services:\n  front:\n    build:\n      context: ../\n      dockerfile: docker/Dockerfile\n    ports:\n      - '3000:3000'\n",
    };
    assert.deepStrictEqual(lintFiles(files, 'CW605'), []);
    const moved = { ...files, '/w/server/docker-compose.yml': files['/w/server/docker-compose.yml'].replace('"9000:9000"', '"8000:8000"') };
    assert.deepStrictEqual(lintFiles(moved, 'CW605').map((f) => [f.file, f.message]), [['/w/server/docker-compose.yml', 'compose ports 8000 disagrees with the app server binds 9000']]);
  });
});

describe('lint: peers\' checks we lacked', () => {
  it('an nginx file that does not parse is reported as a problem', () => {
    const problems: string[] = [];
    lintText('/w/nginx/site.conf', 'server {\n  listen 80;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n}\n', {}, (p) => problems.push(p.message));
    lintText('/w/nginx/b.conf', 'server {\n  listen 80\n}\n', {}, (p) => problems.push(p.message));
    assert.deepStrictEqual(problems, ['nginx: the "server" block is never closed (unexpected end of file, expecting "}")', 'nginx: "listen" is not terminated by ";"']);
  });

  it('CW408 flags hostNetwork, hostPID and hostIPC', () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers:\n        - name: web\n          image: web:1\n';
    const found = lintRule('/w/k8s/web.yaml', text, 'CW408');
    assert.strictEqual(found.length, 1);
    assert.strictEqual(covered(text, found[0].range), 'true');
    assert.match(found[0].message, /hostNetwork/);
  });

  it('CW406 flags identical readiness and liveness probes; its own fix writes two different checks', () => {
    const probe = '            httpGet:\n              path: /health\n              port: 8000\n';
    const text = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          readinessProbe:\n${probe}          livenessProbe:\n${probe}`;
    const found = lintRule('/w/k8s/web.yaml', text, 'CW406');
    assert.strictEqual(found.length, 1);
    assert.match(found[0].message, /same check/);
    const none = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          ports:\n            - containerPort: 8000\n';
    const missing = lintRule('/w/k8s/web.yaml', none, 'CW406');
    const fixed = applyFix(none, missing[0]);
    assert.deepStrictEqual(lintRule('/w/k8s/web.yaml', fixed, 'CW406'), []);
  });

  it('CW406 compares probes by value and by kind of check: written differently but the same is the same; a TCP connect is not an HTTP GET', () => {
    const deployment = (readiness: string, liveness: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          readinessProbe:\n            ${readiness}\n          livenessProbe:\n            ${liveness}\n`;
    const same = (r: string, l: string) => lintRule('/w/k8s/web.yaml', deployment(r, l), 'CW406').length === 1;
    assert.ok(same('httpGet: { path: /health, port: 8000 }', 'httpGet: { path: /health, port: 8000 }'));
    assert.ok(same('httpGet: { path: /health, port: 8000 }', 'httpGet: {path: "/health", port: 8000}'), 'the same value written otherwise');
    assert.ok(same('httpGet: { path: /health, port: 8000 }', 'httpGet:\n              path: /health\n              port: 8000'), 'flow and block');
    assert.ok(!same('httpGet: { path: /health, port: 8000 }', 'httpGet: { path: /alive, port: 8000 }'));
    assert.ok(!same('httpGet: { path: /health, port: 8000 }', 'httpGet: { path: /health, port: "8000" }'), 'a number is not a string');
    assert.ok(!same('httpGet: { port: 8000 }', 'tcpSocket: { port: 8000 }'), 'an HTTP GET and a TCP connect on one port are two checks');
  });
});

describe('lint on real project layouts: more roles', () => {
  it('a compose file that builds only development images is a development file; a folder named development holds development files', () => {
    const found = lintAll({
      'docker-compose.yml': 'services:\n  django:\n    build:\n      context: .\n      dockerfile: docker/local.Dockerfile\n    command: python manage.py runserver 0.0.0.0:8000\n',
      'docker/local.Dockerfile': 'FROM python:3.12\nCOPY . /app\n',
      'extras/docker/development/Dockerfile': 'FROM python:3.12\nCOPY . /app\n',
    });
    assert.deepStrictEqual(found, []);
  });

  it('a Dockerfile in docker/ with only COPY . and a .dockerignore of its own is still built from the folder above when only that one holds the project', () => {
    // Netflix/dispatch: docker/.dockerignore says node_modules; docker/ holds the Dockerfile and a compose file, no project.
    const files = { '/w/.dockerignore': '.env\n.git\n.venv\n', '/w/pyproject.toml': '[project]\nname = "x"\n', '/w/docker/.dockerignore': 'node_modules\n', '/w/docker/Dockerfile': 'FROM python:3.12-slim\nCOPY . /app\nRUN pip install /app\n' };
    assert.deepStrictEqual(lintFiles(files, 'CW405'), []);
    // The same with the project inside docker/: its own .dockerignore is the one.
    assert.strictEqual(lintFiles({ ...files, '/w/docker/requirements.txt': 'django\n' }, 'CW405').length, 1);
  });

  it('a Dockerfile in docker/ with only COPY . is built from the folder above when the .dockerignore is there', () => {
    assert.deepStrictEqual(lintFiles({ '/w/.dockerignore': '.env\n.git\n.venv\n', '/w/docker/Dockerfile': 'FROM python:3.12-slim\nCOPY . /app\n' }, 'CW405'), []);
  });
});
