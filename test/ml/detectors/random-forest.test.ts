import { RandomForestClassifier as MlRandomForest } from 'ml-random-forest';
import { describe, expect, it } from 'vitest';
import { classificationMetrics, stratifiedSplit } from '../../../src/ml/insight/evaluate.js';
import { FeatureEncoder } from '../../../src/ml/detectors/features.js';
import { matrixFromRows, row, selectRows } from '../../../src/ml/core/matrix.js';
import { Random } from '../../../src/ml/core/random.js';
import { RandomForestClassifier } from '../../../src/ml/detectors/random-forest.js';
import { parseRecord } from '../../../src/ml/data/record.js';
import { StandardScaler } from '../../../src/ml/detectors/scaler.js';
import { syntheticRecords } from '../../fixtures/synthetic.js';

/** Two noisy classes on 4 features; only features 0 and 2 carry signal. */
function twoClasses(n: number, seed: number): { x: number[][]; y: number[] } {
  const rng = new Random(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = rng.nextFloat() < 0.4 ? 1 : 0;
    x.push([c * 1.2 + rng.uniform(-1, 1), rng.uniform(-1, 1), c * 0.6 + rng.uniform(-1, 1), rng.uniform(-1, 1)]);
    y.push(c);
  }
  return { x, y };
}

describe('RandomForestClassifier', () => {
  it('separates separable classes with probabilities that are leaf means', () => {
    const x = matrixFromRows([[0], [0.1], [0.2], [0.3], [5], [5.1], [5.2], [5.3]]);
    const f = RandomForestClassifier.fit(x, [0, 0, 0, 0, 1, 1, 1, 1], { nTrees: 25, seed: 3, bootstrap: false });
    // Without bootstrap every tree sees every row and splits them perfectly: all trees agree, exactly 0 or 1
    // (ml-random-forest returns 0.990001 here because it drops a tree).
    expect(f.predictProbability(Float64Array.of(0.05))).toBe(0);
    expect(f.predictProbability(Float64Array.of(5.25))).toBe(1);
    expect([...f.predict(x)]).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('bounds the probability from below over every value of the unknown columns, and equals it when none is unknown', () => {
    const { x, y } = twoClasses(600, 11);
    const f = RandomForestClassifier.fit(matrixFromRows(x), y, { seed: 5, nTrees: 30 });
    const rng = new Random(12);
    for (let k = 0; k < 50; k++) {
      const v = Float64Array.from(x[k]);
      expect(f.lowerBound(v, 0, [false, false, false, false])).toBeCloseTo(f.predictProbability(v), 12);
      const bound = f.lowerBound(v, 0, [true, false, true, false]);
      // any values of columns 0 and 2 (the informative ones) score at least the bound
      for (let t = 0; t < 20; t++) {
        v[0] = rng.uniform(-2, 3);
        v[2] = rng.uniform(-2, 3);
        expect(f.predictProbability(v)).toBeGreaterThanOrEqual(bound - 1e-12);
      }
    }
  });

  it('ranks the informative features first in impurity importance, summing to 1', () => {
    const { x, y } = twoClasses(2000, 1);
    const f = RandomForestClassifier.fit(matrixFromRows(x), y, { seed: 5, nTrees: 50 });
    const imp = [...f.importances];
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(imp[0]).toBeGreaterThan(imp[1]);
    expect(imp[0]).toBeGreaterThan(imp[3]);
    expect(imp[2]).toBeGreaterThan(imp[1]);
  });

  it('is within 2 points of ml-random-forest accuracy on the same split', () => {
    const { x, y } = twoClasses(600, 2);
    const split = stratifiedSplit(y, new Random(1), 0.3);
    const xm = matrixFromRows(x);
    const trainX = selectRows(xm, split.train);
    const trainY = [...split.train].map((i) => y[i]);
    const testX = selectRows(xm, split.test);
    const testY = [...split.test].map((i) => y[i]);
    const ours = RandomForestClassifier.fit(trainX, trainY, { nTrees: 50, maxDepth: 10, seed: 42 });
    const oursAcc = classificationMetrics(testY, ours.predict(testX)).accuracy;
    // ml-random-forest draws a feature subset per tree ("replacement" is about features, not rows);
    // with all features per tree it is bagged CART, the closest configuration to ours.
    const reference = new MlRandomForest({
      nEstimators: 50,
      maxFeatures: 1.0,
      replacement: false,
      useSampleBagging: true,
      noOOB: true,
      seed: 42,
      treeOptions: { maxDepth: 10 },
    });
    reference.train(
      [...split.train].map((i) => x[i]),
      trainY,
    );
    const refAcc = classificationMetrics(testY, reference.predict([...split.test].map((i) => x[i]))).accuracy;
    expect(oursAcc).toBeGreaterThan(0.75);
    expect(oursAcc).toBeLessThan(0.99); // the classes overlap: a perfect score would mean a leak
    expect(Math.abs(oursAcc - refAcc)).toBeLessThanOrEqual(0.02);
  });

  it('learns exfiltration-like sessions from synthetic traffic', () => {
    const records = syntheticRecords(3000, 3).map(parseRecord);
    const enc = FeatureEncoder.fit(records);
    const raw = enc.transformMany(records);
    const x = StandardScaler.fit(raw).transform(raw);
    const y = records.map((r) => r.label!);
    const split = stratifiedSplit(y, new Random(2), 0.3);
    const f = RandomForestClassifier.fit(
      selectRows(x, split.train),
      [...split.train].map((i) => y[i]),
      { seed: 1 },
    );
    const m = classificationMetrics(
      [...split.test].map((i) => y[i]),
      f.predict(selectRows(x, split.test)),
    );
    expect(m.f1).toBeGreaterThan(0.95);
  });

  it('is deterministic for a seed and round-trips with identical probabilities', () => {
    const { x, y } = twoClasses(400, 3);
    const xm = matrixFromRows(x);
    const a = RandomForestClassifier.fit(xm, y, { seed: 8 });
    expect(JSON.stringify(RandomForestClassifier.fit(xm, y, { seed: 8 }))).toBe(JSON.stringify(a));
    expect(JSON.stringify(RandomForestClassifier.fit(xm, y, { seed: 9 }))).not.toBe(JSON.stringify(a));
    const b = RandomForestClassifier.fromJSON(JSON.parse(JSON.stringify(a)), 4);
    for (let i = 0; i < xm.rows; i++) expect(b.predictProbability(row(xm, i))).toBe(a.predictProbability(row(xm, i)));
    expect(() => RandomForestClassifier.fromJSON(a.toJSON(), 5)).toThrow(/4 features, expected 5/);
    expect(() => RandomForestClassifier.fromJSON({ ...a.toJSON(), name: 'DecisionTree' })).toThrow(/RandomForestClassifier/);
  });

  it('never splits a constant column and stays finite on it', () => {
    const x = matrixFromRows(Array.from({ length: 50 }, (_, i) => [1, i % 2 === 0 ? i : -i]));
    const f = RandomForestClassifier.fit(
      x,
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 1 : 0)),
      { seed: 1 },
    );
    expect(f.importances[0]).toBe(0);
    expect(Number.isFinite(f.predictProbability(Float64Array.of(1, 3)))).toBe(true);
  });

  it('rejects one class, bad labels, mismatched shapes and bad hyper-parameters', () => {
    const x = matrixFromRows([[1], [2], [3]]);
    expect(() => RandomForestClassifier.fit(x, [1, 1, 1])).toThrow(/one class/);
    expect(() => RandomForestClassifier.fit(x, [0, 2, 1])).toThrow(/expected 0 or 1/);
    expect(() => RandomForestClassifier.fit(x, [0, 1])).toThrow(/3 rows but 2 labels/);
    expect(() => RandomForestClassifier.fit(matrixFromRows([[1]]), [1])).toThrow(/at least 2 rows/);
    expect(() => RandomForestClassifier.fit(x, [0, 1, 0], { nTrees: 0 })).toThrow(/nTrees/);
    expect(() => RandomForestClassifier.fit(x, [0, 1, 0], { maxDepth: 0 })).toThrow(/maxDepth/);
    expect(() => RandomForestClassifier.fit(x, [0, 1, 0], { maxFeatures: 2 })).toThrow(/maxFeatures/);
    expect(() => RandomForestClassifier.fit(x, [0, 1, 0], { minSamplesLeaf: 0 })).toThrow(/minSamplesLeaf/);
  });
});
