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
import { ServiceError } from '../errors.js';
import { CsvError, readCsvRows } from '../ml/data/dataset.js';

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
  payload.on('error', (err) => limited.destroy(err));
  payload.pipe(limited);
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
    if (request.routeOptions.config.streams && wantsStream(request)) return done(null, payload);
    parseCsvBody(request, payload).then(
      (body) => done(null, body),
      (err: Error) => done(err, undefined),
    );
  });
}

export default fp(csvPlugin, { name: 'csv', fastify: '5.x' });
