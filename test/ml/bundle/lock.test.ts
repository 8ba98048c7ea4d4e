import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_DIR, LockBusyError, processStart, TrainingLock } from '../../../src/ml/bundle/lock.js';
import { parseRecord } from '../../../src/ml/data/record.js';
import { readState, rollback, saveVersion } from '../../../src/ml/bundle/store.js';
import { trainModels } from '../../../src/ml/bundle/train.js';
import { caught } from '../../helpers/errors.js';
import { ROOT } from '../../helpers/process.js';
import { syntheticRecords } from '../../fixtures/synthetic.js';

const RACER = join(ROOT, 'test/ml/bundle/children/lock-racer.ts');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}
/** Writes a claim of another owner as the lock's highest record (defaults: this process, started now). */
function lockOf(info: Record<string, unknown>, at = dir): void {
  mkdirSync(join(at, LOCK_DIR), { recursive: true });
  const claim = { token: 'other', host: hostname(), pid: process.pid, proc_start: processStart('self'), boot_id: null, started_at: new Date().toISOString(), purpose: 'train', ...info };
  const n =
    Math.max(
      999,
      ...readdirSync(join(at, LOCK_DIR))
        .filter((f) => /^\d{12}$/.test(f))
        .map(Number),
    ) + 1;
  writeFileSync(join(at, LOCK_DIR, String(n).padStart(12, '0')), JSON.stringify(claim));
}

describe('TrainingLock', () => {
  it('is held by one owner at a time, and free again once released', async () => {
    const first = await TrainingLock.acquire(dir, 'train');
    const err = await caught(LockBusyError, () => TrainingLock.acquire(dir, 'rollback'));
    expect(err.message).toMatch(/^MODEL_DIR is locked by a train on .* \(pid \d+\) since /);
    await TrainingLock.assertHeld(dir, first.info.token);
    await first.release();
    await TrainingLock.check(dir);
    const second = await TrainingLock.acquire(dir, 'train');
    await second.release();
    expect(readdirSync(join(dir, LOCK_DIR)).every((f) => /^\d{12}$/.test(f))).toBe(true); // no temp file left
  });

  it('gives one lock to one of many owners racing for it', async () => {
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => TrainingLock.acquire(dir, 'train')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof LockBusyError)).toBe(true);
  });

  it("takes over a lock whose owner is gone, whose pid is another process now, and one older than the bound, but not a live owner's", async () => {
    lockOf({ pid: deadPid() });
    const a = await TrainingLock.acquire(dir, 'train');
    await a.release();
    lockOf({ proc_start: '1' }); // this pid, but a process started at another time: a reused pid
    const reused = await TrainingLock.acquire(dir, 'train');
    await reused.release();
    lockOf({ started_at: new Date(Date.now() - 10_000).toISOString() }); // a live owner (this process), 10 s old
    await caught(LockBusyError, () => TrainingLock.acquire(dir, 'train', 60_000));
    const b = await TrainingLock.acquire(dir, 'train', 5_000);
    expect(b.info.token).not.toBe('other');
    await b.release();
    lockOf({ host: 'another-host', pid: 1 }); // another machine's live-looking owner: only age frees it
    await caught(LockBusyError, () => TrainingLock.acquire(dir, 'train'));
  });

  it('fences: a writer whose lock was taken over is told before it commits, and leaves the new owner its lock', async () => {
    const a = await TrainingLock.acquire(dir, 'train');
    lockOf({ token: 'usurper' });
    await caught(LockBusyError, () => TrainingLock.assertHeld(dir, a.info.token));
    await a.release(); // not its lock any more: left alone
    await caught(LockBusyError, () => TrainingLock.check(dir));
  });

  it('fences a rollback: one whose lock was taken over changes nothing', async () => {
    const records = syntheticRecords(300, 9).map(parseRecord);
    const t = (seed: number) => trainModels(records, { trees: 5, seed, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, seed)) });
    const v0 = await saveVersion(dir, t(1).draft, t(1).artifacts);
    const v1 = await saveVersion(dir, t(2).draft, t(2).artifacts);
    const mine = await TrainingLock.acquire(dir, 'rollback');
    lockOf({ token: 'usurper' });
    await caught(LockBusyError, () => rollback(dir, { beforeCommit: () => TrainingLock.assertHeld(dir, mine.info.token) }));
    expect(await readState(dir)).toEqual({ current: v1, history: [v0, v1] });
  });
});

describe('TrainingLock across processes', () => {
  const racers: ChildProcess[] = [];
  afterAll(() => {
    for (const r of racers) r.kill('SIGKILL');
  });

  it('hands a stale lock to exactly one of 6 processes racing for it, 30 rounds out of 30', { timeout: 240_000 }, async () => {
    for (let i = 0; i < 6; i++) {
      const r = fork(RACER, [], { execArgv: ['--import', 'tsx'], cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      racers.push(r);
      await once(r, 'message');
    }
    const holdersPerRound: number[] = [];
    for (let round = 0; round < 30; round++) {
      const at = mkdtempSync(join(dir, 'round-'));
      lockOf({ pid: deadPid() }, at); // a killed owner's lock: every racer sees it stale
      const answers = racers.map((r) => once(r, 'message').then(([m]) => m as { held: boolean; busy?: boolean; message?: string }));
      for (const r of racers) r.send({ dir: at });
      const results = await Promise.all(answers);
      for (const res of results) if (!res.held) expect(res.busy, res.message).toBe(true);
      holdersPerRound.push(results.filter((res) => res.held).length);
    }
    expect(holdersPerRound).toEqual(Array(30).fill(1));
  });

  it('frees at once the lock of a killed PID 1 for the next PID 1 (a restarted container)', { timeout: 60_000 }, (ctx) => {
    const asPid1 = (): { status: number | null; stdout: string; stderr: string } => {
      const r = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '--import', 'tsx', RACER, dir], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.error?.message ?? ''}${r.stderr ?? ''}` };
    };
    const first = asPid1();
    if (!first.stdout.startsWith('held')) {
      // unshare needs CAP_SYS_ADMIN (root, or a user namespace): not every machine or container grants it.
      ctx.skip(`cannot run a process as PID 1 in its own PID namespace here (unshare: ${first.stderr.trim().slice(0, 200)})`);
    }
    expect(first.stdout.trim()).toBe('held 1'); // killed with SIGKILL holding the lock, as PID 1
    const second = asPid1();
    expect(second.stdout.trim()).toBe('held 1'); // the restarted PID 1 is a new owner: no 409 from its own old lock
  });
});
