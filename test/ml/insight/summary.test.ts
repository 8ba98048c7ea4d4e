import { describe, expect, it } from 'vitest';
import type { ScoreResult } from '../../../src/ml/bundle/bundle.js';
import { parseRecord } from '../../../src/ml/data/record.js';
import { summarize } from '../../../src/ml/insight/summary.js';

const rec = (ip: string, hourIso: string, country: string | undefined, bytesIn = 100) =>
  parseRecord({ bytes_in: bytesIn, bytes_out: 1, creation_time: hourIso, end_time: hourIso, src_ip: ip, src_ip_country_code: country });
const res = (suspicious: boolean, anomaly = suspicious) => ({ verdict: suspicious ? 'suspicious' : 'normal', is_anomaly: anomaly }) as ScoreResult;

describe('summarize', () => {
  it('counts verdicts, ranks sources and groups by country and UTC hour', () => {
    const records = [
      rec('1.1.1.1', '2024-01-01T23:59:59Z', 'US', 10),
      rec('2.2.2.2', '2024-01-02T00:00:00+01:00', 'de', 5000),
      rec('2.2.2.2', '2024-01-02T05:30:00Z', undefined, 7000),
      rec('3.3.3.3', '1969-12-31T22:10:00Z', 'US'),
    ];
    const s = summarize(records, [res(true), res(true, false), res(true), res(false)]);
    expect(s).toMatchObject({ count: 4, suspicious: 3, anomaly_rate: 0.5 });
    expect(s.top_sources).toEqual([
      { src_ip: '2.2.2.2', suspicious: 2, count: 2, bytes_in: 12000 },
      { src_ip: '1.1.1.1', suspicious: 1, count: 1, bytes_in: 10 },
    ]);
    expect(s.by_country).toEqual([
      { country: 'US', count: 2, suspicious: 1 },
      { country: 'DE', count: 1, suspicious: 1 },
      { country: 'unknown', count: 1, suspicious: 1 },
    ]);
    // 00:00+01:00 is 23:00 UTC; a time before 1970 still lands in its UTC hour
    expect(s.by_hour).toEqual([
      { hour: 5, count: 1, suspicious: 1 },
      { hour: 22, count: 1, suspicious: 0 },
      { hour: 23, count: 2, suspicious: 2 },
    ]);
  });

  it('sums bytes past 2^31 exactly and writes a source of no bytes as 0', () => {
    const big = 2 ** 40;
    const records = [rec('1.1.1.1', '2024-01-01T00:00:00Z', 'US', big), rec('1.1.1.1', '2024-01-01T00:00:00Z', 'US', big + 1), rec('9.9.9.9', '2024-01-01T00:00:00Z', 'US', 0)];
    const s = summarize(records, [res(true), res(true), res(true)]);
    expect(s.top_sources[0]).toEqual({ src_ip: '1.1.1.1', suspicious: 2, count: 2, bytes_in: 2 * big + 1 });
    expect(JSON.stringify(s.top_sources[1])).toBe('{"src_ip":"9.9.9.9","suspicious":1,"count":1,"bytes_in":0}');
    expect(s.recommendations.find((r) => r.src_ip === '9.9.9.9')?.reasons).toContain("0.0% of the batch's bytes");
  });
});
