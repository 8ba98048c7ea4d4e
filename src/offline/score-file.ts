/**
 * Offline scoring of a CSV file of any size (`npm run score`): the file is read
 * as a stream, cut into blocks at record boundaries, scored by worker threads
 * (one per core, each holding the bundle), and the results are written in input
 * order. Memory is bounded by the blocks in flight, never by the file.
 *
 * A record boundary is a line end with an even number of quotes before it in
 * the block (RFC 4180: quotes inside a field come in pairs), so a quoted field
 * holding a line break is never cut. The output is written to a temp file and
 * renamed into place once complete, so a failed run leaves no half-written file.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { Worker } from 'node:worker_threads';
import { CsvReader } from '../ml/data/csv.js';
import { SummaryBuilder, type BatchSummary } from '../ml/insight/summary.js';
import { csvCell, RESULT_COLUMNS } from './format.js';
import type { FromScorer, ToScorer, WorkerInit } from './worker.js';

export interface ScoreFileOptions {
  input: string;
  /** output file (.ndjson for NDJSON, else CSV); null writes CSV to stdout */
  output: string | null;
  modelDir: string;
  /** scoring threads; default the available cores */
  threads?: number;
  /** called about once a second with the records written so far */
  onProgress?: (records: number, seconds: number) => void;
}

export interface ScoreFileResult {
  records: number;
  seconds: number;
  modelVersion: string;
  summary: BatchSummary;
}

/** Text per block sent to a thread: ~2,000 dataset rows. */
const BLOCK_CHARS = 512 * 1024;
const IN_FLIGHT_PER_THREAD = 2;

// From dist the worker is plain JS; from source (tsx) a bootstrap registers tsx first (see src/training/trainer.ts).
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './worker.ts' : './worker.js', import.meta.url);
const SOURCE_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;

/**
 * Each thread's heap is capped: left to size itself by the machine's memory, V8 lets a busy thread's
 * garbage pile up to hundreds of MB before collecting (683 MB resident with two threads, measured).
 */
const THREAD_LIMITS = { maxOldGenerationSizeMb: 40, maxYoungGenerationSizeMb: 8 };

function startWorker(init: WorkerInit): Worker {
  const options = { workerData: init, resourceLimits: THREAD_LIMITS };
  return FROM_SOURCE ? new Worker(SOURCE_BOOTSTRAP, { ...options, eval: true }) : new Worker(WORKER_URL, options);
}

/** Where the text can be cut: after the last line end with an even count of quotes before it; -1 if none. */
export function lastBoundary(text: string): number {
  let nl = text.lastIndexOf('\n');
  if (nl < 0) return -1;
  if (text.indexOf('"') < 0) return nl;
  let quotes = 0;
  for (let i = text.indexOf('"'); i >= 0 && i < nl; i = text.indexOf('"', i + 1)) quotes++;
  while (quotes % 2 === 1) {
    const prev = text.lastIndexOf('\n', nl - 1);
    if (prev < 0) return -1;
    for (let i = text.indexOf('"', prev); i >= 0 && i < nl; i = text.indexOf('"', i + 1)) quotes--;
    nl = prev;
  }
  return nl;
}

function count(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

async function write(out: WriteStream | NodeJS.WriteStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

export async function scoreFile(options: ScoreFileOptions): Promise<ScoreFileResult> {
  const started = performance.now();
  const ndjson = options.output?.endsWith('.ndjson') ?? false;
  const input = createReadStream(options.input, { highWaterMark: 1024 * 1024 });
  const decoder = new StringDecoder('utf8');
  const tmp = options.output === null ? null : `${options.output}.tmp-${process.pid}`;
  const out: WriteStream | NodeJS.WriteStream = tmp === null ? process.stdout : createWriteStream(tmp, { flags: 'wx' });
  const workers: Worker[] = [];
  try {
    // The header: the first line of the file (column names hold no line break).
    let buffer = '';
    const iterator = input[Symbol.asyncIterator]();
    while (buffer.indexOf('\n') < 0) {
      const next = await iterator.next();
      if (next.done) {
        buffer += decoder.end();
        break;
      }
      buffer += decoder.write(next.value as Buffer);
    }
    if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
    const headerEnd = buffer.indexOf('\n') < 0 ? buffer.length : buffer.indexOf('\n');
    const [first] = new CsvReader().push(`${buffer.slice(0, headerEnd)}\n`);
    if (!first) throw new Error(`${options.input} has no header row`);
    const header = first.fields;
    buffer = buffer.slice(headerEnd + 1);
    let line = 2;

    const threads = options.threads ?? availableParallelism();
    const init: WorkerInit = { modelDir: options.modelDir, header, output: ndjson ? 'ndjson' : 'csv' };
    let modelVersion = '';
    for (let i = 0; i < threads; i++) workers.push(startWorker(init));
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('error', reject);
            w.once('message', (m: FromScorer) => {
              if (m.type === 'ready') modelVersion = m.version;
              resolve();
            });
          }),
      ),
    );
    if (!ndjson) await write(out, `${[...header, ...RESULT_COLUMNS].map(csvCell).join(',')}\n`);

    // Blocks go out round-robin, results are written in order; reading waits while too many are in flight.
    const results = new Map<number, { out: string; count: number }>();
    let failure: Error | null = null;
    let sent = 0;
    let written = 0;
    let records = 0;
    let lastProgress = performance.now();
    let wake: (() => void) | null = null;
    const nudge = (): void => {
      wake?.();
      wake = null;
    };
    for (const w of workers) {
      w.on('message', (m: FromScorer) => {
        if (m.type === 'block') results.set(m.seq, { out: m.out, count: m.count });
        else if (m.type === 'error') failure ??= new Error(m.message);
        nudge();
      });
      w.on('error', (err) => {
        failure ??= err;
        nudge();
      });
    }
    const drainReady = async (): Promise<void> => {
      for (let r = results.get(written); r !== undefined; r = results.get(written)) {
        results.delete(written++);
        records += r.count;
        await write(out, r.out);
      }
      const now = performance.now();
      if (options.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        options.onProgress(records, (now - started) / 1000);
      }
    };
    // Results that arrived while this thread awaited something else (a read, a write) are written
    // before it decides to sleep: their messages found no sleeper to wake.
    const waitFor = async (condition: () => boolean): Promise<void> => {
      for (;;) {
        if (failure) throw failure;
        await drainReady();
        if (condition()) return;
        if (failure) throw failure;
        if (results.has(written)) continue;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    const send = async (text: string): Promise<void> => {
      await waitFor(() => sent - written < threads * IN_FLIGHT_PER_THREAD);
      workers[sent % threads].postMessage({ type: 'block', seq: sent, text, firstLine: line } satisfies ToScorer);
      sent++;
      line += count(text, '\n');
    };

    for (;;) {
      while (buffer.length >= BLOCK_CHARS) {
        const cut = lastBoundary(buffer.slice(0, BLOCK_CHARS * 2));
        if (cut < 0) break;
        await send(buffer.slice(0, cut + 1));
        buffer = buffer.slice(cut + 1);
      }
      const next = await iterator.next();
      if (next.done) break;
      buffer += decoder.write(next.value as Buffer);
    }
    buffer += decoder.end();
    if (buffer.trim() !== '') await send(buffer);
    await waitFor(() => written === sent);

    // Each thread's share of the summary, merged.
    const summary = new SummaryBuilder();
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.on('message', (m: FromScorer) => {
              if (m.type === 'summary') {
                summary.merge(m.state);
                resolve();
              }
            });
            w.postMessage({ type: 'finish' } satisfies ToScorer);
          }),
      ),
    );
    if (tmp !== null) {
      out.end();
      await once(out, 'finish');
      const fh = await open(tmp, 'r');
      await fh.sync();
      await fh.close();
      await rename(tmp, options.output!);
    }
    return { records, seconds: (performance.now() - started) / 1000, modelVersion, summary: summary.build() };
  } catch (err) {
    if (tmp !== null) {
      (out as WriteStream).destroy();
      await rm(tmp, { force: true });
    }
    throw err;
  } finally {
    input.destroy();
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
