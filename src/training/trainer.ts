/**
 * Runs training jobs in one long-lived worker thread, one job at a time. The
 * event loop that serves /score and /batch only hands over the body bytes and
 * waits for a message; parsing, validation, the forests and the disk writes all
 * happen in the worker. A worker that dies is replaced on the next job.
 */
import { Worker } from 'node:worker_threads';
import { ServiceError } from '../errors.js';
import type { TrainJob, TrainReply } from './worker.js';

// From dist the worker is plain JS. From source (tests, tsx) it is TypeScript: a one-line bootstrap
// registers tsx's loader first (Node 20 does not apply an --import loader to a worker's entry module).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url);
const SOURCE_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;

type Pending = { resolve: (r: TrainReply) => void; reject: (e: Error) => void };

export class Trainer {
  private active = false;
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  get running(): boolean {
    return this.active;
  }

  /**
   * Parses, trains and persists a new version.
   * @throws ServiceError TRAINING_IN_PROGRESS (409) while another job runs; the request's own 400/413 for
   *   a malformed body; UNTRAINABLE_DATA (422) for data that cannot make a model; MODEL_WRITE_FAILED (500)
   *   when MODEL_DIR cannot be written
   */
  async run(job: TrainJob): Promise<Extract<TrainReply, { ok: true }>> {
    if (this.active) throw new ServiceError('TRAINING_IN_PROGRESS', 'a training run is already in progress; retry when it ends');
    this.active = true;
    try {
      const reply = await this.inWorker(job);
      if (reply.ok) return reply;
      if (reply.kind === 'request') throw new ServiceError(reply.code, reply.message);
      if (reply.kind === 'data') throw new ServiceError('UNTRAINABLE_DATA', reply.message);
      if (reply.kind === 'write') {
        // EUNKNOWN: the switch failed and CURRENT could not be read back; saying "still served" would be a guess.
        const outcome = reply.code === 'EUNKNOWN' ? 'whether it is served is unknown (GET /model tells)' : 'the previous version is still served';
        throw new ServiceError('MODEL_WRITE_FAILED', `could not write the new model version to MODEL_DIR (${reply.code ?? 'error'}); ${outcome}`);
      }
      throw new Error(`training worker failed: ${reply.message}`);
    } finally {
      this.active = false;
    }
  }

  /** Stops the worker (app shutdown). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private inWorker(job: TrainJob): Promise<TrainReply> {
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job });
    });
  }

  private spawn(): Worker {
    const worker = FROM_SOURCE ? new Worker(SOURCE_BOOTSTRAP, { eval: true }) : new Worker(WORKER_URL);
    worker.unref(); // an idle trainer never keeps the process alive
    worker.on('message', ({ id, reply }: { id: number; reply: TrainReply }) => {
      this.pending.get(id)?.resolve(reply);
      this.pending.delete(id);
    });
    const fail = (err: Error): void => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`training worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}
