/**
 * The training thread of POST /train, kept alive between runs. For each job it
 * parses the raw body (CSV or JSON), validates every record with parseRecord,
 * trains a bundle with the shared training function and writes it as a new
 * version of MODEL_DIR. All of that is off the event loop that serves /score and
 * /batch: a 64 MiB body is parsed here, not there.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { ErrorCode } from '../errors.js';
import { CsvError, readCsvRows, recordsFromRows } from '../ml/dataset.js';
import { parseRecord, RecordError, type TrafficRecord } from '../ml/record.js';
import { saveVersion } from '../ml/store.js';
import { TrainingError, trainModels, type TrainOptions } from '../ml/train.js';

export interface TrainJob {
  modelDir: string;
  keep: number;
  /** the request body as received */
  body: Uint8Array;
  format: 'csv' | 'json';
  maxRows: number;
  options: Omit<TrainOptions, 'onProgress' | 'now'>;
}

export type TrainReply =
  | { ok: true; version: string; labelSource: string; rows: number }
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

/** Records of a {"records": [...]} body, with the messages /batch gives for the same mistakes. */
function recordsFromJson(text: string, maxRows: number): TrafficRecord[] {
  let doc: unknown;
  try {
    // JSON.parse makes "__proto__" an own property, never a prototype; parseRecord reads own properties only.
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new RequestError('INVALID_JSON', `body is not valid JSON (${(err as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new RequestError('INVALID_RECORD', 'body must be object');
  const records = Object.prototype.hasOwnProperty.call(doc, 'records') ? (doc as { records: unknown }).records : undefined;
  if (records === undefined) throw new RequestError('INVALID_RECORD', 'records is required');
  if (!Array.isArray(records)) throw new RequestError('INVALID_RECORD', 'records must be array');
  if (records.length === 0) throw new RequestError('INVALID_RECORD', 'records must NOT have fewer than 1 items');
  if (records.length > maxRows) throw new RequestError('TOO_MANY_RECORDS', `records has ${records.length} items, at most ${maxRows} are accepted`);
  return records.map((raw, i) => {
    try {
      return parseRecord(raw);
    } catch (err) {
      if (err instanceof RecordError) throw new RequestError('INVALID_RECORD', `records[${i}].${err.field} ${err.detail}`);
      throw err;
    }
  });
}

async function parseBody(job: TrainJob): Promise<TrafficRecord[]> {
  const bytes = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
  if (job.format === 'json') return recordsFromJson(bytes.toString('utf8'), job.maxRows);
  try {
    return recordsFromRows(await readCsvRows(bytes, { maxRows: job.maxRows }));
  } catch (err) {
    if (err instanceof CsvError) throw new RequestError(err.tooManyRows ? 'TOO_MANY_RECORDS' : 'INVALID_CSV', err.tooManyRows ? `CSV has more than ${job.maxRows} records` : err.message);
    if (err instanceof RecordError) throw new RequestError('INVALID_RECORD', err.message);
    throw err;
  }
}

async function run(job: TrainJob): Promise<TrainReply> {
  let output;
  try {
    output = trainModels(await parseBody(job), job.options);
  } catch (err) {
    if (err instanceof RequestError) return { ok: false, kind: 'request', code: err.code, message: err.message };
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

parentPort!.on('message', ({ id, job }: { id: number; job: TrainJob }) => {
  run(job).then(
    (reply) => parentPort!.postMessage({ id, reply }),
    (err: Error) => parentPort!.postMessage({ id, reply: { ok: false, kind: 'internal', message: err.stack ?? String(err) } satisfies TrainReply }),
  );
});
