/**
 * Runs training jobs in a worker thread, one at a time. The event loop that
 * serves /score and /batch only waits for a message; the CPU-heavy forests and
 * the disk writes happen in the worker.
 */
import { Worker } from 'node:worker_threads';
import { ServiceError } from '../errors.js';
import type { TrainJob, TrainReply } from './worker.js';

// From dist the worker is plain JS. From source (tests, tsx) it is TypeScript: a one-line bootstrap
// registers tsx's loader first (Node 20 does not apply an --import loader to a worker's entry module).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url);
const SOURCE_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;

export class Trainer {
  private active = false;

  get running(): boolean {
    return this.active;
  }

  /**
   * Trains and persists a new version.
   * @throws ServiceError TRAINING_IN_PROGRESS (409) while another job runs, UNTRAINABLE_DATA (422)
   *   for data that cannot make a model, MODEL_WRITE_FAILED (500) when MODEL_DIR cannot be written
   */
  async run(job: TrainJob): Promise<Extract<TrainReply, { ok: true }>> {
    if (this.active) throw new ServiceError('TRAINING_IN_PROGRESS', 'a training run is already in progress; retry when it ends');
    this.active = true;
    try {
      const reply = await this.inWorker(job);
      if (reply.ok) return reply;
      if (reply.kind === 'data') throw new ServiceError('UNTRAINABLE_DATA', reply.message);
      if (reply.kind === 'write') {
        throw new ServiceError('MODEL_WRITE_FAILED', `could not write the new model version to MODEL_DIR (${reply.code ?? 'error'}); the previous version is still served`);
      }
      throw new Error(`training worker failed: ${reply.message}`);
    } finally {
      this.active = false;
    }
  }

  private inWorker(job: TrainJob): Promise<TrainReply> {
    return new Promise((resolve, reject) => {
      const worker = FROM_SOURCE ? new Worker(SOURCE_BOOTSTRAP, { eval: true, workerData: job }) : new Worker(WORKER_URL, { workerData: job });
      let settled = false;
      worker.once('message', (reply: TrainReply) => {
        settled = true;
        resolve(reply);
      });
      worker.once('error', (err) => {
        settled = true;
        reject(err);
      });
      worker.once('exit', (code) => {
        if (!settled) reject(new Error(`training worker exited with code ${code} before answering`));
      });
    });
  }
}
