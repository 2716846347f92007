// A Django project deployed "for real" into a temp dir: a copy of the project as the app directory, a
// deploy plan whose paths (socket, static and media roots, virtualenv, env file) all point inside the temp
// dir, the generated files rendered from that plan, and a small settings module for the test.
import * as fs from 'fs';
import * as path from 'path';
import { buildPlan, detectProject, renderFiles } from '../../../src/core';
import type { Detection } from '../../../src/core/detect/types';
import type { GeneratedFile, GeneratorKindId } from '../../../src/core/generate/types';
import type { DeployPlan, PlanOverrides } from '../../../src/core/plan/types';
import { appEnv, copyTree, makeTempDir, removeDir, repoRoot, runTool, tools } from '../../support/realtools';

export const DOMAIN = 'app.cloudward.test';
export const UNKNOWN_HOST = 'unknown.cloudward.test';
const SETTINGS_MODULE = 'cloudward_e2e_settings';
export const ALL_KINDS: GeneratorKindId[] = ['procfile', 'gunicorn', 'uwsgi', 'nginx', 'systemd', 'dockerfile', 'compose', 'kubernetes'];

export interface DeployedProject {
  /** The temp dir holding everything below. */
  root: string;
  /** The project copy: the plan's appDir. */
  appDir: string;
  /** Where the generated files were written (= appDir: they live in the project, as in VS Code). */
  outDir: string;
  detection: Detection;
  plan: DeployPlan;
  files: GeneratedFile[];
  /** Environment of the app's processes: the test settings module, nothing of the test runner's. */
  env: NodeJS.ProcessEnv;
  /** The test's settings module (DEBUG off, ALLOWED_HOSTS, STATIC_ROOT/MEDIA_ROOT from the plan). */
  settingsModule: string;
  /** Absolute path of a generated file of the given kind whose name matches. */
  file(kind: GeneratorKindId, name?: RegExp): string;
}

export function examplePath(name: string): string {
  return path.join(repoRoot, 'examples', name);
}

/** `django-admin startproject <name>` into a fresh temp dir, with Debian's Django. */
export async function startproject(name: string): Promise<{ dir: string; cleanupRoot: string }> {
  const root = makeTempDir('startproject');
  // Not named like the project: Python would import the empty target folder as the package and refuse.
  const dir = path.join(root, 'project');
  fs.mkdirSync(dir);
  const r = await runTool(tools.python, ['-m', 'django', 'startproject', name, dir], { cwd: root, env: appEnv({}) });
  if (r.code !== 0) {
    removeDir(root);
    throw new Error(`django startproject failed\n${r.report}`);
  }
  return { dir, cleanupRoot: root };
}

/**
 * Copies `source` into a temp dir, detects it, builds a plan pointing at temp paths (plus `extra`
 * overrides), renders `kinds` into the copy, and writes the test settings module.
 */
export async function deployToTemp(source: string, kinds: GeneratorKindId[], extra: PlanOverrides = {}): Promise<DeployedProject> {
  const root = makeTempDir('deploy');
  try {
    return await deployInto(root, source, kinds, extra);
  } catch (e) {
    removeDir(root);
    throw e;
  }
}

async function deployInto(root: string, source: string, kinds: GeneratorKindId[], extra: PlanOverrides): Promise<DeployedProject> {
  const appDir = path.join(root, 'srv', 'app');
  copyTree(source, appDir);
  const detection = await detectProject(appDir);
  const projectDir = path.join(appDir, detection.projectRoot);
  const venv = path.join(root, 'venv');
  // A stand-in virtualenv: its gunicorn is Debian's, so ExecStart= names an existing executable.
  fs.mkdirSync(path.join(venv, 'bin'), { recursive: true });
  fs.symlinkSync(tools.gunicorn, path.join(venv, 'bin', 'gunicorn'));
  fs.symlinkSync(tools.python, path.join(venv, 'bin', 'python'));
  fs.mkdirSync(path.join(root, 'run'));
  const envFile = path.join(root, 'app.env');
  const overrides: PlanOverrides = {
    appDir: projectDir,
    venv,
    socket: path.join(root, 'run', 'app.sock'),
    staticRoot: path.join(root, 'public', 'static'),
    mediaRoot: path.join(root, 'public', 'media'),
    envFile,
    domain: DOMAIN,
    workers: 2,
    // The plan itself names the test settings, so whatever the files set (Environment=, raw_env) agrees.
    settingsModule: SETTINGS_MODULE,
    ...extra,
  };
  const plan = buildPlan(detection, overrides);
  const files = renderFiles(plan, kinds);
  for (const f of files) {
    const target = path.join(projectDir, ...f.path.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content);
  }

  const settingsModule = SETTINGS_MODULE;
  const baseSettings = detection.settingsModule;
  if (!baseSettings) throw new Error(`no Django settings module detected in ${source}: ${detection.notes.join('; ')}`);
  const py = (s: string) => JSON.stringify(s);
  fs.writeFileSync(
    path.join(projectDir, plan.pythonPath === '.' ? '' : plan.pythonPath, `${settingsModule}.py`),
    [
      '# The e2e test\'s production-like settings: the project\'s own, with DEBUG off and temp paths.',
      `from ${baseSettings} import *  # noqa: F401,F403`,
      'DEBUG = False',
      `ALLOWED_HOSTS = [${py(DOMAIN)}]`,
      `STATIC_ROOT = ${py(plan.staticRoot)}`,
      `MEDIA_ROOT = ${py(plan.mediaRoot)}`,
      `DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ${py(path.join(root, 'db.sqlite3'))}}}`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(envFile, `DJANGO_SETTINGS_MODULE=${settingsModule}\n`);
  const env = appEnv({ DJANGO_SETTINGS_MODULE: settingsModule });

  return {
    root,
    appDir: projectDir,
    outDir: projectDir,
    detection,
    plan,
    files,
    env,
    settingsModule,
    file(kind, name) {
      const f = files.find((g) => g.kind === kind && (!name || name.test(g.path)));
      if (!f) throw new Error(`no generated ${kind} file${name ? ` matching ${name}` : ''}: ${files.map((g) => g.path).join(', ')}`);
      return path.join(projectDir, ...f.path.split('/'));
    },
  };
}

/** The value of `Key=` lines in a unit file (all of them, in order). */
export function unitValues(unit: string, key: string): string[] {
  return unit
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1).trim());
}
