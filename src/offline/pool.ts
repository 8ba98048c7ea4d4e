/**
 * Scoring threads for records read on this thread (score-log.ts): chunks go out round-robin as packed
 * records (record-pack.ts), their results come back as output bytes and are handed on in input order.
 * Sending waits while too many chunks are in flight, so memory is bounded by the chunks in flight, not
 * by the file. A thread's failure, its early exit or the abort signal fails the next wait.
 */
import type { Worker } from 'node:worker_threads';
import type { TrafficRecord } from '../ml/data/record.js';
import { SummaryBuilder } from '../ml/insight/summary.js';
import { packRecords } from './record-pack.js';
import { startWorker, type threadLimits } from './score-file.js';
import type { FromScorer, SkippedRecord, ToScorer, WorkerInit } from './worker.js';

/** A chunk's results, as the thread wrote them (CSV or NDJSON bytes, and NDJSON too when asked for both). */
export interface ChunkResult {
  out: Uint8Array;
  json?: Uint8Array;
  count: number;
  skipped: SkippedRecord[];
}

/** Chunks queued per thread: a thread has its next chunk at hand even when the reading thread is late to run. */
const IN_FLIGHT_PER_THREAD = 4;

export class ScoringPool {
  private readonly workers: Worker[] = [];
  private readonly results = new Map<number, ChunkResult | { error: string }>();
  /** packed-number buffers back from the threads, packed into again */
  private readonly spareNums: ArrayBuffer[] = [];
  /** output buffers already written, handed to a thread to write into again */
  readonly spareOutputs: ArrayBuffer[] = [];
  private crashed: Error | null = null;
  private finishing = false;
  private wake: (() => void) | null = null;
  private sent = 0;
  private written = 0;
  private readonly onAbort = (): void => {
    const reason = this.signal?.reason;
    this.fail(reason instanceof Error ? reason : new Error(String(reason)));
  };

  /** @param write called with each chunk's results, in input order; the next wait waits for it */
  constructor(
    init: WorkerInit,
    threads: number,
    limits: ReturnType<typeof threadLimits>,
    private readonly write: (result: ChunkResult) => Promise<void>,
    private readonly signal?: AbortSignal,
  ) {
    for (let i = 0; i < threads; i++) {
      const w = startWorker(init, limits);
      w.on('message', (m: FromScorer) => {
        if (m.type === 'block') {
          this.results.set(m.seq, { out: m.out, json: m.json, count: m.count, skipped: m.skipped });
          if (this.spareNums.length < this.maxInFlight) this.spareNums.push(m.input);
        } else if (m.type === 'error') this.results.set(m.seq, { error: m.message });
        this.nudge();
      });
      w.on('error', (err: Error & { code?: string }) => {
        this.fail(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`a scoring thread ran out of memory (${limits.maxOldGenerationSizeMb} MB heap): ${err.message}`) : err);
      });
      // A thread that ends before it is told to (its bundle did not load, it was killed) fails the run.
      w.on('exit', (code) => {
        if (!this.finishing) this.fail(new Error(`a scoring thread exited (code ${code})`));
      });
      this.workers.push(w);
    }
    if (signal?.aborted) this.onAbort();
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private get maxInFlight(): number {
    return this.workers.length * IN_FLIGHT_PER_THREAD;
  }

  private fail(err: Error): void {
    this.crashed ??= err;
    this.nudge();
  }

  private nudge(): void {
    this.wake?.();
    this.wake = null;
  }

  /** Hands on the results ready in order; throws a chunk's error in its place, so the first in the file is the one reported. */
  private async drain(): Promise<void> {
    for (let r = this.results.get(this.written); r !== undefined; r = this.results.get(this.written)) {
      if ('error' in r) throw new Error(r.error);
      this.results.delete(this.written++);
      await this.write(r);
    }
  }

  private async waitFor(condition: () => boolean): Promise<void> {
    for (;;) {
      if (this.crashed) throw this.crashed;
      await this.drain();
      if (condition()) return;
      if (this.crashed) throw this.crashed;
      // Results that came while this thread awaited a write found no sleeper to wake.
      if (this.results.has(this.written)) continue;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /**
   * Sends a chunk to be scored, waiting while too many are in flight. Packed before the wait: the
   * records die young, instead of surviving the wait into the old generation.
   */
  async score(records: readonly TrafficRecord[]): Promise<void> {
    const packed = packRecords(records, this.spareNums.pop());
    await this.waitFor(() => this.sent - this.written < this.maxInFlight);
    const reuse = this.spareOutputs.pop();
    const transfer = [packed.nums.buffer as ArrayBuffer];
    if (reuse) transfer.push(reuse);
    const seq = this.sent++;
    this.workers[seq % this.workers.length].postMessage({ type: 'records', seq, packed, reuse } satisfies ToScorer, transfer);
  }

  /** Waits for every chunk's results, then returns the threads' summaries merged into `summary`. */
  async finish(summary = new SummaryBuilder()): Promise<SummaryBuilder> {
    await this.waitFor(() => this.written === this.sent);
    let summaries = 0;
    for (const w of this.workers) {
      w.on('message', (m: FromScorer) => {
        if (m.type !== 'summary') return;
        summary.merge(m.state);
        summaries++;
        this.nudge();
      });
      w.postMessage({ type: 'finish' } satisfies ToScorer);
    }
    await this.waitFor(() => summaries === this.workers.length);
    this.finishing = true;
    if (this.crashed) throw this.crashed;
    return summary;
  }

  async close(): Promise<void> {
    this.finishing = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    for (const w of this.workers) w.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
