/** Request bodies to model records, with errors that name the record and field. */
import type { FastifyRequest } from 'fastify';
import { ServiceError } from '../errors.js';
import { parseRecord, RecordError, type TrafficRecord } from '../ml/data/record.js';
import { recordsFromBody, RecordsBodyError } from '../ml/data/records-body.js';
import { type SkippedRecord, skippedRecord } from '../ml/data/record-stream.js';

/** One record body (/score); a RecordError becomes a 400 naming the field. */
export function parseOne(body: unknown): TrafficRecord {
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
