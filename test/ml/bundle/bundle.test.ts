import { describe, expect, it } from 'vitest';
import { readDataset } from '../../../src/ml/data/dataset.js';
import { Decision, type Detections } from '../../../src/ml/decision/decision.js';
import { parseRecord } from '../../../src/ml/data/record.js';
import { loadCurrent } from '../../../src/ml/bundle/store.js';
import { REAL_DATASET } from '../../fixtures/synthetic.js';

const MODELS = new URL('../../../models', import.meta.url).pathname;

describe('the unlabelled decision', () => {
  const decision = Decision.unlabelled();
  const d = (isAnomaly: boolean, o: Partial<Detections> = {}): Detections => ({
    anomalyScore: isAnomaly ? 0.7 : 0.4,
    isAnomaly,
    forestProbability: 0.99,
    baselineOutlier: false,
    fenceDistance: 0,
    novel: 0,
    unseen: 0,
    outOfRange: 0,
    ...o,
  });
  const decide = (x: Detections) => {
    const r = decision.decide(x);
    return [r.verdict, r.risk];
  };

  it('is suspicious where the Isolation Forest says so; the IQR baseline and the Random Forest alone never widen it', () => {
    expect(decide(d(false))).toEqual(['normal', 'low']);
    expect(decide(d(false, { baselineOutlier: true, fenceDistance: 3 }))).toEqual(['normal', 'low']);
    expect(decide(d(true))).toEqual(['suspicious', 'medium']);
    expect(decide(d(true, { baselineOutlier: true }))).toEqual(['suspicious', 'high']);
  });

  it('never-seen and out-of-range values raise the risk: one to medium, two to high and suspicious; never critical without labels', () => {
    expect(decide(d(false, { novel: 1, unseen: 1 }))).toEqual(['normal', 'medium']);
    expect(decide(d(false, { outOfRange: 1 }))).toEqual(['normal', 'medium']);
    expect(decide(d(false, { novel: 1, unseen: 1, outOfRange: 1 }))).toEqual(['suspicious', 'high']);
    expect(decide(d(false, { novel: 2, unseen: 2 }))).toEqual(['suspicious', 'high']);
    expect(decide(d(true, { novel: 3, unseen: 3, baselineOutlier: true, outOfRange: 4 }))).toEqual(['suspicious', 'high']);
  });
});

describe('the committed model bundle', async () => {
  const bundle = await loadCurrent(MODELS);
  const records = await readDataset(REAL_DATASET);
  const results = records.map((r) => bundle.score(r));

  it('scores a list as it scores each record alone, across lots, telling the observer the same', () => {
    // 282 x 3 + 5 records: several lots of 64 and a ragged last one.
    const many = [...records, ...records, ...records, ...records.slice(0, 5)];
    const seen = (score: (observer: { observe: (raw: Float64Array, offset: number, a: boolean, s: boolean) => void }) => unknown) => {
      const rows: string[] = [];
      const out = score({ observe: (raw, offset, a, s) => rows.push(`${raw.subarray(offset, offset + 11).join()}|${a}|${s}`) });
      return { out, rows };
    };
    const alone = seen((o) => many.map((r) => bundle.score(r, o)));
    const together = seen((o) => bundle.scoreMany(many, o));
    expect(together.out).toEqual(alone.out);
    expect(together.rows).toEqual(alone.rows);
    expect(bundle.scoreMany([])).toEqual([]);
  });

  it('was trained on the real dataset', () => {
    expect(bundle.manifest.data.rows).toBe(282);
    expect(bundle.manifest.label_source).toBe('derived');
  });

  it('puts 155.91.45.242 among the most anomalous sources', () => {
    expect(bundle.manifest.metrics.top_sources.slice(0, 3).map((s) => s.src_ip)).toContain('155.91.45.242');
    // and scoring it now agrees: its heaviest session is an anomaly
    const heaviest = records.reduce((a, b) => (b.srcIp === '155.91.45.242' && b.bytesIn > a.bytesIn ? b : a));
    expect(bundle.score(heaviest)).toMatchObject({ is_anomaly: true, verdict: 'suspicious' });
  });

  it('flags an anomaly share within 1 point of the contamination rate', () => {
    const rate = results.filter((r) => r.is_anomaly).length / results.length;
    expect(Math.abs(rate - bundle.manifest.parameters.contamination)).toBeLessThanOrEqual(0.01);
  });

  it('explains an extreme record in training units, strongest reason first', () => {
    const r = bundle.score(
      parseRecord({ bytes_in: 90_000_000, bytes_out: 500, creation_time: '2024-04-26T03:00:00Z', end_time: '2024-04-26T03:10:00Z', src_ip: '203.0.113.9', src_ip_country_code: 'KP' }),
    );
    expect(r.verdict).toBe('suspicious');
    expect(r.reasons[0]).toMatch(/^bytes_in 90 MB, above all training traffic \(max 25\.2 MB\)$/);
    expect(r.reasons.some((s) => /src_ip_country_code KP never seen/.test(s))).toBe(true);
  });

  it('gives a typical record no reasons and a low risk', () => {
    const typical = records.find((r) => r.srcIp === '165.225.26.101')!;
    const r = bundle.score(typical);
    expect(r).toMatchObject({ verdict: 'normal', risk_level: 'low', reasons: [] });
  });

  it('returns only finite numbers in range', () => {
    for (const r of results) {
      expect(r.anomaly_score).toBeGreaterThan(0);
      expect(r.anomaly_score).toBeLessThan(1);
      expect(r.risk_probability).toBeGreaterThanOrEqual(0);
      expect(r.risk_probability).toBeLessThanOrEqual(1);
    }
  });
});
