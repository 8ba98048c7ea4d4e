/**
 * A worker's side of WORKERS > 1 (see src/cluster/primary.ts): GET /metrics asks
 * the primary for every serving worker's metrics, a version change is announced
 * and awaited, a reload request from the primary loads MODEL_DIR's current
 * version, and the primary tells whether every worker serves (/readyz). The IPC
 * listener itself is installed before the app is built (cluster/worker-link.ts),
 * so requests that arrived while this worker started are answered now. In a
 * single process (WORKERS=1, tests) nothing is relayed: announce() returns at
 * once, metrics() is the local registry, and serving is true.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import cluster from 'node:cluster';
import type { ToPrimary, ToWorker } from '../cluster/messages.js';
import { attachWorkerLink } from '../cluster/worker-link.js';

export interface ClusterLink {
  readonly clustered: boolean;
  /** whether every worker of the cluster listens with its models loaded (always true in a single process) */
  readonly serving: boolean;
  /** e.g. "1 of 2 workers serve" */
  readonly state: string;
  /** after this worker made `version` current: resolves once every other worker serves it */
  announce(version: string): Promise<void>;
  /** the metrics of every worker (or of this process alone), as Prometheus text */
  metrics(): Promise<{ contentType: string; text: string }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    cluster: ClusterLink;
  }
}

/** How long a worker waits for the primary's answer. */
const RELAY_TIMEOUT_MS = 30_000;

async function clusterPlugin(app: FastifyInstance): Promise<void> {
  const local = async () => ({ contentType: app.metrics.registry.contentType, text: await app.metrics.registry.metrics() });
  if (!cluster.isWorker || !process.send) {
    app.decorate('cluster', { clustered: false, serving: true, state: 'one process', announce: async () => {}, metrics: local } satisfies ClusterLink);
    return;
  }
  let nextId = 0;
  const pending = new Map<number, (m: ToWorker) => void>();
  let state: Extract<ToWorker, { type: 'tts:cluster-state' }> | null = null;
  const ask = (build: (id: number) => ToPrimary): Promise<ToWorker> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, RELAY_TIMEOUT_MS);
      pending.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      process.send!(build(id));
    });

  const onMessage = (msg: ToWorker): void => {
    if (msg.type === 'tts:reload') {
      app.models
        .reload()
        .catch((err: Error) => app.log.error({ err }, 'reload asked by the primary failed; still serving the loaded version'))
        .finally(() => process.send?.({ type: 'tts:reloaded', id: msg.id } satisfies ToPrimary));
      return;
    }
    if (msg.type === 'tts:collect') {
      app.metrics.registry.getMetricsAsJSON().then(
        (metrics) => process.send?.({ type: 'tts:collected', id: msg.id, metrics } satisfies ToPrimary),
        (err: Error) => app.log.error({ err }, "collecting this worker's metrics failed"),
      );
      return;
    }
    if (msg.type === 'tts:cluster-state') {
      state = msg;
      return;
    }
    const resolve = pending.get(msg.id);
    pending.delete(msg.id);
    resolve?.(msg);
  };
  // Attached once every plugin the handlers use is ready: a reload asked while this worker started runs on a built app.
  app.addHook('onReady', async () => {
    const detach = attachWorkerLink(onMessage);
    app.addHook('onClose', async () => detach());
  });

  app.decorate('cluster', {
    clustered: true,
    get serving() {
      return state?.serving === true;
    },
    get state() {
      return state === null ? 'the cluster primary has not reported yet' : `${state.workers} of ${state.expected} workers serve`;
    },
    async announce(version) {
      await ask((id) => ({ type: 'tts:model-changed', id, version }));
    },
    async metrics() {
      const res = (await ask((id) => ({ type: 'tts:metrics', id }))) as Extract<ToWorker, { type: 'tts:metrics-done' }>;
      if (res.error) throw new Error(`aggregating the workers' metrics failed: ${res.error}`);
      return { contentType: res.contentType, text: res.text };
    },
  } satisfies ClusterLink);
}

export default fp(clusterPlugin, { name: 'cluster', fastify: '5.x', dependencies: ['metrics', 'models'] });
