/** Request bodies to model records, with errors that name the record and field. */
import type { FastifyRequest } from 'fastify';
import { ServiceError } from '../errors.js';
import { parseRecord, RecordError, type TrafficRecord } from '../ml/data/record.js';
import { recordsFromBody, RecordsBodyError } from '../ml/data/records-body.js';
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

/** A {"records": [...]} body (/batch, JSON or CSV); the first bad record rejects the whole request. */
export function parseRecords(request: FastifyRequest, maxRows: number): TrafficRecord[] {
  const logged = logRecords(request.body);
  if (logged !== undefined) return logged;
  try {
    return recordsFromBody(request.body, maxRows, request.csvLines);
  } catch (err) {
    if (err instanceof RecordsBodyError) throw new ServiceError(err.code, err.message);
    throw err;
  }
}
