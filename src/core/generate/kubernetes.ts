import { stringify } from './yamlText';
import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { CONTAINER_UID, SQLITE_DATA_DIR, allowedHostsEnv, celeryArgs, header, inContainer, managePy, primaryDomain, publicEnv, settingsFlag, sqliteInContainer } from './common';

export function kubernetesPaths(plan: DeployPlan): Record<string, string> {
  const paths: Record<string, string> = {
    configmap: 'k8s/configmap.yaml',
    deployment: 'k8s/deployment.yaml',
    service: 'k8s/service.yaml',
    ingress: 'k8s/ingress.yaml',
    // Outside k8s/ itself: `kubectl apply -f k8s/` must not replace the real Secret by this empty one,
    // nor try to change a finished Job.
    secret: 'k8s/secrets/secret.template.yaml',
  };
  if (plan.migrate) paths.migrate = 'k8s/jobs/migrate.yaml';
  if (plan.celery) paths.worker = 'k8s/worker.yaml';
  if (sqliteInContainer(plan)) paths.data = 'k8s/data.yaml';
  // SQLite cannot be shared by several pods: no autoscaler then (one replica).
  else if (plan.autoscale) paths.hpa = 'k8s/hpa.yaml';
  return paths;
}

/** Labels shared by every object, as Kubernetes recommends. */
function labels(plan: DeployPlan, component = 'web'): Record<string, string> {
  return { 'app.kubernetes.io/name': plan.name, 'app.kubernetes.io/component': component };
}

/** Pod security: non-root, read-only root filesystem, no privilege escalation, no capabilities. */
function podSecurity() {
  return { runAsNonRoot: true, runAsUser: CONTAINER_UID, runAsGroup: CONTAINER_UID, fsGroup: CONTAINER_UID, seccompProfile: { type: 'RuntimeDefault' } };
}

function containerSecurity() {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
}

function envFrom(plan: DeployPlan) {
  return [{ configMapRef: { name: `${plan.name}-config` } }, { secretRef: { name: `${plan.name}-secrets` } }];
}

const RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } };

/**
 * Workers per pod: gunicorn's 2 × cores + 1 for the container's CPU limit (not the cores of the node, nor of
 * the machine that generated the file), unless the user chose a number.
 */
export function podWorkers(plan: DeployPlan): number {
  if (plan.workersSource === 'given') return plan.workers;
  return 2 * Math.max(1, Math.ceil(Number(RESOURCES.limits.cpu))) + 1;
}

function yamlFile(plan: DeployPlan, path: string, what: string, edit: string, doc: unknown): GeneratedFile {
  return { kind: 'kubernetes', path, content: header(what, 'kubernetes', edit) + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false }) };
}

/** Kubernetes manifests: Deployment, Service, Ingress, ConfigMap, Secret template, migrations Job, HPA. */
export function renderKubernetes(plan: DeployPlan): GeneratedFile[] {
  const p = kubernetesPaths(plan);
  const name = plan.name;
  const host = primaryDomain(plan);
  const tmpVolume = { name: 'tmp', emptyDir: {} };
  const mediaIn = inContainer(plan, plan.mediaRoot);
  // Readiness: the app answers HTTP (the Host header of the site: Django answers 400 to the pod's IP address),
  // so the Service sends it traffic. Liveness: the process still accepts connections; it must not fail when
  // only the database is slow, or Kubernetes would restart every pod at once.
  const readinessProbe = {
    httpGet: { path: plan.healthPath, port: plan.port, httpHeaders: [{ name: 'Host', value: host }] },
    initialDelaySeconds: 5,
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: 3,
  };
  const livenessProbe = { tcpSocket: { port: plan.port }, initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 };
  const volumes: unknown[] = [tmpVolume];
  const mounts: unknown[] = [{ name: 'tmp', mountPath: '/tmp' }];
  if (plan.serveMedia) {
    volumes.push({ name: 'media', emptyDir: {} });
    mounts.push({ name: 'media', mountPath: mediaIn });
  }
  const sqlite = sqliteInContainer(plan);
  const dataVolume = { name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } };
  const dataMount = { name: 'data', mountPath: SQLITE_DATA_DIR };
  if (sqlite) {
    volumes.push(dataVolume);
    mounts.push(dataMount);
  }
  // One replica with SQLite: a ReadWriteOnce volume and a file database serve one pod at a time.
  const replicas = sqlite ? 1 : plan.replicas;
  // Workers for the container's CPU limit (the Dockerfile's ENV is only a default; this wins).
  // The Ingress host and the probes' Host header must be allowed, or every request (and probe) gets 400.
  const config = { ...publicEnv(plan), ...allowedHostsEnv(plan), FORWARDED_ALLOW_IPS: '*', WEB_CONCURRENCY: String(podWorkers(plan)) };
  const files: GeneratedFile[] = [
    yamlFile(plan, p.configmap, `ConfigMap of ${name}: settings that are not secret, as environment variables.`,
      'add settings your app reads from the environment; secrets go in the Secret, not here.', {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, labels: labels(plan) }, data: config,
      }),
    yamlFile(plan, p.secret, `Secret template of ${name}: the names of the secrets, with no values.`,
      `fill in a copy outside version control and apply it, or: kubectl create secret generic ${name}-secrets --from-env-file=.env`, {
        apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-secrets`, labels: labels(plan) }, type: 'Opaque',
        stringData: { [plan.framework === 'django' ? 'DJANGO_SECRET_KEY' : 'SECRET_KEY']: '', ...(plan.database && plan.database !== 'sqlite' ? { DATABASE_URL: '' } : {}), ...(plan.redis || plan.celery ? { REDIS_URL: '' } : {}) },
      }),
    yamlFile(plan, p.deployment, `Deployment of ${name}: ${replicas} pod${replicas === 1 ? '' : 's'} of ${plan.image}, non-root, read-only, with probes.`,
      'the image tag for each release, resources, replicas. Use a PersistentVolumeClaim or object storage for uploads (media).' +
        (sqlite ? ' SQLite: one replica only (the database is a file on one volume); use PostgreSQL to scale.' : ''), {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, labels: labels(plan) },
        spec: {
          replicas,
          // The SQLite volume attaches to one pod: stop the old pod before starting the new one.
          ...(sqlite ? { strategy: { type: 'Recreate' } } : {}),
          selector: { matchLabels: labels(plan) },
          template: {
            metadata: { labels: labels(plan) },
            spec: {
              securityContext: podSecurity(),
              containers: [{
                name: 'web',
                image: plan.image,
                ports: [{ name: 'http', containerPort: plan.port }],
                envFrom: envFrom(plan),
                readinessProbe,
                livenessProbe,
                resources: RESOURCES,
                securityContext: containerSecurity(),
                volumeMounts: mounts,
              }],
              volumes,
            },
          },
        },
      }),
    yamlFile(plan, p.service, `Service of ${name}: a stable address for the pods inside the cluster.`, 'nothing usually.', {
      apiVersion: 'v1', kind: 'Service', metadata: { name, labels: labels(plan) },
      spec: { selector: labels(plan), ports: [{ name: 'http', port: 80, targetPort: plan.port }] },
    }),
    yamlFile(plan, p.ingress, `Ingress of ${name}: routes ${plan.domain} to the Service.`,
      'ingressClassName for your cluster; with HTTPS, the TLS secret (cert-manager can fill it).', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name, labels: labels(plan), annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': plan.maxBodySize } },
        spec: {
          ...(plan.https ? { tls: [{ hosts: plan.domain.split(' '), secretName: `${name}-tls` }] } : {}),
          rules: plan.domain.split(' ').map((h) => ({
            host: h,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: 80 } } } }] },
          })),
        },
      }),
  ];
  if (p.migrate) {
    files.push(yamlFile(plan, p.migrate, `Job of ${name}: runs the migrations once per release (not on every pod start).`,
      `the image tag with the Deployment's. Run: kubectl delete job ${name}-migrate --ignore-not-found && kubectl apply -f ${p.migrate}`, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: `${name}-migrate`, labels: labels(plan, 'migrate') },
        spec: {
          backoffLimit: 2,
          ttlSecondsAfterFinished: 86400,
          template: {
            metadata: { labels: labels(plan, 'migrate') },
            spec: {
              restartPolicy: 'Never',
              securityContext: podSecurity(),
              containers: [{
                name: 'migrate',
                image: plan.image,
                command: ['python', managePy(plan), 'migrate', '--noinput', ...settingsFlag(plan)],
                envFrom: envFrom(plan),
                resources: RESOURCES,
                securityContext: containerSecurity(),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(sqlite ? [dataMount] : [])],
              }],
              volumes: [tmpVolume, ...(sqlite ? [dataVolume] : [])],
            },
          },
        },
      }));
  }
  if (p.worker) {
    files.push(yamlFile(plan, p.worker, `Deployment of ${name}'s Celery worker: background jobs, from the same image and settings as the web pods.`,
      'replicas and resources for your queue; the worker needs the broker (REDIS_URL in the Secret or ConfigMap).', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `${name}-worker`, labels: labels(plan, 'worker') },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels(plan, 'worker') },
          template: {
            metadata: { labels: labels(plan, 'worker') },
            spec: {
              securityContext: podSecurity(),
              // Celery's warm shutdown: let running tasks finish before the pod is killed.
              terminationGracePeriodSeconds: 120,
              containers: [{
                name: 'worker',
                image: plan.image,
                command: ['celery', ...celeryArgs(plan)],
                envFrom: envFrom(plan),
                // Alive while the worker answers a ping through the broker (no HTTP port to probe).
                livenessProbe: {
                  exec: { command: ['sh', '-c', `celery -A ${celeryArgs(plan)[1]} inspect ping --destination "celery@$HOSTNAME" --timeout 10`] },
                  initialDelaySeconds: 30, periodSeconds: 60, timeoutSeconds: 20, failureThreshold: 3,
                },
                resources: RESOURCES,
                securityContext: containerSecurity(),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              }],
              volumes: [tmpVolume],
            },
          },
        },
      }));
  }
  if (p.data) {
    files.push(yamlFile(plan, p.data, `PersistentVolumeClaim of ${name}: the SQLite database (${sqlite}), shared by the app and the migrations Job.`,
      'the size and storageClassName for your cluster. SQLite suits one pod: to run more replicas, switch to PostgreSQL and generate again.', {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: `${name}-data`, labels: labels(plan, 'data') },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      }));
  }
  if (p.hpa) {
    files.push(yamlFile(plan, p.hpa, `HorizontalPodAutoscaler of ${name}: ${plan.replicas} to ${plan.maxReplicas} pods by CPU.`, 'the bounds and the target utilisation.', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, labels: labels(plan) },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: plan.replicas,
        maxReplicas: plan.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    }));
  }
  return files;
}
