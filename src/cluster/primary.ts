/**
 * WORKERS > 1: this process forks that many workers (node:cluster), which share
 * the listening port, each loading the bundle. The primary serves no request:
 * it relays between workers, so that
 * - GET /metrics on any worker answers the metrics of every serving worker
 *   aggregated (aggregate.ts), counted once; a worker still starting is not
 *   waited for;
 * - after /train or a rollback on one worker, every other worker, one still
 *   starting included, has loaded the new version before that request answers;
 * - GET /readyz answers 200 only while every worker serves;
 * - SIGTERM or SIGINT drains every worker (each finishes its requests in flight)
 *   and then exits 0; a worker that dies otherwise is replaced.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config.js';
import { aggregateMetrics } from './aggregate.js';
import { isMessage, type ToPrimary, type ToWorker, type WorkerMetrics } from './messages.js';

/** Longest the primary waits for its workers to drain before killing them. */
const SHUTDOWN_GRACE_MS = 15_000;
/** Longest the primary waits for one serving worker's metrics (a hung one is left out, and logged). */
const COLLECT_TIMEOUT_MS = 5_000;

function log(level: 'info' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
  // The primary has no Fastify logger; one pino-shaped JSON line, as the workers write.
  process.stdout.write(`${JSON.stringify({ level: level === 'info' ? 30 : 50, time: Date.now(), pid: process.pid, role: 'primary', ...extra, msg })}\n`);
}

export async function runPrimary(config: Config): Promise<void> {
  let stopping = false;
  let nextId = 0;
  const reloads = new Map<number, { waiting: Set<Worker>; done: () => void }>();
  const collects = new Map<number, { worker: Worker; done: (m: WorkerMetrics | null) => void }>();
  /** workers whose IPC listener is up, and messages held for those whose is not yet */
  const linked = new Set<Worker>();
  const held = new Map<Worker, ToWorker[]>();
  /** workers that listen with their models loaded */
  const serving = new Set<Worker>();

  const send = (w: Worker, m: ToWorker): void => {
    if (!w.isConnected()) return;
    if (linked.has(w)) w.send(m);
    else held.set(w, [...(held.get(w) ?? []), m]);
  };
  const connected = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w?.isConnected() === true);
  /** Tells every worker whether all of them serve: /readyz is 200 only then. */
  const announceState = (): void => {
    const state = { type: 'tts:cluster-state', id: 0, serving: !stopping && serving.size >= config.workers, workers: serving.size, expected: config.workers } as const;
    for (const w of connected()) send(w, state);
  };

  const collect = (w: Worker): Promise<WorkerMetrics | null> =>
    new Promise((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        log('error', 'a worker did not send its metrics in time; left out of this scrape', { worker: w.process.pid });
        done(null);
      }, COLLECT_TIMEOUT_MS);
      const done = (m: WorkerMetrics | null): void => {
        clearTimeout(timer);
        collects.delete(id);
        resolve(m);
      };
      collects.set(id, { worker: w, done });
      send(w, { type: 'tts:collect', id });
    });

  const onMessage = (worker: Worker, m: unknown): void => {
    if (!isMessage(m)) return;
    const msg = m as ToPrimary;
    if (msg.type === 'tts:link-up') {
      linked.add(worker);
      for (const held1 of held.get(worker) ?? []) worker.send(held1);
      held.delete(worker);
    } else if (msg.type === 'tts:metrics') {
      // The serving workers only: one still starting has nothing to count yet, and must not hold the scrape up.
      const targets = new Set([...serving, worker]);
      Promise.all([...targets].map(collect))
        .then((all) => aggregateMetrics(all.filter((x): x is WorkerMetrics => x !== null)))
        .then(
          ({ contentType, text }) => send(worker, { type: 'tts:metrics-done', id: msg.id, contentType, text }),
          (err: Error) => send(worker, { type: 'tts:metrics-done', id: msg.id, contentType: 'text/plain', text: '', error: err.message }),
        );
    } else if (msg.type === 'tts:collected') {
      collects.get(msg.id)?.done(msg.metrics);
    } else if (msg.type === 'tts:model-changed') {
      // Every other worker, starting ones included: a starting worker answers once its app is built and
      // has loaded CURRENT, so no worker serves the old version once the change is answered.
      const others = connected().filter((w) => w !== worker);
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
    w.on('listening', () => {
      serving.add(w);
      announceState();
    });
    return w;
  };

  cluster.on('exit', (worker, code, signal) => {
    // A dead worker holds up no reload and no scrape, and the cluster is not ready until it is replaced.
    for (const r of reloads.values()) {
      if (r.waiting.delete(worker) && r.waiting.size === 0) r.done();
    }
    for (const c of [...collects.values()]) if (c.worker === worker) c.done(null);
    serving.delete(worker);
    linked.delete(worker);
    held.delete(worker);
    announceState();
    if (stopping) return;
    log('error', 'worker exited; starting another', { worker: worker.process.pid, code, signal });
    fork();
  });

  for (let i = 0; i < config.workers; i++) fork();
  log('info', `started ${config.workers} workers`, { workers: config.workers });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    announceState();
    log('info', 'shutting down: draining every worker', { signal });
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const force = setTimeout(() => {
      log('error', 'workers did not drain in time; killing them');
      for (const w of workers) w.process.kill('SIGKILL');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    Promise.all(
      workers.map((w) =>
        w.isDead()
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
      ),
    ).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
