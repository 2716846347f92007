import * as assert from 'assert';
import type { Finding } from '../../../src/core/lint';
import { LintWorkspace } from './helpers';

/**
 * Rules keep what they read from each parsed document (containers, commands, ports) and reuse it while
 * the document is unchanged: a keystroke in one document of a large manifest must still give exactly
 * the findings of a fresh lint, also when documents move (one inserted before them, one grown).
 */
describe('Kubernetes rules over edited multi-document files (per-document reuse)', () => {
  // Each Deployment has a container command (with --reload) binding loopback on one port, a containerPort, a probe port and no
  // resources, and the same check as readiness and liveness probes, so CW1xx (commands), CW4xx
  // (containers, probes) and CW605 (ports, binds) all report in it.
  const deployment = (name: string, bind: number, port: number, probe: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: ${name}
          image: ${name}:latest
          command: ["gunicorn"]
          args: ["mysite.wsgi:application", "--reload", "--bind", "127.0.0.1:${bind}"]
          ports: [{ containerPort: ${port} }]
          readinessProbe: { httpGet: { path: /healthz, port: ${probe} } }
          livenessProbe: { httpGet: { path: /healthz, port: ${probe} } }
`;
  const service = (name: string, target: number) => `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  ports: [{ port: 80, targetPort: ${target} }]
`;
  const findings = (list: Finding[]) => list.map((f) => ({ rule: f.rule, range: f.range, message: f.message, related: f.related?.map((r) => [r.range, r.message]) }));
  /** A first lint of the text in a workspace of its own (another path: parsed documents are kept per path). */
  const fresh = (path: string, text: string) => {
    const ws = new LintWorkspace({});
    ws.setFile(path, text);
    return ws.lintFile(path);
  };

  it('gives the findings of a fresh lint after edits, insertions before and removals of documents', () => {
    const path = '/w/k8s/deploy.yaml';
    const ws = new LintWorkspace({});
    const docs = [deployment('a', 8000, 8000, 8001), service('a', 9000), deployment('b', 8080, 8000, 8000), deployment('a', 8000, 8000, 8001), service('b', 8000)];
    const edits: Array<(d: string[]) => string[]> = [
      (d) => d,
      // One character in the first document: only it is read again.
      (d) => [d[0].replace('replicas: 2', 'replicas: 3'), ...d.slice(1)],
      // A document inserted before the others: every one after it moves.
      (d) => [deployment('new', 7000, 7001, 7000), ...d],
      // The first document grows by a line (the identical copies further down must not share results).
      (d) => [d[0].replace('  replicas: 2\n', '  replicas: 2\n  paused: false\n'), ...d.slice(1)],
      // A port changes inside one document, in a line that is also in others.
      (d) => [d[0], d[1].replace('127.0.0.1:8000', '127.0.0.1:8002'), ...d.slice(2)],
      // A document removed: the later ones move back.
      (d) => [d[0], ...d.slice(2)],
      // The first document's liveness probe changes: it no longer runs the readiness check.
      (d) => [d[0].replace('livenessProbe: { httpGet: { path: /healthz', 'livenessProbe: { httpGet: { path: /alive'), ...d.slice(1)],
      // The documents in the opposite order: every one out of step with the previous version.
      (d) => [...d].reverse(),
    ];
    let current = docs;
    for (const [i, edit] of edits.entries()) {
      current = edit(current);
      const text = current.join('---\n');
      ws.setFile(path, text);
      const incremental = findings(ws.lintFile(path));
      assert.deepStrictEqual(incremental, findings(fresh(`/fresh${i}/k8s/deploy.yaml`, text)), `after edit ${i}`);
      for (const rule of ['CW103', 'CW105', 'CW401', 'CW404', 'CW406', 'CW407', 'CW605']) assert.ok(incremental.some((f) => f.rule === rule), `${rule} reports after edit ${i}`);
    }
  });

  it('gives the findings of a fresh lint when most documents change at once (a paste over the file)', () => {
    const path = '/w/k8s/many.yaml';
    const ws = new LintWorkspace({});
    // Names repeat every ten documents: identical documents, each of which must be reused once at most.
    const many = (n: number, port: (i: number) => number) => Array.from({ length: n }, (_, i) => deployment(`d${i % 10}`, port(i), port(i), port(i) + (i % 3 ? 0 : 1))).join('---\n');
    const versions = [many(60, () => 8000), many(60, (i) => (i % 7 ? 9000 : 8000)), many(50, (i) => (i % 2 ? 8000 : 9000)), many(60, () => 8000), many(60, () => 8000).split('---\n').reverse().join('---\n')];
    for (const [i, text] of versions.entries()) {
      ws.setFile(path, text);
      assert.deepStrictEqual(findings(ws.lintFile(path)), findings(fresh(`/paste${i}/k8s/many.yaml`, text)), `version ${i}`);
    }
  });
});
