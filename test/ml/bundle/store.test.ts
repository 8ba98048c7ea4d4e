import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRecord } from '../../../src/ml/data/record.js';
import { BundleLoadError, listVersions, loadCurrent, loadVersion, readCurrent, saveVersion, setCurrent } from '../../../src/ml/bundle/store.js';
import { trainModels, type TrainingOutput } from '../../../src/ml/bundle/train.js';
import { syntheticRecords } from '../../fixtures/synthetic.js';

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
    const version = await saveVersion(dir, candidate.draft, candidate.artifacts, 5, undefined, { makeCurrent: false });
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
      await saveVersion(dir, t.draft, t.artifacts, 3);
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
});
