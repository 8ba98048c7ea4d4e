import { describe, expect, it } from 'vitest';
import { averagePrecision, classificationMetrics, curves, rocAuc, silhouetteScore, stratifiedSplit } from '../../../src/ml/insight/evaluate.js';
import { matrixFromRows } from '../../../src/ml/core/matrix.js';
import { Random } from '../../../src/ml/core/random.js';

describe('evaluation', () => {
  it('computes binary metrics and the confusion matrix', () => {
    const m = classificationMetrics([1, 1, 1, 0, 0, 0, 0, 0], [1, 1, 0, 1, 0, 0, 0, 0]);
    expect(m.confusion_matrix).toEqual([
      [4, 1],
      [1, 2],
    ]);
    expect(m.accuracy).toBe(6 / 8);
    expect(m.precision).toBe(2 / 3);
    expect(m.recall).toBe(2 / 3);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(classificationMetrics([0, 0], [0, 0]).precision).toBe(0);
  });

  it('keeps class shares in a stratified split', () => {
    const y = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const { train, test } = stratifiedSplit(y, new Random(1), 0.3);
    expect(train.length + test.length).toBe(1000);
    expect(test.length).toBe(300);
    expect([...test].filter((i) => y[i] === 1).length).toBe(30);
    expect(new Set([...train, ...test]).size).toBe(1000);
  });

  it('gives a silhouette near 1 for separated groups, lower for a bad split, null for one group', () => {
    const x = matrixFromRows([[0], [0.1], [0.2], [10], [10.1], [10.2]]);
    expect(silhouetteScore(x, [0, 0, 0, 1, 1, 1], new Random(1))!).toBeGreaterThan(0.95);
    expect(silhouetteScore(x, [0, 1, 0, 1, 0, 1], new Random(1))!).toBeLessThan(0);
    expect(silhouetteScore(x, [0, 0, 0, 0, 0, 0], new Random(1))).toBeNull();
  });
});

describe('ranking metrics', () => {
  it('match scikit-learn on its documented examples', () => {
    // sklearn.metrics.roc_auc_score / average_precision_score docstring examples
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.8333333333333333, 12);
    // ties count half; one class only is undefined
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNull();
    expect(averagePrecision([0, 0], [0.2, 0.3])).toBeNull();
  });
});

describe('curves', () => {
  it('run from (0,0) to (1,1), and their trapezoid area is the ROC AUC', () => {
    const rng = new Random(5);
    const truth = Uint8Array.from({ length: 400 }, () => (rng.nextFloat() < 0.2 ? 1 : 0));
    const scores = Float64Array.from(truth, (t) => t * 0.5 + rng.nextFloat());
    const c = curves(truth, scores)!;
    expect(c.roc[0]).toEqual([0, 0]);
    expect(c.roc.at(-1)).toEqual([1, 1]);
    expect(c.pr.at(-1)![0]).toBe(1);
    let area = 0;
    for (let k = 1; k < c.roc.length; k++) area += ((c.roc[k][0] - c.roc[k - 1][0]) * (c.roc[k][1] + c.roc[k - 1][1])) / 2;
    expect(area).toBeCloseTo(rocAuc(truth, scores)!, 2);
    expect(c.roc.length).toBeLessThanOrEqual(101);
  });

  it('are null with one class, and pass through (0,1) for a perfect ranking', () => {
    expect(curves([1, 1], [0.2, 0.3])).toBeNull();
    expect(curves([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])!.roc).toContainEqual([0, 1]);
  });
});
