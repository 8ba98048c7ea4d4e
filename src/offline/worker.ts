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
import { CsvReader, CsvSyntaxError, MAX_RECORD_SIZE, plainFields } from '../ml/data/csv.js';
import { CsvError, CsvRecords } from '../ml/data/dataset.js';
import { RecordError, type TrafficRecord } from '../ml/data/record.js';
import { SummaryBuilder } from '../ml/insight/summary.js';
import { csvCell, OutputBuffer, resultCells } from './format.js';

export interface WorkerInit {
  modelDir: string;
  /** the version every thread loads */
  version: string;
  header: string[];
  output: 'csv' | 'ndjson';
}
/**
 * Memory goes round instead of being allocated for every block (which made V8 collect for "external
 * memory pressure" 17 times a million records on the main thread): a block's input comes back with its
 * output (`input`), and an output already written goes out again with a block (`reuse`).
 */
export type ToScorer = { type: 'block'; seq: number; bytes: Uint8Array; firstLine: number; reuse?: ArrayBuffer } | { type: 'finish' };
export type FromScorer =
  | { type: 'block'; seq: number; out: Uint8Array; count: number; input: ArrayBuffer }
  | { type: 'error'; seq: number; message: string }
  | { type: 'summary'; state: ReturnType<SummaryBuilder['state']> };

const { modelDir, version, header, output } = workerData as WorkerInit;
const bundle: ModelBundle = await loadVersion(modelDir, version);
const summary = new SummaryBuilder(bundle.flagRate);
const port = parentPort!;
/** The header's columns, read once: every block's rows go through the same parser. */
const rows = new CsvRecords();
rows.add(header, 1);

/** Records scored together (ModelBundle.scoreMany): few enough that none lives long. */
const SCORE_EVERY = 256;

/** A block's records waiting to be scored, with their lines as written (CSV output echoes them). */
class Pending {
  private readonly records: TrafficRecord[] = [];
  private readonly inputs: string[] = [];
  count = 0;

  constructor(private readonly out: OutputBuffer) {}

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
      this.out.write(output === 'ndjson' ? `${JSON.stringify(results[i])}\n` : `${this.inputs[i]},${resultCells(results[i])}\n`);
    }
    this.count += results.length;
    this.records.length = 0;
    this.inputs.length = 0;
  }
}

function block(bytes: Uint8Array, firstLine: number, reuse?: ArrayBuffer): { out: Uint8Array; count: number } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const out = new OutputBuffer(bytes.byteLength * 2, reuse);
  const pending = new Pending(out);
  if (text.indexOf('"') < 0) {
    // No quote in the block: every line is one record, split as CsvReader splits a plain line,
    // and echoed as it came instead of re-quoted.
    let line = firstLine;
    for (let pos = 0; pos < text.length; line++) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end - pos > MAX_RECORD_SIZE) throw new CsvSyntaxError('is longer than the line limit', line);
      const input = text.slice(pos, end);
      pos = nl + 1;
      const fields = plainFields(input);
      if (fields !== null) pending.add(rows.add(fields, line), input);
    }
  } else {
    const reader = new CsvReader({ firstLine });
    for (const { line, fields } of [...reader.push(text), ...reader.end()]) {
      pending.add(rows.add(fields, line), output === 'csv' ? fields.map(csvCell).join(',') : '');
    }
  }
  pending.flush();
  return { out: out.bytes(), count: pending.count };
}

port.on('message', (m: ToScorer) => {
  if (m.type === 'finish') {
    port.postMessage({ type: 'summary', state: summary.state() } satisfies FromScorer);
    return;
  }
  try {
    const done = block(m.bytes, m.firstLine, m.reuse);
    const input = m.bytes.buffer as ArrayBuffer;
    port.postMessage({ type: 'block', seq: m.seq, ...done, input } satisfies FromScorer, [done.out.buffer as ArrayBuffer, input]);
  } catch (err) {
    const known = err instanceof RecordError || err instanceof CsvSyntaxError || err instanceof CsvError;
    port.postMessage({ type: 'error', seq: m.seq, message: known ? (err as Error).message : ((err as Error).stack ?? String(err)) } satisfies FromScorer);
  }
});
