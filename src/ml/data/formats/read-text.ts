/**
 * A whole log (a request body, a training body) through its format: the records, and the reader's
 * counts (lines skipped, sessions stitched). gzip, as logs are delivered to S3, is undone first, with
 * the expanded size bounded so a small compressed body cannot expand without limit.
 */
import { gunzipSync } from 'node:zlib';
import type { TrafficRecord } from '../record.js';
import { FORMATS, type FormatName, type FormatOptions } from './index.js';

export interface LogRead {
  records: TrafficRecord[];
  skipped: Readonly<Record<string, number>>;
  notes: Readonly<Record<string, number>>;
}

/** A gzip stream starts with these two bytes. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The bytes, gunzipped when they are gzip; RangeError when the expanded text passes maxBytes. */
export function gunzipIfGzip(bytes: Buffer, maxBytes: number): Buffer {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new RangeError(`the gzip body expands past ${maxBytes} bytes`);
    throw new RangeError(`the gzip body cannot be read (${(err as Error).message})`);
  }
}

/**
 * @param maxRecords more records is a RangeError ("has more than N records")
 * @throws RecordError placed at its line for a bad line or header
 */
export function readLogText(name: FormatName, text: string, options: FormatOptions, maxRecords = Infinity): LogRead {
  const reader = FORMATS[name].reader(options);
  const records = reader.push(text);
  for (const r of reader.end()) records.push(r);
  if (records.length > maxRecords) throw new RangeError(`the ${name} log has more than ${maxRecords} records`);
  return { records, skipped: reader.skipped, notes: reader.notes };
}
