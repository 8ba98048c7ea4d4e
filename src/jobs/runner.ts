/**
 * Runs this process's scoring jobs, one at a time, in the offline scorer's
 * worker threads (src/offline/score-file.ts): the serving thread only moves
 * bytes between the files and the threads, so /score keeps its latency while a
 * job of any size runs. The job's state on disk is refreshed with its progress
 * about once a second, and at least every HEARTBEAT_MS, so other processes see
 * it live; a job deleted meanwhile (by any process) is stopped.
 */
import type { FastifyBaseLogger } from 'fastify';
import { stat } from 'node:fs/promises';
import { scoreFile } from '../offline/score-file.js';
import { scoreLog } from '../offline/score-log.js';
import { HEARTBEAT_MS, type Job, type JobStore, ownerHere, placeError } from './store.js';
import type { BatchSummary } from '../ml/insight/summary.js';
import type { SkippedRecord } from '../ml/data/record-stream.js';

export interface RunnerOptions {
  modelDir: string;
  threads: number;
  log: FastifyBaseLogger;
  /** told when a job ends: its final state, records scored and seconds */
  onFinished?: (job: Job, seconds: number) => void;
}

/** Errors about the input (said to the user as they are), as opposed to the service's own failures. */
const KNOWN_ERROR = /^((CSV|NDJSON|vpc-flow|alb|waf|cloudfront|ocsf) line \d+|records\[|more than \d+ bad records|the [a-z-]+ log has no records)/;

/** A job's succeeded state from what scored it: the dataset layout's run or a log's, `bad` the records it left out. */
function succeeded(job: Job, result: { records: number; seconds: number; modelVersion: string; summary: BatchSummary }, bad: readonly SkippedRecord[]): Job {
  return {
    ...job,
    state: 'succeeded',
    finished_at: new Date().toISOString(),
    records_scored: result.records,
    records_skipped: bad.length,
    records_read: result.records + bad.length,
    records_per_second: Math.round(result.records / Math.max(result.seconds, 1e-3)),
    eta_seconds: 0,
    model_version: result.modelVersion,
    summary: result.summary,
    skipped: bad.map(({ line, field, value }) => ({ line, field, value })),
  };
}

export class JobRunner {
  private readonly queue: string[] = [];
  private current: { id: string; abort: AbortController; job: Job } | null = null;
  /** per job, the state write in progress: writes of one job go in order, so a late one never undoes a later */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: JobStore,
    private readonly options: RunnerOptions,
  ) {
    this.timer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** jobs being stored by this process, not yet queued */
  private readonly reserved = new Set<string>();
  /** whether pump() is running: it takes the queue's jobs one at a time */
  private pumping = false;

  /** Whether this process stores, queued or runs the job (its state is live, not a dead runner's). */
  mine = (id: string): boolean => this.current?.id === id || this.queue.includes(id) || this.reserved.has(id);

  /** Claims a job id before its state is first written, so that no check takes the job for a dead one. */
  reserve(id: string): void {
    this.reserved.add(id);
  }

  /** Drops a reservation whose job was never queued (its body was refused). */
  release(id: string): void {
    this.reserved.delete(id);
  }

  enqueue(id: string): void {
    this.reserved.delete(id);
    this.queue.push(id);
    // One pump at a time. `current` is no test of that: between two jobs it is null while the pump
    // still waits for the last one's writes, and a second pump started then ran the next job twice
    // at once (one run's end left the other's job looking dead, reported failed without its line).
    if (!this.pumping) this.idle = this.pump();
  }

  /** Stops the job if this process queued or runs it. */
  cancel(id: string): void {
    const i = this.queue.indexOf(id);
    if (i >= 0) this.queue.splice(i, 1);
    if (this.current?.id === id) this.current.abort.abort();
  }

  /** Stops the running job and reports it and the queued ones failed (the server is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const left = [...this.queue];
    this.queue.length = 0;
    this.current?.abort.abort();
    await this.idle;
    for (const id of left) {
      const job = await this.store.read(id).catch(() => null);
      if (job) await this.store.markDead(job);
    }
  }

  private save(job: Job): Promise<void> {
    const next = (this.writing.get(job.id) ?? Promise.resolve()).then(() => this.store.write({ ...job, heartbeat_at: new Date().toISOString() }));
    const settled = next.catch((err: unknown) => this.options.log.warn({ err, job: job.id }, 'job state not written'));
    this.writing.set(job.id, settled);
    return next;
  }

  private async heartbeat(): Promise<void> {
    for (const id of [...this.queue, ...(this.current ? [this.current.id] : [])]) {
      const job = await this.store.read(id).catch(() => null);
      // Deleted or canceled by a request to any process: stop it.
      if (job === null || job.state === 'canceled') {
        this.cancel(id);
        continue;
      }
      // Only what this process still holds: the job may have finished while its state was read, and
      // writing that older state after the final one said a succeeded job was still running (then, its
      // runner idle, failed).
      if (this.current?.id === id) await this.save(this.current.job).catch(() => {});
      else if (this.queue.includes(id) && job.state === 'queued') await this.save(job).catch(() => {});
    }
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      await this.drain();
    } finally {
      this.pumping = false;
    }
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const id = this.queue[0];
      const job = await this.store.read(id).catch(() => null);
      if (job === null || job.state !== 'queued') {
        this.queue.shift();
        continue;
      }
      const abort = new AbortController();
      this.current = { id, abort, job };
      this.queue.shift();
      try {
        await this.run(job, abort.signal);
      } catch (err) {
        this.options.log.error({ err, job: id }, 'job failed unexpectedly');
      } finally {
        // The job stays this process's until its last state is written: a request meanwhile must
        // not take it for a dead runner's.
        await this.writing.get(id);
        this.writing.delete(id);
        this.current = null;
      }
    }
  }

  private async run(queued: Job, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    const size = await stat(this.store.path(queued.id, 'input')).then((s) => s.size);
    let job: Job = { ...queued, state: 'running', started_at: new Date().toISOString(), owner: ownerHere() };
    const update = (next: Job): void => {
      job = next;
      if (this.current?.id === job.id) this.current.job = job;
    };
    update(job);
    await this.save(job);
    try {
      if (job.log_format !== undefined && job.log_format !== 'cloudwatch') {
        await this.runLog(job, signal, update, started);
        return;
      }
      const result = await scoreFile({
        input: this.store.path(job.id, 'input'),
        // One results file, as `npm run score` writes one: the CSV is made from it when first asked for (results-csv.ts).
        output: this.store.path(job.id, 'results.ndjson'),
        // 'text' is only ever stored with a log format, read by runLog above
        format: job.format === 'text' ? 'csv' : job.format,
        modelDir: this.options.modelDir,
        threads: this.options.threads,
        onError: job.on_error,
        maxErrors: job.max_errors,
        signal,
        onProgress: (records, seconds, bytesRead, skipped) => {
          const rate = records / Math.max(seconds, 1e-3);
          const bytesPerSecond = bytesRead / Math.max(seconds, 1e-3);
          update({
            ...job,
            records_scored: records,
            records_skipped: skipped,
            records_read: records + skipped,
            records_per_second: Math.round(rate),
            eta_seconds: bytesPerSecond > 0 ? Math.round((size - bytesRead) / bytesPerSecond) : null,
          });
          void this.save(job).catch(() => {});
        },
      });
      const seconds = (performance.now() - started) / 1000;
      const now = await this.store.read(job.id).catch(() => null);
      if (now === null || now.state === 'canceled') {
        // deleted meanwhile: its results go too
        await this.store.removeResults(job.id);
        return;
      }
      if (result.records === 0 && result.skipped.length === 0) {
        update({ ...job, state: 'failed', finished_at: new Date().toISOString(), eta_seconds: null, error: { message: 'the body has no records', line: null, field: null } });
      } else {
        update(succeeded(job, result, result.skipped));
      }
      await this.save(job);
      this.options.onFinished?.(job, seconds);
    } catch (err) {
      if (signal.aborted) {
        if (this.closed) await this.store.markDead(job).catch(() => {});
        return;
      }
      const message = (err as Error).message;
      const known = KNOWN_ERROR.test(message);
      if (!known) this.options.log.error({ err, job: job.id }, 'job failed');
      update({
        ...job,
        state: 'failed',
        finished_at: new Date().toISOString(),
        eta_seconds: null,
        error: known ? placeError(message) : { message: 'internal error while scoring; the details are in the service log', line: null, field: null },
      });
      await this.save(job).catch(() => {});
      this.options.onFinished?.(job, (performance.now() - started) / 1000);
    }
  }

  /**
   * A log format's job: read as a stream through the format's reader on this thread (vpc-flow records
   * are stitched across the whole file, which the block-parallel path cannot do), the records scored
   * on the scoring threads (score-log.ts). A bad line throws, and run() fails the job with it, unless
   * the job skips bad lines (on_error=skip): they are then reported in `skipped`, as for the dataset's
   * layout. The time left is estimated from the bytes of the stored body read so far.
   */
  private async runLog(queued: Job, signal: AbortSignal, update: (next: Job) => void, started: number): Promise<void> {
    let job = queued;
    const result = await scoreLog({
      input: this.store.path(job.id, 'input'),
      format: job.log_format!,
      formatOptions: job.fields ? { fields: job.fields } : {},
      output: this.store.path(job.id, 'results.csv'),
      ndjsonOutput: this.store.path(job.id, 'results.ndjson'),
      modelDir: this.options.modelDir,
      threads: this.options.threads,
      onError: job.on_error,
      maxErrors: job.max_errors,
      signal,
      onProgress: (records, seconds, bytesRead, fileBytes) => {
        const bytesPerSecond = bytesRead / Math.max(seconds, 1e-3);
        const eta = bytesPerSecond > 0 && fileBytes >= bytesRead ? Math.round((fileBytes - bytesRead) / bytesPerSecond) : null;
        job = { ...job, records_scored: records, records_read: records, records_per_second: Math.round(records / Math.max(seconds, 1e-3)), eta_seconds: eta };
        update(job);
        void this.save(job).catch(() => {});
      },
    });
    const now = await this.store.read(job.id).catch(() => null);
    if (now === null || now.state === 'canceled') {
      await this.store.removeResults(job.id);
      return;
    }
    job = { ...succeeded(job, result, result.badLines), lines_skipped: { ...result.skipped }, notes: { ...result.notes } };
    update(job);
    await this.save(job);
    this.options.onFinished?.(job, (performance.now() - started) / 1000);
  }
}
