import { describe, expect, it } from 'vitest';
import { matrixFromRows } from '../../../src/ml/core/matrix.js';
import { StandardScaler } from '../../../src/ml/detectors/scaler.js';

describe('StandardScaler', () => {
  it('centres and scales by the population std; a constant column maps to 0, not NaN', () => {
    const x = matrixFromRows([
      [1, 5, 0.1],
      [3, 5, 0.1],
      [5, 5, 0.1],
    ]);
    const s = StandardScaler.fit(x);
    const t = s.transform(x);
    const std = Math.sqrt(8 / 3);
    const want = [-2 / std, 0, 0, 0, 0, 0, 2 / std, 0, 0];
    want.forEach((v, k) => expect(t.data[k]).toBeCloseTo(v, 12));
    expect(s.scale[1]).toBe(1);
    expect(s.scale[2]).toBe(1); // 0.1 three times has a float std of ~1e-17: still constant
  });

  it('round-trips and checks the feature count', () => {
    const s = StandardScaler.fit(
      matrixFromRows([
        [1, 2],
        [3, 8],
      ]),
    );
    const back = StandardScaler.fromJSON(JSON.parse(JSON.stringify(s)), 2);
    expect([...back.mean]).toEqual([...s.mean]);
    expect([...back.scale]).toEqual([...s.scale]);
    expect(() => StandardScaler.fromJSON(s.toJSON(), 3)).toThrow(/2 features, expected 3/);
    expect(() => StandardScaler.fit(matrixFromRows([]))).toThrow(/no rows/);
    expect(() => StandardScaler.fit(matrixFromRows([[Infinity]]))).toThrow(/non-finite/);
  });
});
