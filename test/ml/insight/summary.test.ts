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
    const reasons = s.recommendations.find((r) => r.src_ip === '9.9.9.9')?.reasons ?? [];
    expect(reasons[0]).toBe('1 of 1 sessions suspicious');
    expect(reasons.join(' ')).not.toMatch(/bytes/);
  });
});

describe('recommendations', () => {
  const res2 = (suspicious: boolean, risk: ScoreResult['risk_level']) => ({ verdict: suspicious ? 'suspicious' : 'normal', is_anomaly: false, risk_level: risk }) as ScoreResult;
  const sessions = (ip: string, n: number, bytesIn = 100) => Array.from({ length: n }, () => rec(ip, '2024-01-01T00:00:00Z', 'US', bytesIn));
  const actionOf = (records: ReturnType<typeof rec>[], results: ScoreResult[], ip: string, flagRate?: number) =>
    summarize(records, results, flagRate).recommendations.find((r) => r.src_ip === ip)?.action ?? null;

  it('blocks on evidence repeated across sessions, never on one session however critical', () => {
    expect(actionOf(sessions('10.0.0.1', 1), [res2(true, 'critical')], '10.0.0.1')).toBe('investigate');
    expect(actionOf(sessions('10.0.0.1', 3), [res2(true, 'critical'), res2(true, 'medium'), res2(true, 'medium')], '10.0.0.1')).toBe('block');
    expect(actionOf(sessions('10.0.0.1', 2), [res2(true, 'critical'), res2(true, 'critical')], '10.0.0.1')).toBe('investigate');
  });

  it('asks more of a busy source: 3 of 10 is chance at a 10% flag rate, 6 of 28 is not at 5%', () => {
    const of = (n: number, k: number, flagRate: number) =>
      actionOf(
        sessions('10.0.0.1', n),
        Array.from({ length: n }, (_, i) => res2(i < k, i < k ? 'high' : 'low')),
        '10.0.0.1',
        flagRate,
      );
    expect(of(10, 3, 0.1)).toBe('investigate');
    expect(of(28, 6, 0.053)).toBe('block');
    expect(of(500, 12, 0.05)).toBe('investigate');
  });

  it("does not depend on the rest of the file: the same source's action with or without a huge other source", () => {
    const mine = sessions('10.0.0.1', 4);
    const results = [res2(true, 'high'), res2(true, 'high'), res2(true, 'high'), res2(false, 'low')];
    const other = sessions('10.0.0.2', 1, 2 ** 40);
    expect(actionOf(mine, results, '10.0.0.1')).toBe('block');
    expect(actionOf([...mine, ...other], [...results, res2(false, 'low')], '10.0.0.1')).toBe('block');
    expect(actionOf([...mine, ...other], [...results, res2(false, 'low')], '10.0.0.2')).toBeNull();
  });

  it('with labels, blocks on the mean probability across 3 or more sessions, not on how many crossed the verdict edge', () => {
    const rule = { flagRate: 0.01, edges: { block: 0.6, investigate: 0.3 } };
    const scored = (ps: number[], edge = 0.13) => ps.map((p) => ({ ...res2(p >= edge, p >= edge ? 'high' : 'low'), risk_probability: p }) as ScoreResult);
    const of = (ps: number[]) => summarize(sessions('10.0.0.1', ps.length), scored(ps), rule).recommendations[0] ?? null;
    // a benign heavy hitter with half its sessions just past a low verdict edge: investigated, not blocked
    expect(of([0.2, 0.14, 0.2, 0.05, 0.15, 0.1]).action).toBe('investigate');
    const attacker = of([0.9, 0.97, 0.4]);
    expect(attacker.action).toBe('block');
    expect(attacker.reasons[0]).toBe('mean risk_probability 0.76 over its sessions (block from 0.60 with 3 or more sessions, investigate from 0.30)');
    expect(of([0.9, 0.97]).action).toBe('investigate'); // two sessions never block
    // no session past the verdict edge, but a mean past the investigate edge: a source mostly attacks is not left out
    expect(summarize(sessions('10.0.0.1', 2), scored([0.35, 0.3], 0.5), rule).recommendations[0].action).toBe('investigate');
    expect(summarize(sessions('10.0.0.1', 2), scored([0.1, 0.2], 0.5), rule).recommendations).toEqual([]);
  });

  it('monitors a source with a medium-risk normal session only', () => {
    expect(actionOf(sessions('10.0.0.1', 2), [res2(false, 'medium'), res2(false, 'low')], '10.0.0.1')).toBe('monitor');
  });
});
