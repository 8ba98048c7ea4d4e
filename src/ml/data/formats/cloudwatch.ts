/**
 * The dataset's own layout (the CloudWatch CSV with its header row, or NDJSON of the same keys): the
 * default format, read exactly as before formats existed, through parseRecord.
 */
import { CsvReader } from '../csv.js';
import { CsvError, CsvRecords } from '../dataset.js';
import { parseRecordAt, RecordError, type TrafficRecord } from '../record.js';
import { MAX_LINE } from './lines.js';
import type { BadRecordHandler, FormatOptions, FormatReader, RecordFormat } from './types.js';
import { SNIFF } from './sniff.js';

/** A line of NDJSON that is not JSON (the INVALID_JSON error of streamed /batch). */
export class JsonLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonLineError';
  }
}

/** Splits NDJSON into records, line by line. */
class NdjsonReader implements FormatReader {
  private buffer = '';
  private line = 0;
  readonly skipped = {};
  readonly notes = {};
  constructor(
    private readonly maxLine: number,
    private readonly onBad?: BadRecordHandler,
  ) {}

  push(text: string): TrafficRecord[] {
    return this.take(text, false);
  }

  end(): TrafficRecord[] {
    return this.take('', true);
  }

  private take(text: string, final: boolean): TrafficRecord[] {
    this.buffer += text;
    const out: TrafficRecord[] = [];
    let pos = 0;
    for (;;) {
      let nl = this.buffer.indexOf('\n', pos);
      if (nl < 0) {
        if (!final || pos >= this.buffer.length) break;
        nl = this.buffer.length;
      }
      this.line++;
      const line = this.buffer.slice(pos, nl).trim();
      pos = nl + 1;
      if (line.length > this.maxLine) throw new JsonLineError(`NDJSON line ${this.line}: is longer than ${this.maxLine} characters`);
      if (line === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        const bad = new JsonLineError(`NDJSON line ${this.line}: is not valid JSON (${(err as Error).message})`);
        if (!this.onBad) throw bad;
        this.onBad(bad, this.line, () => line);
        continue;
      }
      try {
        out.push(parseRecordAt(value, `NDJSON line ${this.line}`));
      } catch (err) {
        if (!this.onBad || !(err instanceof RecordError)) throw err;
        this.onBad(err, this.line, (field) => (field === 'record' ? line : (value as Record<string, unknown> | null)?.[field]));
      }
    }
    this.buffer = this.buffer.slice(pos);
    if (this.buffer.length > this.maxLine) throw new JsonLineError(`NDJSON line ${this.line + 1}: is longer than ${this.maxLine} characters`);
    return out;
  }
}

/** The dataset CSV: the header row first, checked by CsvRecords (width, names, the layout's columns). */
class CsvFormatReader implements FormatReader {
  private readonly reader: CsvReader;
  private readonly rows = new CsvRecords();
  private header: string[] | null = null;
  readonly skipped = {};
  readonly notes = {};

  constructor(
    maxRecordSize?: number,
    private readonly onBad?: BadRecordHandler,
  ) {
    this.reader = new CsvReader({ maxRecordSize });
  }

  push(text: string): TrafficRecord[] {
    return this.records(this.reader.push(text));
  }

  end(): TrafficRecord[] {
    return this.records(this.reader.end());
  }

  private records(rows: { line: number; fields: string[] }[]): TrafficRecord[] {
    const out: TrafficRecord[] = [];
    for (const { line, fields } of rows) {
      try {
        const record = this.rows.add(fields, line);
        if (record !== null) out.push(record);
        else this.header = fields;
      } catch (err) {
        // A bad header is never skipped: without it no row can be read.
        const header = this.header;
        if (!this.onBad || header === null || !(err instanceof RecordError || err instanceof CsvError)) throw err;
        this.onBad(err as Error, line, (field) => fields[header.indexOf(field)]);
      }
    }
    return out;
  }
}

export const cloudwatch: RecordFormat = {
  name: 'cloudwatch',
  description: "The dataset's layout: the CloudWatch CSV with its header row (text/csv), JSON records, or NDJSON when streamed",
  mediaTypes: ['text/csv', 'application/json', 'application/x-ndjson'],
  fields: {
    native: ['every field of TrafficRecord'],
    derived: ['src_ip_country_code (offline table, when the row has none)'],
    absent: ['optional fields left empty'],
  },
  sniff: SNIFF.cloudwatch,
  reader: (options: FormatOptions = {}) => (options.ndjson ? new NdjsonReader(options.maxLineSize ?? MAX_LINE, options.onBad) : new CsvFormatReader(options.maxLineSize, options.onBad)),
};
