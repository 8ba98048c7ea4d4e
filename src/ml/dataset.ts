/**
 * CSV datasets in the CloudWatch layout (a header row of the record keys,
 * optional `label` column). Used by the training script, /train and /batch, so a
 * CSV means the same everywhere. Rows come back as raw objects for parseRecord,
 * each with its 1-based line number for error messages.
 */
import { parse, type Options } from 'csv-parse';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parseRecord, RecordError, type TrafficRecord } from './record.js';

export interface CsvRow {
  line: number;
  raw: Record<string, string>;
}

/** A CSV that cannot be read; names the line when there is one. */
export class CsvError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    /** set when the CSV had more data rows than allowed */
    readonly tooManyRows = false,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

export interface CsvLimits {
  /** data rows accepted before the read stops with tooManyRows; default unlimited */
  maxRows?: number;
  /** columns per row; default 64 */
  maxColumns?: number;
  /** characters per row; default 64 KiB */
  maxRecordSize?: number;
}

const MAX_COLUMNS = 64;
const MAX_RECORD_SIZE = 64 * 1024;

/**
 * Streams a CSV into raw rows. A ragged row, an unterminated quote, an
 * oversized line, too many columns or a duplicate header is a CsvError naming
 * the line; an empty or header-only input is a CsvError too.
 */
export async function readCsvRows(input: Readable | string | Buffer, limits: CsvLimits = {}): Promise<CsvRow[]> {
  const maxRows = limits.maxRows ?? Infinity;
  const maxColumns = limits.maxColumns ?? MAX_COLUMNS;
  const options: Options = {
    bom: true,
    columns: (header: string[]) => {
      if (header.length > maxColumns) throw new CsvError(`CSV line 1: ${header.length} columns, at most ${maxColumns}`, 1);
      const names = header.map((h) => h.trim());
      const dup = names.find((h, i) => names.indexOf(h) !== i);
      if (dup !== undefined) throw new CsvError(`CSV line 1: column "${dup.slice(0, 64)}" appears twice`, 1);
      return names;
    },
    skip_empty_lines: true,
    // Both line ends, even mixed in one body: auto-detection would lock onto the first one (the dataset is
    // CRLF) and read a later bare LF as part of a field, silently merging two rows.
    record_delimiter: ['\r\n', '\n'],
    trim: true,
    max_record_size: limits.maxRecordSize ?? MAX_RECORD_SIZE,
    info: true,
  };
  const parser = parse(options);
  const rows: CsvRow[] = [];
  const done = (async () => {
    try {
      for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
        if (rows.length >= maxRows) throw new CsvError(`CSV has more than ${maxRows} data rows`, item.info.lines, true);
        // A null-prototype copy: a "__proto__" header stays an ordinary key.
        rows.push({ line: item.info.lines, raw: Object.assign(Object.create(null), item.record) });
      }
    } catch (err) {
      throw toCsvError(err);
    }
  })();
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    parser.end(input);
  } else {
    input.on('error', (err) => parser.destroy(err));
    input.pipe(parser);
  }
  await done;
  if (rows.length === 0) throw new CsvError('CSV has no data rows (empty or header only)');
  return rows;
}

function toCsvError(err: unknown): CsvError {
  if (err instanceof CsvError) return err;
  const e = err as Error & { code?: string; lines?: number };
  const line = typeof e.lines === 'number' ? e.lines : undefined;
  const why: Record<string, string> = {
    CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'has a different number of fields than the header',
    CSV_RECORD_INCONSISTENT_COLUMNS: 'has a different number of fields than the header',
    CSV_OPTION_COLUMNS_MISSING_NAME: 'has an empty column name in the header',
    CSV_QUOTE_NOT_CLOSED: 'has an unterminated quote',
    CSV_MAX_RECORD_SIZE: 'is longer than the line limit',
    CSV_INVALID_CLOSING_QUOTE: 'has a character after a closing quote',
    CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'has a character after a closing quote',
  };
  const reason = (e.code && why[e.code]) ?? e.message;
  return new CsvError(line !== undefined ? `CSV line ${line}: ${reason}` : `CSV: ${reason}`, line);
}

/** Parses raw rows into records; a bad row is a RecordError whose message starts with its CSV line. */
export function recordsFromRows(rows: CsvRow[]): TrafficRecord[] {
  return rows.map(({ line, raw }) => {
    try {
      return parseRecord(raw);
    } catch (err) {
      if (err instanceof RecordError) throw new RecordError(err.field, `(CSV line ${line}): ${err.message.slice(err.field.length + 1)}`);
      throw err;
    }
  });
}

/** Reads and parses a dataset file. */
export async function readDataset(path: string): Promise<TrafficRecord[]> {
  return recordsFromRows(await readCsvRows(createReadStream(path)));
}
