/**
 * Worker thread of POST /train: trains a bundle with the shared training
 * function and writes it as a new version of MODEL_DIR, off the event loop that
 * serves /score and /batch. Posts back the new version id, or the error.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { TrafficRecord } from '../ml/record.js';
import { saveVersion } from '../ml/store.js';
import { TrainingError, trainModels, type TrainOptions } from '../ml/train.js';

export interface TrainJob {
  modelDir: string;
  keep: number;
  records: TrafficRecord[];
  options: Omit<TrainOptions, 'onProgress' | 'now'>;
}

export type TrainReply =
  | { ok: true; version: string; labelSource: string; rows: number }
  | { ok: false; kind: 'data'; message: string; field: string }
  | { ok: false; kind: 'write' | 'internal'; message: string; code?: string };

async function run(job: TrainJob): Promise<TrainReply> {
  let output;
  try {
    output = trainModels(job.records, job.options);
  } catch (err) {
    if (err instanceof TrainingError) return { ok: false, kind: 'data', message: err.message, field: err.field };
    return { ok: false, kind: 'internal', message: (err as Error).stack ?? String(err) };
  }
  try {
    const version = await saveVersion(job.modelDir, output.draft, output.artifacts, job.keep);
    return { ok: true, version, labelSource: output.draft.label_source, rows: output.draft.data.rows };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, kind: 'write', message: e.message, code: e.code };
  }
}

// Serving comes first: on Linux a nice value is per thread, and pid 0 means the calling thread, so
// this lowers the training thread only and the event loop answering /score keeps its share of the CPU.
try {
  setPriority(0, 19);
} catch {
  /* not permitted or not supported: train at normal priority */
}

run(workerData as TrainJob).then(
  (reply) => parentPort!.postMessage(reply),
  (err: Error) => parentPort!.postMessage({ ok: false, kind: 'internal', message: err.stack ?? String(err) } satisfies TrainReply),
);
