/**
 * A job's body, written to disk as it arrives: gunzipped when sent with
 * Content-Encoding: gzip, counted against the job body limit (after gunzip, so a
 * small compressed body cannot fill the disk) and against the disk left to jobs.
 * A {"records": [...]} JSON body is turned into NDJSON (one record a line, its
 * messages still saying records[i]); it is parsed whole, so it keeps /batch's
 * byte limit: CSV and NDJSON are the forms for big files.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ServiceError } from '../errors.js';
import type { InputFormat } from '../offline/worker.js';

export interface UploadLimits {
  /** bytes of the body after gunzip */
  bodyLimit: number;
  /** bytes a JSON body may take (it is parsed whole) */
  jsonLimit: number;
  /** bytes left on the jobs' disk budget */
  diskLeft: number;
}

class Meter extends Transform {
  bytes = 0;
  constructor(
    private readonly limit: number,
    private readonly diskLeft: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(new ServiceError('PAYLOAD_TOO_LARGE', `${this.what} is larger than ${this.limit} bytes`));
    if (this.bytes > this.diskLeft) return done(new ServiceError('INSUFFICIENT_STORAGE', 'the jobs disk budget (JOBS_MAX_DISK_BYTES) is used up: retry when older jobs are removed'));
    done(null, chunk);
  }
}

/** How a job's body is stored: the dataset's layouts, or a log's text (any log format but cloudwatch), stored as sent. */
export type JobBodyFormat = InputFormat | 'text';

/** The input format a content type names; null when jobs do not take it. */
export function formatOf(contentType: string | undefined): JobBodyFormat | null {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/plain') return 'text';
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  if (type === 'application/x-ndjson') return 'ndjson';
  if (type === 'application/json') return 'records';
  return null;
}

/**
 * Writes the body to `dest` (fsynced before this returns) and gives the bytes stored.
 * The request is never destroyed on an error: its rest is the refusal plugin's to drain.
 */
export async function receiveBody(body: Readable, dest: string, format: JobBodyFormat, gzip: boolean, limits: UploadLimits): Promise<number> {
  const { source, detach } = forward(body);
  // Gunzipped, metered, then where it goes.
  const through = (meter: Meter, sink: NodeJS.WritableStream | ((input: AsyncIterable<Buffer>) => Promise<void>)): Promise<void> =>
    gzip ? pipeline(source, createGunzip(), meter, sink) : pipeline(source, meter, sink);
  try {
    if (format !== 'records') {
      const meter = new Meter(limits.bodyLimit, limits.diskLeft, 'request body');
      await through(meter, createWriteStream(dest, { flags: 'wx', flush: true }));
      return meter.bytes;
    }
    const meter = new Meter(Math.min(limits.bodyLimit, limits.jsonLimit), limits.diskLeft, 'a JSON body (send text/csv or application/x-ndjson for larger files)');
    const chunks: Buffer[] = [];
    await through(meter, async (input: AsyncIterable<Buffer>) => {
      for await (const c of input) chunks.push(c);
    });
    const lines = recordsAsLines(Buffer.concat(chunks).toString('utf8'));
    await pipeline(Readable.from(lines), createWriteStream(dest, { flags: 'wx', flush: true }));
    return meter.bytes;
  } catch (err) {
    detach();
    await rm(dest, { force: true });
    if (err instanceof ServiceError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
      throw new ServiceError('INVALID_REQUEST', `the body is not valid gzip (Content-Encoding: gzip): ${(err as Error).message}`);
    }
    throw err;
  }
}

/**
 * The request's bytes through a stream of our own: a failed pipeline destroys its source, and a
 * destroyed request stops being read, so a client still sending would never see the error answer.
 * On failure the request is detached (paused, listeners gone) for the refusal plugin to drain.
 */
function forward(body: Readable): { source: PassThrough; detach: () => void } {
  const source = new PassThrough();
  const onData = (chunk: Buffer): void => {
    if (!source.write(chunk)) body.pause();
  };
  const onDrain = (): void => void body.resume();
  const onEnd = (): void => void source.end();
  const onError = (err: Error): void => void source.destroy(err);
  body.on('data', onData);
  body.once('end', onEnd);
  body.once('error', onError);
  source.on('drain', onDrain);
  return {
    source,
    detach: () => {
      body.pause();
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      source.off('drain', onDrain);
    },
  };
}

/** {"records": [...]} as NDJSON lines, checked as /batch checks the body's shape (records by parseRecord, later). */
function* recordsAsLines(text: string): Generator<string> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ServiceError('INVALID_JSON', `body is not valid JSON: ${(err as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ServiceError('INVALID_RECORD', 'body must be an object');
  const records = (body as { records?: unknown }).records;
  if (records === undefined) throw new ServiceError('INVALID_RECORD', 'records is required');
  if (!Array.isArray(records)) throw new ServiceError('INVALID_RECORD', 'records must be an array');
  if (records.length === 0) throw new ServiceError('INVALID_RECORD', 'records must NOT have fewer than 1 items');
  let out = '';
  for (const r of records) {
    out += `${JSON.stringify(r)}\n`;
    if (out.length > 1 << 20) {
      yield out;
      out = '';
    }
  }
  if (out !== '') yield out;
}
