/**
 * The training thread of POST /train, kept alive between runs. For each job it
 * parses the raw body (CSV, JSON or a log format; gunzipped when sent gzip), validates every record with parseRecord,
 * trains a bundle with the shared training function and writes it as a new
 * version of MODEL_DIR. All of that is off the event loop that serves /score and
 * /batch: a 64 MiB body is parsed here, not there.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import { CsvError, readCsvRows, recordsFromCsvRows } from '../ml/data/dataset.js';
import { RecordError, type TrafficRecord } from '../ml/data/record.js';
import { recordsFromBody, RecordsBodyError } from '../ml/data/records-body.js';
import { LockBusyError, TrainingLock } from '../ml/bundle/lock.js';
import { loadCurrent, saveVersion } from '../ml/bundle/store.js';
import { type Comparison, type PromoteMode, type Promotion, weigh } from '../ml/bundle/promote.js';
import type { FormatName, FormatOptions } from '../ml/data/formats/index.js';
import { gunzipIfGzip, isGzip, readLogText } from '../ml/data/formats/read-text.js';
import { TrainingError, type TrainingOutput, trainModels, type TrainOptions } from '../ml/bundle/train.js';

export interface TrainJob {
  modelDir: string;
  /** the token of the MODEL_DIR training lock the requester holds; checked before the new version is made current */
  lockToken: string;
  keep: number;
  /** the request body as received */
  body: Uint8Array;
  /** csv, json: the dataset's layout; any other: a log format of the registry */
  format: 'csv' | 'json' | Exclude<FormatName, 'cloudwatch'>;
  formatOptions?: FormatOptions;
  /** the body is gzip (Content-Encoding: gzip) */
  gzip?: boolean;
  /** bytes the body may expand to */
  maxBytes?: number;
  maxRows: number;
  options: Omit<TrainOptions, 'onProgress' | 'now'>;
  /** auto: current only when not worse than the served version on the hold-out (src/ml/bundle/promote.ts) */
  promote: PromoteMode;
}

export type TrainReply =
  | { ok: true; version: string; labelSource: string; rows: number; comparison: Comparison; promotion: Promotion }
  | { ok: false; kind: 'request'; code: ErrorCode; message: string }
  | { ok: false; kind: 'data'; message: string; field: string }
  | { ok: false; kind: 'write' | 'internal'; message: string; code?: string };

class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The records of the body: the same parsing and messages as /batch. */
async function parseBody(job: TrainJob): Promise<TrafficRecord[]> {
  let bytes = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
  try {
    if (job.gzip) {
      if (!isGzip(bytes)) throw new RequestError('INVALID_REQUEST', 'content-encoding says gzip, but the body is not gzip');
      bytes = gunzipIfGzip(bytes, job.maxBytes ?? Infinity);
    }
    if (job.format !== 'csv' && job.format !== 'json') {
      const read = readLogText(job.format, bytes.toString('utf8'), job.formatOptions ?? {}, job.maxRows);
      if (read.records.length === 0) throw new RequestError('INVALID_RECORD', `the ${job.format} log has no records`);
      return read.records;
    }
    if (job.format === 'json') {
      const text = bytes.toString('utf8');
      let doc: unknown;
      try {
        // JSON.parse makes "__proto__" an own property, never a prototype; parseRecord reads own properties only.
        doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch (err) {
        throw new RequestError('INVALID_JSON', `body is not valid JSON (${(err as Error).message})`);
      }
      return recordsFromBody(doc, job.maxRows);
    }
    return recordsFromCsvRows(await readCsvRows(bytes, { maxRows: job.maxRows }), job.maxRows);
  } catch (err) {
    if (err instanceof RecordsBodyError) throw new RequestError(err.code, err.message);
    if (err instanceof RecordError) throw new RequestError('INVALID_RECORD', err.message);
    if (err instanceof RangeError && err.message.includes('more than')) throw new RequestError('TOO_MANY_RECORDS', err.message);
    if (err instanceof RangeError && err.message.startsWith('the gzip body')) throw new RequestError(err.message.includes('expands') ? 'PAYLOAD_TOO_LARGE' : 'INVALID_REQUEST', err.message);
    if (err instanceof CsvError) throw new RequestError(err.tooManyRows ? 'TOO_MANY_RECORDS' : 'INVALID_CSV', err.tooManyRows ? `CSV has more than ${job.maxRows} records` : err.message);
    throw err;
  }
}

/** The version CURRENT names, or null when there is none or it does not load (nothing to compare with). */
async function servedBundle(modelDir: string) {
  try {
    return await loadCurrent(modelDir);
  } catch {
    return null;
  }
}

async function run(job: TrainJob): Promise<TrainReply> {
  let output: TrainingOutput;
  let weighed: ReturnType<typeof weigh>;
  try {
    const records = await parseBody(job);
    output = trainModels(records, { ...job.options, source: { format: job.format === 'csv' || job.format === 'json' ? 'cloudwatch' : job.format } });
    weighed = weigh(output, records, await servedBundle(job.modelDir), job.promote);
  } catch (err) {
    if (err instanceof RequestError) return { ok: false, kind: 'request', code: err.code, message: err.message };
    if (err instanceof TrainingError) return { ok: false, kind: 'data', message: err.message, field: err.field };
    return { ok: false, kind: 'internal', message: (err as Error).stack ?? String(err) };
  }
  try {
    const version = await saveVersion(job.modelDir, output.draft, output.artifacts, {
      keep: job.keep,
      beforeCommit: () => TrainingLock.assertHeld(job.modelDir, job.lockToken),
      makeCurrent: weighed.promotion.promoted,
    });
    const promotion = { ...weighed.promotion, reason: weighed.promotion.reason.replace('<id>', version) };
    return { ok: true, version, labelSource: output.draft.label_source, rows: output.draft.data.rows, comparison: weighed.comparison, promotion };
  } catch (err) {
    if (err instanceof LockBusyError) return { ok: false, kind: 'request', code: 'TRAINING_IN_PROGRESS', message: err.message };
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

parentPort!.on('message', ({ id, job }: { id: number; job: TrainJob }) => {
  run(job).then(
    (reply) => parentPort!.postMessage({ id, reply }),
    (err: Error) => parentPort!.postMessage({ id, reply: { ok: false, kind: 'internal', message: err.stack ?? String(err) } satisfies TrainReply }),
  );
});
