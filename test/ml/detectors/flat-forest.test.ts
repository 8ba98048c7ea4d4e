import { readFileSync } from 'node:fs';
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
  it('averages the leaves the obvious walk reaches, with the same bits in every layout, alone or in a lot', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 23 }),
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 1, max: 900 }),
        fc.integer({ min: 0, max: 3 }),
        (seed, nTrees, maxDepth, rows, gap) => {
          const t = randomForest(seed, nTrees, maxDepth);
          const layouts = (['complete', 'linked', 'wasm'] as const).map((l) => new FlatForest(t.roots, t.feature, t.value, t.right, l));
          const rng = new Random(seed + 1);
          // Rows `stride` apart with a gap between them and an offset before the first, as a caller may
          // lay them out; odd and even counts, and more rows than the WebAssembly memory takes a call.
          const stride = N_FEATURES + gap;
          const off = gap;
          // Values on the thresholds too: x <= threshold goes left in every walk.
          const x = Float64Array.from({ length: off + rows * stride }, (_, i) => (i % 4 === 0 ? t.value[rng.nextInt(t.value.length)] : rng.nextFloat() * 2.4 - 1.2));
          const lots = layouts.map((f) => {
            const lot = new Float64Array(rows);
            f.meanRows(x, off, rows, stride, lot);
            return lot;
          });
          for (let r = 0; r < rows; r += 1 + (r % 7)) {
            const at = off + r * stride;
            const leaves = naiveLeaves(t, x.subarray(at, at + N_FEATURES));
            const mean = layouts[0].mean(x, at);
            expect(mean).toBeCloseTo(leaves.reduce((a, b) => a + b, 0) / nTrees, 9);
            for (let l = 0; l < layouts.length; l++) {
              expect(layouts[l].mean(x, at)).toBe(mean);
              expect(lots[l][r]).toBe(mean); // a lot gives each row the bits it gets alone
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('walks shallow forests complete in WebAssembly and deep ones linked', () => {
    const shallow = randomForest(1, 100, 8);
    expect(new FlatForest(shallow.roots, shallow.feature, shallow.value, shallow.right).layout).toBe('wasm');
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

  it('scores a trained Isolation Forest the same in every layout', () => {
    const rng = new Random(3);
    const x = createMatrix(2000, N_FEATURES);
    for (let i = 0; i < x.data.length; i++) x.data[i] = rng.nextFloat();
    const f = IsolationForest.fit(x, { nTrees: 50, seed: 9 });
    const complete = new FlatForest(f.roots, f.feature, f.value, f.right, 'complete');
    const linked = new FlatForest(f.roots, f.feature, f.value, f.right, 'linked');
    const wasm = new FlatForest(f.roots, f.feature, f.value, f.right, 'wasm');
    const lot = new Float64Array(x.rows);
    wasm.meanRows(x.data, 0, x.rows, N_FEATURES, lot);
    for (let i = 0; i < x.rows; i++) {
      const mean = complete.mean(x.data, i * N_FEATURES);
      expect(linked.mean(x.data, i * N_FEATURES)).toBe(mean);
      expect(lot[i]).toBe(mean);
    }
  });

  it('runs the WebAssembly module compiled from trees.wat (npm run wasm writes it)', async () => {
    const { compileTrees, treesModuleSource } = await import('../../../scripts/wasm.js');
    const source = readFileSync(new URL('../../../src/ml/detectors/trees-wasm.ts', import.meta.url), 'utf8');
    expect(source).toBe(treesModuleSource(await compileTrees()));
  });
});
