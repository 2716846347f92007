import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { UV_IMAGE } from '../imageTags';
import path = require('path');
import { CONTAINER_APP_DIR, CONTAINER_UID, SQLITE_DATA_DIR, commentText, gunicornArgs, header, inContainer, managePy, publicEnv, shWord, sqliteInContainer } from './common';

const json = (args: string[]) => JSON.stringify(args).replace(/","/g, '", "');

/** Builder-stage lines that install the project's dependencies into /opt/venv, per package manager. */
function installSteps(plan: DeployPlan): string[] {
  const extra = plan.extraPackages.length ? plan.extraPackages.join(' ') : '';
  const pipCache = '--mount=type=cache,target=/root/.cache/pip';
  switch (plan.packageManager) {
    case 'uv': {
      const locked = plan.lockFile ? ' --locked' : '';
      const lockMount = plan.lockFile ? ` \\\n    --mount=type=bind,source=${plan.lockFile},target=${plan.lockFile}` : '';
      return [
        `COPY --from=${UV_IMAGE} /uv /bin/uv`,
        'ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never',
        `RUN --mount=type=cache,target=/root/.cache/uv${lockMount} \\`,
        '    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\',
        `    uv sync${locked} --no-dev --no-install-project`,
        ...(extra ? [`RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python ${extra}`] : []),
      ];
    }
    case 'poetry':
      return [
        `RUN ${pipCache} /usr/local/bin/pip install "poetry>=2,<3"`,
        `COPY pyproject.toml ${plan.lockFile ?? ''} ./`.replace(/\s+\.\/$/, ' ./'),
        '# poetry installs into the active virtualenv /opt/venv; --no-root: the code is copied later.',
        'ENV VIRTUAL_ENV=/opt/venv POETRY_NO_INTERACTION=1',
        'RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-root',
        ...(extra ? [`RUN ${pipCache} pip install ${extra}`] : []),
      ];
    case 'pdm':
      return [
        `RUN ${pipCache} /usr/local/bin/pip install "pdm>=2,<3"`,
        `COPY pyproject.toml ${plan.lockFile ?? ''} ./`.replace(/\s+\.\/$/, ' ./'),
        ...(plan.lockFile ? [] : ['RUN pdm lock']),
        'RUN pdm export --prod -o /tmp/requirements.txt',
        `RUN ${pipCache} pip install -r /tmp/requirements.txt${extra ? ' ' + extra : ''}`,
      ];
    case 'pipenv':
      return [
        `RUN ${pipCache} /usr/local/bin/pip install pipenv`,
        `COPY Pipfile ${plan.lockFile ?? ''} ./`.replace(/\s+\.\/$/, ' ./'),
        ...(plan.lockFile ? [] : ['RUN pipenv lock']),
        'RUN pipenv requirements > /tmp/requirements.txt',
        `RUN ${pipCache} pip install -r /tmp/requirements.txt${extra ? ' ' + extra : ''}`,
      ];
    case 'pip':
    default: {
      if (plan.requirementsFile) {
        const req = plan.requirementsFile;
        // A requirements file in a folder may include its siblings (-r base.txt): copy the folder.
        const copy = req.includes('/') ? `COPY ${req.slice(0, req.lastIndexOf('/'))}/ ${req.slice(0, req.lastIndexOf('/'))}/` : `COPY ${req} ./`;
        return [copy, `RUN ${pipCache} pip install -r ${shWord(req)}${extra ? ' ' + extra : ''}`];
      }
      if (!plan.dependenciesDeclared) {
        // Installing nothing (or guessing) would build an image that cannot start: stop here, loudly.
        const msg = 'No requirements.txt, pyproject.toml or Pipfile: declare the dependencies, then run cloudward generate dockerfile again.';
        return [
          '# TODO: this project declares no dependencies, so this image cannot know what to install.',
          '# Create requirements.txt (e.g. `python -m pip freeze > requirements.txt`), then generate this file again.',
          `RUN echo ${JSON.stringify(msg)} >&2 && exit 1`,
        ];
      }
      return ['COPY . .', `RUN ${pipCache} pip install .${extra ? ' ' + extra : ''}`];
    }
  }
}

/** `RUN export A=x B=y \` (one variable a line when there are many): the values live only in this RUN. */
function exportLines(env: Array<{ name: string; value: string }>): string[] {
  const words = env.map((e) => `${e.name}=${shWord(e.value)}`);
  if (words.length <= 3) return [`RUN export ${words.join(' ')} \\`];
  return [`RUN export ${words[0]} \\`, ...words.slice(1).map((w) => `        ${w} \\`)];
}

/** An apt-get install of `packages` (none: no lines), without recommended packages, its lists removed in the same layer. */
function aptInstall(packages: string[], why: string): string[] {
  if (!packages.length) return [];
  return [
    `# ${why}`,
    'RUN apt-get update \\',
    `    && apt-get install -y --no-install-recommends ${packages.map(shWord).join(' ')} \\`,
    '    && rm -rf /var/lib/apt/lists/*',
  ];
}

/**
 * The server's start command in a container, for `sh -c`: it binds `$PORT` (platforms set it; the image's ENV gives
 * the default) and takes the worker count from WEB_CONCURRENCY.
 */
export function containerStart(plan: DeployPlan): string {
  if (plan.server === 'uwsgi') {
    return `uwsgi --http-socket 0.0.0.0:\${PORT:-${plan.port}} --master --processes \${WEB_CONCURRENCY:-${plan.workers}} --die-on-term --module ${shellQuote(plan.appTarget)}`;
  }
  return ['gunicorn', ...gunicornArgs(plan, `0.0.0.0:\${PORT:-${plan.port}}`)].map((w) => (w.includes('${') ? w : shellQuote(w))).join(' ');
}

/** A word for `sh -c`, single-quoted unless it is plainly safe. */
function shellQuote(word: string): string {
  return /^[\w.:/=,@+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** Multi-stage `Dockerfile` (+ `.dockerignore`): dependencies in a builder, a slim non-root runtime. */
export function renderDockerfile(plan: DeployPlan): GeneratedFile[] {
  const base = `python:${plan.pythonVersion}-slim`;
  // gunicorn reads WEB_CONCURRENCY itself; the platform's value (Heroku, Render) or the Kubernetes ConfigMap wins over this default.
  const env = { ...publicEnv(plan), PORT: String(plan.port), WEB_CONCURRENCY: String(plan.workers), FORWARDED_ALLOW_IPS: '*' };
  const cmd = ['sh', '-c', `exec ${containerStart(plan)}`];
  const lines = [
    '# syntax=docker/dockerfile:1',
    header(
      `Dockerfile of ${plan.name}: a builder stage installs the dependencies, a slim stage runs them as a non-root user.`,
      'dockerfile',
      'the Python version, system packages your dependencies need; secrets come from the runtime environment, never from here.',
    ).trimEnd(),
    '',
    ...(plan.pythonVersionGuessed ? [`# Python ${plan.pythonVersion} is a guess (no file of the project names its version): check it.`] : []),
    `FROM ${base} AS builder`,
    'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1',
    `WORKDIR ${CONTAINER_APP_DIR}`,
    'RUN python -m venv /opt/venv',
    'ENV PATH="/opt/venv/bin:$PATH"',
    ...aptInstall(plan.systemPackages?.build ?? [], `System packages the dependencies build with, as the project's own image installs them (${commentText(plan.systemPackages?.sources.build.join(', ') ?? '')}).`),
    ...installSteps(plan),
    '',
    `FROM ${base} AS runtime`,
    'ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH="/opt/venv/bin:$PATH"',
    ...Object.entries(env).map(([k, v]) => `ENV ${k}=${/^[\w.:/*-]+$/.test(v) && v !== '*' ? v : JSON.stringify(v)}`),
    ...aptInstall(plan.systemPackages?.runtime ?? [], `System packages the app runs with, as the project's own image installs them (${commentText(plan.systemPackages?.sources.runtime.join(', ') ?? '')}).`),
    ...(plan.systemPackages?.foreign.length ? [
      `# TODO: the project's image on ${commentText(plan.systemPackages.foreignImages.join(', '))} (${commentText(plan.systemPackages.foreignSources.join(', '))}) installs`,
      `# ${plan.systemPackages.foreign.join(' ')}; this image is Debian, where names may differ: add the Debian names of the ones the app needs here.`,
    ] : []),
    `# The app's user: numeric, so that Kubernetes can check runAsNonRoot.`,
    `RUN groupadd --system --gid ${CONTAINER_UID} app && useradd --system --uid ${CONTAINER_UID} --gid app --no-create-home app`,
    `WORKDIR ${CONTAINER_APP_DIR}`,
    'COPY --from=builder /opt/venv /opt/venv',
    '# The code stays owned by root: the app can read it, not change it.',
    'COPY . .',
  ];
  const writable: string[] = [];
  if (plan.collectstatic) {
    writable.push(inContainer(plan, plan.staticRoot));
    const manage = `python ${shWord(managePy(plan))}`;
    if (plan.staticRootUnread) {
      lines.push(`# TODO: STATIC_ROOT in ${commentText(plan.staticRootUnread.file)}:${plan.staticRootUnread.line} could not be read: ${inContainer(plan, plan.staticRoot)} is a guess. Check it.`);
    }
    lines.push(
      '# Static files are collected into the image. Every variable the production settings require gets a throwaway',
      '# value (DEBUG\'s is off): collectstatic needs none of the real ones, and none end up in a layer.',
      ...(plan.compressOffline ? [`# django-compressor's offline compression (COMPRESS_OFFLINE, ${commentText(plan.compressOffline.file)}:${plan.compressOffline.line}) after collectstatic.`] : []),
      ...exportLines(plan.buildEnv),
      `    && ${manage} collectstatic --noinput${plan.compressOffline ? ' \\' : ''}`,
      ...(plan.compressOffline ? [`    && ${manage} compress`] : []),
    );
  }
  if (plan.staticRootMissing) {
    lines.push(
      '# TODO: no collectstatic: STATIC_ROOT is not set in the settings (it would fail with ImproperlyConfigured).',
      '# Set STATIC_ROOT (lint rule CW205 offers the fix), then generate this file again.',
    );
  }
  if (plan.serveMedia) writable.push(inContainer(plan, plan.mediaRoot));
  const sqlite = sqliteInContainer(plan);
  if (sqlite) {
    writable.push(SQLITE_DATA_DIR);
    lines.push(
      `# SQLite: the database file lives in ${SQLITE_DATA_DIR} (a volume in compose, a PersistentVolumeClaim in Kubernetes),`,
      '# writable by the app user, while the code stays read-only; the settings\' path points there through a link.',
      '# SQLite suits one container: for more, use PostgreSQL.',
      `RUN mkdir -p ${shWord(path.posix.dirname(sqlite))} && ln -sfn ${shWord(`${SQLITE_DATA_DIR}/${path.posix.basename(sqlite)}`)} ${shWord(sqlite)}`,
    );
  }
  if (writable.length) {
    // Uploads, and compose's collectstatic refreshing the shared static volume, write as the app user.
    const words = writable.map(shWord).join(' ');
    lines.push(`RUN mkdir -p ${words} && chown -R ${CONTAINER_UID}:${CONTAINER_UID} ${words}`);
  }
  lines.push(
    `USER ${CONTAINER_UID}:${CONTAINER_UID}`,
    `EXPOSE ${plan.port}`,
    '# Healthy when the server answers HTTP at all (any status below 500, whatever ALLOWED_HOSTS says).',
    `HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \\`,
    `    CMD ${json(['python', '-c', `import http.client, os, sys; c = http.client.HTTPConnection('127.0.0.1', int(os.environ.get('PORT', '${plan.port}')), timeout=4); c.request('GET', '${plan.healthPath}'); sys.exit(c.getresponse().status >= 500)`])}`,
    '# Platforms tell the app its port in $PORT (Cloud Run sets 8080, Heroku and Render their own); without it, the',
    `# default above (${plan.port}). sh -c only reads $PORT: exec makes the server PID 1, so it gets the stop signal.`,
    `CMD ${json(cmd)}`,
    '',
  );
  return [
    { kind: 'dockerfile', path: 'Dockerfile', content: lines.join('\n') },
    { kind: 'dockerfile', path: '.dockerignore', content: renderDockerignore(plan) },
  ];
}

function renderDockerignore(plan: DeployPlan): string {
  return [
    header(`.dockerignore of ${plan.name}: what never goes into the image (secrets, history, local state).`, 'dockerfile', 'add build outputs of your own.').trimEnd(),
    '.git',
    '.gitignore',
    '.env',
    '.env.*',
    '!.env.example',
    '.venv',
    'venv',
    'env',
    '**/__pycache__',
    '**/*.py[cod]',
    '*.sqlite3',
    '*.sqlite3-journal',
    'db.sqlite3',
    'node_modules',
    'staticfiles',
    'media',
    '.pytest_cache',
    '.mypy_cache',
    '.ruff_cache',
    '.coverage',
    'htmlcov',
    '.vscode',
    '.idea',
    '*.log',
    'Dockerfile',
    'compose.yaml',
    'k8s',
    '',
  ].join('\n');
}
