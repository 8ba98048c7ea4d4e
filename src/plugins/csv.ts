/**
 * text/csv request bodies (POST /batch; routes without config.takesCsv answer
 * 415), parsed by our CSV reader as they stream in. A custom parser gets no body limit from Fastify, so this one
 * counts bytes against the route's bodyLimit itself and stops reading at the
 * route's row cap (config.maxRows) instead of buffering a flood. The body
 * becomes {records: [...]} so that the JSON and CSV forms share one schema; the
 * CSV line of each record is kept on the request for error messages.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ServiceError } from '../errors.js';
import { CsvError, readCsvRows } from '../ml/data/dataset.js';
import { FORMATS } from '../ml/data/formats/index.js';
import { readLogText } from '../ml/data/formats/read-text.js';
import { RecordError, type TrafficRecord } from '../ml/data/record.js';
import { type SkippedRecord, skippedRecord } from '../ml/data/record-stream.js';
import type { BadRecordHandler } from '../ml/data/formats/types.js';
import { DEFAULT_MAX_ERRORS } from '../offline/score-file.js';
import { requestFormat } from '../routes/format.js';

/** The key of a body read from a log format: its records, already parsed (no JSON body can have a symbol key). */
export const LOG_RECORDS = Symbol('logRecords');
export interface LogBody {
  [LOG_RECORDS]: TrafficRecord[];
  skipped: Readonly<Record<string, number>>;
  notes: Readonly<Record<string, number>>;
  /** skip mode (?on_error=skip on a route that skips): the bad lines left out, in order */
  bad: SkippedRecord[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** 1-based CSV line of each record, when the body was CSV */
    csvLines?: Int32Array;
  }
  interface FastifyContextConfig {
    /** rows a CSV body may hold; more is a 413 */
    maxRows?: number;
    /** the route accepts the dataset CSV as well as JSON (documented as both) */
    takesCsv?: boolean;
    /** the route streams with Accept: application/x-ndjson, reading the body itself */
    streams?: boolean;
    /** the route takes logs in the formats of the registry (?format=), as text/plain */
    takesLogs?: boolean;
    /** the route has skip mode (?on_error=skip): a log body's bad lines are left out and listed, not a 400 */
    skips?: boolean;
  }
}

export const NDJSON = 'application/x-ndjson';

/** Whether the client asked for a streamed answer (Accept: application/x-ndjson). */
export function wantsStream(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes(NDJSON);
}

class ByteLimit extends Transform {
  private seen = 0;
  constructor(private readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) return done(new ServiceError('PAYLOAD_TOO_LARGE', `request body is larger than ${this.limit} bytes`));
    done(null, chunk);
  }
}

/**
 * The body as sent, gunzipped when Content-Encoding says gzip (logs are delivered to S3 gzipped). The
 * route's bodyLimit applies to the expanded bytes too, so a small gzip cannot expand without bound.
 */
export function decodedBody(request: FastifyRequest, payload: NodeJS.ReadableStream, limit: number): NodeJS.ReadableStream {
  const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return payload;
  if (encoding !== 'gzip') throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', `content-encoding ${encoding.slice(0, 40)} is not supported: send gzip or none`);
  const gunzip = createGunzip();
  const limited = new ByteLimit(limit);
  payload.on('error', (err) => gunzip.destroy(err));
  gunzip.on('error', (err) => limited.destroy(err.message.startsWith('request body') ? err : new ServiceError('INVALID_REQUEST', `the gzip body cannot be read (${err.message})`)));
  payload.pipe(gunzip).pipe(limited);
  return limited;
}

async function readText(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  const limited = new ByteLimit(limit);
  stream.on('error', (err) => limited.destroy(err));
  stream.pipe(limited);
  const chunks: Buffer[] = [];
  for await (const chunk of limited) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A whole log body (?format= other than cloudwatch) to its records: a bad line is a 400 naming it. */
async function parseLogBody(request: FastifyRequest, payload: NodeJS.ReadableStream): Promise<LogBody> {
  const { name, options } = requestFormat(request);
  if (!request.routeOptions.config.takesLogs || name === 'cloudwatch') {
    const logs = Object.keys(FORMATS).filter((n) => n !== 'cloudwatch');
    throw new ServiceError(
      'UNSUPPORTED_MEDIA_TYPE',
      request.routeOptions.config.takesLogs
        ? `content-type text/plain is a log: name its format with ?format= (${logs.join(', ')}); the dataset's layout is sent as application/json or text/csv`
        : `content-type text/plain is not supported by ${request.method} ${request.routeOptions.url}: send application/json`,
    );
  }
  const limit = request.routeOptions.bodyLimit ?? 1024 * 1024;
  const declared = Number(request.headers['content-length']);
  if (declared > limit) throw new ServiceError('PAYLOAD_TOO_LARGE', `request body is larger than ${limit} bytes`);
  const text = await readText(decodedBody(request, payload, limit), limit);
  const maxRows = request.routeOptions.config.maxRows ?? Infinity;
  // The body is parsed before the route runs and before its querystring is validated (that follows):
  // skip mode is read from the raw query here, as the route will read it.
  const query = (request.query ?? {}) as { on_error?: unknown; max_errors?: unknown };
  const bad: SkippedRecord[] = [];
  const maxErrors = query.max_errors === undefined ? DEFAULT_MAX_ERRORS : Number(query.max_errors);
  const onBad: BadRecordHandler | undefined =
    request.routeOptions.config.skips && query.on_error === 'skip'
      ? (err, line, fieldValue) => {
          if (bad.length >= maxErrors) throw new ServiceError('INVALID_RECORD', `more than ${maxErrors} bad records (max_errors); the next one: ${err.message}`);
          bad.push(skippedRecord(err, line, fieldValue));
        }
      : undefined;
  try {
    const read = readLogText(name, text, { ...options, onBad }, maxRows);
    if (read.records.length === 0)
      throw new ServiceError('INVALID_RECORD', `the ${name} log has no records${Object.keys(read.skipped).length > 0 ? ` (skipped: ${JSON.stringify(read.skipped)})` : ''}`);
    return { [LOG_RECORDS]: read.records, skipped: read.skipped, notes: read.notes, bad };
  } catch (err) {
    if (err instanceof RecordError) throw new ServiceError('INVALID_RECORD', err.message);
    if (err instanceof RangeError && err.message.includes('more than')) throw new ServiceError('TOO_MANY_RECORDS', err.message);
    throw err;
  }
}

async function parseCsvBody(request: FastifyRequest, payload: NodeJS.ReadableStream): Promise<{ records: Record<string, string>[] }> {
  if (!request.routeOptions.config.takesCsv) {
    // Only routes that document a CSV body take one; anywhere else it would be parsed and then
    // refused for a missing field, which hides the real mistake.
    throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', `content-type ${request.headers['content-type']} is not supported by ${request.method} ${request.routeOptions.url}: send application/json`);
  }
  const limit = request.routeOptions.bodyLimit ?? 1024 * 1024;
  const maxRows = request.routeOptions.config.maxRows ?? Infinity;
  const declared = Number(request.headers['content-length']);
  if (declared > limit) throw new ServiceError('PAYLOAD_TOO_LARGE', `request body is larger than ${limit} bytes`);
  const limited = new ByteLimit(limit);
  const decoded = decodedBody(request, payload, limit);
  decoded.on('error', (err) => limited.destroy(err));
  decoded.pipe(limited);
  try {
    const rows = await readCsvRows(limited, { maxRows });
    request.csvLines = Int32Array.from(rows, (r) => r.line);
    return { records: rows.map((r) => r.raw) };
  } catch (err) {
    if (err instanceof CsvError && err.tooManyRows) throw new ServiceError('TOO_MANY_RECORDS', `CSV has more than ${maxRows} records`);
    if (err instanceof CsvError) throw new ServiceError('INVALID_CSV', err.message);
    throw err; // ServiceError from the byte limit, or a socket error
  }
}

async function csvPlugin(app: FastifyInstance): Promise<void> {
  app.addContentTypeParser(['text/csv', 'application/csv'], (request, payload, done) => {
    // A streamed /batch reads the CSV itself, as it arrives (routes/batch-stream.ts).
    if (request.routeOptions.config.streams && wantsStream(request)) {
      try {
        return done(null, decodedBody(request, payload, Infinity));
      } catch (err) {
        return done(err as Error, undefined);
      }
    }
    parseCsvBody(request, payload).then(
      (body) => done(null, body),
      (err: Error) => done(err, undefined),
    );
  });
  // Logs (?format=vpc-flow, alb, waf, cloudfront, ocsf) come as text/plain.
  app.addContentTypeParser('text/plain', (request, payload, done) => {
    try {
      if (request.routeOptions.config.streams && wantsStream(request) && requestFormat(request).name !== 'cloudwatch') {
        // A streamed /batch reads the log itself, as it arrives.
        return done(null, decodedBody(request, payload, Infinity));
      }
    } catch (err) {
      return done(err as Error, undefined);
    }
    parseLogBody(request, payload).then(
      (body) => done(null, body),
      (err: Error) => done(err, undefined),
    );
  });
}

export default fp(csvPlugin, { name: 'csv', fastify: '5.x' });
