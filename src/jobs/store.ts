/**
 * Scoring jobs on disk: one directory per job under JOBS_DIR holding the body as
 * received (`input`), the state (`state.json`) and, once succeeded, the results
 * (`results.ndjson`; `results.csv` once asked for, see results-csv.ts). Every process answers from the disk, so any
 * worker or replica on the same volume answers about any job. The state is
 * written atomically (temp file, fsync, rename); the results are renamed into
 * place before the state says `succeeded`, so a job that says succeeded has its
 * results whole.
 *
 * A job whose runner died (a crash, a kill) is reported failed: its state names
 * the process running it and is refreshed every few seconds (`heartbeat_at`); a
 * state not refreshed for STALE_MS, or whose process is gone on this host, is dead.
 */
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { BatchSummary } from '../ml/insight/summary.js';
import type { FormatName } from '../ml/data/formats/index.js';
import type { SkippedRecord } from '../offline/worker.js';
import type { JobBodyFormat } from './upload.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

export interface Job {
  id: string;
  state: JobState;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  format: JobBodyFormat;
  /** the log format the body is read as (cloudwatch: the dataset's layout, by `format`); absent in jobs stored before formats */
  log_format?: FormatName;
  /** vpc-flow: the fields of a log without its header line */
  fields?: string | null;
  /** lines the log format skips by design (vpc-flow NODATA, SKIPDATA), by kind */
  lines_skipped?: Record<string, number>;
  /** what the format's reader did (vpc-flow: sessions stitched, one-way flows) */
  notes?: Record<string, number>;
  on_error: 'stop' | 'skip';
  max_errors: number;
  bytes_received: number;
  records_read: number;
  records_scored: number;
  records_skipped: number;
  records_per_second: number;
  eta_seconds: number | null;
  model_version: string | null;
  summary: BatchSummary | null;
  /** skip mode: the records left out (line, field, shortened value), in input order */
  skipped: Omit<SkippedRecord, 'message'>[];
  error: { message: string; line: number | null; field: string | null } | null;
  /** who runs it and when it last said so */
  /** the process running the job; `life` tells this process's life from an earlier one with the same pid */
  owner: { host: string; pid: number; life?: string } | null;
  heartbeat_at: string | null;
}

/** A running or queued job whose state is older than this is reported failed (its runner is gone). */
export const STALE_MS = 30_000;
/** How often a runner refreshes its jobs' state. */
export const HEARTBEAT_MS = 2_000;
const ID = /^[A-Za-z0-9_-]{22}$/;
const HOST = hostname();
/** This process's life: a pid is reused by the next process in a container, this is not. */
const LIFE = randomBytes(8).toString('hex');

export const UNFINISHED: ReadonlySet<JobState> = new Set(['queued', 'running']);

/** 128 random bits, base64url: an id nobody can guess. */
export function newJobId(): string {
  return randomBytes(16).toString('base64url');
}

export function isJobId(id: string): boolean {
  return ID.test(id);
}

/** Where the error of a failed run is: "CSV line 12: bytes_in must be ..." gives line 12 and bytes_in. */
export function placeError(message: string): Job['error'] {
  const m = /(?:CSV|NDJSON|vpc-flow|alb|waf|cloudfront|ocsf) line (\d+): (\S+)|records\[(\d+)\]: (\S+)/.exec(message);
  if (!m) return { message, line: null, field: null };
  const line = Number(m[1] ?? m[3]) + (m[3] !== undefined ? 1 : 0);
  const field = m[2] ?? m[4];
  return { message, line, field: ['is', 'has', 'must'].includes(field) ? null : field };
}

export class JobStore {
  constructor(readonly dir: string) {}

  path(id: string, file = ''): string {
    return join(this.dir, id, file);
  }

  /** The job's state as written, or null when there is no such job. */
  async read(id: string): Promise<Job | null> {
    if (!isJobId(id)) return null;
    let text: string;
    try {
      text = await readFile(this.path(id, 'state.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const job = JSON.parse(text) as Job;
    // The cancel marker outranks the state: a runner in another process may still write its progress.
    const canceled = await stat(this.path(id, 'canceled')).catch(() => null);
    if (canceled === null) return job;
    return { ...job, state: 'canceled', finished_at: job.finished_at ?? canceled.mtime.toISOString(), eta_seconds: null, summary: null };
  }

  /**
   * Cancels an unfinished job: a marker file first (it outranks any state a runner writes later),
   * then its body and any results are removed; the state stays, saying canceled, until removed.
   */
  async cancel(id: string): Promise<void> {
    const marker = await open(this.path(id, 'canceled'), 'a');
    await marker.sync();
    await marker.close();
    for (const f of ['input', 'results.csv', 'results.ndjson']) await rm(this.path(id, f), { force: true });
  }

  /** The state as clients see it: a queued or running job whose runner is gone is failed. */
  async get(id: string, mine: (id: string) => boolean): Promise<Job | null> {
    const job = await this.read(id);
    if (job === null || !UNFINISHED.has(job.state) || mine(id) || !isDead(job)) return job;
    return this.markDead(job);
  }

  /** Writes a dead job as failed (once; a concurrent writer's later state wins the rename). */
  async markDead(job: Job): Promise<Job> {
    const failed: Job = {
      ...job,
      state: 'failed',
      finished_at: new Date().toISOString(),
      eta_seconds: null,
      error: { message: 'the server running this job stopped before it finished; submit it again', line: null, field: null },
    };
    await this.removeResults(job.id);
    await rm(this.path(job.id, 'input'), { force: true }); // it cannot be resumed: free its disk
    await this.write(failed).catch(() => {});
    return failed;
  }

  /** Removes the results, whole or half-written (a dead runner's temp files). */
  async removeResults(id: string): Promise<void> {
    const files = await readdir(this.path(id)).catch(() => [] as string[]);
    for (const f of files) if (f.startsWith('results.')) await rm(this.path(id, f), { force: true });
  }

  /** Writes the state atomically: a temp file, fsync, rename; a reader sees the old state or the new, whole. */
  async write(job: Job): Promise<void> {
    const target = this.path(job.id, 'state.json');
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
    const file = await open(tmp, 'wx');
    try {
      await file.writeFile(JSON.stringify(job));
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    if (isJobId(id)) await rm(this.path(id), { recursive: true, force: true });
  }

  /** Every job's id. */
  async ids(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter(isJobId);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  /** Bytes every job takes on disk. */
  async diskUsage(): Promise<number> {
    let total = 0;
    for (const id of await this.ids()) {
      const files = await readdir(this.path(id)).catch(() => [] as string[]);
      for (const f of files)
        total += await stat(this.path(id, f)).then(
          (s) => s.size,
          () => 0,
        );
    }
    return total;
  }

  /** Unfinished jobs (queued or running, their runner alive). */
  async unfinished(mine: (id: string) => boolean): Promise<number> {
    let n = 0;
    for (const id of await this.ids()) {
      const job = await this.get(id, mine).catch(() => null);
      if (job && UNFINISHED.has(job.state)) n++;
    }
    return n;
  }

  /** Removes jobs finished more than ttl seconds ago (and unreadable leftovers as old). */
  async sweep(ttlSeconds: number, mine: (id: string) => boolean): Promise<number> {
    let removed = 0;
    const cutoff = Date.now() - ttlSeconds * 1000;
    for (const id of await this.ids()) {
      const job = await this.get(id, mine).catch(() => null);
      const since =
        job === null
          ? await stat(this.path(id)).then(
              (s) => s.mtimeMs,
              () => 0,
            )
          : job.finished_at
            ? Date.parse(job.finished_at)
            : Infinity;
      if (since < cutoff) {
        await this.remove(id);
        removed++;
      }
    }
    return removed;
  }
}

function isDead(job: Job): boolean {
  const beat = Date.parse(job.heartbeat_at ?? job.created_at);
  if (Date.now() - beat > STALE_MS) return true;
  if (job.owner === null || job.owner.host !== HOST) return false;
  // Same pid: an earlier life of this process (a restarted container's PID 1) left it, unless the
  // life says it is this one's, whose runner may hold it between two of its own steps.
  if (job.owner.pid === process.pid) return job.owner.life !== LIFE;
  try {
    process.kill(job.owner.pid, 0);
    return false;
  } catch {
    return true;
  }
}

export function ownerHere(): { host: string; pid: number; life: string } {
  return { host: HOST, pid: process.pid, life: LIFE };
}
