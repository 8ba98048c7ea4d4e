/**
 * A worker's side of WORKERS > 1 (see src/cluster/primary.ts): its registry is
 * the one prom-client's aggregator reads, GET /metrics asks the primary for every
 * worker's metrics, a version change is announced and awaited, and a reload
 * request from the primary loads MODEL_DIR's current version. In a single
 * process (WORKERS=1, tests) nothing is relayed: announce() returns at once and
 * metrics() is the local registry.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { isMessage, type ToPrimary, type ToWorker } from '../cluster/messages.js';

export interface ClusterLink {
  readonly clustered: boolean;
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
    app.decorate('cluster', { clustered: false, announce: async () => {}, metrics: local } satisfies ClusterLink);
    return;
  }
  // prom-client answers the primary's metric requests from the registries set here; its listener is
  // installed by constructing an AggregatorRegistry (setRegistries alone installs none).
  AggregatorRegistry.setRegistries([app.metrics.registry]);
  void new AggregatorRegistry();
  let nextId = 0;
  const pending = new Map<number, (m: ToWorker) => void>();
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

  const onMessage = (m: unknown): void => {
    if (!isMessage(m)) return;
    const msg = m as ToWorker;
    if (msg.type === 'tts:reload') {
      app.models
        .reload()
        .catch((err: Error) => app.log.error({ err }, 'reload asked by the primary failed; still serving the loaded version'))
        .finally(() => process.send?.({ type: 'tts:reloaded', id: msg.id } satisfies ToPrimary));
      return;
    }
    const resolve = pending.get(msg.id);
    pending.delete(msg.id);
    resolve?.(msg);
  };
  process.on('message', onMessage);
  app.addHook('onClose', async () => {
    process.off('message', onMessage);
  });

  app.decorate('cluster', {
    clustered: true,
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
