import { describe, expect, it } from 'vitest';
import { readDataset } from '../../../src/ml/data/dataset.js';
import { parseRecord, type TrafficRecord } from '../../../src/ml/data/record.js';
import { TrainingError, trainModels } from '../../../src/ml/bundle/train.js';
import { REAL_DATASET, syntheticRecords } from '../../fixtures/synthetic.js';
import { caught } from '../../helpers/errors.js';

const trainingError = (fn: () => unknown): Promise<TrainingError> => caught(TrainingError, fn);

describe('trainModels', () => {
  it('on the real dataset: 155.91.45.242 among the most anomalous sources, anomaly rate within 1 point of contamination', async () => {
    const records = await readDataset(REAL_DATASET);
    const { metrics, draft } = trainModels(records, { seed: 42 });
    expect(draft.label_source).toBe('derived');
    expect(metrics.top_sources.slice(0, 3).map((s) => s.src_ip)).toContain('155.91.45.242');
    expect(Math.abs(metrics.anomaly_rate - 0.05)).toBeLessThanOrEqual(0.01);
    expect(metrics.holdout.train_rows + metrics.holdout.test_rows).toBe(282);
    expect(metrics.silhouette.isolation_forest).not.toBeNull();
    // the derived labels are the Isolation Forest's anomalies, and the served verdict keeps to the budget
    expect(metrics.labels.positive).toBe(metrics.anomalies);
    expect(Math.abs(metrics.suspicious_rate - 0.05)).toBeLessThanOrEqual(0.01);
    expect(metrics.decision).toMatchObject({ mode: 'unlabelled', bands: null, verdict: null });
  });

  it('gives byte-identical artifacts for the same data and seed, different ones for another seed', () => {
    const records = syntheticRecords(500, 1).map(parseRecord);
    const a = trainModels(records, { seed: 5, trees: 20 });
    const b = trainModels(records, { seed: 5, trees: 20 });
    const c = trainModels(records, { seed: 6, trees: 20 });
    expect(b.artifacts).toEqual(a.artifacts);
    expect(b.draft.data.sha256).toBe(a.draft.data.sha256);
    expect(c.artifacts.isolationForest).not.toBe(a.artifacts.isolationForest);
  });

  it('uses provided labels and reports hold-out metrics on them', () => {
    const records = syntheticRecords(2000, 2).map(parseRecord);
    const { draft, metrics } = trainModels(records, { trees: 30 });
    expect(draft.label_source).toBe('provided');
    expect(metrics.labels.positive).toBe(records.filter((r) => r.label === 1).length);
    expect(metrics.holdout.f1).toBeGreaterThan(0.9);
    expect(Object.values(metrics.feature_importances).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });

  it('refuses too few rows, partial labels, one class and bad parameters with a named field', async () => {
    const records = syntheticRecords(100, 3).map(parseRecord);
    expect((await trainingError(() => trainModels(records.slice(0, 9)))).message).toMatch(/at least 10 rows, got 9/);
    expect((await trainingError(() => trainModels([]))).field).toBe('records');
    const partial: TrafficRecord[] = records.map((r, i) => (i === 7 ? { ...r, label: null } : r));
    expect((await trainingError(() => trainModels(partial))).message).toMatch(/missing on row 7/);
    const oneClass = records.map((r) => ({ ...r, label: 0 as const }));
    expect(await trainingError(() => trainModels(oneClass))).toMatchObject({ field: 'label', message: expect.stringMatching(/one class only/) });
    expect((await trainingError(() => trainModels(records, { contamination: 0.9 }))).field).toBe('contamination');
    expect((await trainingError(() => trainModels(records, { trees: 0 }))).field).toBe('trees');
    expect((await trainingError(() => trainModels(records, { maxDepth: 100 }))).field).toBe('max_depth');
    expect((await trainingError(() => trainModels(records, { seed: 0.5 }))).field).toBe('seed');
  });

  it('trains on data whose every numeric column is constant, with finite metrics', () => {
    const same = syntheticRecords(20, 4).map((r, i) => parseRecord({ ...r, bytes_in: 100, bytes_out: 200, label: i % 2 }));
    const { metrics } = trainModels(same, { trees: 10 });
    expect(Number.isFinite(metrics.anomaly_rate)).toBe(true);
    expect(Object.values(metrics.feature_importances).every(Number.isFinite)).toBe(true);
  });
});
