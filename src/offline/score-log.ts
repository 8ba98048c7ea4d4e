/**
 * Offline scoring of a log in any format of the registry (`npm run score -- --format vpc-flow`), and of
 * any gzipped file (`.gz`, as logs are delivered to S3): the file is read as a stream through the
 * format's reader (which stitches vpc-flow records into sessions across the whole file), scored a
 * chunk at a time, and written as one result a line (NDJSON) or as CSV (the record as the reader made
 * it, under LOG_RECORD_COLUMNS: its id, that is its log line(s), src_ip, country, bytes and times; then
 * the verdict columns). The block-parallel path of score-file.ts needs
 * a file it can cut at byte offsets, which neither a stitched log nor a gzip stream is: so this thread
 * reads, parses and stitches (stitching needs the whole file's records), and the scoring threads
 * (pool.ts, one per core) score, explain and format the finished records a chunk at a time, their
 * results written in input order.
 *
 * The output is written to a temp file and renamed into place once complete.
 */
import { once } from 'node:events';
import { createReadStream, type ReadStream, type WriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { readCurrent } from '../ml/bundle/current.js';
import { loadVersion } from '../ml/bundle/store.js';
import type { FormatOptions, FormatReader } from '../ml/data/formats/index.js';
import { recordChunks, type SkippedRecord, type StreamFormat } from '../ml/data/record-stream.js';
import { trainingDataOf } from '../ml/insight/fit.js';
import { SummaryBuilder, summaryFit } from '../ml/insight/summary.js';
import type { TrafficRecord } from '../ml/data/record.js';
import { csvCell, discardOutput, finishOutput, Flusher, LOG_RECORD_COLUMNS, logRecordCells, RESULT_COLUMNS, resultCells } from './format.js';
import { ScoringPool } from './pool.js';
import { bundleBytes, DEFAULT_MAX_ERRORS, readManifest, type ScoreFileResult, threadLimits } from './score-file.js';
import type { WorkerInit } from './worker.js';

export interface ScoreLogOptions {
  input: string;
  /** csv/ndjson: the dataset's layout; else a log format */
  format: StreamFormat;
  formatOptions?: FormatOptions;
  /** output file (.ndjson for NDJSON, else CSV); null writes CSV to stdout */
  output: string | null;
  /** also the results as NDJSON here (a scoring job serves both), written and renamed as `output` is */
  ndjsonOutput?: string;
  modelDir: string;
  /** scoring threads; default the available cores; 0 scores on this thread (no thread to start: small inputs) */
  threads?: number;
  /** about once a second: the records written so far, and the input file's bytes read of its size (gzip: compressed bytes) */
  onProgress?: (records: number, seconds: number, bytesRead: number, fileBytes: number) => void;
  /** stop: the first bad line fails the run (default); skip: bad lines are reported (badLines) and left out */
  onError?: 'stop' | 'skip';
  /** skip mode: more bad lines than this fails the run; default 1,000 */
  maxErrors?: number;
  /** stops the run (SIGINT, SIGTERM) between chunks: it fails with the signal's reason and leaves no output behind */
  signal?: AbortSignal;
}

/** skipped: here the lines a format skips by design; the bad lines of skip mode are badLines. */
export interface ScoreLogResult extends Omit<ScoreFileResult, 'skipped'> {
  /** lines skipped by design and what the reader did (vpc-flow: sessions stitched, one-way flows) */
  skipped: Readonly<Record<string, number>>;
  notes: Readonly<Record<string, number>>;
  /** skip mode: the bad lines left out, in input order (line, field, value shortened, message) */
  badLines: SkippedRecord[];
}

const CHUNK = 2000;

/** The file as text bytes: gunzipped when it is gzip (by its first two bytes, whatever its name); `file` counts the bytes read. */
async function openInput(path: string): Promise<{ text: Readable; file: ReadStream }> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(2);
  await handle.read(head, 0, 2, 0);
  await handle.close();
  // 64 KB reads, not 256 KB: a 256 KB string is a large object, made in the old generation, and every
  // line and field sliced from it keeps it alive; parsing 1,000,000 flow lines took 8.4 s with 256 KB
  // reads and 3.7-4.9 s with 64 KB (--max-semi-space-size=4, measured on a loaded 2-core VM).
  const file = createReadStream(path, { highWaterMark: 64 * 1024 });
  if (head[0] !== 0x1f || head[1] !== 0x8b) return { text: file, file };
  const gunzip = createGunzip();
  file.on('error', (err) => gunzip.destroy(err));
  return { text: file.pipe(gunzip), file };
}

/** Writes, waiting when the stream is full; `written` is called once the data is out of the stream. */
async function write(out: WriteStream | NodeJS.WriteStream, data: string | Uint8Array, written?: () => void): Promise<void> {
  if (!out.write(data, written)) await once(out, 'drain');
}

/** A chunk's results as output text or bytes (CSV or NDJSON in `out`; NDJSON in `json` when both are written). */
interface Written {
  out: string | Uint8Array;
  json?: string | Uint8Array;
  count: number;
}

/** What scores the chunks: the scoring threads (ScoringPool) or this thread. */
interface Scorer {
  score(records: readonly TrafficRecord[]): Promise<void>;
  /** the summary of every chunk, merged into `into` when the chunks were scored elsewhere */
  finish(into?: SummaryBuilder): Promise<SummaryBuilder>;
  close(): Promise<void>;
}

/** Scoring on the reading thread: no thread to start, for small inputs (and the reference the threads are tested against). */
async function inThread(modelDir: string, version: string, format: 'csv' | 'ndjson' | 'both', fitFormat: string, write: (w: Written) => Promise<void>): Promise<Scorer> {
  const bundle = await loadVersion(modelDir, version);
  const summary = new SummaryBuilder(bundle.sourceRule, summaryFit(bundle, fitFormat));
  return {
    async score(chunk) {
      const results = bundle.scoreMany(chunk);
      let text = '';
      let json = '';
      for (let i = 0; i < chunk.length; i++) {
        summary.add(chunk[i], results[i]);
        const r = results[i];
        text += format === 'ndjson' ? `${JSON.stringify(r)}\n` : `${logRecordCells(chunk[i])},${resultCells(r)}\n`;
        if (format === 'both') json += `${JSON.stringify(r)}\n`;
      }
      await write({ out: text, json: format === 'both' ? json : undefined, count: chunk.length });
    },
    finish: async () => summary,
    close: async () => {},
  };
}

export async function scoreLog(options: ScoreLogOptions): Promise<ScoreLogResult> {
  const started = performance.now();
  const ndjson = options.output?.endsWith('.ndjson') ?? false;
  const threads = options.threads ?? availableParallelism();
  // One version for every thread, read once: a training run committing meanwhile cannot split the file.
  const modelVersion = await readCurrent(options.modelDir);
  const fileBytes = (await stat(options.input)).size;
  const input = await openInput(options.input);
  const tmp = options.output === null ? null : `${options.output}.tmp-${process.pid}`;
  const file = tmp === null ? null : await open(tmp, 'wx');
  const out: WriteStream | NodeJS.WriteStream = file === null ? process.stdout : file.createWriteStream({ flush: true });
  const flusher = file === null ? null : new Flusher(file);
  const jsonTmp = options.ndjsonOutput === undefined ? null : `${options.ndjsonOutput}.tmp-${process.pid}`;
  const jsonFile = jsonTmp === null ? null : await open(jsonTmp, 'wx');
  const jsonOut = jsonFile?.createWriteStream({ flush: true }) ?? null;
  const jsonFlusher = jsonFile === null ? null : new Flusher(jsonFile);
  const outputFormat = ndjson ? 'ndjson' : jsonOut ? 'both' : 'csv';
  // the format the training note compares with the model's: the dataset's layout is the cloudwatch format
  const fitFormat = options.format === 'csv' || options.format === 'ndjson' ? 'cloudwatch' : options.format;
  let reader: FormatReader | null = null;
  let scorer: Scorer | null = null;
  let records = 0;
  let lastProgress = started;
  const badLines: SkippedRecord[] = [];
  const skip = options.onError === 'skip' ? { onSkip: (s: SkippedRecord) => void badLines.push(s), maxErrors: options.maxErrors ?? DEFAULT_MAX_ERRORS } : {};
  const writeChunk = async (w: Written, recycle?: (buffer: ArrayBuffer) => void): Promise<void> => {
    const json = w.json;
    if (jsonOut !== null && json !== undefined) await write(jsonOut, json, () => jsonFlusher!.written(typeof json === 'string' ? Buffer.byteLength(json) : json.byteLength));
    const data = w.out;
    await write(out, data, () => {
      if (typeof data === 'string') flusher?.written(Buffer.byteLength(data));
      else {
        flusher?.written(data.byteLength);
        recycle?.(data.buffer as ArrayBuffer);
      }
    });
    records += w.count;
    const now = performance.now();
    if (options.onProgress && now - lastProgress >= 1000) {
      lastProgress = now;
      options.onProgress(records, (now - started) / 1000, input.file.bytesRead, fileBytes);
    }
  };
  try {
    if (threads === 0) scorer = await inThread(options.modelDir, modelVersion, outputFormat, fitFormat, writeChunk);
    else {
      const init: WorkerInit = { modelDir: options.modelDir, version: modelVersion, header: [], input: 'packed', output: outputFormat, fitFormat };
      const limits = threadLimits(await bundleBytes(options.modelDir, modelVersion));
      const pool: ScoringPool = new ScoringPool(init, threads, limits, (r) => writeChunk(r, (b) => pool.spareOutputs.length < 4 * threads && pool.spareOutputs.push(b)), options.signal);
      scorer = pool;
    }
    if (!ndjson) await write(out, `${[...LOG_RECORD_COLUMNS, ...RESULT_COLUMNS].map(csvCell).join(',')}\n`);
    const chunks = recordChunks(input.text, options.format, { chunkSize: CHUNK, formatOptions: options.formatOptions, onReader: (r) => (reader = r), ...skip });
    for await (const chunk of chunks) {
      options.signal?.throwIfAborted();
      await scorer.score(chunk);
    }
    options.signal?.throwIfAborted();
    // The threads count what the training note needs; the merged summary says it, knowing what the model learned from.
    const fit = threads === 0 ? undefined : new SummaryBuilder(undefined, { training: trainingDataOf(await readManifest(options.modelDir, modelVersion)), encoder: null, format: fitFormat });
    const summary = await scorer.finish(fit);
    if (jsonOut !== null) await finishOutput(jsonOut, jsonFlusher!, jsonTmp!, options.ndjsonOutput!);
    if (file !== null) await finishOutput(out as WriteStream, flusher!, tmp!, options.output!);
    const done = reader as FormatReader | null;
    return {
      records,
      seconds: (performance.now() - started) / 1000,
      modelVersion,
      summary: summary.build(),
      skipped: { ...(done?.skipped ?? {}) },
      notes: { ...(done?.notes ?? {}) },
      badLines,
    };
  } catch (err) {
    if (file !== null) await discardOutput(out as WriteStream, tmp!);
    if (jsonOut !== null) await discardOutput(jsonOut, jsonTmp!);
    throw err;
  } finally {
    input.text.destroy();
    input.file.destroy();
    await scorer?.close();
  }
}
