import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, LockBusyError, TrainingLock } from '../../../src/ml/bundle/lock.js';
import { caught } from '../../helpers/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}
const lockOf = (info: Record<string, unknown>) =>
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ token: 'other', host: hostname(), pid: process.pid, started_at: new Date().toISOString(), purpose: 'train', ...info }));

describe('TrainingLock', () => {
  it('is held by one owner at a time, and free again once released', async () => {
    const first = await TrainingLock.acquire(dir, 'train');
    const err = await caught(LockBusyError, () => TrainingLock.acquire(dir, 'rollback'));
    expect(err.message).toMatch(/^MODEL_DIR is locked by a train on .* \(pid \d+\) since /);
    await TrainingLock.assertHeld(dir, first.info.token);
    await first.release();
    const second = await TrainingLock.acquire(dir, 'train');
    await second.release();
    expect(readdirSync(dir)).toEqual([]); // no lock, no temp file left
  });

  it('gives one lock to one of many owners racing for it', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => TrainingLock.acquire(dir, 'train')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof LockBusyError)).toBe(true);
  });

  it("takes over a lock whose owner is gone, and one older than the bound, but not a live owner's", async () => {
    lockOf({ pid: deadPid() });
    const a = await TrainingLock.acquire(dir, 'train');
    await a.release();
    lockOf({ started_at: new Date(Date.now() - 10_000).toISOString() }); // a live owner (this process), 10 s old
    await caught(LockBusyError, () => TrainingLock.acquire(dir, 'train', 60_000));
    const b = await TrainingLock.acquire(dir, 'train', 5_000);
    expect(b.info.token).not.toBe('other');
    await b.release();
    lockOf({ host: 'another-host', pid: 1 }); // another machine's live-looking owner: only age frees it
    await caught(LockBusyError, () => TrainingLock.acquire(dir, 'train'));
  });

  it('fences: a writer whose lock was taken over is told before it commits', async () => {
    const a = await TrainingLock.acquire(dir, 'train');
    lockOf({ token: 'usurper' });
    await caught(LockBusyError, () => TrainingLock.assertHeld(dir, a.info.token));
    await a.release(); // not its lock any more: left alone
    await caught(LockBusyError, () => TrainingLock.check(dir));
  });
});
