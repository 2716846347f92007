// The commands of each path, from the plan: what to run, in order, to get the app onto the platform, run a
// one-off management command there (createsuperuser), read its logs and back up its database. Shown in a
// terminal the walkthrough opens (typed, never run for the user) and by `cloudward paths`. Secrets never
// appear in a command line that a shell history keeps: they are generated inside $(...) or piped on stdin.
import type { DeployPlan } from '../plan/types';
import { managePy, primaryDomain, settingsFlag } from '../generate/common';
import type { PlatformId } from './choose';

export interface PlatformStep {
  /** One short sentence: what the command does. */
  what: string;
  command: string;
}

export interface PlatformGuide {
  platform: PlatformId;
  /** Once, to create the app and its database and set its secrets. */
  setup: PlatformStep[];
  /** Every release. */
  deploy: PlatformStep[];
  /** A one-off management command on the platform, e.g. `createsuperuser`. */
  oneOff(command: string): string;
  logs: string;
  /** How the database is backed up there. */
  backup: string;
  /** How HTTPS works there, in one or two sentences. */
  https: string;
  /** The site's address after the first deploy (the user's domain when the plan names one). */
  url: string;
}

const NEW_KEY = `python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`;

function manage(plan: DeployPlan, command: string): string {
  return ['python', managePy(plan), command, ...settingsFlag(plan)].join(' ');
}

function ownDomain(plan: DeployPlan): string | null {
  return plan.domain === 'example.com' ? null : primaryDomain(plan);
}

export function platformGuide(plan: DeployPlan, platform: PlatformId): PlatformGuide {
  const n = plan.name;
  const domain = ownDomain(plan);
  const secret = plan.framework === 'django' ? 'DJANGO_SECRET_KEY' : 'SECRET_KEY';
  const db = plan.database && plan.database !== 'sqlite' ? plan.database : plan.database === 'sqlite' ? 'postgresql' : null;
  switch (platform) {
    case 'heroku':
      return {
        platform,
        setup: [
          { what: 'Sign in (opens the browser).', command: 'heroku login' },
          { what: 'Create the app (a git remote named heroku).', command: `heroku create ${n}` },
          ...(db ? [{ what: 'A PostgreSQL database; it sets DATABASE_URL.', command: `heroku addons:create heroku-postgresql:essential-0 --app ${n}` }] : []),
          ...(plan.celery || plan.redis ? [{ what: 'Redis for Celery; it sets REDIS_URL.', command: `heroku addons:create heroku-redis:mini --app ${n}` }] : []),
          { what: 'A fresh secret key, generated in the subshell (never typed, never in your history), and the allowed hosts.', command: `heroku config:set ${secret}="$(${NEW_KEY})" DJANGO_ALLOWED_HOSTS=${n}.herokuapp.com${domain ? `,${domain}` : ''} --app ${n}` },
          ...(plan.celery ? [{ what: 'Start the Celery worker dyno.', command: `heroku ps:scale worker=1 --app ${n}` }] : []),
        ],
        deploy: [{ what: 'Build and release: the build runs collectstatic, the release phase migrate.', command: 'git push heroku HEAD:main' }],
        oneOff: (c) => `heroku run ${manage(plan, c)} --app ${n}`,
        logs: `heroku logs --tail --app ${n}`,
        backup: `heroku pg:backups:schedule DATABASE_URL --at '02:00 UTC' --app ${n}   # daily; heroku pg:backups:capture for one now`,
        https: `Heroku serves https://${n}.herokuapp.com with its certificate. For your domain: heroku domains:add ${domain ?? 'www.example.com'}, a CNAME at your DNS provider to the target it prints, then heroku certs:auto:enable.`,
        url: domain ? `https://${domain}/` : `https://${n}.herokuapp.com/`,
      };
    case 'render':
      return {
        platform,
        setup: [
          { what: 'Commit the Blueprint and push it to GitHub, GitLab or Bitbucket.', command: 'git add render.yaml && git commit -m "Render Blueprint" && git push' },
          { what: 'In the dashboard: New > Blueprint, pick the repository. Render creates the services and the database, and generates the secret key.', command: 'open https://dashboard.render.com/blueprints' },
        ],
        deploy: [{ what: 'Every push deploys: build (collectstatic), pre-deploy (migrate), start.', command: 'git push' }],
        oneOff: (c) => `render ssh ${n}   # then: ${manage(plan, c)}`,
        logs: `render logs --resources ${n} --tail`,
        backup: 'Paid Render databases keep daily backups (point-in-time recovery); export one from the database\'s Recovery page.',
        https: `Render serves https://${n}.onrender.com. For your domain: add it in the service's Settings > Custom Domains, a CNAME to ${n}.onrender.com; Render issues the certificate.`,
        url: domain ? `https://${domain}/` : `https://${n}.onrender.com/`,
      };
    case 'fly':
      return {
        platform,
        setup: [
          { what: 'Sign in.', command: 'fly auth login' },
          { what: 'Create the app from the generated fly.toml, without deploying yet.', command: 'fly launch --copy-config --no-deploy' },
          ...(plan.database === 'sqlite' ? [{ what: 'The volume the SQLite database lives on (fly.toml mounts it).', command: `fly volumes create ${n.replace(/-/g, '_')}_data --size 1` }]
            : db ? [{ what: 'A Postgres cluster, attached: it sets DATABASE_URL.', command: `fly postgres create --name ${n}-db && fly postgres attach ${n}-db` }] : []),
          { what: 'A fresh secret key, piped in (never typed, never in your history).', command: `python3 -c 'import secrets; print("${secret}=" + secrets.token_urlsafe(50))' | fly secrets import` },
        ],
        deploy: [{ what: 'Build the image, run the release command (migrate), roll the machines.', command: 'fly deploy' }],
        oneOff: (c) => `fly ssh console -C "${manage(plan, c)}"`,
        logs: 'fly logs',
        backup: plan.database === 'sqlite' ? `fly volumes snapshots list <volume-id>   # daily snapshots; copy the file out with fly ssh sftp get /app/data/${plan.sqliteFile ?? 'db.sqlite3'}` : `fly postgres connect -a ${n}-db   # then pg_dump; or use Fly's managed Postgres backups`,
        https: `Fly serves https://${n}.fly.dev. For your domain: fly certs add ${domain ?? 'www.example.com'}, then the A/AAAA (or CNAME) records it prints at your DNS provider.`,
        url: domain ? `https://${domain}/` : `https://${n}.fly.dev/`,
      };
    case 'cloudrun':
      return {
        platform,
        setup: [
          { what: 'Sign in and pick the project.', command: 'gcloud auth login && gcloud config set project YOUR_PROJECT' },
          { what: 'The secret key in Secret Manager, from stdin (never in your history).', command: `${NEW_KEY} | gcloud secrets create ${n}-secret-key --data-file=-` },
          ...(db ? [{ what: 'A database: Cloud SQL for PostgreSQL (or any PostgreSQL you reach); put its URL in a secret too.', command: `gcloud sql instances create ${n}-db --database-version=POSTGRES_17 --tier=db-f1-micro --region=europe-west1` }] : []),
        ],
        deploy: [
          { what: 'Migrations as a Cloud Run job from the same source.', command: `gcloud run jobs deploy ${n}-migrate --source . --region europe-west1 --command python --args ${[managePy(plan), 'migrate', '--noinput', ...settingsFlag(plan)].join(',')} --set-secrets ${secret}=${n}-secret-key:latest --execute-now --wait` },
          { what: 'Build with the Dockerfile and deploy; Cloud Run sets PORT=8080, which the image binds.', command: `gcloud run deploy ${n} --source . --region europe-west1 --allow-unauthenticated --set-secrets ${secret}=${n}-secret-key:latest --set-env-vars DJANGO_ALLOWED_HOSTS=.run.app${domain ? `,${domain}` : ''}` },
        ],
        oneOff: (c) => `gcloud run jobs execute ${n}-migrate --region europe-west1 --args ${[managePy(plan), c, ...settingsFlag(plan)].join(',')} --wait   # non-interactive commands only`,
        logs: `gcloud run services logs read ${n} --region europe-west1`,
        backup: `gcloud sql backups create --instance ${n}-db   # Cloud SQL also keeps automatic daily backups`,
        https: `Cloud Run serves https://${n}-….run.app. For your domain: a load balancer or Firebase Hosting in front, or gcloud beta run domain-mappings create in the regions that support it.`,
        url: domain ? `https://${domain}/` : '',
      };
    case 'kubernetes':
      return {
        platform,
        setup: [
          { what: 'Build the image and push it where the cluster can pull it.', command: `docker build -t ${plan.image} . && docker push ${plan.image}` },
          { what: 'The Secret from a production env file (never committed), on stdin of kubectl.', command: `kubectl create secret generic ${n}-secrets --from-env-file=.env.production` },
        ],
        deploy: [
          { what: 'Settings, then the migrations Job, waited for.', command: `kubectl apply -f k8s/configmap.yaml && kubectl delete job ${n}-migrate --ignore-not-found && kubectl apply -f k8s/jobs/migrate.yaml && kubectl wait --for=condition=complete job/${n}-migrate --timeout=300s` },
          { what: 'The Deployment, Service and Ingress; then watch the rollout.', command: `kubectl apply -f k8s/ && kubectl rollout status deployment/${n}` },
        ],
        oneOff: (c) => `kubectl exec -it deploy/${n} -- ${manage(plan, c)}`,
        logs: `kubectl logs -f deploy/${n}`,
        backup: 'Back up the database where it runs (a managed database\'s snapshots, or a CronJob with pg_dump to object storage).',
        https: 'An ingress controller and cert-manager issue the certificate: set ingressClassName and the TLS secret in k8s/ingress.yaml (https=true).',
        url: domain ? `https://${domain}/` : '',
      };
    case 'vps':
    default: {
      const run = (c: string) => `sudo systemd-run --pty --uid=${plan.user} --gid=${plan.group} -p EnvironmentFile=${plan.envFile} --working-directory=${plan.appDir} ${plan.venv}/bin/${manage(plan, c)}`;
      return {
        platform: 'vps',
        setup: [
          { what: 'Provision the server: packages, the app user, folders, firewall, the generated units and site (Cloudward: Provision Server…).', command: 'Cloudward: Provision Server…' },
        ],
        deploy: [{ what: 'Upload a release, install, migrate, collectstatic, reload with a health check (Cloudward: Deploy to Server…).', command: 'Cloudward: Deploy to Server…' }],
        oneOff: run,
        logs: `journalctl -u ${n} -f   # nginx: /var/log/nginx/error.log`,
        backup: plan.database === 'postgresql' ? `sudo -u postgres pg_dump -Fc ${n.replace(/-/g, '_')} > /var/backups/${n}-$(date +%F).dump   # from a systemd timer, plus ${plan.mediaRoot}`
          : plan.database === 'sqlite' ? `sudo -u ${plan.user} sqlite3 ${plan.appDir}/${plan.sqliteFile ?? 'db.sqlite3'} ".backup /var/backups/${n}-$(date +%F).sqlite3"   # plus ${plan.mediaRoot}`
          : `Back up the database and ${plan.mediaRoot} every day, and try a restore.`,
        https: 'In order: DNS A/AAAA records to the server, the HTTP site answering (with the ACME location), certbot certonly --webroot -w /var/www/letsencrypt -d <domain>, then the HTTPS site (generate nginx with https=true), nginx -t, reload.',
        url: domain ? `https://${domain}/` : '',
      };
    }
  }
}
