/**
 * Offline scoring of a log in any format of the registry (`npm run score -- --format vpc-flow`), and of
 * any gzipped file (`.gz`, as logs are delivered to S3): the file is read as a stream through the
 * format's reader (which stitches vpc-flow records into sessions across the whole file), scored a
 * chunk at a time, and written as one result a line (NDJSON) or as CSV (the record's id, that is its
 * log line(s), and src_ip, then the verdict columns). The block-parallel path of score-file.ts needs
 * a file it can cut at byte offsets, which neither a stitched log nor a gzip stream is.
 *
 * The output is written to a temp file and renamed into place once complete.
 */
import { once } from 'node:events';
import { createReadStream, type WriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { readCurrent } from '../ml/bundle/current.js';
import { loadVersion } from '../ml/bundle/store.js';
import type { FormatOptions, FormatReader } from '../ml/data/formats/index.js';
import { recordChunks, type StreamFormat } from '../ml/data/record-stream.js';
import { SummaryBuilder } from '../ml/insight/summary.js';
import { csvCell, Flusher, RESULT_COLUMNS, resultCells } from './format.js';
import type { ScoreFileResult } from './score-file.js';

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
  onProgress?: (records: number, seconds: number) => void;
  /** stops the run (SIGINT, SIGTERM) between chunks: it fails with the signal's reason and leaves no output behind */
  signal?: AbortSignal;
}

/** skipped: here the lines a format skips by design, not bad records (a log stops at its first bad line). */
export interface ScoreLogResult extends Omit<ScoreFileResult, 'skipped'> {
  /** lines skipped by design and what the reader did (vpc-flow: sessions stitched, one-way flows) */
  skipped: Readonly<Record<string, number>>;
  notes: Readonly<Record<string, number>>;
}

const CHUNK = 2000;

/** The file as text bytes: gunzipped when it is gzip (by its first two bytes, whatever its name). */
async function openInput(path: string): Promise<Readable> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(2);
  await handle.read(head, 0, 2, 0);
  await handle.close();
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  if (head[0] !== 0x1f || head[1] !== 0x8b) return file;
  const gunzip = createGunzip();
  file.on('error', (err) => gunzip.destroy(err));
  return file.pipe(gunzip);
}

async function write(out: WriteStream | NodeJS.WriteStream, data: string): Promise<void> {
  if (!out.write(data)) await once(out, 'drain');
}

export async function scoreLog(options: ScoreLogOptions): Promise<ScoreLogResult> {
  const started = performance.now();
  const ndjson = options.output?.endsWith('.ndjson') ?? false;
  const bundle = await loadVersion(options.modelDir, await readCurrent(options.modelDir));
  const input = await openInput(options.input);
  const tmp = options.output === null ? null : `${options.output}.tmp-${process.pid}`;
  const file = tmp === null ? null : await open(tmp, 'wx');
  const out: WriteStream | NodeJS.WriteStream = file === null ? process.stdout : file.createWriteStream({ flush: true });
  const flusher = file === null ? null : new Flusher(file);
  const jsonTmp = options.ndjsonOutput === undefined ? null : `${options.ndjsonOutput}.tmp-${process.pid}`;
  const jsonFile = jsonTmp === null ? null : await open(jsonTmp, 'wx');
  const jsonOut = jsonFile?.createWriteStream({ flush: true }) ?? null;
  const jsonFlusher = jsonFile === null ? null : new Flusher(jsonFile);
  const summary = new SummaryBuilder(bundle.sourceRule);
  let reader: FormatReader | null = null;
  let records = 0;
  let lastProgress = started;
  try {
    if (!ndjson) await write(out, `${['id', 'src_ip', ...RESULT_COLUMNS].join(',')}\n`);
    const chunks = recordChunks(input, options.format, { chunkSize: CHUNK, formatOptions: options.formatOptions, onReader: (r) => (reader = r) });
    for await (const chunk of chunks) {
      options.signal?.throwIfAborted();
      const results = bundle.scoreMany(chunk);
      let text = '';
      let json = '';
      for (let i = 0; i < chunk.length; i++) {
        summary.add(chunk[i], results[i]);
        const r = results[i];
        text += ndjson ? `${JSON.stringify(r)}\n` : `${csvCell(String(r.id ?? ''))},${csvCell(r.src_ip)},${resultCells(r)}\n`;
        if (jsonOut !== null) json += `${JSON.stringify(r)}\n`;
      }
      records += chunk.length;
      await write(out, text);
      flusher?.written(Buffer.byteLength(text));
      if (jsonOut !== null) {
        await write(jsonOut, json);
        jsonFlusher!.written(Buffer.byteLength(json));
      }
      const now = performance.now();
      if (options.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        options.onProgress(records, (now - started) / 1000);
      }
    }
    options.signal?.throwIfAborted();
    if (file !== null) {
      await flusher!.settled();
      out.end();
      await once(out, 'close');
      await rename(tmp!, options.output!);
    }
    if (jsonOut !== null) {
      await jsonFlusher!.settled();
      jsonOut.end();
      await once(jsonOut, 'close');
      await rename(jsonTmp!, options.ndjsonOutput!);
    }
  } catch (err) {
    if (file !== null) {
      (out as WriteStream).destroy();
      await rm(tmp!, { force: true });
    }
    if (jsonOut !== null) {
      jsonOut.destroy();
      await rm(jsonTmp!, { force: true });
    }
    throw err;
  } finally {
    input.destroy();
  }
  const done = reader as FormatReader | null;
  return {
    records,
    seconds: (performance.now() - started) / 1000,
    modelVersion: bundle.version,
    summary: summary.build(),
    skipped: { ...(done?.skipped ?? {}) },
    notes: { ...(done?.notes ?? {}) },
  };
}
