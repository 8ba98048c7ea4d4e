/**
 * The streamed form of POST /batch (`Accept: application/x-ndjson`): records are
 * read from the body as they arrive (CSV or NDJSON), scored a chunk at a time,
 * and written back one result per line in input order, then one summary line.
 * Between chunks it yields to the event loop, so /healthz and /score keep
 * answering while a stream of any length runs, and it never holds more than a
 * chunk of records or results.
 *
 * The status (200) is sent before the records are read, so a bad record, a
 * malformed body or the byte limit mid-stream ends the stream with an error line
 * `{"error": {statusCode, error, message, code}}` naming the line and field.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Spool } from '../http/spool.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { errorBody } from '../errors.js';
import type { ModelBundle, ScoreObserver } from '../ml/bundle/bundle.js';
import { recordChunks, type RecordStreamOptions, RecordStreamError, type SkippedRecord, type StreamFormat } from '../ml/data/record-stream.js';
import type { FormatOptions } from '../ml/data/formats/index.js';
import type { TrafficRecord } from '../ml/data/record.js';
import { requestFormat } from './format.js';
import { SummaryBuilder, summaryFit } from '../ml/insight/summary.js';

export { NDJSON, wantsStream } from '../plugins/csv.js';
/**
 * Records scored between two yields to the event loop: about 5 ms of work here, so a /healthz or
 * /score that arrives meanwhile waits at most that long for its turn.
 */
export const CHUNK = 500;

/** Chunks of records already in memory (a JSON body), in the shape recordChunks yields. */
async function* inMemory(records: TrafficRecord[]): AsyncGenerator<TrafficRecord[]> {
  for (let i = 0; i < records.length; i += CHUNK) yield records.slice(i, i + CHUNK);
}

/** The record chunks of a streamed body: the raw request stream (CSV, NDJSON), or parsed JSON records. */
export function chunksOf(
  body: Readable | TrafficRecord[],
  format: StreamFormat,
  maxBytes: number,
  skip: Pick<RecordStreamOptions, 'onSkip' | 'maxErrors'> = {},
  formatOptions: FormatOptions = {},
): AsyncGenerator<TrafficRecord[]> {
  if (Array.isArray(body)) return inMemory(body);
  return fromBody(body, format, maxBytes, skip, formatOptions);
}

/**
 * The records of a request body as it arrives. When reading stops before the body's end (a bad record,
 * the byte limit, the client gone), the rest of the body is read and thrown away, not left in the socket:
 * a client that sends its whole body before reading the answer (Chromium's fetch does, past what the
 * socket buffers hold) would otherwise never see the error line. Destroying the request is no way out
 * either: Node then stops reading the socket and the connection stalls. Past `maxBytes` more, the
 * connection is closed instead, so a client cannot make the server read without bound.
 */
async function* fromBody(
  body: Readable,
  format: StreamFormat,
  maxBytes: number,
  skip: Pick<RecordStreamOptions, 'onSkip' | 'maxErrors'>,
  formatOptions: FormatOptions,
): AsyncGenerator<TrafficRecord[]> {
  try {
    yield* recordChunks(body.iterator({ destroyOnReturn: false }), format, { chunkSize: CHUNK, maxBytes, formatOptions, ...skip });
  } finally {
    discardRest(body, maxBytes);
  }
}

function discardRest(body: Readable, maxBytes: number): void {
  if (body.readableEnded || body.destroyed) return;
  let discarded = 0;
  body.on('error', () => {}); // the client went away: nothing is left to answer
  body.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > maxBytes) (body as Readable & { socket?: { destroy(): void } }).socket?.destroy();
  });
  body.resume();
}

/**
 * Output kept in memory for a client that is not reading (past it, in a temporary file): a client that
 * sends its whole body before it reads gets every line after its upload, and the server's memory stays
 * bounded meanwhile (src/http/spool.ts).
 */
export const SPOOL_MEMORY_BYTES = 8 * 1024 * 1024;

/**
 * The lines as a response body, produced as fast as the body arrives whether or not the client reads:
 * waiting for the client would stop reading its body, a deadlock with a client that reads only after
 * sending. When the client goes away, producing stops (the generator's finally discards the body's rest).
 */
export function spooled(lines: AsyncGenerator<string>): Readable {
  const spool = new Spool(SPOOL_MEMORY_BYTES);
  void (async () => {
    try {
      for await (const text of lines) {
        if (spool.destroyed) break;
        await spool.add(text);
      }
      spool.finish();
    } catch (err) {
      spool.destroy(err as Error);
    }
  })();
  return spool;
}

/**
 * The response lines: one result per record, then the summary; or an error line where the input goes wrong.
 * In skip mode (`skipped` given, filled as the body is read) each bad record is a line {"skipped": {line,
 * field, value, message}}, written before the results of the chunk it was read with, and the summary line
 * carries records_skipped.
 */
export async function* ndjsonLines(
  app: FastifyInstance,
  request: FastifyRequest,
  chunks: AsyncGenerator<TrafficRecord[]>,
  bundle: ModelBundle,
  observer: ScoreObserver | null,
  skipped: SkippedRecord[] | null = null,
): AsyncGenerator<string> {
  const summary = new SummaryBuilder(bundle.sourceRule, summaryFit(bundle, requestFormat(request).name));
  let skippedCount = 0;
  const skippedLines = (): string => {
    if (skipped === null || skipped.length === 0) return '';
    skippedCount += skipped.length;
    const text = skipped.map((s) => `${JSON.stringify({ skipped: s })}\n`).join('');
    skipped.length = 0;
    return text;
  };
  try {
    for await (const records of chunks) {
      const results = bundle.scoreMany(records, observer);
      let text = skippedLines();
      for (let i = 0; i < records.length; i++) {
        summary.add(records[i], results[i]);
        text += `${JSON.stringify(results[i])}\n`;
      }
      app.metrics.recordsScored('batch', results);
      yield text;
      await yieldToEventLoop();
    }
    const rest = skippedLines();
    if (rest !== '') yield rest;
    yield `${JSON.stringify(skipped === null ? { summary: summary.build() } : { summary: summary.build(), records_skipped: skippedCount })}\n`;
  } catch (err) {
    if (err instanceof RecordStreamError) {
      request.log.info({ code: err.code, message: err.message }, 'stream ended by a bad input');
      yield `${JSON.stringify({ error: errorBody(err.code, err.message) })}\n`;
      return;
    }
    request.log.error({ err }, 'stream failed');
    yield `${JSON.stringify({ error: errorBody('INTERNAL', `internal error (request id ${request.id}); the details are in the service log`) })}\n`;
  }
}
