// What a plan cannot make right by itself and the user must hear about before deploying: said loudly
// by the CLI (stderr) and VS Code (a warning message), and noted in the generated files themselves.
import type { DeployPlan } from './types';

export interface PlanWarning {
  /** The plan field (or topic) concerned, e.g. `pythonVersion`, `dependencies`, `database`. */
  key: string;
  message: string;
  /** Requirement lines the project must declare (VS Code offers to append them to requirements.txt). */
  requirements?: string[];
}

const PLATFORM_KINDS = ['procfile', 'dockerfile', 'compose', 'kubernetes'];
const CONTAINER_KINDS = ['compose', 'kubernetes'];
/** Targets whose disk does not outlive a deploy or a restart, and that have no nginx in front. */
const EPHEMERAL_KINDS = ['procfile', 'dockerfile', 'flyio', 'render', 'appjson'];

/** The framework's own distribution name, for a requirements line. */
function frameworkRequirement(plan: DeployPlan): string | null {
  return plan.framework === 'django' ? 'Django' : plan.framework === 'flask' ? 'Flask' : plan.framework === 'fastapi' ? 'fastapi' : null;
}

/** Where a missing requirement goes, in the project's own dependency manager's words. */
export function howToDeclare(plan: DeployPlan, lines: string[]): string {
  const list = lines.join(' ');
  switch (plan.packageManager) {
    case 'uv': return `run \`uv add ${list}\``;
    case 'poetry': return `run \`poetry add ${list}\``;
    case 'pdm': return `run \`pdm add ${list}\``;
    case 'pipenv': return `run \`pipenv install ${list}\``;
    default:
      return plan.requirementsFile
        ? `add ${lines.length > 1 ? 'these lines' : 'this line'} to ${plan.requirementsFile}: ${lines.join(', ')}`
        : `add ${lines.length > 1 ? 'these lines' : 'this line'} to requirements.txt: ${lines.join(', ')}`;
  }
}

/** Warnings that apply to the files of `kinds` made from `plan`, most severe first. */
export function planWarnings(plan: DeployPlan, kinds: readonly string[]): PlanWarning[] {
  const uses = (...ks: string[]) => ks.some((k) => kinds.includes(k));
  const out: PlanWarning[] = [];
  if (!plan.dependenciesDeclared && uses(...PLATFORM_KINDS, 'systemd')) {
    const lines = [frameworkRequirement(plan), ...plan.extraPackages].filter((l): l is string => !!l);
    out.push({
      key: 'dependencies',
      message:
        'The project declares no dependencies (no requirements.txt, pyproject.toml or Pipfile), so no server can know what to install: ' +
        `create requirements.txt with pinned versions (e.g. \`python -m pip freeze > requirements.txt\`${lines.length ? `, or at least: ${lines.join(', ')}` : ''}), then generate again.` +
        (uses('dockerfile') ? ' Until then the Dockerfile stops at its install step with this message.' : ''),
      requirements: lines,
    });
  }
  if (plan.staticRootMissing && uses('procfile', 'dockerfile', 'compose', 'nginx', 'kubernetes')) {
    out.push({
      key: 'staticRoot',
      message:
        'STATIC_ROOT is not set in the Django settings, so `collectstatic` would fail with ImproperlyConfigured: it was left out of the Dockerfile, and a platform build running it would fail. ' +
        `Set STATIC_ROOT (the lint rule CW205 offers a quick fix in settings.py; on a server it must be ${plan.staticRoot}), then generate again.`,
    });
  }
  if (plan.staticRootUnread && uses('nginx', 'dockerfile', 'compose', 'kubernetes', 'systemd', 'flyio')) {
    const at = plan.staticRootUnread;
    out.push({
      key: 'staticRoot',
      message:
        `STATIC_ROOT in ${at.file}:${at.line} (\`${at.expression}\`) could not be read without running Python, so the files use ${plan.staticRoot}, a guess: ` +
        'if collectstatic fills another folder, nginx serves nothing and the admin has no CSS. Give the folder it names on the server with --set staticRoot=/path (the editor asks for it).',
    });
  }
  if (plan.compressOffline && uses('procfile')) {
    out.push({
      key: 'compressOffline',
      message:
        `COMPRESS_OFFLINE is on (${plan.compressOffline.file}:${plan.compressOffline.line}): a Heroku-style build runs collectstatic but not \`manage.py compress\`, so every page with {% compress %} fails. ` +
        'Run it in the build after collectstatic (a bin/post_compile script on Heroku\'s Python buildpack).',
    });
  }
  if (plan.systemPackages?.foreign.length && uses('dockerfile', 'compose', 'kubernetes', 'flyio')) {
    const sp = plan.systemPackages;
    out.push({
      key: 'systemPackages',
      message:
        `The project's image on ${sp.foreignImages.join(', ')} (${sp.foreignSources.join(', ')}) installs ${sp.foreign.join(' ')}; the generated image is Debian (python:${plan.pythonVersion}-slim), where names may differ, so they were left out: ` +
        'add the Debian names of the ones the app needs to the Dockerfile (its TODO says where).',
    });
  }
  if (plan.pythonVersionGuessed && uses('procfile', 'dockerfile')) {
    out.push({
      key: 'pythonVersion',
      message: `Python ${plan.pythonVersion} is a guess: no file names the project's Python version. Check it, or choose one with --set pythonVersion=3.x (it goes into .python-version and the image).`,
    });
  }
  if (plan.extraPackages.length && plan.dependenciesDeclared && uses('procfile')) {
    out.push({
      key: 'requirements',
      message:
        `The Procfile runs ${plan.extraPackages.join(' and ')}, which the project does not declare; Heroku-style platforms install only declared dependencies: ` +
        `${howToDeclare(plan, plan.extraPackages)}.`,
      requirements: [...plan.extraPackages],
    });
  }
  if (plan.database === 'sqlite' && uses(...EPHEMERAL_KINDS) && !uses(...CONTAINER_KINDS)) {
    out.push({
      key: 'database',
      message:
        'The project uses SQLite, and a platform\'s disk is thrown away at every deploy and restart (Heroku, Render, Cloud Run; Fly.io without a volume): ' +
        'the release phase would migrate a copy the web process never sees, and every write would be lost. Read the database from DATABASE_URL ' +
        '(lint rule CW607 offers the change with dj-database-url) and attach the platform\'s PostgreSQL.',
      requirements: ['dj-database-url', 'psycopg[binary]'],
    });
  }
  if (plan.collectstatic && !plan.whitenoise && uses(...EPHEMERAL_KINDS, 'kubernetes') && !uses('compose', 'nginx')) {
    out.push({
      key: 'whitenoise',
      message:
        'Nothing serves the static files on a platform without nginx: the admin would have no CSS. Add WhiteNoise ' +
        '(lint rule CW606 adds the middleware and the storage setting to the settings).',
      requirements: ['whitenoise'],
    });
  }
  if (plan.framework === 'django' && uses('procfile')) {
    // A Procfile cannot carry settings: the platform's config vars must, or Django answers 400 to everything.
    const hosts = plan.domain.split(/\s+/).filter(Boolean).join(',');
    out.push({
      key: 'allowedHosts',
      message:
        `Set DJANGO_ALLOWED_HOSTS=${hosts} in the platform's config vars (e.g. \`heroku config:set DJANGO_ALLOWED_HOSTS=${hosts}\`), with DJANGO_SECRET_KEY and DATABASE_URL: ` +
        'the settings read the allowed hosts from it (the settings quick fix), and without them every request gets 400 Bad Request.',
    });
  }
  if (plan.database === 'sqlite' && uses(...CONTAINER_KINDS)) {
    out.push({
      key: 'database',
      message:
        'The project uses SQLite, which suits one container only: the database file is kept on a volume (compose) or a PersistentVolumeClaim (Kubernetes, 1 replica) ' +
        'writable by the app user, so migrations and the app share it. For several containers or replicas, switch to PostgreSQL and generate again.',
    });
  }
  return out;
}
