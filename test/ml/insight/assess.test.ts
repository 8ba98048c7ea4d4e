/**
 * npm run evaluate's figures on a case small enough to work out by hand: 6 sessions from 2 sources.
 */
import { describe, expect, it } from 'vitest';
import type { ScoreResult } from '../../../src/ml/bundle/bundle.js';
import { parseRecord } from '../../../src/ml/data/record.js';
import { assess, formatEvaluation } from '../../../src/ml/insight/assess.js';

const rec = (src: string, label: number) => parseRecord({ bytes_in: 100, bytes_out: 100, creation_time: '2024-01-01T00:00:00Z', end_time: '2024-01-01T00:01:00Z', src_ip: src, label });
const res = (verdict: 'suspicious' | 'normal', risk_level: ScoreResult['risk_level'], anomaly_score: number, risk_probability: number, baseline_outlier: boolean, novel: number) =>
  ({ verdict, risk_level, anomaly_score, risk_probability, baseline_outlier, novel_fields: Array(novel).fill('protocol') }) as unknown as ScoreResult;

// source A: three attacks, all flagged; source B: two benign (one falsely flagged) and one missed attack
const records = [rec('10.0.0.1', 1), rec('10.0.0.1', 1), rec('10.0.0.1', 1), rec('10.0.0.2', 0), rec('10.0.0.2', 0), rec('10.0.0.2', 1)];
const results = [
  res('suspicious', 'high', 0.9, 0.95, true, 1),
  res('suspicious', 'critical', 0.8, 0.9, true, 0),
  res('suspicious', 'high', 0.7, 0.85, false, 0),
  res('suspicious', 'medium', 0.75, 0.6, false, 0),
  res('normal', 'low', 0.3, 0.1, false, 0),
  res('normal', 'low', 0.4, 0.2, true, 0),
];

describe('assess (npm run evaluate)', () => {
  const e = assess(records, results, 0.05);

  it('measures the verdict: 3 true positives, 1 false positive, 1 missed, 1 true negative', () => {
    expect(e.verdict).toEqual({
      precision: 0.75,
      recall: 0.75,
      false_positive_rate: 0.5,
      confusion_matrix: [
        [1, 1],
        [1, 3],
      ],
    });
  });

  it('ranks each detector: the isolation score wins 6 of 8 attack-benign pairs, average precision (1 + 1 + 3/4 + 4/5) / 4', () => {
    const iforest = e.detectors.find((d) => d.detector.startsWith('isolation_forest'))!;
    expect(iforest.roc_auc).toBeCloseTo(0.75, 12);
    expect(iforest.average_precision).toBeCloseTo(0.8875, 12);
    // risk_probability orders every attack above every benign record but one (0.2 < 0.6): 7 of 8
    expect(e.detectors.find((d) => d.detector === 'risk_probability')!.roc_auc).toBeCloseTo(7 / 8, 12);
  });

  it('tabulates risk levels against the truth, the ordering counting the low-low tie half: 6.5 of 8 pairs', () => {
    expect(e.risk_levels.table).toEqual([
      { level: 'low', benign: 1, attacks: 1 },
      { level: 'medium', benign: 1, attacks: 0 },
      { level: 'high', benign: 0, attacks: 2 },
      { level: 'critical', benign: 0, attacks: 1 },
    ]);
    expect(e.risk_levels.roc_auc).toBeCloseTo(6.5 / 8, 12);
  });

  it('measures per-source actions: A (3 of 3 suspicious) blocked and malicious, B (1 of 3) investigated and not', () => {
    expect(e.sources).toMatchObject({ total: 2, malicious: 1, block_recall: 1, block_or_investigate_recall: 1 });
    expect(e.sources.actions).toEqual([
      { action: 'block', sources: 1, malicious: 1, precision: 1 },
      { action: 'investigate', sources: 1, malicious: 0, precision: 0 },
      { action: 'monitor', sources: 0, malicious: 0, precision: null },
      { action: 'none', sources: 0, malicious: 0, precision: null },
    ]);
    expect(formatEvaluation(e)).toMatch(/block\s+1 sources,\s+1 malicious, precision 1\.000/);
  });

  it('refuses a record without a label', () => {
    expect(() => assess([parseRecord({ bytes_in: 1, bytes_out: 1, creation_time: '2024-01-01T00:00:00Z', end_time: '2024-01-01T00:00:00Z', src_ip: '10.0.0.3' })], [results[0]], 0.05)).toThrow(
      /label/,
    );
  });
});
