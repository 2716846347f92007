// Flask configuration classes and modules (CW302, CW303): which configuration production runs, and
// what it says. Fixtures are minimal versions of what real projects do (see each test's name).
import * as assert from 'assert';
import { classify, type Finding } from '../../../src/core/lint';
import { applyFix, lintFiles, lintRule, LintWorkspace, rangeOf } from './helpers';

function related(f: Finding): Array<[string, string]> {
  return (f.related ?? []).map((r) => [r.file, r.message]);
}

function one(findings: Finding[], file: string, text: string, needle: string, nth = 0): Finding {
  assert.strictEqual(findings.length, 1, `expected one finding, got ${JSON.stringify(findings.map((f) => [f.rule, f.file, f.message, f.range]))}`);
  assert.strictEqual(findings[0].file, file);
  assert.deepStrictEqual(findings[0].range, rangeOf(text, needle, nth));
  return findings[0];
}

const FACTORY = (load: string, imports = 'from config import Config\n') =>
  `from flask import Flask\n${imports}\n\ndef create_app(config_class=Config):\n    app = Flask(__name__)\n    ${load}\n    return app\n`;

describe('Flask config classes and modules (CW302, CW303)', () => {
  describe('file kinds', () => {
    it('a module with a *Config class setting SECRET_KEY or DEBUG, a config module of upper-case names, a Flask settings.py', () => {
      assert.strictEqual(classify('config.py', 'class Config:\n    SECRET_KEY = "x"\n'), 'flask-config');
      assert.strictEqual(classify('app/settings.py', 'class ProdConfig(Config):\n    DEBUG = False\n'), 'flask-config');
      assert.strictEqual(classify('config.py', 'DEBUG = True\nSECRET_KEY = "x"\n'), 'flask-config');
      assert.strictEqual(classify('instance/prod.py', 'SECRET_KEY = "x"\n'), 'flask-config');
      // cookiecutter-flask: a module-level settings.py read with environs, loaded with from_object.
      assert.strictEqual(classify('app/settings.py', 'ENV = env.str("FLASK_ENV", default="production")\nDEBUG = ENV == "development"\nSECRET_KEY = env.str("SECRET_KEY")\n'), 'flask-config');
      // Not config: a views module with DEBUG, a Django settings module, an app module that loads its config (python-app).
      assert.strictEqual(classify('views.py', 'DEBUG = True\n'), undefined);
      assert.strictEqual(classify('mysite/settings.py', 'DEBUG = True\nSECRET_KEY = "x"\n'), 'django-settings');
      assert.strictEqual(classify('app/__init__.py', 'def create_app():\n    app.config.from_object("config")\n'), 'python-app');
    });
  });

  it("cookiecutter-flask: a Flask settings.py loaded by the factory's default is read as Flask config, not Django settings (no CW206)", () => {
    const settings = 'from environs import Env\n\nenv = Env()\nENV = env.str("FLASK_ENV", default="production")\nDEBUG = ENV == "development"\nSECRET_KEY = env.str("SECRET_KEY", default="not-secret")\n';
    const app = 'from flask import Flask\n\n\ndef create_app(config_object="myapp.settings"):\n    app = Flask(__name__)\n    app.config.from_object(config_object)\n    return app\n';
    const files = { 'myapp/settings.py': settings, 'myapp/app.py': app };
    assert.deepStrictEqual(lintFiles(files, 'CW206'), []);
    assert.deepStrictEqual(lintFiles(files, 'CW302'), []);
    const f = one(lintFiles(files, 'CW303'), 'myapp/settings.py', settings, '"not-secret"');
    assert.deepStrictEqual(related(f), [['myapp/app.py', 'settings.py is loaded by app.config.from_object (the default of config_object) in app.py:6']]);
    assert.strictEqual(f.fix, undefined, 'a settings library read is not rewritten to os.environ');
  });

  it('CTFd: annotated class attributes are read; a key computed at run time is not a literal', () => {
    const config = 'class ServerConfig(object):\n    SECRET_KEY: str = read_ini("SECRET_KEY") or gen_secret_key()\n    JWT_SECRET_KEY: str = "fixed"\n\n\nclass TestingConfig(ServerConfig):\n    SECRET_KEY = "AAAAAAAAAAAAAAAAAAAA"\n    DEBUG = True\n\n\nConfig = ServerConfig()\n';
    const init = 'from flask import Flask\n\n\ndef create_app(config="CTFd.config.Config"):\n    app = Flask(__name__)\n    app.config.from_object(config)\n';
    const files = { 'CTFd/config.py': config, 'CTFd/__init__.py': init };
    assert.deepStrictEqual(lintFiles(files, 'CW302'), []);
    // ServerConfig is production because the loaded name, Config, is an instance of it.
    const f = one(lintFiles(files, 'CW303'), 'CTFd/config.py', config, '"fixed"');
    assert.deepStrictEqual(related(f), [['CTFd/__init__.py', 'ServerConfig is loaded by app.config.from_object (the default of config) in __init__.py:6']]);
  });

  describe('a config module the app loads as a whole (realpython/flask-boilerplate)', () => {
    const config = "import os\n\nbasedir = os.path.abspath(os.path.dirname(__file__))\n\n# Enable debug mode.\nDEBUG = True\n\nSECRET_KEY = 'my precious'\n";
    const app = "from flask import Flask\n\napp = Flask(__name__)\napp.config.from_object('config')\n";

    it('CW302 points at True and CW303 at the key, each saying which call loads the module', () => {
      const files = { 'config.py': config, 'app.py': app };
      const debug = one(lintFiles(files, 'CW302'), 'config.py', config, 'True');
      assert.strictEqual(debug.message, 'DEBUG = True in a production configuration');
      assert.deepStrictEqual(related(debug), [['app.py', 'config.py is loaded by app.config.from_object in app.py:4']]);
      assert.deepStrictEqual(debug.related![0].range, rangeOf(app, "'config'"));
      assert.strictEqual(applyFix(config, debug), config.replace('DEBUG = True', 'DEBUG = os.environ.get("FLASK_DEBUG", "") == "1"'));
      const key = one(lintFiles(files, 'CW303'), 'config.py', config, "'my precious'");
      assert.strictEqual(key.message, 'SECRET_KEY is written in the source');
      assert.strictEqual(applyFix(config, key), config.replace("'my precious'", 'os.environ.get("SECRET_KEY")'));
    });

    it('from_pyfile("config.py") loads instance/config.py; from_object(__name__) loads the app module itself', () => {
      const inst = 'SECRET_KEY = "change me"\n';
      const factory = 'from flask import Flask\napp = Flask(__name__, instance_relative_config=True)\napp.config.from_pyfile("config.py")\n';
      const f = one(lintFiles({ 'instance/config.py': inst, 'app.py': factory }, 'CW303'), 'instance/config.py', inst, '"change me"');
      assert.deepStrictEqual(related(f), [['app.py', 'config.py is loaded by app.config.from_pyfile in app.py:3']]);
      const flaskr = 'from flask import Flask\nDEBUG = True\nSECRET_KEY = "development key"\napp = Flask(__name__)\napp.config.from_object(__name__)\n';
      one(lintFiles({ 'flaskr.py': flaskr }, 'CW302'), 'flaskr.py', flaskr, 'True');
      one(lintFiles({ 'flaskr.py': flaskr }, 'CW303'), 'flaskr.py', flaskr, '"development key"');
    });

    it('in a workspace kept up to date (the editor), changing the app module re-judges the config module', () => {
      const ws = new LintWorkspace();
      ws.setFile('config.py', config);
      ws.setFile('app.py', app);
      assert.deepStrictEqual(ws.lintFile('config.py').map((f) => f.rule), ['CW302', 'CW303']);
      assert.deepStrictEqual(ws.dependentsOf('app.py'), ['config.py']);
      ws.setFile('app.py', "from flask import Flask\n\napp = Flask(__name__)\napp.config.from_prefixed_env()\n");
      assert.deepStrictEqual(ws.lintFile('config.py'), []);
    });

    it('is silent when nothing loads the module, and when a development entry point loads it from a dev folder', () => {
      assert.deepStrictEqual(lintFiles({ 'config.py': config }, 'CW302'), []);
      assert.deepStrictEqual(lintFiles({ 'config/development/__init__.py': config, 'app/__init__.py': "def create_app(name):\n    app.config.from_object(name)\n", 'run.py': "from app import create_app\napp = create_app('config.development')\n" }, 'CW303'), []);
    });
  });

  describe('config classes', () => {
    it('microblog: the one class, loaded as the default of create_app(config_class=Config); the or-fallback is reported and the fix drops it', () => {
      const config = "import os\n\n\nclass Config:\n    SECRET_KEY = os.environ.get('SECRET_KEY') or 'you-will-never-guess'\n    POSTS_PER_PAGE = 25\n";
      const init = FACTORY('app.config.from_object(config_class)');
      const f = one(lintFiles({ 'config.py': config, 'app/__init__.py': init }, 'CW303'), 'config.py', config, "'you-will-never-guess'");
      assert.strictEqual(f.message, 'Config.SECRET_KEY falls back to a key written in the source');
      assert.deepStrictEqual(related(f), [['app/__init__.py', 'Config is loaded by app.config.from_object (the default of config_class) in app/__init__.py:7']]);
      assert.strictEqual(applyFix(config, f), config.replace("os.environ.get('SECRET_KEY') or 'you-will-never-guess'", 'os.environ.get("SECRET_KEY")'));
    });

    const flasky = `import os


class Config:
    SECRET_KEY = os.getenv("SECRET_KEY", "hard to guess string")
    DEBUG = True


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True


class ProductionConfig(Config):
    DEBUG = False


config = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}
`;
    const dynamic = 'from flask import Flask\nfrom config import config\n\n\ndef create_app(name):\n    app = Flask(__name__)\n    app.config.from_object(config[name])\n    return app\n';

    it('a base value production inherits is reported at the base, saying which production class inherits it', () => {
      const f = one(lintFiles({ 'config.py': flasky, 'app/__init__.py': dynamic }, 'CW303'), 'config.py', flasky, '"hard to guess string"');
      assert.deepStrictEqual(related(f), [
        ['config.py', 'ProductionConfig (production) inherits SECRET_KEY from Config without overriding it'],
        ['config.py', 'ProductionConfig: its name marks it as the production configuration'],
      ]);
      assert.deepStrictEqual(f.related![0].range, rangeOf(flasky, 'ProductionConfig', 0));
      assert.strictEqual(applyFix(flasky, f), flasky.replace('os.getenv("SECRET_KEY", "hard to guess string")', 'os.environ.get("SECRET_KEY")'));
    });

    it('a copy of the config module that no load reaches is silent, while the one the app loads from is read (apryor6/flask_api_example third_party/)', () => {
      const prod = 'import os\n\n\nclass ProductionConfig:\n    SECRET_KEY = os.getenv("PROD_SECRET_KEY", "I\'m Ron Burgundy?")\n\n\nconfig_by_name = {"prod": ProductionConfig}\n';
      const init = 'from flask import Flask\n\n\ndef create_app(env=None):\n    from app.config import config_by_name\n\n    app = Flask(__name__)\n    app.config.from_object(config_by_name[env or "test"])\n    return app\n';
      const found = lintFiles({ 'app/config.py': prod, 'app/third_party/app/config.py': prod, 'app/__init__.py': init }, 'CW303');
      assert.deepStrictEqual(found.map((f) => [f.file, f.range]), [['app/config.py', rangeOf(prod, '"I\'m Ron Burgundy?"')]]);
    });

    it("the base's DEBUG = True that ProductionConfig overrides, and DevelopmentConfig's, are silent", () => {
      assert.deepStrictEqual(lintFiles({ 'config.py': flasky, 'app/__init__.py': dynamic }, 'CW302'), []);
    });

    it('without the override the base DEBUG is reported; a DevelopmentConfig loaded by name is still never production', () => {
      const noOverride = flasky.replace('class ProductionConfig(Config):\n    DEBUG = False\n', 'class ProductionConfig(Config):\n    PREFERRED_URL_SCHEME = "https"\n');
      one(lintFiles({ 'config.py': noOverride, 'app/__init__.py': dynamic }, 'CW302'), 'config.py', noOverride, 'True', 0);
      const dev = 'class DevelopmentConfig:\n    DEBUG = True\n    SECRET_KEY = "dev"\n';
      const files = { 'config.py': dev, 'app.py': "from flask import Flask\napp = Flask(__name__)\napp.config.from_object('config.DevelopmentConfig')\n" };
      assert.deepStrictEqual(lintFiles(files, 'CW302'), []);
      assert.deepStrictEqual(lintFiles(files, 'CW303'), []);
    });

    it('a fixed from_object("project.config.Config") makes the class production (flask-on-docker); getenv / bool() fallbacks are read as in Django settings', () => {
      const config = 'import os\n\n\nclass Config(object):\n    DEBUG = bool(os.environ.get("DEBUG", 0))\n    SECRET_KEY = os.getenv("SECRET_KEY", "dev")\n';
      const init = 'from flask import Flask\n\napp = Flask(__name__)\napp.config.from_object("project.config.Config")\n';
      const files = { 'services/web/project/config.py': config, 'services/web/project/__init__.py': init };
      const d = one(lintFiles(files, 'CW302'), 'services/web/project/config.py', config, 'bool');
      assert.strictEqual(d.message, 'Config.DEBUG is on unless the environment turns it off');
      assert.match(d.hint!, /bool\(\) of a string is True for any value: DEBUG=0 or =False turns debug on/);
      assert.deepStrictEqual(related(d), [['services/web/project/__init__.py', 'Config is loaded by app.config.from_object in __init__.py:4']]);
      one(lintFiles(files, 'CW303'), 'services/web/project/config.py', config, '"dev"');
    });

    it('a class chosen by an environment variable a production deploy file sets is production, whatever its name (flask-vue-kubernetes APP_SETTINGS)', () => {
      const config = 'class BaseConfig:\n    DEBUG = False\n\n\nclass DevelopmentConfig(BaseConfig):\n    DEBUG = True\n\n\nclass ProductionConfig(BaseConfig):\n    SECRET_KEY = "change-me"\n';
      const init = "import os\nfrom flask import Flask\n\n\ndef create_app():\n    app = Flask(__name__)\n    app_settings = os.getenv('APP_SETTINGS')\n    app.config.from_object(app_settings)\n    return app\n";
      const k8s = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: flask\nspec:\n  template:\n    spec:\n      containers:\n        - name: flask\n          image: flask:1.0\n          env:\n            - name: APP_SETTINGS\n              value: project.config.DevelopmentConfig\n';
      const files = { 'services/server/project/config.py': config, 'services/server/project/__init__.py': init, 'kubernetes/flask-deployment.yml': k8s };
      const d = one(lintFiles(files, 'CW302'), 'services/server/project/config.py', config, 'True');
      assert.deepStrictEqual(related(d), [['kubernetes/flask-deployment.yml', 'DevelopmentConfig is loaded by app.config.from_object (APP_SETTINGS=project.config.DevelopmentConfig) in kubernetes/flask-deployment.yml:13']]);
      // ProductionConfig's literal key is not what this deployment runs; named for production, it is still read.
      one(lintFiles(files, 'CW303'), 'services/server/project/config.py', config, '"change-me"');
      // Set only in a development compose file: the development class stays silent.
      const compose = 'services:\n  web:\n    build: .\n    environment:\n      - APP_SETTINGS=project.config.DevelopmentConfig\n';
      assert.deepStrictEqual(lintFiles({ ...files, 'kubernetes/flask-deployment.yml': undefined, 'docker-compose.dev.yml': compose }, 'CW302'), []);
      // os.environ["APP_SETTINGS"] directly in the call, set by a Dockerfile's ENV.
      const direct = init.replace("    app_settings = os.getenv('APP_SETTINGS')\n    app.config.from_object(app_settings)\n", "    app.config.from_object(os.environ['APP_SETTINGS'])\n");
      const docker = 'FROM python:3.12-slim\nENV APP_SETTINGS=project.config.DevelopmentConfig\nCMD ["gunicorn", "project:create_app()"]\n';
      one(lintFiles({ 'project/config.py': config, 'project/__init__.py': direct, 'Dockerfile': docker }, 'CW302'), 'project/config.py', config, 'True');
    });

    it('flaskbb: a default class loaded before a configuration chosen at run time says that one may override it', () => {
      const config = 'class DefaultConfig(object):\n    DEBUG = False\n    SECRET_KEY = "secret key"\n    WTF_CSRF_SECRET_KEY = "reallyhardtoguess"\n';
      const app = 'from flask import Flask\n\n\ndef configure_app(app, config):\n    app.config.from_object("flaskbb.configs.default.DefaultConfig")\n    app.config.from_pyfile(config)\n';
      const found = lintFiles({ 'flaskbb/configs/default.py': config, 'flaskbb/app.py': app }, 'CW303');
      assert.deepStrictEqual(found.map((f) => f.message), ['DefaultConfig.SECRET_KEY is written in the source', 'DefaultConfig.WTF_CSRF_SECRET_KEY is written in the source']);
      assert.deepStrictEqual(found[0].range, rangeOf(config, '"secret key"'));
      assert.deepStrictEqual(related(found[0]), [
        ['flaskbb/app.py', 'DefaultConfig is loaded by app.config.from_object in app.py:5'],
        ['flaskbb/app.py', 'app.config.from_pyfile in app.py:6 loads a configuration chosen at run time afterwards; values it sets override these'],
      ]);
    });

    it('a class passed to the factory that loads it is loaded (same module or another app module); a development class passed is not production', () => {
      const app = 'from flask import Flask\n\n\ndef create_flask_app(config):\n    app = Flask(__name__)\n    app.config.from_object(config)\n    app.config.from_envvar("PROJECT_SETTING", silent=True)\n    return app\n\n\nclass DefaultConfig(object):\n    SECRET_KEY = "alex"\n\n\nclass DevelopmentConfig(DefaultConfig):\n    DEBUG = True\n\n\napp = create_flask_app(DefaultConfig)\n';
      const f = one(lintFiles({ 'toutiao/main.py': app }, 'CW303'), 'toutiao/main.py', app, '"alex"');
      assert.deepStrictEqual(related(f), [
        ['toutiao/main.py', 'DefaultConfig is loaded by app.config.from_object through create_flask_app(...) in main.py:19'],
        ['toutiao/main.py', 'app.config.from_envvar in main.py:7 loads a configuration chosen at run time afterwards; values it sets override these'],
      ]);
      assert.deepStrictEqual(f.related![0].range, rangeOf(app, 'DefaultConfig', 2));
      const dev = app.replace('create_flask_app(DefaultConfig)', 'create_flask_app(DevelopmentConfig)');
      assert.deepStrictEqual(lintFiles({ 'toutiao/main.py': dev }, 'CW302'), []);
      assert.deepStrictEqual(lintFiles({ 'toutiao/main.py': dev }, 'CW303'), []);
    });

    it('a production class that overrides the base key silences it (frol/flask-restplus-server-example); an unloaded lone Config is silent', () => {
      const config = 'import os\n\n\nclass BaseConfig(object):\n    SECRET_KEY = "this-really-needs-to-be-changed"\n\n\nclass ProductionConfig(BaseConfig):\n    SECRET_KEY = os.getenv("EXAMPLE_SECRET_KEY")\n\n\nclass DevelopmentConfig(BaseConfig):\n    DEBUG = True\n';
      assert.deepStrictEqual(lintFiles({ 'config.py': config }, 'CW303'), []);
      assert.deepStrictEqual(lintFiles({ 'config.py': 'class Config:\n    DEBUG = True\n' }, 'CW302'), []);
    });

    it('a production property overrides the base value too; a bytes key is a literal secret (Flask quickstart)', () => {
      const config = 'class Config:\n    SECRET_KEY = "dev"\n\n\nclass ProductionConfig(Config):\n    @property\n    def SECRET_KEY(self):\n        return read_secret("flask")\n';
      assert.deepStrictEqual(lintFiles({ 'config.py': config }, 'CW303'), []);
      const bytesKey = 'class ProductionConfig:\n    SECRET_KEY = b\'_5#y2L"F4Q8z\\n\\xec]/\'\n';
      one(lintFiles({ 'config.py': bytesKey }, 'CW303'), 'config.py', bytesKey, 'b\'_5#y2L"F4Q8z\\n\\xec]/\'');
      const app = "from flask import Flask\napp = Flask(__name__)\napp.secret_key = b'_5#y2L'\n";
      one(lintRule('app.py', app, 'CW303'), 'app.py', app, "b'_5#y2L'");
    });

    it('a production class in another module inherits from the base it imports', () => {
      const base = 'class BaseConfig:\n    SECRET_KEY = "shared"\n';
      const prod = 'from .base import BaseConfig\n\n\nclass ProductionConfig(BaseConfig):\n    DEBUG = False\n';
      const f = one(lintFiles({ 'app/config/base.py': base, 'app/config/production.py': prod }, 'CW303'), 'app/config/base.py', base, '"shared"');
      assert.deepStrictEqual(related(f)[0], ['app/config/production.py', 'ProductionConfig (production) inherits SECRET_KEY from BaseConfig without overriding it']);
    });

    it('tests/ folders stay silent, and a test that loads a class does not make it production', () => {
      const prod = 'class ProductionConfig:\n    DEBUG = True\n    SECRET_KEY = "x"\n';
      const app = 'from flask import Flask\napp = Flask(__name__)\n';
      assert.deepStrictEqual(lintFiles({ 'tests/config.py': prod, 'app.py': app }, 'CW302'), []);
      assert.deepStrictEqual(lintFiles({ 'tests/config.py': prod, 'app.py': app }, 'CW303'), []);
      // The same file outside tests/ is reported: the folder is what silences it.
      assert.strictEqual(lintFiles({ 'config.py': prod, 'app.py': app }, 'CW302').length, 1);
      const cfg = 'class Config:\n    SECRET_KEY = "x"\n';
      const conftest = 'from flask import Flask\napp = Flask(__name__)\napp.config.from_object("config.Config")\n';
      assert.deepStrictEqual(lintFiles({ 'config.py': cfg, 'tests/conftest.py': conftest }, 'CW303'), []);
    });

    it('a file linted alone: classes named for production and the bases they inherit from, by name', () => {
      const text = 'class Config:\n    SECRET_KEY = "base"\n\n\nclass ProdConfig(Config):\n    DEBUG = True\n';
      const debug = lintRule('config.py', text, 'CW302');
      assert.deepStrictEqual(debug.map((f) => f.range), [rangeOf(text, 'True')]);
      assert.deepStrictEqual(lintRule('config.py', text, 'CW303').map((f) => [f.message, f.range]), [['Config.SECRET_KEY is written in the source', rangeOf(text, '"base"')]]);
    });
  });
});
