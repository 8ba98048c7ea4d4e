import { readdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRecord } from '../../../src/ml/data/record.js';
import { BundleLoadError, listVersions, loadCurrent, loadVersion, NoPreviousVersionError, readCurrent, readHistory, rollback, saveVersion, setCurrent } from '../../../src/ml/bundle/store.js';
import { caught } from '../../helpers/errors.js';
import { trainModels, type TrainingOutput } from '../../../src/ml/bundle/train.js';
import { syntheticRecords } from '../../fixtures/synthetic.js';
import { ROOT } from '../../helpers/process.js';

const records = syntheticRecords(300, 9).map(parseRecord);
let dir: string;
let trained: TrainingOutput;
let tick = 0;
const train = (seed = 1) => trainModels(records, { trees: 10, seed, now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)) });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-'));
  trained = train();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function loadError(): Promise<BundleLoadError> {
  return loadCurrent(dir).then(
    () => {
      throw new Error('expected a BundleLoadError');
    },
    (err: unknown) => {
      if (err instanceof BundleLoadError) return err;
      throw err;
    },
  );
}

describe('model store', () => {
  it('keeps a version without making it current when asked (a candidate), loadable by name', async () => {
    const served = await saveVersion(dir, trained.draft, trained.artifacts);
    const candidate = train(2);
    const version = await saveVersion(dir, candidate.draft, candidate.artifacts, { keep: 5, makeCurrent: false });
    expect(await readCurrent(dir)).toBe(served);
    expect(await listVersions(dir)).toEqual([served, version]);
    expect((await loadVersion(dir, version)).serialize()).toEqual(candidate.artifacts);
  });

  it('saves, points CURRENT at the version, and loads a bundle that scores identically', async () => {
    const version = await saveVersion(dir, trained.draft, trained.artifacts);
    expect(await readCurrent(dir)).toBe(version);
    const bundle = await loadCurrent(dir);
    expect(bundle.version).toBe(version);
    expect(bundle.manifest.data.rows).toBe(300);
    expect(bundle.serialize()).toEqual(trained.artifacts);
    const again = await loadCurrent(dir);
    for (const r of records.slice(0, 50)) expect(again.score(r)).toEqual(bundle.score(r));
  });

  it('keeps the newest versions and never the temp directories', async () => {
    for (let k = 0; k < 7; k++) {
      const t = train(k);
      await saveVersion(dir, t.draft, t.artifacts, { keep: 3 });
    }
    const versions = await listVersions(dir);
    expect(versions).toHaveLength(3);
    expect(versions.at(-1)).toBe(await readCurrent(dir));
    expect((await readdir(join(dir, 'versions'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('switches back to an older version and refuses an unknown one', async () => {
    const v1 = await saveVersion(dir, trained.draft, trained.artifacts);
    const t2 = train(2);
    await saveVersion(dir, t2.draft, t2.artifacts);
    await setCurrent(dir, v1);
    expect((await loadCurrent(dir)).version).toBe(v1);
    await expect(setCurrent(dir, '2020-01-01T00-00-00Z-abcdef')).rejects.toThrow(/no such version/);
  });

  it('names the file and the reason for a missing, truncated, corrupt or mismatched bundle', async () => {
    expect((await loadError()).message).toMatch(/CURRENT: ENOENT/);
    const version = await saveVersion(dir, trained.draft, trained.artifacts);
    const vdir = join(dir, 'versions', version);

    const forest = join(vdir, 'random-forest.json');
    const text = await readFile(forest, 'utf8');
    await writeFile(forest, text.slice(0, 100));
    expect((await loadError()).message).toMatch(/random-forest\.json: sha256 differs/);
    await writeFile(forest, text);

    await rm(join(vdir, 'scaler.json'));
    expect((await loadError()).message).toMatch(/scaler\.json: ENOENT/);
    await writeFile(join(vdir, 'scaler.json'), trained.artifacts.scaler);

    const manifestPath = join(vdir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(manifestPath, '{"format":');
    expect((await loadError()).message).toMatch(/manifest\.json: invalid JSON/);

    // A well-formed artifact of the wrong width, with a matching checksum: caught by the model checks.
    const scaler = JSON.parse(trained.artifacts.scaler);
    const narrow = JSON.stringify({ ...scaler, nFeatures: 3, mean: Buffer.alloc(24).toString('base64'), scale: Buffer.from(new Float64Array([1, 1, 1]).buffer).toString('base64') });
    await writeFile(join(vdir, 'scaler.json'), narrow);
    const { createHash } = await import('node:crypto');
    manifest.files['scaler.json'].sha256 = createHash('sha256').update(narrow).digest('hex');
    await writeFile(manifestPath, JSON.stringify(manifest));
    expect((await loadError()).message).toMatch(/3 features, expected 11/);

    await writeFile(join(dir, 'CURRENT'), '../../etc\n');
    expect((await loadError()).message).toMatch(/is not a version id/);
  });

  it('prunes no version the rollback history may walk back to: KEEP_VERSIONS=3, v1, v2, back to v0 by name, v3, then a bare rollback serves v0', async () => {
    const save = async (seed: number) => {
      const t = train(seed);
      return saveVersion(dir, t.draft, t.artifacts, { keep: 3 });
    };
    const v0 = await save(10);
    const v1 = await save(11);
    const v2 = await save(12);
    await rollback(dir, { version: v0, keep: 3 });
    const v3 = await save(13);
    expect(await readHistory(dir)).toEqual([v2, v0, v3]); // three distinct versions: KEEP_VERSIONS
    expect(await listVersions(dir)).not.toContain(v1);
    expect(await listVersions(dir)).toEqual([v0, v2, v3]); // v1, which no rollback reaches, is the one removed
    const back = await rollback(dir, { keep: 3 });
    expect(back.bundle.version).toBe(v0); // the version served before v3, not v2 (rolled away from)
    expect(back.previous).toBe(v3);
    expect(await readCurrent(dir)).toBe(v0);
    expect((await rollback(dir, { keep: 3 })).bundle.version).toBe(v2);
    // The start of the kept history: a clear refusal, never a skip to something else.
    const err = await caught(NoPreviousVersionError, () => rollback(dir, { keep: 3 }));
    expect(err.message).toMatch(/no version was served before/);
  });

  it('protects the history whatever the version ids say (clock skew between hosts)', async () => {
    tick = 1000;
    const ahead = await saveVersion(dir, train(20).draft, train(20).artifacts, { keep: 2 }); // a host whose clock runs ahead
    tick = 0;
    const early1 = await saveVersion(dir, train(21).draft, train(21).artifacts, { keep: 2 });
    const early2 = await saveVersion(dir, train(22).draft, train(22).artifacts, { keep: 2 });
    expect(ahead > early2).toBe(true); // by id order, the newest
    expect(await listVersions(dir)).toEqual([early1, early2]);
    expect((await rollback(dir, { keep: 2 })).bundle.version).toBe(early1);
  });

  it('answers a clear refusal, not a skip, when the version served before was removed (a legacy HISTORY naming a pruned version)', async () => {
    const v0 = await saveVersion(dir, train(30).draft, train(30).artifacts);
    const v1 = await saveVersion(dir, train(31).draft, train(31).artifacts);
    const v2 = await saveVersion(dir, train(32).draft, train(32).artifacts);
    // The two-file layout of earlier releases, whose history still names v1 after v1 was removed.
    await writeFile(join(dir, 'CURRENT'), `${v2}\n`);
    await writeFile(join(dir, 'HISTORY'), `${v0}\n${v1}\n${v2}\n`);
    await rm(join(dir, 'versions', v1), { recursive: true });
    expect(await readHistory(dir)).toEqual([v0, v1, v2]);
    const err = await caught(NoPreviousVersionError, () => rollback(dir));
    expect(err.message).toMatch(new RegExp(`${v1}, served before ${v2}, is no longer kept`));
    expect(await readCurrent(dir)).toBe(v2);
  });

  it('reads the two-file layout of earlier releases (CURRENT and HISTORY) and writes one file on the next change', async () => {
    const v0 = await saveVersion(dir, train(40).draft, train(40).artifacts);
    const v1 = await saveVersion(dir, train(41).draft, train(41).artifacts);
    await writeFile(join(dir, 'CURRENT'), `${v1}\n`);
    await writeFile(join(dir, 'HISTORY'), `${v0}\n`); // lagging one change, as a crash between the two writes left it
    expect(await readHistory(dir)).toEqual([v0, v1]);
    expect((await rollback(dir)).bundle.version).toBe(v0);
    expect(readdirSync(dir).sort()).toEqual(['CURRENT', 'versions']);
    expect((await readFile(join(dir, 'CURRENT'), 'utf8')).split('\n')[0]).toBe(v0);
    const committed = await loadCurrent(join(ROOT, 'models'));
    expect(committed.version).toBe(await readCurrent(join(ROOT, 'models')));
  });
});
