import { basename, dirname } from '../classify';
import { envValue } from '../env';
import { findOptions, invocations, START_KINDS } from '../startCommands';
import type { Invocation, StartCommand } from '../startCommands';
import type { LintFile } from '../file';
import { registerRule } from '../rule';
import type { AppTarget, RuleContext, RuleFinding } from '../rule';
import { pythonModuleOf } from '../parse/python';
import type { PyCallSite } from '../parse/python';
import type { Fix } from '../types';
import { fix, gunicornArgv, gunicornFix, productionBind, replaceEdit, replaceInvocation, wordRange } from './util';

/**
 * The app a script serves with the framework's development server: the first `app.run(...)`, or
 * `<name>.run(debug=/host=/port=...)`, in the parsed module; and whether the module makes a FastAPI app.
 */
function devServerRun(script: LintFile): { variable: string; asgi: boolean } | undefined {
  const mod = script.parse(pythonModuleOf);
  let first: PyCallSite | undefined;
  for (const c of mod.calls) {
    const parts = c.callee.split('.');
    if (parts.length !== 2 || parts[1] !== 'run') continue;
    const arg = c.call.args[0]?.name;
    if (parts[0] !== 'app' && arg !== 'debug' && arg !== 'host' && arg !== 'port') continue;
    const at = c.call.range.start;
    if (!first || at.line < first.call.range.start.line || (at.line === first.call.range.start.line && at.character < first.call.range.start.character)) first = c;
  }
  if (!first) return undefined;
  return { variable: first.callee.split('.')[0], asgi: mod.calls.some((c) => c.callee === 'FastAPI' || c.callee.endsWith('.FastAPI')) };
}

/**
 * `flask --app hello run` → `hello:app`; FLASK_APP=hello.web:create_app() → as given: on the command
 * itself, else as the file sets it (Dockerfile ENV, compose or Kubernetes env, systemd Environment=, a
 * script's export).
 */
function flaskTarget(file: LintFile, inv: Invocation): string {
  const env = inv.command.words.find((w) => w.value.startsWith('FLASK_APP='))?.value.slice(10) ?? envValue(file, 'FLASK_APP')?.trim();
  const app = inv.app ?? env ?? 'app';
  const mod = app.replace(/\.py$/, '').replace(/\//g, '.');
  return mod.includes(':') ? mod : `${mod}:app`;
}

function scriptFile(file: LintFile, ctx: RuleContext, script: string): LintFile | undefined {
  const dir = dirname(file.path);
  return ctx.workspace.get(script.startsWith('/') ? script : `${dir}/${script}`) ?? [...ctx.workspace.files('python-app')].find((f) => f.path.endsWith('/' + script.replace(/^\.\//, '')));
}

function check(file: LintFile, ctx: RuleContext): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const { start, inv } of invocations(file)) {
    const range = wordRange(file, { start: inv.toolStart, end: inv.toolEnd });
    if (inv.tool === 'runserver_plus') {
      out.push({ message: 'runserver_plus is a development server: run gunicorn in production', hint: "django-extensions' runserver_plus runs Werkzeug's debugger: never expose it. Serve the app with gunicorn.", range, fix: gunicornFix(file, ctx, start, inv) });
    } else if (inv.tool === 'flask-run') {
      out.push({ message: "'flask run' is a development server: run gunicorn in production", hint: "Flask's own server is for development only (its docs say so): serve the app with gunicorn.", range, fix: flaskFix(file, start, inv) });
    } else if (inv.tool === 'fastapi-dev') {
      const dev = inv.command.words.find((w) => w.value === 'dev' && w.end === inv.toolEnd)!;
      out.push({
        message: "'fastapi dev' runs with auto-reload: use 'fastapi run' in production",
        hint: "'fastapi dev' reloads on file changes and listens on 127.0.0.1 only; 'fastapi run' is its production mode.",
        range,
        fix: fix("Use 'fastapi run'", file, [replaceEdit(file, dev.start, dev.end, 'run')]),
      });
    } else if (inv.tool === 'python-script' && inv.script && ctx.workspace.complete) {
      const target = scriptFile(file, ctx, inv.script.value);
      const served = target ? devServerRun(target) : undefined;
      if (!target || !served) continue;
      const { variable, asgi } = served;
      const mod = basename(inv.script.value).replace(/\.py$/, '');
      out.push({
        message: `${basename(inv.script.value)} starts the framework's development server`,
        hint: 'app.run() serves with the built-in development server. Run the app object with gunicorn instead.',
        range,
        fix: scriptFix(file, start, inv, { target: `${mod}:${variable}`, interface: asgi ? 'asgi' : 'wsgi' }),
      });
    }
  }
  return out;
}

function flaskFix(file: LintFile, start: StartCommand, inv: Invocation): Fix {
  const host = findOptions(inv.args, ['--host', '-h'])[0]?.value;
  const port = findOptions(inv.args, ['--port', '-p'])[0]?.value;
  const bind = productionBind(start, port ? `${host ?? '0.0.0.0'}:${port}` : host);
  const target = flaskTarget(file, inv);
  return fix(`Run gunicorn on ${target}`, file, replaceInvocation(file, start, inv, gunicornArgv('gunicorn', { target, interface: 'wsgi' }, bind)));
}

function scriptFix(file: LintFile, start: StartCommand, inv: Invocation, target: AppTarget): Fix {
  const bind = productionBind(start);
  const argv = target.interface === 'asgi' ? ['uvicorn', target.target, '--host', bind.split(':')[0], '--port', bind.split(':')[1], '--workers', '2'] : gunicornArgv('gunicorn', target, bind);
  return fix(`Run ${argv[0]} on ${target.target}`, file, replaceInvocation(file, start, inv, argv));
}

registerRule({
  id: 'CW102',
  severity: 'error',
  kinds: START_KINDS,
  silentInDevelopment: true,
  summary: 'A start command runs a development server (flask run, fastapi dev, runserver_plus, app.run())',
  check,
});
