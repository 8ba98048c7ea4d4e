/**
 * A failed write of MODEL_DIR/CURRENT (EIO, ENOSPC, an NFS error) changes nothing, or changes it
 * wholly and says so: the rename onto CURRENT is made to fail here, as a shim of node:fs/promises.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRecord } from '../../../src/ml/data/record.js';
import { CommitError, listVersions, loadCurrent, readHistory, readState, rollback, saveVersion } from '../../../src/ml/bundle/store.js';
import { trainModels } from '../../../src/ml/bundle/train.js';
import { caught } from '../../helpers/errors.js';
import { syntheticRecords } from '../../fixtures/synthetic.js';

/** How the next rename onto a file named CURRENT behaves: fail before, or after it took effect (NFS). */
const fault: { mode: 'none' | 'before' | 'after' } = { mode: 'none' };
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const rename = async (from: string, to: string): Promise<void> => {
    const mode = basename(String(to)) === 'CURRENT' ? fault.mode : 'none';
    if (mode === 'before') throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO' });
    await real.rename(from, to);
    if (mode === 'after') throw Object.assign(new Error(`EIO: i/o error, rename '${from}' -> '${to}'`), { code: 'EIO' });
  };
  return { ...real, rename, default: { ...real, rename } };
});

const records = syntheticRecords(300, 9).map(parseRecord);
let tick = 0;
const train = (seed: number) => trainModels(records, { trees: 10, seed, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)) });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-faults-'));
  fault.mode = 'none';
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('a failed switch of CURRENT', () => {
  it('after a training: the previous version is still served, complete, with its history, and the error says so', async () => {
    const v0 = await saveVersion(dir, train(1).draft, train(1).artifacts);
    const v1 = await saveVersion(dir, train(2).draft, train(2).artifacts);
    fault.mode = 'before';
    const t = train(3);
    const err = await caught(CommitError, () => saveVersion(dir, t.draft, t.artifacts));
    expect(err.code).toBe('EIO');
    expect(err.served).toBe(v1);
    expect(err.message).toMatch(new RegExp(`${v1} is still served$`));
    fault.mode = 'none';
    expect(await readState(dir)).toEqual({ current: v1, history: [v0, v1] });
    expect((await loadCurrent(dir)).version).toBe(v1); // a restart serves a complete version
    expect(await listVersions(dir)).toEqual([v0, v1]); // the unserved version is removed, nothing else
    expect((await rollback(dir)).bundle.version).toBe(v0);
  });

  it('that took effect although the rename reported a failure: the new version is served and kept, and the save succeeds', async () => {
    const v0 = await saveVersion(dir, train(1).draft, train(1).artifacts);
    fault.mode = 'after';
    const t = train(2);
    const v1 = await saveVersion(dir, t.draft, t.artifacts);
    fault.mode = 'none';
    expect(await readHistory(dir)).toEqual([v0, v1]);
    expect((await loadCurrent(dir)).version).toBe(v1);
    expect(existsSync(join(dir, 'versions', v1, 'manifest.json'))).toBe(true);
  });

  it('during a bare rollback: nothing changed, and a retry rolls back one step, not two', async () => {
    const v0 = await saveVersion(dir, train(1).draft, train(1).artifacts);
    const v1 = await saveVersion(dir, train(2).draft, train(2).artifacts);
    const v2 = await saveVersion(dir, train(3).draft, train(3).artifacts);
    fault.mode = 'before';
    const err = await caught(CommitError, () => rollback(dir));
    expect(err.served).toBe(v2);
    fault.mode = 'none';
    expect(await readState(dir)).toEqual({ current: v2, history: [v0, v1, v2] });
    const retried = await rollback(dir);
    expect(retried.bundle.version).toBe(v1);
    expect(await readState(dir)).toEqual({ current: v1, history: [v0, v1] });
  });

  it('during a rollback that took effect: reported as done, and the history agrees', async () => {
    const v0 = await saveVersion(dir, train(1).draft, train(1).artifacts);
    await saveVersion(dir, train(2).draft, train(2).artifacts);
    fault.mode = 'after';
    expect((await rollback(dir)).bundle.version).toBe(v0);
    fault.mode = 'none';
    expect(await readState(dir)).toEqual({ current: v0, history: [v0] });
  });
});
