/**
 * A job's CSV results, made from its NDJSON results and its stored body the first
 * time they are asked for. A job writes one results file (results.ndjson: the
 * /batch results exactly, which nothing else holds) so that it does no more work
 * than `npm run score`; the CSV (the input's columns, then the verdict's) is the
 * body's records echoed as the scoring threads echo them (src/offline/worker.ts),
 * each followed by its result's cells. Records the job skipped (on_error=skip) are
 * found the way the threads found them, by the same validator, so every row meets
 * its own result.
 *
 * The CSV is written to a temp file, fsynced and renamed into place, then served
 * like the NDJSON (Range included); a second request finds it there. Conversion
 * runs on a thread of its own (results-csv-thread.ts): a million records take
 * seconds, which the serving thread must not spend.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { MAX_RECORD_SIZE } from '../ml/data/csv.js';
import { CsvRecords } from '../ml/data/dataset.js';
import { parseRecordAt } from '../ml/data/record.js';
import type { ScoreResult } from '../ml/bundle/bundle.js';
import { BlockReader, eachCsvRecord, readHeader } from '../offline/blocks.js';
import { csvCell, RESULT_COLUMNS, resultCells } from '../offline/format.js';
import { JSON_INPUT_COLUMNS } from '../offline/score-file.js';
import type { InputFormat } from '../offline/worker.js';

/**
 * Reads a file of lines a batch at a time. Lines are cut at line feed bytes, which never occur inside
 * a multi-byte UTF-8 character, so each cut decodes on its own (no StringDecoder: it cost 9% here).
 */
class Lines {
  private readonly chunk = Buffer.allocUnsafe(1024 * 1024);
  private lines: string[] = [];
  private next = 0;
  /** bytes after the last line feed read, waiting for the rest of their line */
  private carry = Buffer.alloc(0);
  private eof = false;

  constructor(private readonly file: FileHandle) {}

  /** The next n lines; fewer only at the end of the file. */
  async take(n: number): Promise<string[]> {
    const out: string[] = [];
    while (out.length < n) {
      if (this.next < this.lines.length) {
        const k = Math.min(n - out.length, this.lines.length - this.next);
        for (let i = 0; i < k; i++) out.push(this.lines[this.next++]);
        continue;
      }
      if (this.eof) break;
      this.next = 0;
      const { bytesRead } = await this.file.read(this.chunk, 0, this.chunk.length, null);
      if (bytesRead === 0) {
        this.eof = true;
        this.lines = this.carry.length === 0 ? [] : [this.carry.toString('utf8')];
        continue;
      }
      const read = this.chunk.subarray(0, bytesRead);
      const data = this.carry.length === 0 ? read : Buffer.concat([this.carry, read]);
      const cut = data.lastIndexOf(10);
      this.lines = cut < 0 ? [] : data.toString('utf8', 0, cut).split('\n');
      // a copy: the chunk is read into again
      this.carry = Buffer.from(data.subarray(cut + 1));
    }
    return out;
  }
}

/**
 * The echo of each record of a block that the scoring threads scored, in order: a CSV line as it came
 * when its block holds no quote, else its fields re-quoted; a JSON record's values under `header`.
 * Records that fail validation were skipped by the job, and are left out here too; `rows` null: the
 * job skipped none, so none is validated again.
 */
function echoes(text: string, firstLine: number, format: InputFormat, header: string[], rows: CsvRecords | null): string[] {
  const out: string[] = [];
  if (format === 'csv') {
    const take = (fields: string[], line: number, input: () => string): void => {
      try {
        if (rows === null || rows.add(fields, line) !== null) out.push(input());
      } catch {
        // skipped by the job (on_error=skip): a failed job has no results to convert
      }
    };
    eachCsvRecord(text, firstLine, take);
    return out;
  }
  for (let pos = 0; pos < text.length; ) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const source = text.slice(pos, nl).trim();
    pos = nl + 1;
    if (source === '' || source.length > MAX_RECORD_SIZE) continue;
    try {
      const value = JSON.parse(source) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      if (rows !== null) parseRecordAt(value, '');
      const r = value as Record<string, unknown>;
      out.push(header.map((k) => (r[k] === undefined || r[k] === null ? '' : csvCell(typeof r[k] === 'string' ? r[k] : JSON.stringify(r[k])))).join(','));
    } catch {
      // skipped by the job (on_error=skip)
    }
  }
  return out;
}

export interface ResultsCsvOptions {
  input: string;
  format: InputFormat;
  results: string;
  output: string;
  /** the records the job skipped: none, and no record needs validating again */
  skipped: number;
}

/** Writes `output` (atomically) from the job's stored body and its NDJSON results. */
export async function writeResultsCsv(options: ResultsCsvOptions): Promise<void> {
  const tmp = `${options.output}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const input = await open(options.input, 'r');
  let results: FileHandle | null = null;
  let file: FileHandle | null = null;
  try {
    results = await open(options.results, 'r');
    file = await open(tmp, 'wx');
    const out = file.createWriteStream({ flush: true });
    try {
      const { header, dataStart } = options.format === 'csv' ? await readHeader(input, options.input) : { header: JSON_INPUT_COLUMNS, dataStart: 0 };
      const rows = new CsvRecords();
      if (options.format === 'csv') rows.add(header, 1);
      const lines = new Lines(results);
      // The same blocks as the job's: a CSV line is echoed as it came or re-quoted by its block, as there.
      const blocks = new BlockReader(input, dataStart, options.format === 'csv' ? 2 : 1, options.format !== 'csv');
      let text = `${[...header, ...RESULT_COLUMNS].map(csvCell).join(',')}\n`;
      for (let block = await blocks.next(); block !== null; block = await blocks.next()) {
        const echo = echoes(block.bytes.toString('utf8'), block.firstLine, options.format, header, options.skipped > 0 ? rows : null);
        blocks.recycle(block.bytes.buffer as ArrayBuffer);
        const scored = await lines.take(echo.length);
        if (scored.length < echo.length) throw new Error(`the results have fewer records than the body (line ${block.firstLine} on)`);
        for (let i = 0; i < echo.length; i++) text += `${echo[i]},${resultCells(JSON.parse(scored[i]) as ScoreResult)}\n`;
        if (!out.write(text)) await once(out, 'drain');
        text = '';
      }
      if ((await lines.take(1)).length > 0) throw new Error('the results have more records than the body');
      out.end(text);
      await once(out, 'close');
    } catch (err) {
      out.destroy();
      throw err;
    }
    await rename(tmp, options.output);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await input.close();
    await results?.close();
    // the stream closed it, unless it failed before
    await file?.close().catch(() => {});
  }
}

// From dist the thread is plain JS; from source (tests, tsx) a bootstrap registers tsx first (as score-file.ts does).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const THREAD_URL = new URL(FROM_SOURCE ? './results-csv-thread.ts' : './results-csv-thread.js', import.meta.url);
const SOURCE_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(THREAD_URL.href)}); })`;

/** writeResultsCsv on a thread of its own. */
async function convertOnThread(options: ResultsCsvOptions): Promise<void> {
  const worker = FROM_SOURCE ? new Worker(SOURCE_BOOTSTRAP, { eval: true, workerData: options }) : new Worker(THREAD_URL, { workerData: options });
  try {
    const answer = await new Promise<string | null>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the CSV results thread exited (code ${code})`)));
    });
    if (answer !== null) throw new Error(answer);
  } finally {
    await worker.terminate();
  }
}

const converting = new Map<string, Promise<void>>();

/**
 * The path of a job's CSV results, made from its NDJSON results on the first request when `convertible`
 * (one conversion at a time per file in this process; another process converting too renames the same bytes).
 */
export async function csvResults(paths: { input: string; results: string; output: string }, format: InputFormat, skipped: number, convertible: boolean): Promise<string> {
  const exists = await stat(paths.output).then(
    () => true,
    () => false,
  );
  // A log format's job writes its CSV itself (score-log.ts): its records are not the body's lines.
  if (exists || !convertible) return paths.output;
  let pending = converting.get(paths.output);
  if (pending === undefined) {
    pending = convertOnThread({ ...paths, format, skipped }).finally(() => converting.delete(paths.output));
    converting.set(paths.output, pending);
  }
  await pending;
  return paths.output;
}
