/**
 * A scoring thread of `npm run score`: loads the bundle once, then turns blocks
 * of CSV bytes (cut at record boundaries by the main thread) into output bytes,
 * keeping its share of the summary. Records go through parseRecord's validator
 * (RowParser) and ModelBundle.scoreMany, exactly as /batch scores them.
 *
 * Blocks come and go as transferred buffers, and a block is scored a few hundred
 * lines at a time straight into its output buffer: no record outlives its lot,
 * so the young generation's collections find little alive to copy (holding a
 * whole block's records in arrays, as an earlier version did, spent 18% of a
 * thread in GC).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelBundle } from '../ml/bundle/bundle.js';
import { loadVersion } from '../ml/bundle/store.js';
import { CsvSyntaxError, MAX_RECORD_SIZE } from '../ml/data/csv.js';
import { CsvError, CsvRecords } from '../ml/data/dataset.js';
import { parseRecordAt, RecordError, type TrafficRecord } from '../ml/data/record.js';
import { SummaryBuilder, summaryFit } from '../ml/insight/summary.js';
import { type SkippedRecord, skippedRecord } from '../ml/data/record-stream.js';
import { csvCell, logRecordCells, OutputBuffer, resultCells } from './format.js';
import { eachCsvRecord } from './blocks.js';
import { type PackedRecords, unpackRecords } from './record-pack.js';

export interface WorkerInit {
  modelDir: string;
  /** the version every thread loads */
  version: string;
  /** the CSV header (csv input); the columns CSV output gives a JSON record's values (ndjson, records) */
  header: string[];
  /** csv: the dataset CSV; ndjson: one JSON record a line; records: the same, placed as records[i] in messages;
   * packed: records a log format's reader made (score-log.ts), written under LOG_RECORD_COLUMNS in CSV output */
  input?: InputFormat | 'packed';
  /** both: CSV into `out`, NDJSON into `json` */
  output: 'csv' | 'ndjson' | 'both';
  /** skip: a bad record is reported (`skipped`) and the block goes on; stop (default): the block fails */
  onError?: 'stop' | 'skip';
  /** a log's format name: the thread's summary then counts never-seen protocols and ports for the training note (insight/fit.ts) */
  fitFormat?: string;
}
export type InputFormat = 'csv' | 'ndjson' | 'records';
export type { SkippedRecord };
/**
 * Memory goes round instead of being allocated for every block (which made V8 collect for "external
 * memory pressure" 17 times a million records on the main thread): a block's input comes back with its
 * output (`input`), and an output already written goes out again with a block (`reuse`).
 */
export type ToScorer =
  | { type: 'block'; seq: number; bytes: Uint8Array; firstLine: number; reuse?: ArrayBuffer }
  | { type: 'records'; seq: number; packed: PackedRecords; reuse?: ArrayBuffer }
  | { type: 'finish' };
export type FromScorer =
  | { type: 'block'; seq: number; out: Uint8Array; json?: Uint8Array; count: number; skipped: SkippedRecord[]; input: ArrayBuffer }
  | { type: 'error'; seq: number; message: string }
  | { type: 'summary'; state: ReturnType<SummaryBuilder['state']> };

const { modelDir, version, header, output, input: inputFormat = 'csv', onError = 'stop', fitFormat } = workerData as WorkerInit;
const bundle: ModelBundle = await loadVersion(modelDir, version);
const summary = new SummaryBuilder(bundle.sourceRule, fitFormat === undefined ? null : summaryFit(bundle, fitFormat));
const port = parentPort!;
/** The header's columns, read once: every block's rows go through the same parser. */
const rows = new CsvRecords();
if (inputFormat === 'csv') rows.add(header, 1);

/** Records scored together (ModelBundle.scoreMany): few enough that none lives long. */
const SCORE_EVERY = 256;

/** A line that is not a record; its message names the line. */
class LineError extends Error {}

/** A block's records waiting to be scored, with their lines as written (CSV output echoes them). */
class Pending {
  private readonly records: TrafficRecord[] = [];
  private readonly inputs: string[] = [];
  count = 0;
  readonly skipped: SkippedRecord[] = [];

  constructor(
    private readonly out: OutputBuffer,
    private readonly json: OutputBuffer | null,
  ) {}

  add(record: TrafficRecord | null, input: string): void {
    if (record === null) return; // the header row
    this.records.push(record);
    this.inputs.push(input);
    if (this.records.length >= SCORE_EVERY) this.flush();
  }

  flush(): void {
    const results = bundle.scoreMany(this.records);
    for (let i = 0; i < results.length; i++) {
      summary.add(this.records[i], results[i]);
      if (output === 'ndjson') this.out.write(`${JSON.stringify(results[i])}\n`);
      else this.out.write(`${this.inputs[i]},${resultCells(results[i])}\n`);
      this.json?.write(`${JSON.stringify(results[i])}\n`);
    }
    this.count += results.length;
    this.records.length = 0;
    this.inputs.length = 0;
  }

  /** Skip mode: reports a bad record instead of failing the block. */
  skip(err: Error, line: number, fieldValue: (field: string) => unknown): void {
    if (onError !== 'skip' || !(err instanceof RecordError || err instanceof CsvError || err instanceof LineError)) throw err;
    this.skipped.push(skippedRecord(err, line, fieldValue));
  }
}

/** CSV output's cells for a JSON record: its values under `header`'s names, as the dataset CSV writes them. */
function jsonCells(value: unknown): string {
  const r = (value ?? {}) as Record<string, unknown>;
  return header.map((k) => (r[k] === undefined || r[k] === null ? '' : csvCell(typeof r[k] === 'string' ? r[k] : JSON.stringify(r[k])))).join(',');
}

function csvBlock(text: string, firstLine: number, pending: Pending): void {
  const take = (fields: string[], line: number, input: () => string): void => {
    try {
      pending.add(rows.add(fields, line), output === 'ndjson' ? '' : input());
    } catch (err) {
      pending.skip(err as Error, line, (field) => fields[header.indexOf(field)]);
    }
  };
  eachCsvRecord(text, firstLine, take);
}

/** NDJSON lines (one JSON record each; blank lines skipped), placed as `NDJSON line n` or `records[i]`. */
function jsonBlock(text: string, firstLine: number, pending: Pending): void {
  let line = firstLine;
  for (let pos = 0; pos < text.length; line++) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const source = text.slice(pos, nl).trim();
    pos = nl + 1;
    if (source === '') continue;
    const where = inputFormat === 'records' ? `records[${line - 1}]` : `NDJSON line ${line}`;
    let value: unknown;
    try {
      if (source.length > MAX_RECORD_SIZE) throw new LineError(`${where}: is longer than ${MAX_RECORD_SIZE} characters`);
      try {
        value = JSON.parse(source);
      } catch (err) {
        throw new LineError(`${where}: is not valid JSON (${(err as Error).message})`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new LineError(`${where}: must be a JSON object`);
      pending.add(parseRecordAt(value, where), output === 'ndjson' ? '' : jsonCells(value));
    } catch (err) {
      pending.skip(err as Error, line, (field) => (field === 'record' ? source : (value as Record<string, unknown>)[field]));
    }
  }
}

function block(bytes: Uint8Array, firstLine: number, reuse?: ArrayBuffer): { out: Uint8Array; json?: Uint8Array; count: number; skipped: SkippedRecord[] } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const out = new OutputBuffer(bytes.byteLength * 2, reuse);
  const json = output === 'both' ? new OutputBuffer(bytes.byteLength * 2) : null;
  const pending = new Pending(out, json);
  if (inputFormat === 'csv') csvBlock(text, firstLine, pending);
  else jsonBlock(text, firstLine, pending);
  pending.flush();
  return { out: out.bytes(), json: json?.bytes(), count: pending.count, skipped: pending.skipped };
}

/** Records a log's reader made: nothing to validate, each written under LOG_RECORD_COLUMNS, then the result (score-log.ts's layout). */
function recordsBlock(packed: PackedRecords, reuse?: ArrayBuffer): { out: Uint8Array; json?: Uint8Array; count: number; skipped: SkippedRecord[] } {
  const out = new OutputBuffer(packed.count * 512, reuse);
  const json = output === 'both' ? new OutputBuffer(packed.count * 1024) : null;
  const pending = new Pending(out, json);
  for (const r of unpackRecords(packed)) pending.add(r, output === 'ndjson' ? '' : logRecordCells(r));
  pending.flush();
  return { out: out.bytes(), json: json?.bytes(), count: pending.count, skipped: pending.skipped };
}

port.on('message', (m: ToScorer) => {
  if (m.type === 'finish') {
    port.postMessage({ type: 'summary', state: summary.state() } satisfies FromScorer);
    return;
  }
  try {
    const done = m.type === 'records' ? recordsBlock(m.packed, m.reuse) : block(m.bytes, m.firstLine, m.reuse);
    const input = (m.type === 'records' ? m.packed.nums.buffer : m.bytes.buffer) as ArrayBuffer;
    const transfer = [done.out.buffer as ArrayBuffer, input];
    if (done.json) transfer.push(done.json.buffer as ArrayBuffer);
    port.postMessage({ type: 'block', seq: m.seq, ...done, input } satisfies FromScorer, transfer);
  } catch (err) {
    const known = err instanceof RecordError || err instanceof CsvSyntaxError || err instanceof CsvError || err instanceof LineError;
    port.postMessage({ type: 'error', seq: m.seq, message: known ? (err as Error).message : ((err as Error).stack ?? String(err)) } satisfies FromScorer);
  }
});
