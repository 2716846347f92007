import * as assert from 'assert';
import { classify, lintText } from '../../../src/core/lint';
import { applyFix, expectAt, lintRule, rangeOf } from './helpers';

const APP = 'app.py';

const productionFlask = `"""The polls API, served by gunicorn (gunicorn 'app:create_app()')."""
import os

from flask import Flask
from flask_cors import CORS


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]
    app.config.update(
        DEBUG=os.environ.get("FLASK_DEBUG") == "1",
        SESSION_COOKIE_SECURE=True,
    )
    CORS(app, origins=["https://polls.example.com"], supports_credentials=True)
    return app


app = create_app()

if __name__ == "__main__":
    app.run(debug=True, port=5000)
`;

const productionFastapi = `import os

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware

app = FastAPI(debug=os.environ.get("APP_DEBUG") == "1", title="Polls")
app.add_middleware(
    CORSMiddleware,
    allow_origins=os.environ.get("CORS_ALLOWED_ORIGINS", "").split(","),
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)
app.add_middleware(SessionMiddleware, secret_key=os.environ["SESSION_SECRET"])
# Public, read-only endpoints: any origin, no cookies.
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=False)


@app.get("/health")
def health():
    return {"ok": True}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000, reload=True)
`;

describe('CW3xx: Flask / FastAPI application code', () => {
  it('say nothing about production-grade Flask and FastAPI modules', () => {
    assert.deepStrictEqual(lintText(APP, productionFlask).filter((f) => /^CW3/.test(f.rule)), []);
    assert.deepStrictEqual(lintText('main.py', productionFastapi).filter((f) => /^CW3/.test(f.rule)), []);
  });

  describe('CW301 app.run(debug=True)', () => {
    const text = 'from flask import Flask\napp = Flask(__name__)\napp.run(host="0.0.0.0", debug=True)\n';

    it('points at debug=True outside the __main__ guard; the fix reads FLASK_DEBUG', () => {
      const f = expectAt(lintRule(APP, text, 'CW301'), text, 'debug=True');
      assert.strictEqual(f.severity, 'error');
      assert.strictEqual(
        applyFix(text, f),
        'from flask import Flask\nimport os\napp = Flask(__name__)\napp.run(host="0.0.0.0", debug=os.environ.get("FLASK_DEBUG", "") == "1")\n',
      );
    });

    it('is silent under the guard, in development files, and with # noqa: S201 / # nosec B201', () => {
      assert.deepStrictEqual(lintRule(APP, 'from flask import Flask\napp = Flask(__name__)\nif __name__ == "__main__":\n    app.run(debug=True)\n', 'CW301'), []);
      assert.strictEqual(classify('app.dev.py', text), 'python-app');
      assert.deepStrictEqual(lintRule('app.dev.py', text, 'CW301'), []);
      assert.deepStrictEqual(lintRule(APP, text.replace('debug=True)', 'debug=True)  # noqa: S201'), 'CW301'), []);
      assert.deepStrictEqual(lintRule(APP, text.replace('debug=True)', 'debug=True)  # nosec B201'), 'CW301'), []);
    });
  });

  describe('CW302 debug switched on in code', () => {
    it('flags app.debug = True, config["DEBUG"] = True, config.update(DEBUG=True) and FastAPI(debug=True)', () => {
      const text = [
        'from flask import Flask',
        'app = Flask(__name__)',
        'app.debug = True',
        'app.config["DEBUG"] = True',
        'app.config.update(DEBUG=True)',
        'app.config.update({"DEBUG": True})',
        '',
      ].join('\n');
      const findings = lintRule(APP, text, 'CW302');
      assert.deepStrictEqual(
        findings.map((f) => f.range),
        [rangeOf(text, 'True', 0), rangeOf(text, 'True', 1), rangeOf(text, 'DEBUG=True'), rangeOf(text, '"DEBUG": True')],
      );
      const fast = 'from fastapi import FastAPI\napp = FastAPI(debug=True)\n';
      expectAt(lintRule('main.py', fast, 'CW302'), fast, 'debug=True');
      assert.match(applyFix(text, findings[0]), /^app\.debug = os\.environ\.get\("FLASK_DEBUG", ""\) == "1"$/m);
    });

    it('is silent for debug read from the environment or set under the guard', () => {
      const text = 'from flask import Flask\napp = Flask(__name__)\napp.debug = os.environ.get("X") == "1"\nif __name__ == "__main__":\n    app.debug = True\n';
      assert.deepStrictEqual(lintRule(APP, text, 'CW302'), []);
    });
  });

  describe('CW303 literal secret key', () => {
    it('points at the string in app.secret_key, config["SECRET_KEY"] and SessionMiddleware', () => {
      const text = [
        'from flask import Flask',
        'app = Flask(__name__)',
        "app.secret_key = 'dev-key'",
        'app.config["SECRET_KEY"] = "s3cr3t"',
        'app.add_middleware(SessionMiddleware, secret_key="abc")',
        'app.secret_key = os.environ["FLASK_SECRET_KEY"]',
        '',
      ].join('\n');
      const findings = lintRule(APP, text, 'CW303');
      assert.deepStrictEqual(
        findings.map((f) => f.range),
        [rangeOf(text, "'dev-key'"), rangeOf(text, '"s3cr3t"'), rangeOf(text, '"abc"')],
      );
      assert.match(applyFix(text, findings[0]), /^app\.secret_key = os\.environ\["FLASK_SECRET_KEY"\]$/m);
    });

    it('sees config.from_mapping(SECRET_KEY="…") and from_mapping({...}); DEBUG=True there is CW302', () => {
      const text = [
        'from flask import Flask',
        'app = Flask(__name__)',
        'app.config.from_mapping(SECRET_KEY="dev", DEBUG=True)',
        'app.config.from_mapping({"SECRET_KEY": "k2", "DEBUG": True})',
        'app.config.from_mapping(SECRET_KEY=os.environ["FLASK_SECRET_KEY"], DEBUG=False)',
        '',
      ].join('\n');
      assert.deepStrictEqual(lintRule(APP, text, 'CW303').map((f) => f.range), [rangeOf(text, '"dev"'), rangeOf(text, '"k2"')]);
      assert.deepStrictEqual(lintRule(APP, text, 'CW302').map((f) => f.range), [rangeOf(text, 'DEBUG=True'), rangeOf(text, '"DEBUG": True')]);
    });
  });

  describe('CW304 wildcard CORS with credentials', () => {
    it('points at "*" in a FastAPI CORSMiddleware with allow_credentials=True', () => {
      const text = 'from fastapi import FastAPI\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)\n';
      const f = expectAt(lintRule('main.py', text, 'CW304'), text, '"*"');
      assert.strictEqual(f.severity, 'warning');
      assert.match(applyFix(text, f), /allow_origins=\[origin for origin in os\.environ\.get\("CORS_ALLOWED_ORIGINS", ""\)\.split\(","\) if origin\]/);
    });

    it('flags Flask-CORS with credentials and default origins, but not with listed origins', () => {
      const text = 'from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app, supports_credentials=True)\n';
      expectAt(lintRule(APP, text, 'CW304'), text, 'supports_credentials=True');
      const listed = text.replace('supports_credentials=True', 'resources={r"/api/*": {"origins": ["https://a.example"]}}, supports_credentials=True');
      assert.deepStrictEqual(lintRule(APP, listed, 'CW304'), []);
    });

    it('flags django-cors-headers CORS_ALLOW_ALL_ORIGINS with CORS_ALLOW_CREDENTIALS', () => {
      const text = 'INSTALLED_APPS = ["corsheaders"]\nCORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n';
      expectAt(lintRule('mysite/settings.py', text, 'CW304'), text, 'True');
    });
  });
});
