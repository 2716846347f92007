// A Django 5.2 project made by `django-admin startproject`, then made ready for production the way a user
// would (secrets and the database path from the environment, STATIC_ROOT, a static file, requirements.txt),
// committed with git. Django comes from this machine's local package index (`pip config list`).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const LOCAL_INDEX = '/opt/pypi';

/** True when the local package index has what the project needs (Django, gunicorn). */
export function localIndexReady(): boolean {
  return fs.existsSync(path.join(LOCAL_INDEX, 'simple', 'django')) && fs.existsSync(path.join(LOCAL_INDEX, 'simple', 'gunicorn'));
}

export function git(project: string, ...a: string[]): string {
  return execFileSync('git', ['-c', 'user.email=e2e@cloudward.test', '-c', 'user.name=e2e', ...a], { cwd: project, encoding: 'utf8' });
}

/** Makes `<dir>/mysite` (venv in `<dir>/venv`) answering for `host`; returns the project folder. */
export function makeDjangoProject(dir: string, host: string): string {
  const venv = path.join(dir, 'venv');
  execFileSync('/usr/bin/python3', ['-m', 'venv', venv]);
  execFileSync(path.join(venv, 'bin', 'pip'), ['install', '-q', '--index-url', `file://${LOCAL_INDEX}/simple`, 'django==5.2.*', 'gunicorn'], { stdio: 'inherit', timeout: 600_000 });
  const project = path.join(dir, 'mysite');
  fs.mkdirSync(project);
  execFileSync(path.join(venv, 'bin', 'django-admin'), ['startproject', 'mysite', '.'], { cwd: project });
  const settings = path.join(project, 'mysite', 'settings.py');
  const s = fs.readFileSync(settings, 'utf8')
    .replace('from pathlib import Path', 'import os\nfrom pathlib import Path')
    .replace(/SECRET_KEY = .*/, "SECRET_KEY = os.environ['SECRET_KEY']")
    .replace('DEBUG = True', 'DEBUG = False')
    .replace('ALLOWED_HOSTS = []', `ALLOWED_HOSTS = ['${host}']`)
    .replace("'NAME': BASE_DIR / 'db.sqlite3',", "'NAME': os.environ.get('SQLITE_PATH', BASE_DIR / 'db.sqlite3'),")
    .replace("STATIC_URL = 'static/'", "STATIC_URL = 'static/'\nSTATICFILES_DIRS = [BASE_DIR / 'static']\nSTATIC_ROOT = BASE_DIR / 'staticfiles'\nSECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')");
  fs.writeFileSync(settings, s);
  const freeze = execFileSync(path.join(venv, 'bin', 'pip'), ['freeze'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(project, 'requirements.txt'), freeze.split('\n').filter((l) => /^(django|gunicorn|asgiref|sqlparse|packaging)==/i.test(l)).join('\n') + '\n');
  fs.mkdirSync(path.join(project, 'static'));
  fs.writeFileSync(path.join(project, 'static', 'site.css'), 'body { color: teal }\n');
  git(project, 'init', '-q', '.');
  git(project, 'add', '-A');
  git(project, 'commit', '-qm', 'startproject');
  return project;
}
