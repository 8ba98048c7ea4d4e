import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelBundle } from '../../../src/ml/bundle/bundle.js';
import { loadCurrent } from '../../../src/ml/bundle/store.js';
import { readDataset } from '../../../src/ml/data/dataset.js';
import { ABSENT_BYTES_IN, ABSENT_BYTES_OUT, type TrafficRecord } from '../../../src/ml/data/record.js';
import { imputeBytes, typicalBytes } from '../../../src/ml/detectors/impute.js';
import { COMMITTED_MODELS } from '../../helpers/app.js';

const DATASET = new URL('../../../data/CloudWatch_Traffic_Web_Attack.csv', import.meta.url).pathname;

describe('absent byte counts', () => {
  let bundle: ModelBundle;
  let records: TrafficRecord[];
  beforeAll(async () => {
    bundle = await loadCurrent(COMMITTED_MODELS);
    records = await readDataset(DATASET);
  });

  it('are never evidence: a record scores as it would with the typical training bytes, and lists them in missing_fields', () => {
    let sawSuspiciousZero = false;
    for (const r of records.slice(0, 80)) {
      const absent = { ...r, bytesOut: 0, absent: ABSENT_BYTES_OUT };
      const typical = { ...r, bytesOut: bundle.typical.bytesOut };
      const a = bundle.score(absent);
      const t = bundle.score(typical);
      expect(a.verdict).toBe(t.verdict);
      expect(a.anomaly_score).toBeCloseTo(t.anomaly_score, 12);
      expect(a.baseline_outlier).toBe(t.baseline_outlier);
      expect(a.missing_fields).toContain('bytes_out');
      // The same record with a real 0 is evidence: the placeholder is not read as one.
      if (bundle.score({ ...r, bytesOut: 0 }).verdict === 'suspicious' && a.verdict === 'normal') sawSuspiciousZero = true;
    }
    expect(sawSuspiciousZero).toBe(true);
  });

  it('a WAF-like record with both absent is never a baseline outlier', () => {
    const r = { ...records[0], bytesIn: 0, bytesOut: 0, absent: ABSENT_BYTES_IN | ABSENT_BYTES_OUT };
    const result = bundle.score(r);
    expect(result.baseline_outlier).toBe(false);
    expect(result.missing_fields.slice(0, 2)).toEqual(['bytes_in', 'bytes_out']);
  });

  it('training reads them as the median of those given', () => {
    const rows: TrafficRecord[] = [10, 20, 30].map((b) => ({ ...records[0], bytesIn: b, bytesOut: b * 2 }));
    rows.push({ ...records[0], bytesIn: 0, bytesOut: 0, absent: ABSENT_BYTES_IN | ABSENT_BYTES_OUT });
    expect(typicalBytes(rows)).toEqual({ bytesIn: 20, bytesOut: 40 });
    expect(imputeBytes(rows).at(-1)).toMatchObject({ bytesIn: 20, bytesOut: 40 });
  });
});
