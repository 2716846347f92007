import * as assert from 'assert';
import * as F from './fixtures';
import { applyFix, covered, expectOne, lint, LintWorkspace, mine, only, r } from './helpers';

const DJANGO = { appTarget: 'mysite.wsgi' };

describe('lint rules CW101-CW107 (how the process starts)', () => {
  describe('production-grade files stay silent', () => {
    const cases: Array<[string, string]> = [
      ['Procfile', F.PROD_PROCFILE],
      ['Dockerfile', F.PROD_DOCKERFILE],
      ['compose.yaml', F.PROD_COMPOSE],
      ['k8s/web.yaml', F.PROD_K8S],
      ['deploy/mysite.service', F.PROD_SYSTEMD],
      ['docker-entrypoint.sh', F.PROD_ENTRYPOINT],
      ['fly.toml', F.PROD_FLY],
      ['render.yaml', F.PROD_RENDER],
      ['railway.json', F.PROD_RAILWAY_JSON],
      ['nixpacks.toml', F.PROD_NIXPACKS],
      ['app.yaml', F.PROD_APP_YAML],
      ['gunicorn.conf.py', F.PROD_GUNICORN],
      ['main.py', F.PROD_FASTAPI],
    ];
    for (const [path, text] of cases) {
      it(path, () => {
        const ws = new LintWorkspace(DJANGO);
        ws.setFile(`/p/${path}`, text);
        ws.setFile('/p/.dockerignore', F.PROD_DOCKERIGNORE);
        assert.deepStrictEqual(mine(ws.lintFile(`/p/${path}`)), []);
      });
    }
  });

  describe('CW101 runserver as the start command', () => {
    it('Procfile: flags the runserver token; the fix binds $PORT with gunicorn on the app target', () => {
      const text = 'release: python manage.py migrate\nweb: python manage.py runserver 0.0.0.0:$PORT\n';
      const f = expectOne(lint('Procfile', text, DJANGO), 'CW101', text, r(1, 22, 1, 31), 'runserver');
      assert.strictEqual(f.severity, 'error');
      const fixed = applyFix(text, f);
      assert.strictEqual(fixed, 'release: python manage.py migrate\nweb: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n');
      assert.deepStrictEqual(only(lint('Procfile', fixed, DJANGO), 'CW101'), []);
    });

    it('keeps the rest of the line: a migrate before && stays', () => {
      const text = 'web: python manage.py migrate && python manage.py runserver 0.0.0.0:$PORT\n';
      const f = expectOne(lint('Procfile', text, DJANGO), 'CW101', text, r(0, 50, 0, 59));
      assert.strictEqual(applyFix(text, f), 'web: python manage.py migrate && gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n');
    });

    it('ASGI projects get uvicorn workers', () => {
      const text = 'web: python manage.py runserver\n';
      const f = only(lint('Procfile', text, { appTarget: 'mysite.asgi', interface: 'asgi' }), 'CW101')[0];
      assert.strictEqual(applyFix(text, f), 'web: gunicorn mysite.asgi --bind 0.0.0.0:$PORT --worker-class uvicorn_worker.UvicornWorker\n');
    });

    it('derives the app target from the workspace (wsgi.py beside settings, relative to manage.py)', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/p/Procfile', 'web: ./manage.py runserver --settings=config.settings.prod\n');
      ws.setFile('/p/manage.py');
      ws.setFile('/p/config/wsgi.py');
      ws.setFile('/p/config/settings/prod.py', 'DEBUG = False\n');
      const f = only(ws.lintFile('/p/Procfile'), 'CW101')[0];
      assert.ok(f, 'CW101 fires for ./manage.py');
      assert.strictEqual(applyFix('web: ./manage.py runserver --settings=config.settings.prod\n', f), 'web: gunicorn config.wsgi --bind 0.0.0.0:$PORT --env DJANGO_SETTINGS_MODULE=config.settings.prod\n');
    });

    it('the settings module the file sets picks the project among several (ENV, --settings as two words)', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/p/manage.py');
      ws.setFile('/p/a/wsgi.py');
      ws.setFile('/p/a/settings.py', 'DEBUG = False\n');
      ws.setFile('/p/config/wsgi.py');
      ws.setFile('/p/config/settings.py', 'DEBUG = False\n');
      const docker = 'FROM python:3.12-slim\nENV DJANGO_SETTINGS_MODULE=config.settings\nCMD python manage.py runserver 0.0.0.0:8000\n';
      ws.setFile('/p/Dockerfile', docker);
      assert.match(applyFix(docker, only(ws.lintFile('/p/Dockerfile'), 'CW101')[0]), /"gunicorn", "config\.wsgi"/);
      const procfile = 'web: python manage.py runserver --settings config.settings\n';
      ws.setFile('/p/Procfile', procfile);
      assert.match(applyFix(procfile, only(ws.lintFile('/p/Procfile'), 'CW101')[0]), /^web: gunicorn config\.wsgi /);
      // Nothing names a module: the shorter path wins.
      const plain = 'web: python manage.py runserver\n';
      ws.setFile('/p/Procfile', plain);
      assert.match(applyFix(plain, only(ws.lintFile('/p/Procfile'), 'CW101')[0]), /^web: gunicorn a\.wsgi /);
    });

    it('Dockerfile exec form: flags the runserver string, fix writes the exec form on 0.0.0.0:8000', () => {
      const text = 'FROM python:3.12-slim\nCMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n';
      const f = expectOne(lint('Dockerfile', text, DJANGO), 'CW101', text, r(1, 29, 1, 38), 'runserver');
      assert.strictEqual(applyFix(text, f), 'FROM python:3.12-slim\nCMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n');
    });

    it('Dockerfile shell form: fix writes the exec form', () => {
      const text = 'FROM python:3.12-slim\nCMD python manage.py runserver 0.0.0.0:9000\n';
      const f = expectOne(lint('Dockerfile', text, DJANGO), 'CW101', text, r(1, 21, 1, 30));
      assert.strictEqual(applyFix(text, f), 'FROM python:3.12-slim\nCMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:9000"]\n');
    });

    it('compose command string and list', () => {
      const text = 'services:\n  web:\n    build: .\n    command: python manage.py runserver 0.0.0.0:8000\n  admin:\n    build: .\n    entrypoint:\n      - python\n      - manage.py\n      - runserver\n';
      const hits = only(lint('docker-compose.yml', text, DJANGO), 'CW101');
      assert.deepStrictEqual(hits.map((h) => h.range), [r(3, 30, 3, 39), r(9, 8, 9, 17)]);
      assert.strictEqual(covered(text, hits[1].range), 'runserver');
      assert.match(applyFix(text, hits[0]), /command: gunicorn mysite\.wsgi --bind 0\.0\.0\.0:8000\n/);
      assert.match(applyFix(text, hits[1]), /entrypoint:\n {6}\["gunicorn", "mysite\.wsgi", "--bind", "0\.0\.0\.0:8000"\]\n/);
    });

    it('Kubernetes command + args, rewritten across both', () => {
      const text = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: web\n      image: web:1\n      command: ["python"]\n      args: ["manage.py", "runserver", "0.0.0.0:8000"]\n';
      const f = expectOne(lint('pod.yaml', text, DJANGO), 'CW101', text, r(7, 27, 7, 36), 'runserver');
      assert.match(applyFix(text, f), /command: \["gunicorn"\]\n {6}args: \["mysite\.wsgi", "--bind", "0\.0\.0\.0:8000"\]/);
    });

    it('systemd ExecStart (venv python → venv gunicorn, loopback behind the proxy)', () => {
      const text = '[Service]\nUser=app\nExecStart=/srv/venv/bin/python /srv/app/manage.py runserver\n';
      const f = expectOne(lint('app.service', text, DJANGO), 'CW101', text, r(2, 50, 2, 59));
      assert.strictEqual(applyFix(text, f), '[Service]\nUser=app\nExecStart=/srv/venv/bin/gunicorn mysite.wsgi --bind 127.0.0.1:8000\n');
    });

    it('shell scripts and platform files', () => {
      const sh = '#!/bin/bash\nexec python manage.py runserver 0.0.0.0:8000\n';
      expectOne(lint('start', sh, DJANGO), 'CW101', sh, r(1, 22, 1, 31));
      const fly = 'app = "x"\n[processes]\napp = "python manage.py runserver 0.0.0.0:8000"\n';
      const f = expectOne(lint('fly.toml', fly, DJANGO), 'CW101', fly, r(2, 24, 2, 33));
      assert.strictEqual(applyFix(fly, f), 'app = "x"\n[processes]\napp = "gunicorn mysite.wsgi --bind 0.0.0.0:8000"\n');
      const railway = '[deploy]\nstartCommand = "python manage.py runserver 0.0.0.0:$PORT"\n';
      expectOne(lint('railway.toml', railway, DJANGO), 'CW101', railway, r(1, 33, 1, 42));
      const nix = '[start]\ncmd = "python manage.py runserver"\n';
      expectOne(lint('nixpacks.toml', nix, DJANGO), 'CW101', nix, r(1, 24, 1, 33));
      const render = 'services:\n  - type: web\n    startCommand: python manage.py runserver 0.0.0.0:$PORT\n';
      expectOne(lint('render.yaml', render, DJANGO), 'CW101', render, r(2, 35, 2, 44));
      const rj = '{"deploy": {"startCommand": "python manage.py runserver"}}';
      expectOne(lint('railway.json', rj, DJANGO), 'CW101', rj, r(0, 46, 0, 55));
      const gae = 'runtime: python312\nentrypoint: python manage.py runserver 0.0.0.0:$PORT\n';
      expectOne(lint('app.yaml', gae, DJANGO), 'CW101', gae, r(1, 29, 1, 38));
    });

    it('is silent in development files and for RUN', () => {
      assert.deepStrictEqual(only(lint('Procfile.dev', 'web: python manage.py runserver\n'), 'CW101'), []);
      assert.deepStrictEqual(only(lint('docker-compose.override.yml', 'services:\n  web:\n    command: python manage.py runserver\n'), 'CW101'), []);
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python:3.12\nRUN python manage.py runserver --help\nCMD ["gunicorn", "x"]\n'), 'CW101'), []);
      // A named dev stage of a multi-stage Dockerfile is a development image.
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python:3.12 AS dev\nCMD ["python", "manage.py", "runserver"]\nFROM python:3.12\nCMD ["gunicorn", "x"]\n'), 'CW101'), []);
    });
  });

  describe('CW102 other development servers', () => {
    it('flask run (span "flask run"), fix: gunicorn on the --app target', () => {
      const text = 'web: flask --app hello run --host 0.0.0.0\n';
      const f = expectOne(lint('Procfile', text), 'CW102', text, r(0, 5, 0, 26), 'flask --app hello run');
      assert.strictEqual(applyFix(text, f), 'web: gunicorn hello:app --bind 0.0.0.0:$PORT\n');
    });
    it('FLASK_APP as the file sets it (ENV, Environment=, an export), never a mention elsewhere in the text', () => {
      const docker = 'FROM python:3.12-slim\nENV FLASK_APP=hello.web\nCMD flask run --host 0.0.0.0\n';
      assert.strictEqual(applyFix(docker, only(lint('Dockerfile', docker), 'CW102')[0]), 'FROM python:3.12-slim\nENV FLASK_APP=hello.web\nCMD ["gunicorn", "hello.web:app", "--bind", "0.0.0.0:8000"]\n');
      const unit = '[Service]\nEnvironment="FLASK_APP=hello.web:create_app()"\nExecStart=/srv/venv/bin/flask run\n';
      assert.match(applyFix(unit, only(lint('deploy/hello.service', unit), 'CW102')[0]), /gunicorn 'hello\.web:create_app\(\)'|gunicorn "hello\.web:create_app\(\)"|gunicorn hello\.web:create_app\(\)/);
      const script = '#!/bin/sh\nexport FLASK_APP=hello.web\nexec flask run --host 0.0.0.0\n';
      assert.match(applyFix(script, only(lint('docker-entrypoint.sh', script), 'CW102')[0]), /exec gunicorn hello\.web:app /);
      // A comment or an echo that mentions FLASK_APP sets nothing: the default app stays.
      const echo = '#!/bin/sh\necho "FLASK_APP=other"\n# FLASK_APP: not this either\nexec flask run --host 0.0.0.0\n';
      assert.match(applyFix(echo, only(lint('docker-entrypoint.sh', echo), 'CW102')[0]), /exec gunicorn app:app /);
    });
    it('python -m flask run', () => {
      const text = 'FROM python:3.12-slim\nCMD ["python", "-m", "flask", "run", "--host=0.0.0.0"]\n';
      expectOne(lint('Dockerfile', text), 'CW102', text, r(1, 22, 1, 34));
    });
    it('fastapi dev → fastapi run', () => {
      const text = 'web: fastapi dev main.py\n';
      const f = expectOne(lint('Procfile', text), 'CW102', text, r(0, 5, 0, 16), 'fastapi dev');
      assert.strictEqual(applyFix(text, f), 'web: fastapi run main.py\n');
    });
    it('runserver_plus', () => {
      const text = 'web: python manage.py runserver_plus 0.0.0.0:$PORT\n';
      const f = expectOne(lint('Procfile', text, DJANGO), 'CW102', text, r(0, 22, 0, 36));
      assert.strictEqual(applyFix(text, f), 'web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n');
    });
    it('python app.py when app.py calls app.run(), with the workspace', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/p/Procfile', 'web: python app.py\n');
      ws.setFile('/p/app.py', 'from flask import Flask\napp = Flask(__name__)\napp.run(host="0.0.0.0")\n');
      const f = expectOne(ws.lintFile('/p/Procfile'), 'CW102', 'web: python app.py\n', r(0, 12, 0, 18), 'app.py');
      assert.strictEqual(applyFix('web: python app.py\n', f), 'web: gunicorn app:app --bind 0.0.0.0:$PORT\n');
      ws.setFile('/p/app.py', 'from flask import Flask\napp = Flask(__name__)\n');
      assert.deepStrictEqual(only(ws.lintFile('/p/Procfile'), 'CW102'), []);
    });
    it('python server.py: the app is the object whose run() it calls, not the first .run( of the file', () => {
      const ws = new LintWorkspace({});
      ws.setFile('/p/Procfile', 'web: python server.py\n');
      ws.setFile('/p/server.py', 'import subprocess\nfrom flask import Flask\nsubprocess.run(["make"])\n# app.run()\napi = Flask(__name__)\napi.run(host="0.0.0.0")\n');
      const f = expectOne(ws.lintFile('/p/Procfile'), 'CW102', 'web: python server.py\n', r(0, 12, 0, 21), 'server.py');
      assert.strictEqual(applyFix('web: python server.py\n', f), 'web: gunicorn server:api --bind 0.0.0.0:$PORT\n');
    });
  });

  describe('CW103 auto-reload', () => {
    it('--reload on gunicorn/uvicorn; the fix removes it', () => {
      const text = 'web: gunicorn mysite.wsgi --reload --bind 0.0.0.0:$PORT\n';
      const f = expectOne(lint('Procfile', text), 'CW103', text, r(0, 26, 0, 34), '--reload');
      assert.strictEqual(f.severity, 'warning');
      assert.strictEqual(applyFix(text, f), 'web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n');
      const k = 'FROM python:3.12\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload"]\n';
      const g = expectOne(lint('Dockerfile', k), 'CW103', k, r(1, 54, 1, 62));
      assert.strictEqual(applyFix(k, g), 'FROM python:3.12\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n');
    });
    it('reload = True in a gunicorn config', () => {
      const text = 'bind = "0.0.0.0:8000"\nreload = True  # handy\n';
      const f = expectOne(lint('gunicorn.conf.py', text), 'CW103', text, r(1, 0, 1, 13), 'reload = True');
      assert.strictEqual(applyFix(text, f), 'bind = "0.0.0.0:8000"\n');
    });
    it('py-autoreload in a uwsgi ini', () => {
      const text = '[uwsgi]\nmodule = mysite.wsgi\npy-autoreload = 2\n';
      expectOne(lint('uwsgi.ini', text), 'CW103', text, r(2, 0, 2, 17));
      assert.deepStrictEqual(only(lint('uwsgi.ini', '[uwsgi]\npy-autoreload = 0\n'), 'CW103'), []);
    });
    it('read by the ini and Python readers: a `key: value` uwsgi option counts, text in a docstring does not', () => {
      const ini = '[uwsgi]\npython-autoreload: 1\n';
      expectOne(lint('uwsgi.ini', ini), 'CW103', ini, r(1, 0, 1, 20));
      const conf = '"""\nreload = True\n"""\nloglevel = \'debug\'\n';
      assert.deepStrictEqual(only(lint('gunicorn.conf.py', conf), 'CW103'), []);
      const f = expectOne(lint('gunicorn.conf.py', conf), 'CW104', conf, r(3, 11, 3, 18));
      assert.strictEqual(applyFix(conf, f), '"""\nreload = True\n"""\nloglevel = \'info\'\n');
    });
    it('uvicorn.run(reload=True) outside the __main__ guard only', () => {
      const text = 'import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\nuvicorn.run(app, host="0.0.0.0", reload=True)\n';
      const f = expectOne(lint('main.py', text), 'CW103', text, r(3, 33, 3, 44), 'reload=True');
      assert.strictEqual(applyFix(text, f), 'import uvicorn\nfrom fastapi import FastAPI\napp = FastAPI()\nuvicorn.run(app, host="0.0.0.0")\n');
      assert.deepStrictEqual(only(lint('main.py', F.PROD_FASTAPI), 'CW103'), []);
    });
  });

  describe('CW104 debug logging', () => {
    it('--log-level debug (value token), removed by the fix', () => {
      const text = 'web: uvicorn app:app --host 0.0.0.0 --port $PORT --log-level debug\n';
      const f = expectOne(lint('Procfile', text), 'CW104', text, r(0, 61, 0, 66), 'debug');
      assert.strictEqual(f.severity, 'info');
      assert.strictEqual(applyFix(text, f), 'web: uvicorn app:app --host 0.0.0.0 --port $PORT\n');
      const eq = 'web: gunicorn x --log-level=DEBUG\n';
      expectOne(lint('Procfile', eq), 'CW104', eq, r(0, 28, 0, 33), 'DEBUG');
    });
    it('loglevel = "debug" and spew = True in gunicorn config', () => {
      const text = 'loglevel = "debug"\nspew = True\n';
      const hits = only(lint('gunicorn.conf.py', text), 'CW104');
      assert.deepStrictEqual(hits.map((h) => covered(text, h.range)), ['"debug"', 'True']);
      assert.strictEqual(applyFix(text, hits[0]), 'loglevel = "info"\nspew = True\n');
    });
  });

  describe('CW105 loopback bind inside a container', () => {
    it('gunicorn --bind 127.0.0.1 in a Dockerfile: flags the host, fix binds 0.0.0.0', () => {
      const text = 'FROM python:3.12\nCMD ["gunicorn", "mysite.wsgi", "--bind", "127.0.0.1:8000"]\n';
      const f = expectOne(lint('Dockerfile', text), 'CW105', text, r(1, 43, 1, 52), '127.0.0.1');
      assert.strictEqual(applyFix(text, f), 'FROM python:3.12\nCMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n');
    });
    it('uvicorn --host localhost in compose and Kubernetes', () => {
      const c = 'services:\n  api:\n    image: api:1\n    command: uvicorn app:app --host localhost --port 8000\n';
      expectOne(lint('compose.yaml', c), 'CW105', c, r(3, 36, 3, 45), 'localhost');
      const k = 'apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: api\n      args: ["uvicorn", "app:app", "--host=127.0.0.1"]\n';
      expectOne(lint('pod.yml', k), 'CW105', k, r(5, 43, 5, 52), '127.0.0.1');
    });
    it('is not about hosts outside containers', () => {
      assert.deepStrictEqual(only(lint('app.service', '[Service]\nExecStart=/v/bin/gunicorn x --bind 127.0.0.1:8000\n'), 'CW105'), []);
    });
  });

  describe('CW106 Procfile web binds $PORT', () => {
    it('a fixed port', () => {
      const text = 'web: gunicorn mysite.wsgi --bind 0.0.0.0:8000\n';
      const f = expectOne(lint('Procfile', text), 'CW106', text, r(0, 33, 0, 45), '0.0.0.0:8000');
      assert.strictEqual(applyFix(text, f), 'web: gunicorn mysite.wsgi --bind 0.0.0.0:$PORT\n');
    });
    it('uvicorn without --port', () => {
      const text = 'web: uvicorn app.main:app --workers 2\n';
      const f = expectOne(lint('Procfile', text), 'CW106', text, r(0, 5, 0, 12), 'uvicorn');
      assert.strictEqual(applyFix(text, f), 'web: uvicorn app.main:app --workers 2 --host 0.0.0.0 --port $PORT\n');
    });
    it('leaves workers alone, and accepts ${PORT:-8000}', () => {
      assert.deepStrictEqual(only(lint('Procfile', 'worker: gunicorn x --bind 127.0.0.1:9000\nweb: gunicorn x --bind 0.0.0.0:${PORT:-8000}\n'), 'CW106'), []);
    });
  });

  describe('CW107 PID 1', () => {
    it('shell-form CMD: flags the command, fix writes JSON', () => {
      const text = 'FROM python:3.12\nCMD gunicorn mysite.wsgi --bind 0.0.0.0:8000\n';
      const f = expectOne(lint('Dockerfile', text), 'CW107', text, r(1, 4, 1, 44));
      assert.strictEqual(applyFix(text, f), 'FROM python:3.12\nCMD ["gunicorn", "mysite.wsgi", "--bind", "0.0.0.0:8000"]\n');
    });
    it('shell features are kept with sh -c and exec', () => {
      const text = 'FROM python:3.12\nCMD python manage.py migrate && gunicorn x --bind 0.0.0.0:$PORT\n';
      const f = only(lint('Dockerfile', text), 'CW107')[0];
      assert.strictEqual(applyFix(text, f), 'FROM python:3.12\nCMD ["sh", "-c", "python manage.py migrate && exec gunicorn x --bind 0.0.0.0:$PORT"]\n');
    });
    it('a shell entrypoint without exec', () => {
      const text = '#!/bin/sh\nset -e\npython manage.py migrate\ngunicorn mysite.wsgi --bind 0.0.0.0:8000\n';
      const f = expectOne(lint('entrypoint.sh', text), 'CW107', text, r(3, 0, 3, 8), 'gunicorn');
      assert.strictEqual(applyFix(text, f), '#!/bin/sh\nset -e\npython manage.py migrate\nexec gunicorn mysite.wsgi --bind 0.0.0.0:8000\n');
    });
    it('honours # hadolint ignore=DL3025', () => {
      assert.deepStrictEqual(only(lint('Dockerfile', 'FROM python:3.12\n# hadolint ignore=DL3025\nCMD gunicorn x\n'), 'CW107'), []);
    });
  });
});
