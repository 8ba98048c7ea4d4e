/**
 * One training at a time per MODEL_DIR, across the threads, workers, processes
 * and machines that share it: MODEL_DIR/.train.lock.
 *
 * - Taking it is an atomic create: the owner's details are written to a temp
 *   file, then hard-linked to the lock path, which fails if a lock exists (so a
 *   lock is never seen half-written).
 * - Inside: a random token, the owner's host and pid, and when it started.
 * - A lock is taken over only when its owner is provably gone (same host, and
 *   no process has its pid) or it is older than TRAIN_LOCK_STALE_MS (default 30
 *   minutes: training 200,000 rows takes seconds). Another host's live owner
 *   cannot be seen, so only the age frees its lock.
 * - Fencing: right before a new version is made current, the writer checks the
 *   lock still holds its token. If a takeover raced with a live owner, at most
 *   one of them commits; the other fails as busy (409).
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = '.train.lock';
export const DEFAULT_LOCK_STALE_MS = 30 * 60_000;

export interface LockInfo {
  token: string;
  host: string;
  pid: number;
  started_at: string;
  /** what holds it: "train" or "rollback" */
  purpose: string;
}

/** The lock is held by someone else (and not stale). */
export class LockBusyError extends Error {
  constructor(readonly holder: LockInfo | null) {
    super(
      holder
        ? `MODEL_DIR is locked by a ${holder.purpose} on ${holder.host} (pid ${holder.pid}) since ${holder.started_at}; retry when it ends`
        : 'MODEL_DIR is locked by another training run; retry when it ends',
    );
    this.name = 'LockBusyError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
}

async function readLock(path: string): Promise<LockInfo | null> {
  try {
    const info = JSON.parse(await readFile(path, 'utf8')) as LockInfo;
    return typeof info?.token === 'string' ? info : null;
  } catch {
    return null;
  }
}

/** Whether a lock may be taken over: its owner is gone, or it is older than staleMs. */
export function isStale(info: LockInfo | null, staleMs: number, now = Date.now()): boolean {
  if (info === null) return true; // unreadable: a lock is linked whole, so this is not one being written
  const started = Date.parse(info.started_at);
  if (!Number.isFinite(started) || now - started > staleMs) return true;
  return info.host === hostname() && !alive(info.pid);
}

export class TrainingLock {
  private constructor(
    readonly path: string,
    readonly info: LockInfo,
  ) {}

  /**
   * Takes the lock of modelDir.
   * @throws LockBusyError when another owner holds it and it is not stale
   */
  static async acquire(modelDir: string, purpose: string, staleMs = DEFAULT_LOCK_STALE_MS): Promise<TrainingLock> {
    const path = join(modelDir, LOCK_FILE);
    const info: LockInfo = { token: randomBytes(16).toString('hex'), host: hostname(), pid: process.pid, started_at: new Date().toISOString(), purpose };
    const tmp = `${path}.${info.token}`;
    try {
      await writeFile(tmp, `${JSON.stringify(info)}\n`, { flag: 'wx' });
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await link(tmp, path);
          return new TrainingLock(path, info);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const holder = await readLock(path);
        if (!isStale(holder, staleMs)) throw new LockBusyError(holder);
        // Take it over: move the stale lock aside (only one of several racing movers gets it) and retry.
        const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
        if (
          await rename(path, aside).then(
            () => true,
            () => false,
          )
        )
          await rm(aside, { force: true });
      }
      throw new LockBusyError(await readLock(path));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Throws LockBusyError when another owner holds a live lock (a cheap check before a long job). */
  static async check(modelDir: string, staleMs = DEFAULT_LOCK_STALE_MS): Promise<void> {
    const holder = await readLock(join(modelDir, LOCK_FILE));
    if (holder !== null && !isStale(holder, staleMs)) throw new LockBusyError(holder);
  }

  /** Throws LockBusyError unless the lock still holds this owner's token (fencing before a commit). */
  static async assertHeld(modelDir: string, token: string): Promise<void> {
    const holder = await readLock(join(modelDir, LOCK_FILE));
    if (holder?.token !== token) throw new LockBusyError(holder);
  }

  /** Releases the lock if it is still this owner's. */
  async release(): Promise<void> {
    const holder = await readLock(this.path);
    if (holder?.token === this.info.token) await unlink(this.path).catch(() => {});
  }
}
