/**
 * Records from a byte stream of any length, a chunk at a time: the dataset CSV
 * (header row first) or NDJSON (one JSON record a line). Streamed /batch and
 * `npm run score` read through it, so neither ever holds more than one chunk of
 * records. Records go through parseRecord, the one validator, and a bad one
 * stops the stream with the line and the field, as /batch's messages do.
 */
import { StringDecoder } from 'node:string_decoder';
import { CsvSyntaxError } from './csv.js';
import { CsvError } from './dataset.js';
import { JsonLineError } from './formats/cloudwatch.js';
import { FORMATS, type FormatName, type FormatOptions, type FormatReader } from './formats/index.js';
import type { BadRecordHandler } from './formats/types.js';
import { RecordError, type TrafficRecord } from './record.js';

/** csv and ndjson: the dataset's layout (the cloudwatch format); any other name: that format of the registry. */
export type StreamFormat = 'csv' | 'ndjson' | FormatName;

/** Why a stream stopped; `code` is the service's error code for it. */
export class RecordStreamError extends Error {
  constructor(
    readonly code: 'INVALID_RECORD' | 'INVALID_CSV' | 'INVALID_JSON' | 'PAYLOAD_TOO_LARGE',
    message: string,
  ) {
    super(message);
    this.name = 'RecordStreamError';
  }
}

/** A record left out in skip mode: its line, the offending field, its value shortened, and the message. */
export interface SkippedRecord {
  line: number;
  field: string;
  value: string;
  message: string;
}

/** Characters of an offending value kept in a skip report. */
const VALUE_CHARS = 64;

/** A skip report for `err` at `line`; `fieldValue` gives the raw value of a field. */
export function skippedRecord(err: Error, line: number, fieldValue: (field: string) => unknown): SkippedRecord {
  const field = err instanceof RecordError ? err.field : 'record';
  const raw = fieldValue(field);
  const text = raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
  return { line, field, value: text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS)}…` : text, message: err.message };
}

export interface RecordStreamOptions {
  /** skip mode: a bad record (or NDJSON line, or CSV row of the wrong width) is given here and left out, instead of stopping the stream */
  onSkip?: (skipped: SkippedRecord) => void;
  /** skip mode: more bad records than this stops the stream; default 1,000 */
  maxErrors?: number;
  /** records per chunk; default 1,000 */
  chunkSize?: number;
  /** bytes the stream may carry; default unlimited */
  maxBytes?: number;
  /** characters one record (CSV) or line (NDJSON) may take; default 64 KiB */
  maxRecordSize?: number;
  /** options of the format (vpc-flow fields) */
  formatOptions?: FormatOptions;
  /** called with the format's reader before the first record, to read its counts (skipped lines, stitched sessions) after */
  onReader?: (reader: FormatReader) => void;
}

/** The reader of a stream format, from the one registry. */
export function streamReader(format: StreamFormat, options: RecordStreamOptions = {}, onBad?: BadRecordHandler): FormatReader {
  const maxLineSize = options.maxRecordSize;
  if (format === 'csv') return FORMATS.cloudwatch.reader({ maxLineSize, onBad });
  if (format === 'ndjson') return FORMATS.cloudwatch.reader({ maxLineSize, ndjson: true, onBad });
  return FORMATS[format].reader({ ...options.formatOptions, maxLineSize, onBad });
}

/**
 * Reads records from `input` in chunks of `chunkSize`.
 * @throws RecordStreamError when the input is malformed, a record is bad, or the byte limit is passed
 */
export async function* recordChunks(input: AsyncIterable<Buffer | string>, format: StreamFormat, options: RecordStreamOptions = {}): AsyncGenerator<TrafficRecord[]> {
  const chunkSize = options.chunkSize ?? 1000;
  const maxBytes = options.maxBytes ?? Infinity;
  const decoder = new StringDecoder('utf8');
  let reader: FormatReader | null = null;
  const maxErrors = options.maxErrors ?? 1000;
  let skippedCount = 0;
  /** Skip mode: reports a bad record; past maxErrors it stops the stream. */
  const skip: BadRecordHandler = (err, line, fieldValue) => {
    if (++skippedCount > maxErrors) throw new RecordStreamError('INVALID_RECORD', `more than ${maxErrors} bad records (max_errors); the next one: ${err.message}`);
    options.onSkip!(skippedRecord(err, line, fieldValue));
  };
  let pending: TrafficRecord[] = [];
  let bytes = 0;
  let total = 0;

  const take = (text: string, final: boolean): void => {
    for (const r of reader!.push(text)) pending.push(r);
    if (final) for (const r of reader!.end()) pending.push(r);
  };

  try {
    reader = streamReader(format, options, options.onSkip ? skip : undefined);
    options.onReader?.(reader);
    for await (const chunk of input) {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (bytes > maxBytes) throw new RecordStreamError('PAYLOAD_TOO_LARGE', `the stream is larger than ${maxBytes} bytes`);
      take(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
      if (pending.length >= chunkSize) {
        // Full chunks out in one pass; the remainder waits for more input.
        const full = pending.length - (pending.length % chunkSize);
        const ready = pending;
        pending = ready.slice(full);
        for (let i = 0; i < full; i += chunkSize) {
          total += chunkSize;
          yield ready.slice(i, i + chunkSize);
        }
      }
    }
    take(decoder.end(), true);
  } catch (err) {
    if (err instanceof RecordError) {
      throw new RecordStreamError('INVALID_RECORD', err.field === 'record' ? `${err.location}: must be a JSON object` : err.message);
    }
    if (err instanceof CsvSyntaxError) throw new RecordStreamError('INVALID_CSV', err.message);
    if (err instanceof CsvError) throw new RecordStreamError('INVALID_CSV', err.message);
    if (err instanceof JsonLineError) throw new RecordStreamError('INVALID_JSON', err.message);
    if (err instanceof RangeError && err.message.startsWith('format')) throw new RecordStreamError('INVALID_RECORD', err.message);
    throw err;
  }
  total += pending.length;
  if (total === 0 && skippedCount === 0) {
    if (format === 'csv' || format === 'ndjson') throw new RecordStreamError(format === 'csv' ? 'INVALID_CSV' : 'INVALID_JSON', `${format === 'csv' ? 'CSV' : 'NDJSON'} has no records`);
    throw new RecordStreamError('INVALID_RECORD', `the ${format} log has no records${skippedNote(reader)}`);
  }
  if (pending.length > 0) yield pending;
}

function skippedNote(reader: FormatReader | null): string {
  const skipped = Object.entries(reader?.skipped ?? {});
  return skipped.length === 0 ? '' : ` (skipped: ${skipped.map(([k, n]) => `${n} ${k}`).join(', ')})`;
}
