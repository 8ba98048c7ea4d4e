/**
 * CSV datasets in the CloudWatch layout (a header row of the record keys,
 * optional `label` column). Used by the training script, /train and /batch, so a
 * CSV means the same everywhere. Rows come back as raw objects for parseRecord,
 * each with its 1-based line number for error messages.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvReader, CsvSyntaxError, type CsvRecord } from './csv.js';
import { RowParser, type TrafficRecord } from './record.js';
import { recordsFromBody } from './records-body.js';

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
  /** characters per record; default 64 KiB */
  maxRecordSize?: number;
}

const MAX_COLUMNS = 64;

/**
 * Turns CSV records into row objects keyed by the header, enforcing the limits. Rows come back from
 * each add(), so a stream never holds more than one chunk of them.
 */
export class RowBuilder {
  private header: string[] | null = null;
  private plain = true;
  /** data rows seen so far */
  count = 0;

  constructor(
    private readonly maxRows = Infinity,
    private readonly maxColumns = MAX_COLUMNS,
  ) {}

  add(records: CsvRecord[]): CsvRow[] {
    const rows: CsvRow[] = [];
    for (const { line, fields } of records) {
      if (this.header === null) {
        this.setHeader(fields, line);
        continue;
      }
      const header = this.header;
      checkWidth(fields, header.length, line);
      if (this.count >= this.maxRows) throw new CsvError(`CSV has more than ${this.maxRows} data rows`, line, true);
      // A plain object keeps property access fast; a "__proto__" column needs one without a prototype.
      const raw: Record<string, string> = this.plain ? {} : Object.create(null);
      // An empty cell is an absent value (never "" coerced to 0 or false by a schema).
      for (let j = 0; j < header.length; j++) if (fields[j] !== '') raw[header[j]] = fields[j];
      rows.push({ line, raw });
      this.count++;
    }
    return rows;
  }

  /** The header row's column names, once read. */
  get columns(): readonly string[] | null {
    return this.header;
  }

  private setHeader(fields: string[], line: number): void {
    checkHeader(fields, line, this.maxColumns);
    checkLayout(fields, line);
    this.plain = !fields.includes('__proto__');
    this.header = fields;
  }
}

/** Refuses a header row with too many columns, an empty name or a name twice. */
export function checkHeader(fields: readonly string[], line: number, maxColumns = MAX_COLUMNS): void {
  if (fields.length > maxColumns) throw new CsvError(`CSV line ${line}: ${fields.length} columns, at most ${maxColumns}`, line);
  const seen = new Set<string>();
  for (const name of fields) {
    if (name === '') throw new CsvError(`CSV line ${line}: has an empty column name in the header`, line);
    if (seen.has(name)) throw new CsvError(`CSV line ${line}: column "${name.slice(0, 64)}" appears twice`, line);
    seen.add(name);
  }
}

/** The columns a row cannot be scored without. */
export const REQUIRED_COLUMNS = ['bytes_in', 'bytes_out', 'creation_time', 'end_time', 'src_ip'];

/**
 * Refuses a header that is not the dataset's layout, naming the missing columns and, when it can tell,
 * why (another format's header, upper case, semicolons, UTF-16): a problem of the header, not of line 2.
 */
export function checkLayout(fields: readonly string[], line: number): void {
  const missing = REQUIRED_COLUMNS.filter((c) => !fields.includes(c));
  if (missing.length === 0) return;
  const joined = fields.join(',');
  let why = '';
  if (joined.includes('\u0000') || joined.includes('\ufffd')) why = '; the file looks UTF-16 encoded: send it as UTF-8';
  else if (fields.length === 1 && joined.includes(';')) why = '; its columns look separated by semicolons: the CSV must use commas';
  else if (missing.some((c) => fields.some((f) => f.toLowerCase() === c))) why = '; column names are lower case (bytes_in, not BYTES_IN)';
  else if (fields.includes('srcaddr') || joined.includes(' srcaddr ')) why = '; this looks like a VPC flow log: send it with format=vpc-flow';
  const shown = joined.length > 120 ? `${joined.slice(0, 117)}...` : joined;
  throw new CsvError(
    `CSV line ${line}: the header is not the cloudwatch layout: missing columns ${missing.join(', ')} (expected at least ${REQUIRED_COLUMNS.join(',')}); got ${JSON.stringify(shown)}${why}`,
    line,
  );
}

function checkWidth(fields: readonly string[], width: number, line: number): void {
  if (fields.length !== width) throw new CsvError(`CSV line ${line}: has ${fields.length} fields, the header has ${width}`, line);
}

/**
 * CSV records straight to traffic records, for readers of millions of rows (streamed /batch,
 * `npm run score`): the first record is the header, checked as RowBuilder checks it; every other
 * goes through RowParser with no row object in between. Errors are RowBuilder's and parseRecord's,
 * a RecordError placed at its line.
 */
export class CsvRecords {
  private parser: RowParser | null = null;

  /** The record of a data row; null for the header row (the first one added). */
  add(fields: string[], line: number): TrafficRecord | null {
    if (this.parser === null) {
      checkHeader(fields, line);
      checkLayout(fields, line);
      this.parser = new RowParser(fields);
      return null;
    }
    checkWidth(fields, this.parser.width, line);
    return this.parser.parseAt(fields, line);
  }
}

/**
 * Streams a CSV into raw rows. A ragged row, an unterminated quote, an
 * oversized record, too many columns or a duplicate header is a CsvError naming
 * the line; an empty or header-only input is a CsvError too.
 */
export async function readCsvRows(input: Readable | string | Buffer, limits: CsvLimits = {}): Promise<CsvRow[]> {
  const reader = new CsvReader({ maxRecordSize: limits.maxRecordSize });
  const builder = new RowBuilder(limits.maxRows ?? Infinity, limits.maxColumns ?? MAX_COLUMNS);
  const rows: CsvRow[] = [];
  const add = (more: CsvRow[]): void => {
    for (const r of more) rows.push(r);
  };
  try {
    if (typeof input === 'string' || Buffer.isBuffer(input)) {
      add(builder.add(reader.push(input.toString())));
    } else {
      const decoder = new StringDecoder('utf8'); // a multi-byte character may straddle two chunks
      for await (const chunk of input) add(builder.add(reader.push(typeof chunk === 'string' ? chunk : decoder.write(chunk))));
      add(builder.add(reader.push(decoder.end())));
    }
    add(builder.add(reader.end()));
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new CsvError(err.message, err.line);
    throw err;
  } finally {
    if (typeof input !== 'string' && !Buffer.isBuffer(input)) input.destroy();
  }
  if (rows.length === 0) throw new CsvError('CSV has no data rows (empty or header only)');
  return rows;
}

/**
 * Parses raw rows into records through the one records path (records-body.ts); a bad row is a
 * RecordsBodyError whose message starts with its CSV line.
 * @param maxRows more rows is a TOO_MANY_RECORDS error; default unlimited
 */
export function recordsFromCsvRows(rows: CsvRow[], maxRows = Infinity): TrafficRecord[] {
  return recordsFromBody(
    { records: rows.map((r) => r.raw) },
    maxRows,
    Int32Array.from(rows, (r) => r.line),
  );
}

/** Reads and parses a dataset file. */
export async function readDataset(path: string): Promise<TrafficRecord[]> {
  return recordsFromCsvRows(await readCsvRows(createReadStream(path)));
}
