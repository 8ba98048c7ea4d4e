/**
 * Offline scoring of a CSV file of any size (`npm run score`): the file is read
 * in blocks cut at record boundaries (blocks.ts), scored by worker threads (one
 * per core, each holding the bundle), and the results are written in input
 * order. Memory is bounded by the blocks in flight, never by the file. Bytes go
 * to the threads and come back without being decoded, encoded or copied here, so
 * this thread stays free to read and write.
 *
 * The output is written to a temp file and renamed into place once complete, so
 * a failed run leaves no half-written file.
 */
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MANIFEST_FILE, readCurrent, VERSIONS_DIR } from '../ml/bundle/current.js';
import type { Manifest } from '../ml/bundle/manifest.js';
import { SummaryBuilder, type BatchSummary } from '../ml/insight/summary.js';
import { BlockReader, readHeader } from './blocks.js';
import { csvCell, discardOutput, finishOutput, Flusher, RESULT_COLUMNS } from './format.js';
import type { FromScorer, InputFormat, SkippedRecord, ToScorer, WorkerInit } from './worker.js';
import { RECORD_KEYS } from '../ml/data/record.js';

export interface ScoreFileOptions {
  input: string;
  /** output file (.ndjson for NDJSON, else CSV); null writes CSV to stdout */
  output: string | null;
  modelDir: string;
  /** scoring threads; default the available cores */
  threads?: number;
  /** called about once a second with the records written so far, the input bytes read and the records skipped */
  onProgress?: (records: number, seconds: number, bytesRead: number, skipped: number) => void;
  /** the input: the dataset CSV (default), NDJSON, or NDJSON made from a {"records": [...]} body */
  format?: InputFormat;
  /** a second output, NDJSON, written alongside a CSV `output` (scoring jobs serve both) */
  ndjsonOutput?: string;
  /** stop: the first bad record fails the run (default); skip: bad records are reported and left out */
  onError?: 'stop' | 'skip';
  /** skip mode: more bad records than this fails the run; default 1,000 */
  maxErrors?: number;
  /** stops the run (SIGINT, SIGTERM, a canceled job): it fails with the signal's reason and leaves no output behind */
  signal?: AbortSignal;
}

export interface ScoreFileResult {
  records: number;
  seconds: number;
  modelVersion: string;
  summary: BatchSummary;
  /** the records left out (skip mode), in input order */
  skipped: SkippedRecord[];
}

/** Skip mode's cap on bad records unless told otherwise. */
export const DEFAULT_MAX_ERRORS = 1000;

/** The columns a JSON input's records are written under in CSV output: the dataset's. */
export const JSON_INPUT_COLUMNS: string[] = [...RECORD_KEYS];

/** Blocks queued per thread: with 4 a thread has its next block at hand even when this thread is late to run. */
const IN_FLIGHT_PER_THREAD = 4;

// From dist the worker is plain JS; from source (tsx) a bootstrap registers tsx first (see src/training/trainer.ts).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url);
const SOURCE_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;

/**
 * Each thread's heap is capped: left to size itself by the machine's memory, V8 lets a busy thread's
 * garbage pile up to hundreds of MB before collecting (683 MB resident with two threads, measured).
 * A 16 MB young generation collects half as often as 8 MB for ~25 MB more resident memory; 32 MB
 * gained nothing more (measured on 1M records). The old generation is sized to the bundle the thread
 * loads (threadLimits): a fixed 40 MB cap could not load a 52 MB forest the server serves.
 */
const THREAD_LIMITS = { maxOldGenerationSizeMb: 40, maxYoungGenerationSizeMb: 16 };

/**
 * Heap limits for a thread loading a bundle of `bundleBytes` (the files the manifest lists): loading
 * holds each file's text and the strings JSON.parse makes of it at once, about twice the file in the
 * old generation, before the models' typed arrays (outside the heap) replace them. Three times the
 * bundle on top of the scoring budget leaves room for V8's own growth steps.
 */
export function threadLimits(bundleBytes: number): typeof THREAD_LIMITS {
  return { ...THREAD_LIMITS, maxOldGenerationSizeMb: THREAD_LIMITS.maxOldGenerationSizeMb + Math.ceil((3 * bundleBytes) / (1024 * 1024)) };
}

/** A version's manifest as JSON, unchecked (loading the version checks it), without loading its models. */
export async function readManifest(modelDir: string, version: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(modelDir, VERSIONS_DIR, version, MANIFEST_FILE), 'utf8')) as Manifest;
}

/** The bytes of a version's files, as its manifest lists them (0 when the manifest is unreadable: the load will say why). */
export async function bundleBytes(modelDir: string, version: string): Promise<number> {
  try {
    const manifest = (await readManifest(modelDir, version)) as { files?: Record<string, { bytes?: unknown }> };
    return Object.values(manifest.files ?? {}).reduce((sum, f) => sum + (typeof f?.bytes === 'number' && f.bytes > 0 ? f.bytes : 0), 0);
  } catch {
    return 0;
  }
}

export function startWorker(init: WorkerInit, limits = THREAD_LIMITS): Worker {
  const options = { workerData: init, resourceLimits: limits };
  return FROM_SOURCE ? new Worker(SOURCE_BOOTSTRAP, { ...options, eval: true }) : new Worker(WORKER_URL, options);
}

/** Writes, waiting when the stream is full; `written` is called once the data is out of the stream. */
async function write(out: WriteStream | NodeJS.WriteStream, data: string | Uint8Array, written?: () => void): Promise<void> {
  if (!out.write(data, written)) await once(out, 'drain');
}

export async function scoreFile(options: ScoreFileOptions): Promise<ScoreFileResult> {
  const started = performance.now();
  const ndjson = options.output?.endsWith('.ndjson') ?? false;
  const format = options.format ?? 'csv';
  const maxErrors = options.maxErrors ?? DEFAULT_MAX_ERRORS;
  const input = await open(options.input, 'r');
  const tmp = options.output === null ? null : `${options.output}.tmp-${process.pid}`;
  const jsonTmp = options.ndjsonOutput === undefined ? null : `${options.ndjsonOutput}.tmp-${process.pid}`;
  let file: FileHandle | null = null;
  let jsonFile: FileHandle | null = null;
  try {
    file = tmp === null ? null : await open(tmp, 'wx');
    jsonFile = jsonTmp === null ? null : await open(jsonTmp, 'wx');
  } catch (err) {
    await file?.close();
    if (tmp !== null) await rm(tmp, { force: true });
    await input.close();
    throw err;
  }
  const out: WriteStream | NodeJS.WriteStream = file === null ? process.stdout : file.createWriteStream({ flush: true });
  const jsonOut = jsonFile?.createWriteStream({ flush: true }) ?? null;
  const workers: Worker[] = [];
  const skipped: SkippedRecord[] = [];
  const cleanups: (() => void)[] = [];
  try {
    const { header, dataStart } = format === 'csv' ? await readHeader(input, options.input) : { header: JSON_INPUT_COLUMNS, dataStart: 0 };
    const blocks = new BlockReader(input, dataStart, format === 'csv' ? 2 : 1, format !== 'csv');

    const threads = options.threads ?? availableParallelism();
    // One version for every thread, read once: a training run committing meanwhile cannot split the file.
    const modelVersion = await readCurrent(options.modelDir);
    const init: WorkerInit = {
      modelDir: options.modelDir,
      version: modelVersion,
      header,
      input: format,
      output: ndjson ? 'ndjson' : jsonOut ? 'both' : 'csv',
      onError: options.onError ?? 'stop',
    };
    // Blocks are sent while the threads load the bundle: a port keeps messages until it is listened to.
    const limits = threadLimits(await bundleBytes(options.modelDir, modelVersion));
    for (let i = 0; i < threads; i++) workers.push(startWorker(init, limits));

    // Blocks go out round-robin, results are written in order; reading waits while too many are in
    // flight. A block's error is kept in its place, so the error reported is the first in the file.
    const results = new Map<number, { out: Uint8Array; json?: Uint8Array; count: number; skipped: SkippedRecord[] } | { error: string }>();
    const writtenOutputs: ArrayBuffer[] = [];
    const flusher = file === null ? null : new Flusher(file);
    const jsonFlusher = jsonFile === null ? null : new Flusher(jsonFile);
    let crashed: Error | null = null;
    let bytesRead = dataStart;
    let sent = 0;
    let written = 0;
    let records = 0;
    let lastProgress = performance.now();
    let wake: (() => void) | null = null;
    let finishing = false;
    const nudge = (): void => {
      wake?.();
      wake = null;
    };
    for (const w of workers) {
      w.on('message', (m: FromScorer) => {
        if (m.type === 'block') {
          results.set(m.seq, { out: m.out, json: m.json, count: m.count, skipped: m.skipped });
          blocks.recycle(m.input);
        } else if (m.type === 'error') results.set(m.seq, { error: m.message });
        nudge();
      });
      w.on('error', (err: Error & { code?: string }) => {
        crashed ??= err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`a scoring thread ran out of memory (${limits.maxOldGenerationSizeMb} MB heap): ${err.message}`) : err;
        nudge();
      });
      // A thread that ends before it is told to (its bundle did not load, it was killed) fails the run:
      // nothing else would wake this thread, and a file with only a header would end "successfully".
      w.on('exit', (code) => {
        if (finishing) return;
        crashed ??= new Error(`a scoring thread exited (code ${code})`);
        nudge();
      });
    }
    const onAbort = (): void => {
      crashed ??= options.signal!.reason instanceof Error ? options.signal!.reason : new Error(String(options.signal!.reason));
      nudge();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // After the listeners: a thread failing at once (a bundle that does not load) must find them.
    if (!ndjson) await write(out, `${[...header, ...RESULT_COLUMNS].map(csvCell).join(',')}\n`);
    cleanups.push(() => options.signal?.removeEventListener('abort', onAbort));
    const drainReady = async (): Promise<void> => {
      for (let r = results.get(written); r !== undefined; r = results.get(written)) {
        if ('error' in r) throw new Error(r.error);
        results.delete(written++);
        records += r.count;
        for (const s of r.skipped) skipped.push(s);
        if (skipped.length > maxErrors) {
          const last = skipped[maxErrors];
          throw new Error(`more than ${maxErrors} bad records (max_errors); the next one: ${last.message}`);
        }
        if (r.json && jsonOut) {
          const json = r.json;
          await write(jsonOut, json, () => jsonFlusher?.written(json.byteLength));
        }
        const done = r.out.buffer as ArrayBuffer;
        const bytes = r.out.byteLength;
        await write(out, r.out, () => {
          if (writtenOutputs.length < threads * IN_FLIGHT_PER_THREAD) writtenOutputs.push(done);
          flusher?.written(bytes);
        });
      }
      const now = performance.now();
      if (options.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        options.onProgress(records, (now - started) / 1000, bytesRead, skipped.length);
      }
    };
    // Results that arrived while this thread awaited something else (a read, a write) are written
    // before it decides to sleep: their messages found no sleeper to wake.
    const waitFor = async (condition: () => boolean): Promise<void> => {
      for (;;) {
        if (crashed) throw crashed;
        await drainReady();
        if (condition()) return;
        if (crashed) throw crashed;
        if (results.has(written)) continue;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };

    for (let block = await blocks.next(); block !== null; block = await blocks.next()) {
      await waitFor(() => sent - written < threads * IN_FLIGHT_PER_THREAD);
      const reuse = writtenOutputs.pop();
      bytesRead += block.bytes.byteLength;
      const message: ToScorer = { type: 'block', seq: sent, bytes: block.bytes, firstLine: block.firstLine, reuse };
      workers[sent % threads].postMessage(message, reuse ? [block.bytes.buffer as ArrayBuffer, reuse] : [block.bytes.buffer as ArrayBuffer]);
      sent++;
    }
    await waitFor(() => written === sent);
    // Each thread's share of the summary, merged; a thread failing meanwhile (its bundle did not load,
    // with no block to score) fails the run.
    const summary = new SummaryBuilder();
    let summaries = 0;
    for (const w of workers) {
      w.on('message', (m: FromScorer) => {
        if (m.type !== 'summary') return;
        summary.merge(m.state);
        summaries++;
        nudge();
      });
      w.postMessage({ type: 'finish' } satisfies ToScorer);
    }
    await waitFor(() => summaries === workers.length);
    finishing = true;
    if (crashed) throw crashed;
    if (jsonOut !== null) await finishOutput(jsonOut, jsonFlusher!, jsonTmp!, options.ndjsonOutput!);
    if (file !== null) await finishOutput(out as WriteStream, flusher!, tmp!, options.output!);
    return { records, seconds: (performance.now() - started) / 1000, modelVersion, summary: summary.build(), skipped };
  } catch (err) {
    if (file !== null) await discardOutput(out as WriteStream, tmp!);
    if (jsonOut !== null) await discardOutput(jsonOut, jsonTmp!);
    throw err;
  } finally {
    for (const c of cleanups) c();
    await input.close();
    for (const w of workers) w.removeAllListeners('exit');
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
