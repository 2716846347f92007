import { stringify } from 'yaml';
import type { DeployPlan } from '../plan/types';
import type { GeneratedFile } from './types';
import { CONTAINER_UID, SQLITE_DATA_DIR, header, inContainer, managePy, primaryDomain, publicEnv, settingsFlag, sqliteInContainer } from './common';

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
  const probe = (initialDelaySeconds: number, periodSeconds: number) => ({
    // The Host header of the site: Django answers 400 to the pod's IP address (ALLOWED_HOSTS).
    httpGet: { path: plan.healthPath, port: plan.port, httpHeaders: [{ name: 'Host', value: host }] },
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold: 3,
  });
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
  // The plan's worker count, as in the Dockerfile and gunicorn.conf.py: the files must agree.
  const config = { ...publicEnv(plan), FORWARDED_ALLOW_IPS: '*', WEB_CONCURRENCY: String(plan.workers) };
  const files: GeneratedFile[] = [
    yamlFile(plan, p.configmap, `ConfigMap of ${name}: settings that are not secret, as environment variables.`,
      'add settings your app reads from the environment; secrets go in the Secret, not here.', {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, labels: labels(plan) }, data: config,
      }),
    yamlFile(plan, p.secret, `Secret template of ${name}: the names of the secrets, with no values.`,
      `fill in a copy outside version control and apply it, or: kubectl create secret generic ${name}-secrets --from-env-file=.env`, {
        apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-secrets`, labels: labels(plan) }, type: 'Opaque',
        stringData: { [plan.framework === 'django' ? 'DJANGO_SECRET_KEY' : 'SECRET_KEY']: '', ...(plan.database && plan.database !== 'sqlite' ? { DATABASE_URL: '' } : {}) },
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
                readinessProbe: probe(5, 10),
                livenessProbe: probe(20, 20),
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
