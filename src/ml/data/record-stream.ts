/**
 * Records from a byte stream of any length, a chunk at a time: the dataset CSV
 * (header row first) or NDJSON (one JSON record a line). Streamed /batch and
 * `npm run score` read through it, so neither ever holds more than one chunk of
 * records. Records go through parseRecord, the one validator, and a bad one
 * stops the stream with the line and the field, as /batch's messages do.
 */
import { StringDecoder } from 'node:string_decoder';
import { CsvReader, CsvSyntaxError } from './csv.js';
import { CsvError, CsvRecords } from './dataset.js';
import { parseRecordAt, RecordError, type TrafficRecord } from './record.js';

export type StreamFormat = 'csv' | 'ndjson';

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
}

const MAX_LINE = 64 * 1024;

/** Splits NDJSON into records, line by line. */
class NdjsonReader {
  private buffer = '';
  private line = 0;
  constructor(
    private readonly maxLine: number,
    private readonly skipping: boolean,
  ) {}

  push(text: string, final: boolean): { line: number; value: unknown; bad?: RecordStreamError }[] {
    this.buffer += text;
    const out: { line: number; value: unknown; bad?: RecordStreamError }[] = [];
    let pos = 0;
    for (;;) {
      let nl = this.buffer.indexOf('\n', pos);
      if (nl < 0) {
        if (!final || pos >= this.buffer.length) break;
        nl = this.buffer.length;
      }
      this.line++;
      const text = this.buffer.slice(pos, nl).trim();
      pos = nl + 1;
      if (text.length > this.maxLine) throw new RecordStreamError('INVALID_JSON', `NDJSON line ${this.line}: is longer than ${this.maxLine} characters`);
      if (text === '') continue;
      try {
        out.push({ line: this.line, value: JSON.parse(text) });
      } catch (err) {
        const bad = new RecordStreamError('INVALID_JSON', `NDJSON line ${this.line}: is not valid JSON (${(err as Error).message})`);
        if (!this.skipping) throw bad;
        out.push({ line: this.line, value: text, bad });
      }
    }
    this.buffer = this.buffer.slice(pos);
    if (this.buffer.length > this.maxLine) throw new RecordStreamError('INVALID_JSON', `NDJSON line ${this.line + 1}: is longer than ${this.maxLine} characters`);
    return out;
  }
}

/**
 * Reads records from `input` in chunks of `chunkSize`.
 * @throws RecordStreamError when the input is malformed, a record is bad, or the byte limit is passed
 */
export async function* recordChunks(input: AsyncIterable<Buffer | string>, format: StreamFormat, options: RecordStreamOptions = {}): AsyncGenerator<TrafficRecord[]> {
  const chunkSize = options.chunkSize ?? 1000;
  const maxBytes = options.maxBytes ?? Infinity;
  const decoder = new StringDecoder('utf8');
  const csv = format === 'csv' ? { reader: new CsvReader({ maxRecordSize: options.maxRecordSize }), rows: new CsvRecords() } : null;
  const ndjson = format === 'ndjson' ? new NdjsonReader(options.maxRecordSize ?? MAX_LINE, options.onSkip !== undefined) : null;
  const maxErrors = options.maxErrors ?? 1000;
  let header: string[] | null = null;
  let skippedCount = 0;
  /** Skip mode: reports a bad record; past maxErrors, or without skip mode, it stops the stream. */
  const skip = (err: Error, line: number, fieldValue: (field: string) => unknown): void => {
    const known = err instanceof RecordError || err instanceof CsvError || err instanceof RecordStreamError;
    if (!options.onSkip || !known || (err instanceof CsvError && header === null)) throw err;
    if (++skippedCount > maxErrors) throw new RecordStreamError('INVALID_RECORD', `more than ${maxErrors} bad records (max_errors); the next one: ${err.message}`);
    options.onSkip(skippedRecord(err, line, fieldValue));
  };
  let pending: TrafficRecord[] = [];
  let bytes = 0;
  let total = 0;

  const take = (text: string, final: boolean): void => {
    if (csv) {
      const records = final ? [...csv.reader.push(text), ...csv.reader.end()] : csv.reader.push(text);
      // CsvRecords checks the header and row widths.
      for (const { line, fields } of records) {
        try {
          const record = csv.rows.add(fields, line);
          if (record !== null) pending.push(record);
          else header = fields;
        } catch (err) {
          skip(err as Error, line, (field) => (header ? fields[header.indexOf(field)] : undefined));
        }
      }
    } else {
      for (const { line, value, bad } of ndjson!.push(text, final)) {
        try {
          if (bad) throw bad;
          pending.push(parseRecordAt(value, `NDJSON line ${line}`));
        } catch (err) {
          skip(err as Error, line, (field) => (field === 'record' ? (typeof value === 'string' ? value : JSON.stringify(value)) : (value as Record<string, unknown>)?.[field]));
        }
      }
    }
  };

  try {
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
    throw err;
  }
  total += pending.length;
  if (total === 0 && skippedCount === 0) throw new RecordStreamError(format === 'csv' ? 'INVALID_CSV' : 'INVALID_JSON', `${format === 'csv' ? 'CSV' : 'NDJSON'} has no records`);
  if (pending.length > 0) yield pending;
}
