import { describe, expect, it } from 'vitest';
import { matrixFromRows } from '../../../src/ml/core/matrix.js';
import { DriftWindow, MIN_DRIFT_RECORDS, psiStatus, TrainingProfile } from '../../../src/ml/insight/drift.js';
import { Random } from '../../../src/ml/core/random.js';

/** 1,000 training rows: a uniform column, a constant column. */
function profile(): TrainingProfile {
  const rng = new Random(1);
  const rows = Array.from({ length: 1000 }, () => [rng.nextFloat() * 100, 7]);
  return TrainingProfile.fit(matrixFromRows(rows), ['u', 'c'], 0.05, 0.1);
}

describe('TrainingProfile', () => {
  it('keeps decile bins plus below-minimum and above-maximum bins, with the training shares', () => {
    const p = profile();
    expect(p.edges[0].length).toBe(11); // minimum, 9 deciles, just above the maximum
    expect(p.shares[0].length).toBe(12);
    expect(p.shares[0][0]).toBe(0); // nothing below the minimum
    expect(p.shares[0][11]).toBe(0); // nothing above the maximum
    for (let b = 1; b <= 10; b++) expect(p.shares[0][b]).toBeCloseTo(0.1, 2);
    // a constant column: one training bin, and a bin on each side that it can drift into
    expect(Array.from(p.shares[1])).toEqual([0, 1, 0]);
  });

  it('round-trips and refuses an artifact for other features', () => {
    const p = profile();
    const back = TrainingProfile.fromJSON(JSON.parse(JSON.stringify(p)), ['u', 'c']);
    expect(back.toJSON()).toEqual(p.toJSON());
    expect(() => TrainingProfile.fromJSON(JSON.parse(JSON.stringify(p)), ['u'])).toThrow(/artifact has features \[u,c\]/);
  });
});

describe('PSI', () => {
  it('is 0 for the training distribution, grows with the shift, and uses the usual bands', () => {
    const p = profile();
    const w = new DriftWindow(p, 10_000, 'v');
    const rng = new Random(2);
    for (let i = 0; i < 5000; i++) w.observe(Float64Array.of(rng.nextFloat() * 100, 7), 0, false, false);
    const same = w.report().features;
    expect(same[0].psi!).toBeLessThan(0.02);
    expect(same[1].psi!).toBeCloseTo(0, 12);
    expect(same.map((f) => f.status)).toEqual(['stable', 'stable']);
    const shifted = new DriftWindow(p, 10_000, 'v');
    for (let i = 0; i < 5000; i++) shifted.observe(Float64Array.of(50 + rng.nextFloat() * 100, 8), 0, false, false);
    const f = shifted.report().features;
    expect(f[0].status).toBe('drifted');
    expect(f[1].status).toBe('drifted'); // a constant column that changed
    // hand-computed: all live rows in one training bin of share 1 -> 0; the floor keeps empty bins finite
    expect(Number.isFinite(f[1].psi!)).toBe(true);
    expect([psiStatus(0.05), psiStatus(0.1), psiStatus(0.25), psiStatus(0.26), psiStatus(null)]).toEqual(['stable', 'watch', 'watch', 'drifted', 'insufficient_data']);
  });

  it(`reports no PSI until the window holds ${MIN_DRIFT_RECORDS} records`, () => {
    const w = new DriftWindow(profile(), 10_000, 'v');
    for (let i = 0; i < MIN_DRIFT_RECORDS - 1; i++) w.observe(Float64Array.of(500, 7), 0, true, true);
    expect(w.report().features[0]).toEqual({ feature: 'u', psi: null, status: 'insufficient_data' });
    w.observe(Float64Array.of(500, 7), 0, true, true);
    expect(w.report().features[0].status).toBe('drifted');
  });
});

describe('DriftWindow', () => {
  it('stays bounded: the newest 90% to 100% of its size, whatever goes through it, with ratios over what it holds', () => {
    const w = new DriftWindow(profile(), 1000, 'v');
    for (let i = 0; i < 25_000; i++) {
      w.observe(Float64Array.of(i % 100, 7), 0, i >= 24_500, false);
      expect(w.filled).toBeLessThanOrEqual(1000);
      if (i >= 1000) expect(w.filled).toBeGreaterThanOrEqual(900);
    }
    const r = w.report();
    expect(r.window).toEqual({ size: 1000, filled: w.filled });
    // the last 500 were anomalies: the window now holds 900-1000 records, the newest 500 of them anomalous
    expect(r.anomaly_ratio).toBeCloseTo(500 / w.filled, 12);
    expect(r.suspicious_ratio).toBe(0);
    expect(r.expected_anomaly_ratio).toBe(0.05);
  });
});
