/**
 * The reload poll never swaps in an older state than the one served: a rollback that lands while the
 * poll is slowly loading another version wins, before and after the poll's load ends.
 */
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRecord } from '../../src/ml/data/record.js';
import { readCurrent, saveVersion, setCurrent } from '../../src/ml/bundle/store.js';
import { trainModels } from '../../src/ml/bundle/train.js';
import { ADMIN_TOKEN, modelDirCopy, testApp } from '../helpers/app.js';
import { syntheticRecords } from '../fixtures/synthetic.js';

/** Loads of the version named here wait until `release` is called: a slow disk, a large forest. */
const slow: { version: string | null; started: () => void; release: Promise<void> } = { version: null, started: () => {}, release: Promise.resolve() };
vi.mock('../../src/ml/bundle/store.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/ml/bundle/store.js')>();
  return {
    ...real,
    loadVersion: async (dir: string, version: string) => {
      const bundle = await real.loadVersion(dir, version);
      if (version === slow.version) {
        slow.started();
        await slow.release;
      }
      return bundle;
    },
  };
});

let dir: string;
let cleanup: () => Promise<void>;
let app: FastifyInstance;
beforeEach(async () => {
  ({ dir, cleanup } = await modelDirCopy());
});
afterEach(async () => {
  await app?.close();
  await cleanup();
});

describe('the reload poll', () => {
  it('does not undo a rollback that landed while it was loading', async () => {
    app = await testApp({ MODEL_DIR: dir, ADMIN_TOKEN });
    const a = app.models.current.version;
    const t = trainModels(syntheticRecords(400, 5).map(parseRecord), { trees: 10, seed: 5 });
    const b = await saveVersion(dir, t.draft, t.artifacts, { makeCurrent: false });
    await setCurrent(dir, b); // another replica trains B

    let release!: () => void;
    slow.release = new Promise((r) => (release = r));
    const loading = new Promise<void>((r) => (slow.started = r));
    slow.version = b;
    const poll = app.models.reload();
    await loading; // the poll has read CURRENT (B) and is loading it

    const rolled = await app.inject({ method: 'POST', url: '/model/rollback', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(rolled.statusCode, rolled.body).toBe(200);
    expect(rolled.json()).toEqual({ model_version: a, previous_version: b });
    expect(app.models.current.version).toBe(a);

    release();
    expect(await poll).toBe(false); // loaded B, but a newer state is served: not swapped
    expect(app.models.current.version).toBe(a);
    slow.version = null;
    expect(await app.models.reload()).toBe(false); // the next poll agrees: CURRENT names A
    expect(app.models.current.version).toBe(a);
    expect(await readCurrent(dir)).toBe(a);
  });

  it('loads the newer version when CURRENT moved on during a slow load', async () => {
    app = await testApp({ MODEL_DIR: dir });
    const recs = syntheticRecords(400, 6).map(parseRecord);
    const t1 = trainModels(recs, { trees: 10, seed: 6, now: () => new Date(Date.UTC(2026, 5, 1)) });
    const t2 = trainModels(recs, { trees: 10, seed: 7, now: () => new Date(Date.UTC(2026, 5, 2)) });
    const b = await saveVersion(dir, t1.draft, t1.artifacts);
    let release!: () => void;
    slow.release = new Promise((r) => (release = r));
    const loading = new Promise<void>((r) => (slow.started = r));
    slow.version = b;
    const poll = app.models.reload();
    await loading;
    const c = await saveVersion(dir, t2.draft, t2.artifacts); // another replica, while B loads here
    release();
    expect(await poll).toBe(true);
    expect(app.models.current.version).toBe(c);
  });
});
