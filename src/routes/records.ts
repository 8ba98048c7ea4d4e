/** Request bodies to model records, with errors that name the record and field. */
import type { FastifyRequest } from 'fastify';
import { ServiceError } from '../errors.js';
import { parseRecord, RecordError, type TrafficRecord } from '../ml/data/record.js';
import { recordsFromBody, RecordsBodyError } from '../ml/data/records-body.js';

/** One record body (/score); a RecordError becomes a 400 naming the field. */
export function parseOne(body: unknown): TrafficRecord {
  try {
    return parseRecord(body);
  } catch (err) {
    if (err instanceof RecordError) throw new ServiceError('INVALID_RECORD', err.field === 'record' ? 'body must be an object' : err.message);
    throw err;
  }
}

/** A {"records": [...]} body (/batch, JSON or CSV); the first bad record rejects the whole request. */
export function parseRecords(request: FastifyRequest, maxRows: number): TrafficRecord[] {
  try {
    return recordsFromBody(request.body, maxRows, request.csvLines);
  } catch (err) {
    if (err instanceof RecordsBodyError) throw new ServiceError(err.code, err.message);
    throw err;
  }
}
