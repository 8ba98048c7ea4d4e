import { describe, expect, it } from 'vitest';
import { IqrBaseline } from '../../../src/ml/detectors/baseline.js';
import { parseRecord } from '../../../src/ml/data/record.js';

const rec = (bytesIn: number, bytesOut = 100) => parseRecord({ bytes_in: bytesIn, bytes_out: bytesOut, creation_time: '2024-01-01T00:00:00Z', end_time: '2024-01-01T00:10:00Z', src_ip: '1.1.1.1' });

describe('IqrBaseline', () => {
  // bytes_in 1..9: Q1 = 3, Q3 = 7 (linear), IQR 4, fences [-3, 13]
  const b = IqrBaseline.fit([1, 2, 3, 4, 5, 6, 7, 8, 9].map((v) => rec(v)));

  it('computes Tukey fences on the volume features', () => {
    expect(b.fences[0]).toMatchObject({ measure: 'bytes_in', q1: 3, q3: 7, low: -3, high: 13 });
    expect(b.isOutlier(rec(13))).toBe(false);
    expect(b.isOutlier(rec(14))).toBe(true);
    expect(b.violations(rec(14)).map((f) => f.measure)).toEqual(['bytes_in']);
    expect(b.isOutlier(rec(5, 101))).toBe(true); // bytes_out was constant at 100
  });

  it('ranks values against the training distribution', () => {
    expect(b.percentileRank('bytes_in', 0)).toBe(0);
    expect(b.percentileRank('bytes_in', 5)).toBeCloseTo(0.5, 2);
    expect(b.percentileRank('bytes_in', 100)).toBe(1);
  });

  it('calls a value ordinary only where no explanation threshold applies', () => {
    const wide = IqrBaseline.fit(Array.from({ length: 5000 }, (_, i) => rec(Math.round(Math.exp(i / 500)))));
    for (let v = 0; v < 30_000; v += 7) {
      if (!wide.isOrdinary('bytes_in', v)) continue;
      const rank = wide.percentileRank('bytes_in', v);
      expect(rank).toBeGreaterThan(0.001);
      expect(rank).toBeLessThan(0.99);
      expect(v).toBeGreaterThanOrEqual(wide.quantile('bytes_in', 0));
      expect(v).toBeLessThanOrEqual(wide.quantile('bytes_in', 1));
    }
    expect(wide.isOrdinary('bytes_in', wide.quantile('bytes_in', 0.5))).toBe(true);
    expect(wide.isOrdinary('bytes_in', wide.quantile('bytes_in', 1))).toBe(false);
    expect(b.isOrdinary('bytes_out', 100)).toBe(false); // a constant measure has no ordinary band
  });

  it('round-trips and refuses malformed artifacts', () => {
    const back = IqrBaseline.fromJSON(JSON.parse(JSON.stringify(b)));
    expect(back.fences).toEqual(b.fences);
    expect(back.percentileRank('bytes_in', 5)).toBe(b.percentileRank('bytes_in', 5));
    expect(() => IqrBaseline.fromJSON({ ...b.toJSON(), fences: [] })).toThrow(/fences/);
    expect(() => IqrBaseline.fit([])).toThrow(/no records/);
  });
});
