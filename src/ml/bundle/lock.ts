/**
 * One change of MODEL_DIR at a time (a training's commit, a rollback), across the
 * threads, workers, processes and machines that share it: MODEL_DIR/.train-lock/.
 *
 * - The lock is a sequence of records that are never rewritten: 000000000001,
 *   000000000002, ... The highest one says who holds it: a claim (owner details)
 *   or a release. A record is written to a temp file, then hard-linked to the
 *   next number, which fails if that number exists: of several processes
 *   racing for the same number, exactly one gets it.
 * - Taking the lock, also over a stale owner, is linking the number after the
 *   highest one seen, when that one is free or stale. The decision is made on a
 *   record that can no longer change, and only one process can follow it with
 *   the next number, so a takeover never hands the lock to two. A process whose
 *   view was old finds its number taken, or not the highest once linked, and
 *   backs off. Releasing links a release record after one's own claim.
 * - An owner is its host, pid, the process's start time (/proc/<pid>/stat) and
 *   the boot id: a pid reused after a restart (PID 1 in a container) is a new
 *   owner, so the lock of a killed server is free at once for its successor.
 *   Another host's live owner cannot be seen, so only age (TRAIN_LOCK_STALE_MS,
 *   default 30 minutes) frees its lock.
 * - Fencing: right before it changes CURRENT, a training or rollback checks the
 *   highest record is still its own claim (assertHeld).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeDurable } from './files.js';

export const LOCK_DIR = '.train-lock';
export const DEFAULT_LOCK_STALE_MS = 30 * 60_000;
const RECORD = /^[0-9]{12}$/;
const recordName = (n: number): string => String(n).padStart(12, '0');

export interface LockInfo {
  token: string;
  host: string;
  pid: number;
  /** the owner process's start time in clock ticks since boot (/proc/<pid>/stat field 22); null off Linux */
  proc_start: string | null;
  /** the owner host's boot id (/proc/sys/kernel/random/boot_id); null off Linux */
  boot_id: string | null;
  started_at: string;
  /** what holds it: "train" or "rollback" */
  purpose: string;
}
type LockRecord = LockInfo | { released: string };

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

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Field 22 (starttime) of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
export function processStart(pid: number | 'self'): string | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
}
const BOOT_ID = readProc('/proc/sys/kernel/random/boot_id');

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
}

/** Whether the owner, on this host, is certainly gone: rebooted since, no such pid, or the pid is another process now. */
function ownerGone(info: LockInfo): boolean {
  if (info.boot_id && BOOT_ID && info.boot_id !== BOOT_ID) return true;
  if (!pidExists(info.pid)) return true;
  const start = info.proc_start ? processStart(info.pid) : null;
  return start !== null && start !== info.proc_start;
}

/** Whether a lock may be taken over: free, its owner gone, or older than staleMs. */
export function isStale(record: LockRecord | null, staleMs: number, now = Date.now()): boolean {
  if (record === null || 'released' in record) return true; // a record is linked whole: unreadable means not a lock
  const started = Date.parse(record.started_at);
  if (!Number.isFinite(started) || now - started > staleMs) return true;
  return record.host === hostname() && ownerGone(record);
}

/** The highest record: its number and content (null when unreadable); null when there is none. */
async function latest(dir: string): Promise<{ n: number; record: LockRecord | null } | null> {
  for (let attempt = 0; ; attempt++) {
    const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    const top = names
      .filter((n) => RECORD.test(n))
      .sort()
      .at(-1);
    if (top === undefined) return null;
    try {
      const record = JSON.parse(await readFile(join(dir, top), 'utf8')) as LockRecord;
      return { n: Number(top), record: typeof record === 'object' && record !== null ? record : null };
    } catch (err) {
      // Tidied away by a newer holder between the listing and the read: list again.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 5) continue;
      return { n: Number(top), record: null };
    }
  }
}

const holderOf = (top: { record: LockRecord | null } | null): LockInfo | null => (top?.record && 'token' in top.record ? top.record : null);

export class TrainingLock {
  private constructor(
    readonly dir: string,
    readonly info: LockInfo,
    private readonly n: number,
  ) {}

  /**
   * Takes the lock of modelDir.
   * @throws LockBusyError when another owner holds it and it is not stale
   */
  static async acquire(modelDir: string, purpose: string, staleMs = DEFAULT_LOCK_STALE_MS): Promise<TrainingLock> {
    const dir = join(modelDir, LOCK_DIR);
    // Not recursive: MODEL_DIR exists, and a read-only or full one then fails with its own code (EROFS, ENOSPC).
    await mkdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const info: LockInfo = {
      token: randomBytes(16).toString('hex'),
      host: hostname(),
      pid: process.pid,
      proc_start: processStart('self'),
      boot_id: BOOT_ID,
      started_at: new Date().toISOString(),
      purpose,
    };
    const tmp = join(dir, `tmp-${info.token}`);
    try {
      await writeDurable(tmp, `${JSON.stringify(info)}\n`);
      for (let attempt = 0; attempt < 5; attempt++) {
        const top = await latest(dir);
        if (top !== null && !isStale(top.record, staleMs)) throw new LockBusyError(holderOf(top));
        const n = (top?.n ?? 0) + 1;
        try {
          await link(tmp, join(dir, recordName(n)));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // another process got this number first
          throw err;
        }
        // A view older than the tidying of lower numbers can link one below the highest: that is no lock.
        if ((await latest(dir))?.n !== n) {
          await unlink(join(dir, recordName(n))).catch(() => {});
          continue;
        }
        await tidy(dir, n);
        return new TrainingLock(dir, info, n);
      }
      throw new LockBusyError(holderOf(await latest(dir)));
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Throws LockBusyError when another owner holds a live lock (a cheap check before a long job). */
  static async check(modelDir: string, staleMs = DEFAULT_LOCK_STALE_MS): Promise<void> {
    const top = await latest(join(modelDir, LOCK_DIR));
    if (top !== null && !isStale(top.record, staleMs)) throw new LockBusyError(holderOf(top));
  }

  /** Throws LockBusyError unless the lock is still this owner's (fencing right before a commit). */
  static async assertHeld(modelDir: string, token: string): Promise<void> {
    const holder = holderOf(await latest(join(modelDir, LOCK_DIR)));
    if (holder?.token !== token) throw new LockBusyError(holder);
  }

  /** Releases the lock if it is still this owner's (a taken-over lock is left to its new owner). */
  async release(): Promise<void> {
    if ((await latest(this.dir))?.n !== this.n) return;
    const tmp = join(this.dir, `tmp-${this.info.token}-release`);
    try {
      await writeDurable(tmp, `${JSON.stringify({ released: this.info.token })}\n`);
      await link(tmp, join(this.dir, recordName(this.n + 1))).catch(() => {}); // EEXIST: taken over meanwhile
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

/** Removes records below the one before `n` (no decision reads them) and temp files of owners long gone. */
async function tidy(dir: string, n: number): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    if (RECORD.test(name) && Number(name) < n - 1) await unlink(path).catch(() => {});
    if (name.startsWith('tmp-') && Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? Date.now()) > 3600_000) await rm(path, { force: true });
  }
}
