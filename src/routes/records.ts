/** Turning request records into model records, with errors that name the record and field. */
import type { FastifyRequest } from 'fastify';
import { ServiceError } from '../errors.js';
import { parseRecord, RecordError, type TrafficRecord } from '../ml/record.js';

/** parseRecord for one record body; a RecordError becomes a 400 naming the field. */
export function parseOne(body: unknown): TrafficRecord {
  try {
    return parseRecord(body);
  } catch (err) {
    if (err instanceof RecordError) throw new ServiceError('INVALID_RECORD', err.message);
    throw err;
  }
}

/** parseRecord for every record; the first bad one rejects the whole request, naming its index or CSV line. */
export function parseMany(request: FastifyRequest, raws: readonly unknown[]): TrafficRecord[] {
  const out = new Array<TrafficRecord>(raws.length);
  for (let i = 0; i < raws.length; i++) {
    try {
      out[i] = parseRecord(raws[i]);
    } catch (err) {
      if (err instanceof RecordError) {
        // The same shapes as schema errors: "records[3].src_ip ..." or "CSV line 5: src_ip ...".
        const message = request.csvLines ? err.at(`CSV line ${request.csvLines[i]}`).message : `records[${i}].${err.field} ${err.detail}`;
        throw new ServiceError('INVALID_RECORD', message);
      }
      throw err;
    }
  }
  return out;
}

/** A 413 before validation when a JSON body holds more records than allowed (CSV stops while parsing). */
export function checkRecordCount(body: unknown, limit: number): void {
  const records = (body as { records?: unknown } | null)?.records;
  if (Array.isArray(records) && records.length > limit) {
    throw new ServiceError('TOO_MANY_RECORDS', `records has ${records.length} items, at most ${limit} are accepted`);
  }
}
