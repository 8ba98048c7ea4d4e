/**
 * WORKERS > 1: this process forks that many workers (node:cluster), which share
 * the listening port, each loading the bundle. The primary serves no request:
 * it relays between workers, so that
 * - GET /metrics on any worker answers every worker's metrics aggregated
 *   (prom-client's AggregatorRegistry: counters and histograms summed, each
 *   gauge by its declared aggregator), counted once;
 * - after /train or a rollback on one worker, every other worker has loaded the
 *   new version before that request answers;
 * - SIGTERM or SIGINT drains every worker (each finishes its requests in flight)
 *   and then exits 0; a worker that dies otherwise is replaced.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config.js';
import { isMessage, type ToPrimary, type ToWorker } from './messages.js';

/** Longest the primary waits for its workers to drain before killing them. */
const SHUTDOWN_GRACE_MS = 15_000;

function log(level: 'info' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
  // The primary has no Fastify logger; one pino-shaped JSON line, as the workers write.
  process.stdout.write(`${JSON.stringify({ level: level === 'info' ? 30 : 50, time: Date.now(), pid: process.pid, role: 'primary', ...extra, msg })}\n`);
}

export async function runPrimary(config: Config): Promise<void> {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let nextId = 0;
  const reloads = new Map<number, { waiting: Set<Worker>; done: () => void }>();

  const send = (w: Worker, m: ToWorker): void => {
    if (w.isConnected()) w.send(m);
  };

  const onMessage = (worker: Worker, m: unknown): void => {
    if (!isMessage(m)) return; // prom-client's own messages are handled by AggregatorRegistry
    const msg = m as ToPrimary;
    if (msg.type === 'tts:metrics') {
      aggregator.clusterMetrics().then(
        (text) => send(worker, { type: 'tts:metrics-done', id: msg.id, contentType: aggregator.contentType, text }),
        (err: Error) => send(worker, { type: 'tts:metrics-done', id: msg.id, contentType: aggregator.contentType, text: '', error: err.message }),
      );
    } else if (msg.type === 'tts:model-changed') {
      const others = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w !== worker && w.isConnected());
      const id = nextId++;
      const finish = (): void => {
        reloads.delete(id);
        send(worker, { type: 'tts:model-changed-done', id: msg.id });
      };
      if (others.length === 0) return finish();
      reloads.set(id, { waiting: new Set(others), done: finish });
      for (const w of others) send(w, { type: 'tts:reload', id });
      log('info', 'a worker changed the served version; reloading the others', { version: msg.version, workers: others.length });
    } else if (msg.type === 'tts:reloaded') {
      const r = reloads.get(msg.id);
      if (r) {
        r.waiting.delete(worker);
        if (r.waiting.size === 0) r.done();
      }
    }
  };

  const fork = (): Worker => {
    const w = cluster.fork();
    w.on('message', (m) => onMessage(w, m));
    return w;
  };

  cluster.on('exit', (worker, code, signal) => {
    // A dead worker holds up no reload.
    for (const r of reloads.values()) {
      if (r.waiting.delete(worker) && r.waiting.size === 0) r.done();
    }
    if (stopping) return;
    log('error', 'worker exited; starting another', { worker: worker.process.pid, code, signal });
    fork();
  });

  for (let i = 0; i < config.workers; i++) fork();
  log('info', `started ${config.workers} workers`, { workers: config.workers });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down: draining every worker', { signal });
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const force = setTimeout(() => {
      log('error', 'workers did not drain in time; killing them');
      for (const w of workers) w.process.kill('SIGKILL');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    Promise.all(workers.map((w) => (w.isDead() ? Promise.resolve() : new Promise<void>((resolve) => {
      w.once('exit', () => resolve());
      w.process.kill('SIGTERM');
    })))).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
