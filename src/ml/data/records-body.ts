/**
 * The records of a {"records": [...]} body, JSON or made by the CSV reader,
 * validated with parseRecord: the one validator of records, shared by /score,
 * /batch and /train (test/schemas/record-agreement.test.ts holds it to the
 * documented TrafficRecord schema). Messages name the record (records[3] or its
 * CSV line) and the field, as a schema error would.
 */
import { parseRecord, RecordError, type TrafficRecord } from './record.js';

export class RecordsBodyError extends Error {
  constructor(
    readonly code: 'INVALID_RECORD' | 'TOO_MANY_RECORDS',
    message: string,
  ) {
    super(message);
    this.name = 'RecordsBodyError';
  }
}

/**
 * @param maxRows more records is a TOO_MANY_RECORDS error, before any is parsed
 * @param csvLines the CSV line of each record, when the body came from a CSV
 */
export function recordsFromBody(body: unknown, maxRows: number, csvLines?: Int32Array, onSkip?: (err: RecordError, index: number, raw: unknown) => void): TrafficRecord[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RecordsBodyError('INVALID_RECORD', 'body must be an object');
  const records = Object.hasOwn(body, 'records') ? (body as { records: unknown }).records : undefined;
  if (records === undefined) throw new RecordsBodyError('INVALID_RECORD', 'records is required');
  if (!Array.isArray(records)) throw new RecordsBodyError('INVALID_RECORD', 'records must be an array');
  if (records.length === 0) throw new RecordsBodyError('INVALID_RECORD', 'records must NOT have fewer than 1 items');
  if (records.length > maxRows) throw new RecordsBodyError('TOO_MANY_RECORDS', `records has ${records.length} items, at most ${maxRows} are accepted`);
  const out: TrafficRecord[] = [];
  for (let i = 0; i < records.length; i++) {
    try {
      out.push(parseRecord(records[i]));
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      // Skip mode: reported, left out.
      if (onSkip) {
        onSkip(csvLines ? err.at(`CSV line ${csvLines[i]}`) : err.at(`records[${i}]`), i, records[i]);
        continue;
      }
      if (csvLines) throw new RecordsBodyError('INVALID_RECORD', err.at(`CSV line ${csvLines[i]}`).message);
      const where = err.field === 'record' ? `records[${i}]` : `records[${i}].${err.field}`;
      throw new RecordsBodyError('INVALID_RECORD', `${where} ${err.detail}`);
    }
  }
  return out;
}
