import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlatForest } from '../../../src/ml/detectors/flat-forest.js';
import { IsolationForest } from '../../../src/ml/detectors/isolation-forest.js';
import { Random } from '../../../src/ml/core/random.js';
import { createMatrix } from '../../../src/ml/core/matrix.js';

const N_FEATURES = 3;

/** A random pre-order forest: trees of uneven depth, lone leaves included. */
function randomForest(seed: number, nTrees: number, maxDepth: number) {
  const rng = new Random(seed);
  const feature: number[] = [];
  const value: number[] = [];
  const right: number[] = [];
  const grow = (depth: number): void => {
    const i = feature.length;
    if (depth >= maxDepth || rng.nextFloat() < 0.25) {
      feature.push(-1);
      value.push(Math.round(rng.nextFloat() * 1000) / 7);
      right.push(0);
      return;
    }
    feature.push(rng.nextInt(N_FEATURES));
    value.push(rng.nextFloat() * 2 - 1);
    right.push(0);
    grow(depth + 1);
    right[i] = feature.length;
    grow(depth + 1);
  };
  const roots: number[] = [];
  for (let t = 0; t < nTrees; t++) {
    roots.push(feature.length);
    grow(0);
  }
  return { roots: Int32Array.from(roots), feature: Int32Array.from(feature), value: Float64Array.from(value), right: Int32Array.from(right) };
}

/** The obvious walk, one tree at a time. */
function naiveLeaves(t: ReturnType<typeof randomForest>, x: Float64Array): number[] {
  return Array.from(t.roots, (root) => {
    let i = root;
    while (t.feature[i] >= 0) i = x[t.feature[i]] <= t.value[i] ? i + 1 : t.right[i];
    return t.value[i];
  });
}

describe('FlatForest', () => {
  it('averages the leaves the obvious walk reaches, with the same bits in both layouts, alone or in a lot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 23 }), fc.integer({ min: 0, max: 9 }), (seed, nTrees, maxDepth) => {
        const t = randomForest(seed, nTrees, maxDepth);
        const complete = new FlatForest(t.roots, t.feature, t.value, t.right, 'complete');
        const linked = new FlatForest(t.roots, t.feature, t.value, t.right, 'linked');
        const rng = new Random(seed + 1);
        const rows = 20;
        // Values on the thresholds too: x <= threshold goes left in every walk.
        const x = Float64Array.from({ length: rows * N_FEATURES }, (_, i) => (i % 4 === 0 ? t.value[rng.nextInt(t.value.length)] : rng.nextFloat() * 2.4 - 1.2));
        const lot = new Float64Array(rows);
        complete.meanRows(x, 0, rows, N_FEATURES, lot);
        for (let r = 0; r < rows; r++) {
          const leaves = naiveLeaves(t, x.subarray(r * N_FEATURES, (r + 1) * N_FEATURES));
          const mean = complete.mean(x, r * N_FEATURES);
          expect(mean).toBeCloseTo(leaves.reduce((a, b) => a + b, 0) / nTrees, 9);
          expect(linked.mean(x, r * N_FEATURES)).toBe(mean);
          expect(lot[r]).toBe(mean); // a lot gives each row the bits it gets alone
        }
      }),
      { numRuns: 300 },
    );
  });

  it('lays out shallow forests complete and deep ones linked', () => {
    const shallow = randomForest(1, 100, 8);
    expect(new FlatForest(shallow.roots, shallow.feature, shallow.value, shallow.right).layout).toBe('complete');
    // A chain 40 levels deep would pad to 2^40 nodes.
    const n = 81;
    const feature = Int32Array.from({ length: n }, (_, i) => (i % 2 === 0 && i < n - 1 ? 0 : -1));
    const right = Int32Array.from({ length: n }, (_, i) => (i % 2 === 0 && i < n - 1 ? i + 2 : 0));
    const value = Float64Array.from({ length: n }, (_, i) => i);
    const deep = new FlatForest(Int32Array.of(0), feature, value, right);
    expect(deep.layout).toBe('linked');
    expect(deep.mean(Float64Array.of(1000), 0)).toBe(80);
    expect(deep.mean(Float64Array.of(-1), 0)).toBe(1);
  });

  it('scores a trained Isolation Forest the same in both layouts', () => {
    const rng = new Random(3);
    const x = createMatrix(2000, N_FEATURES);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.nextFloat();
    const f = IsolationForest.fit(x, { nTrees: 50, seed: 9 });
    const complete = new FlatForest(f.roots, f.feature, f.value, f.right, 'complete');
    const linked = new FlatForest(f.roots, f.feature, f.value, f.right, 'linked');
    for (let i = 0; i < x.rows; i++) expect(complete.mean(x.data, i * N_FEATURES)).toBe(linked.mean(x.data, i * N_FEATURES));
  });
});
