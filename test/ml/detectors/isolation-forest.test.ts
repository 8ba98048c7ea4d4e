import { describe, expect, it } from 'vitest';
import { averagePathLength, IsolationForest } from '../../../src/ml/detectors/isolation-forest.js';
import { matrixFromRows, row } from '../../../src/ml/core/matrix.js';
import { Random } from '../../../src/ml/core/random.js';

const EULER = 0.5772156649015329;

function cluster(n: number, seed: number, dims = 3): number[][] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => Array.from({ length: dims }, () => rng.uniform(-1, 1)));
}

describe('averagePathLength c(n)', () => {
  it('matches the closed form of Liu et al.', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    // c(3) = 2 H(2) - 2*2/3 with H(i) ~ ln(i) + gamma
    expect(averagePathLength(3)).toBeCloseTo(2 * (Math.log(2) + EULER) - 4 / 3, 12);
    expect(averagePathLength(256)).toBeCloseTo(2 * (Math.log(255) + EULER) - (2 * 255) / 256, 12);
  });
});

describe('IsolationForest', () => {
  it('scores a single tree on two points by hand: each point isolated at depth 1', () => {
    // psi = 2, height limit 1: the root splits the two points apart, leaves hold one row each.
    const f = IsolationForest.fit(matrixFromRows([[0], [1]]), { nTrees: 1, seed: 1 });
    // h = 1 + c(1) = 1; s = 2^(-1 / c(2)) = 0.5
    expect(f.score(Float64Array.of(0))).toBe(0.5);
    expect(f.score(Float64Array.of(1))).toBe(0.5);
  });

  it('gives path c(psi) and score 0.5 when all rows are identical (constant features are never split)', () => {
    const f = IsolationForest.fit(matrixFromRows(Array.from({ length: 8 }, () => [3, 3])), { nTrees: 5 });
    // the root is a leaf of 8 rows: h = 0 + c(8) = c(psi), s = 2^-1
    expect(f.pathLength(Float64Array.of(3, 3))).toBeCloseTo(averagePathLength(8), 12);
    expect(f.score(Float64Array.of(3, 3))).toBeCloseTo(0.5, 12);
  });

  it('splits only on the non-constant feature', () => {
    const rows = Array.from({ length: 16 }, (_, i) => [7, i]);
    const f = IsolationForest.fit(matrixFromRows(rows), { nTrees: 20, seed: 3 });
    const json = f.toJSON();
    const feature = new Int32Array(new Uint8Array(Buffer.from(json.feature, 'base64')).buffer);
    expect([...feature].filter((v) => v >= 0).every((v) => v === 1)).toBe(true);
  });

  it('scores known outliers above every inlier', () => {
    const data = [...cluster(300, 1), [8, 8, 8], [-9, 0, 7]];
    const f = IsolationForest.fit(matrixFromRows(data), { seed: 42 });
    const x = matrixFromRows(data);
    const scores = f.scoreMatrix(x);
    const maxInlier = Math.max(...scores.slice(0, 300));
    expect(scores[300]).toBeGreaterThan(maxInlier);
    expect(scores[301]).toBeGreaterThan(maxInlier);
    expect(f.isAnomaly(scores[300])).toBe(true);
    expect(scores.every((s) => s > 0 && s < 1)).toBe(true);
  });

  it('flags a share of the training data close to the contamination rate', () => {
    const x = matrixFromRows(cluster(1000, 5));
    for (const contamination of [0.01, 0.05, 0.2]) {
      const f = IsolationForest.fit(x, { contamination, seed: 9 });
      const rate = [...f.scoreMatrix(x)].filter((s) => f.isAnomaly(s)).length / x.rows;
      expect(Math.abs(rate - contamination)).toBeLessThanOrEqual(0.002);
    }
  });

  it('subsamples psi = min(256, n) rows per tree', () => {
    expect(IsolationForest.fit(matrixFromRows(cluster(1000, 2)), { nTrees: 3 }).psi).toBe(256);
    expect(IsolationForest.fit(matrixFromRows(cluster(40, 2)), { nTrees: 3 }).psi).toBe(40);
  });

  it('is deterministic for a seed: identical artifact bytes, different for another seed', () => {
    const x = matrixFromRows(cluster(500, 4));
    const a = JSON.stringify(IsolationForest.fit(x, { seed: 11 }));
    const b = JSON.stringify(IsolationForest.fit(x, { seed: 11 }));
    const c = JSON.stringify(IsolationForest.fit(x, { seed: 12 }));
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('round-trips through JSON with identical scores', () => {
    const x = matrixFromRows(cluster(300, 6));
    const f = IsolationForest.fit(x, { seed: 1 });
    const g = IsolationForest.fromJSON(JSON.parse(JSON.stringify(f)), 3);
    for (let i = 0; i < x.rows; i++) expect(g.score(row(x, i))).toBe(f.score(row(x, i)));
    expect(g.threshold).toBe(f.threshold);
  });

  it('refuses a wrong name tag, feature count or corrupt tree', () => {
    const f = IsolationForest.fit(matrixFromRows(cluster(50, 6)), { nTrees: 2 });
    const json = f.toJSON();
    expect(() => IsolationForest.fromJSON({ ...json, name: 'Other' })).toThrow(/IsolationForest/);
    expect(() => IsolationForest.fromJSON(json, 4)).toThrow(/3 features, expected 4/);
    const right = new Int32Array(new Uint8Array(Buffer.from(json.right, 'base64')).buffer);
    right[0] = 0; // a cycle back to the root
    expect(() => IsolationForest.fromJSON({ ...json, right: Buffer.from(right.buffer).toString('base64') })).toThrow(/bad child/);
  });

  it('handles a one-row training set with a sane score, never NaN', () => {
    const f = IsolationForest.fit(matrixFromRows([[1, 2]]), { nTrees: 3 });
    expect(f.score(Float64Array.of(1, 2))).toBe(0.5);
    expect(f.score(Float64Array.of(100, -5))).toBe(0.5);
  });

  it('rejects bad hyper-parameters and non-finite data', () => {
    const x = matrixFromRows(cluster(10, 1));
    expect(() => IsolationForest.fit(x, { nTrees: 0 })).toThrow(/trees/);
    expect(() => IsolationForest.fit(x, { contamination: 0 })).toThrow(/contamination/);
    expect(() => IsolationForest.fit(x, { contamination: 0.6 })).toThrow(/contamination/);
    expect(() => IsolationForest.fit(x, { maxSamples: 1 })).toThrow(/maxSamples/);
    expect(() => IsolationForest.fit(x, { seed: 1.5 })).toThrow(/seed/);
    expect(() => IsolationForest.fit(matrixFromRows([[1], [NaN]]))).toThrow(/non-finite/);
    expect(() => IsolationForest.fit(matrixFromRows([]))).toThrow(/no rows/);
  });
});
