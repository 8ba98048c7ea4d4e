/**
 * How offline scoring writes a result: CSV (the input columns, then these) or
 * NDJSON (the result object of /batch, one a line), into buffers handed between
 * threads, and to a file flushed to disk as it grows.
 */
import { once } from 'node:events';
import type { WriteStream } from 'node:fs';
import { type FileHandle, rename, rm } from 'node:fs/promises';
import type { ScoreResult } from '../ml/bundle/bundle.js';
import { ABSENT_BYTES_IN, ABSENT_BYTES_OUT, type TrafficRecord } from '../ml/data/record.js';

export const RESULT_COLUMNS = ['verdict', 'risk_level', 'anomaly_score', 'risk_probability', 'baseline_outlier', 'is_anomaly', 'novel_fields', 'missing_fields', 'reasons', 'model_version'] as const;

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV cell, quoted (RFC 4180) only when it has to be. */
export function csvCell(v: string): string {
  return NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A list as one CSV cell, its items joined with "; ". */
function listCell(items: readonly string[]): string {
  return items.length === 0 ? '' : csvCell(items.join('; '));
}

/** The result columns of one record (RESULT_COLUMNS), as CSV cells joined by commas. */
/**
 * The columns a log's record is written under in CSV output, before its result's: what the format's
 * reader made of the line(s) (a vpc-flow session stitched from its two records, the country looked
 * up offline), under the dataset's names, so a reader of the CSV (the console among them) sees the
 * session's bytes, country and time beside its verdict. `id` is the log line(s) the record came from.
 */
export const LOG_RECORD_COLUMNS = ['id', 'src_ip', 'src_ip_country_code', 'bytes_in', 'bytes_out', 'creation_time', 'end_time', 'protocol', 'dst_port', 'response.code'] as const;

/** A log record's cells under LOG_RECORD_COLUMNS: a field the format could not give is empty, never 0. */
export function logRecordCells(r: TrafficRecord): string {
  const absent = r.absent ?? 0;
  const cell = (v: string | number | null): string => (v === null ? '' : csvCell(String(v)));
  const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');
  return [
    cell(r.id),
    csvCell(r.srcIp),
    cell(r.country),
    absent & ABSENT_BYTES_IN ? '' : String(r.bytesIn),
    absent & ABSENT_BYTES_OUT ? '' : String(r.bytesOut),
    iso(r.creationMs),
    iso(r.endMs),
    cell(r.protocol),
    cell(r.dstPort),
    cell(r.responseCode),
  ].join(',');
}

export function resultCells(r: ScoreResult): string {
  return `${r.verdict},${r.risk_level},${r.anomaly_score},${r.risk_probability},${r.baseline_outlier},${r.is_anomaly},${listCell(r.novel_fields)},${listCell(r.missing_fields)},${listCell(r.reasons)},${r.model_version}`;
}

/**
 * A growing byte buffer written with strings (UTF-8) and handed over whole: a scoring thread writes
 * each result into it as it goes, and transfers the bytes to the writer without a copy.
 */
export class OutputBuffer {
  // Its own ArrayBuffer (never a slice of Node's shared pool), so that it can be transferred.
  private buf: Buffer;
  private length = 0;

  /** @param reuse memory of an earlier buffer, taken when it holds `capacity` */
  constructor(capacity: number, reuse?: ArrayBuffer) {
    this.buf = reuse && reuse.byteLength >= capacity ? Buffer.from(reuse) : Buffer.allocUnsafeSlow(Math.max(capacity, 4096));
  }

  write(text: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    const need = this.length + text.length * 3;
    if (need > this.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(need, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** What was written (a view of the buffer; transfer its .buffer). */
  bytes(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.length);
  }
}

const FLUSH_BYTES = 64 * 1024 * 1024;

/**
 * Asks the disk to take the output as it grows (every 64 MB, in the background), so that the fsync
 * before the rename finds little left: it took 0.12 s at the end of a 1M-record run when all of it was
 * left for then. The fsync at the end still makes the file durable.
 */
export class Flusher {
  private pending = 0;
  private flushing: Promise<void> = Promise.resolve();
  private busy = false;
  private error: unknown = null;

  constructor(private readonly file: FileHandle) {}

  written(bytes: number): void {
    this.pending += bytes;
    if (this.busy || this.pending < FLUSH_BYTES) return;
    this.busy = true;
    this.pending = 0;
    this.flushing = this.file
      .datasync()
      .catch((err: unknown) => void (this.error ??= err)) // kept for settled(): a later success must not hide it
      .finally(() => (this.busy = false));
  }

  /** Waits for the background flush in progress; throws the first one that failed. */
  async settled(): Promise<void> {
    await this.flushing;
    if (this.error !== null) throw this.error;
  }
}

/**
 * Puts a finished output in place: the background flush settled (its error thrown), the stream ended
 * and closed (a stream opened with `flush: true` fsyncs the file before closing it), then the temp file
 * renamed to its name. Until the rename, a reader of `path` sees the previous file or none.
 */
export async function finishOutput(out: WriteStream, flusher: Flusher, tmp: string, path: string): Promise<void> {
  await flusher.settled();
  out.end();
  await once(out, 'close');
  await rename(tmp, path);
}

/** Drops an output a failed run was writing: nothing half-written is left behind. */
export async function discardOutput(out: WriteStream, tmp: string): Promise<void> {
  out.destroy();
  await rm(tmp, { force: true });
}
