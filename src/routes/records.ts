/** Request bodies to model records, with errors that name the record and field. */
import type { FastifyRequest } from 'fastify';
import { ServiceError } from '../errors.js';
import { parseRecord, RecordError, type TrafficRecord } from '../ml/data/record.js';
import { recordsFromBody, RecordsBodyError } from '../ml/data/records-body.js';
import { type SkippedRecord, skippedRecord } from '../ml/data/record-stream.js';
import { LOG_RECORDS, type LogBody } from '../plugins/csv.js';

/** The records of a log body, already read by its format (plugins/csv.ts); undefined for any other body. */
export function logRecords(body: unknown): TrafficRecord[] | undefined {
  return body !== null && typeof body === 'object' && LOG_RECORDS in body ? (body as LogBody)[LOG_RECORDS] : undefined;
}

/** One record body (/score); a RecordError becomes a 400 naming the field. */
export function parseOne(body: unknown): TrafficRecord {
  const logged = logRecords(body);
  if (logged !== undefined) {
    // A connection's two flow records make one session: one record either way.
    if (logged.length !== 1) throw new ServiceError('INVALID_RECORD', `/score takes one record and the log holds ${logged.length}: send it to /batch`);
    return logged[0];
  }
  try {
    return parseRecord(body);
  } catch (err) {
    if (err instanceof RecordError) throw new ServiceError('INVALID_RECORD', err.field === 'record' ? 'body must be an object' : err.message);
    throw err;
  }
}

/**
 * A {"records": [...]} body (/batch, JSON or CSV); the first bad record rejects the whole request, unless
 * `skipped` is given (skip mode): then bad records are reported there (line: the CSV line, or the
 * record's index + 1) and left out, up to maxErrors.
 */
export function parseRecords(request: FastifyRequest, maxRows: number, skipped?: SkippedRecord[], maxErrors = 1000): TrafficRecord[] {
  const logged = logRecords(request.body);
  if (logged !== undefined) {
    // a log's bad lines were left out as its format read it (plugins/csv.ts), when the route skips
    if (skipped) skipped.push(...(request.body as LogBody).bad);
    return logged;
  }
  const lines = request.csvLines;
  const onSkip = skipped
    ? (err: RecordError, i: number, raw: unknown): void => {
        if (skipped.length >= maxErrors) throw new ServiceError('INVALID_RECORD', `more than ${maxErrors} bad records (max_errors); the next one: ${err.message}`);
        skipped.push(skippedRecord(err, lines ? lines[i] : i + 1, (field) => (field === 'record' ? raw : (raw as Record<string, unknown>)?.[field])));
      }
    : undefined;
  try {
    return recordsFromBody(request.body, maxRows, lines, onSkip);
  } catch (err) {
    if (err instanceof RecordsBodyError) throw new ServiceError(err.code, err.message);
    throw err;
  }
}
