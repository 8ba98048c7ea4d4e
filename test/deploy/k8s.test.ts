/**
 * deploy/k8s: every manifest is valid against the Kubernetes OpenAPI schemas (kubernetes-models, and
 * its Prometheus Operator models for the ServiceMonitor), and the settings an operator relies on hold:
 * probes, security, a writable /tmp, the admin token from a Secret, MODEL_DIR on shared storage, and
 * selectors that find the pods. No cluster runs here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/process.js';

const DIR = join(ROOT, 'deploy/k8s');
// biome-ignore lint/suspicious/noExplicitAny: a spec is whatever its kind says; the kubernetes-models classes validate it
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: any };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

const manifests: Manifest[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJSON() as Manifest));
const byKind = (kind: string): Manifest => manifests.find((m) => m.kind === kind)!;
const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0].toJSON() as { resources: string[]; labels: { pairs: Record<string, string> }[] };

describe('deploy/k8s', () => {
  it('validates every manifest against the Kubernetes OpenAPI schemas', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Service', 'ServiceMonitor']);
    for (const m of manifests) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      expect(Model, `${m.apiVersion} ${m.kind}`).toBeDefined();
      expect(() => new Model(m as never).validate(), `${m.kind} ${m.metadata.name}`).not.toThrow();
    }
    // and the validator does refuse a broken one
    const broken = structuredClone(byKind('Deployment'));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(broken as never).validate()).toThrow(/containerPort/);
  });

  it('is a kustomize base listing files that exist (the ServiceMonitor optional)', () => {
    for (const r of kustomization.resources) expect(existsSync(join(DIR, r)), r).toBe(true);
    expect(kustomization.resources.sort()).toEqual(['deployment.yaml', 'hpa.yaml', 'pdb.yaml', 'pvc.yaml', 'service.yaml']);
  });

  it('probes readiness on /readyz, liveness on /healthz, with a startup probe', () => {
    const c = byKind('Deployment').spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe.httpGet.path).toBe('/readyz');
    expect(c.ports[0]).toEqual({ name: 'http', containerPort: 3000 });
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
  });

  it('runs as non-root on a read-only root filesystem with no capabilities, writing only /tmp and MODEL_DIR', () => {
    const pod = byKind('Deployment').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...pod.initContainers, ...pod.containers]) {
      expect(c.securityContext, c.name).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    const mounts = pod.containers[0].volumeMounts.map((m: { name: string; mountPath: string }) => `${m.name}:${m.mountPath}`);
    expect(mounts.sort()).toEqual(['models:/models', 'tmp:/tmp']);
    expect(pod.volumes.find((v: { name: string }) => v.name === 'tmp').emptyDir).toBeDefined();
  });

  it('takes the admin token from a Secret and keeps MODEL_DIR on a shared ReadWriteMany volume', () => {
    const pod = byKind('Deployment').spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
    expect(env.ADMIN_TOKEN).toEqual({ secretKeyRef: { name: 'threat-scoring-admin', key: 'token', optional: true } });
    expect(env.MODEL_DIR).toBe('/models');
    const claim = pod.volumes.find((v: { name: string }) => v.name === 'models').persistentVolumeClaim.claimName;
    expect(byKind('PersistentVolumeClaim')).toMatchObject({ metadata: { name: claim }, spec: { accessModes: ['ReadWriteMany'] } });
    expect(JSON.stringify(manifests)).not.toMatch(/ADMIN_TOKEN"?\s*,\s*"value"/); // never a literal token
  });

  it('has a Service, a PodDisruptionBudget and a ServiceMonitor that select the pods, and an autoscaler on CPU for the Deployment', () => {
    const deployment = byKind('Deployment');
    const podLabels = deployment.spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v);
    expect(selects(byKind('Service').spec.selector)).toBe(true);
    expect(selects(byKind('PodDisruptionBudget').spec.selector.matchLabels)).toBe(true);
    expect(selects(deployment.spec.selector.matchLabels)).toBe(true);
    expect(byKind('PodDisruptionBudget').spec.minAvailable).toBeLessThan(byKind('HorizontalPodAutoscaler').spec.minReplicas);
    const hpa = byKind('HorizontalPodAutoscaler').spec;
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.metrics[0].resource.name).toBe('cpu');
    expect(byKind('ServiceMonitor').spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    expect(byKind('Service').metadata.labels).toMatchObject(byKind('ServiceMonitor').spec.selector.matchLabels);
  });
});
