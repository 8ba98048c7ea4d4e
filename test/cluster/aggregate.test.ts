import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { aggregateMetrics } from '../../src/cluster/aggregate.js';
import type { WorkerMetrics } from '../../src/cluster/messages.js';

/** One worker's window gauges, as getMetricsAsJSON gives them after crossing IPC (JSON: NaN becomes null). */
async function worker(records: number, anomalies: number, suspicious: number): Promise<WorkerMetrics> {
  const registry = new Registry();
  const gauge = (name: string, value: number, aggregator: 'sum' | 'average') => new Gauge({ name, help: name, registers: [registry], aggregator }).set(value);
  gauge('scoring_window_records', records, 'sum');
  gauge('scoring_window_anomaly_ratio', records > 0 ? anomalies / records : NaN, 'average');
  gauge('scoring_window_suspicious_ratio', records > 0 ? suspicious / records : NaN, 'average');
  return JSON.parse(JSON.stringify(await registry.getMetricsAsJSON()));
}
const value = (text: string, name: string): string => text.match(new RegExp(`^${name} (\\S+)$`, 'm'))![1];

describe("the workers' window ratios", () => {
  it('are the ratio of the summed counts: 1 of 1 and 16 of 283 make 17/284, not the average 0.528', async () => {
    const { text } = await aggregateMetrics([await worker(1, 1, 0), await worker(283, 16, 3)]);
    expect(value(text, 'scoring_window_records')).toBe('284');
    expect(Number(value(text, 'scoring_window_anomaly_ratio'))).toBeCloseTo(17 / 284, 12);
    expect(Number(value(text, 'scoring_window_suspicious_ratio'))).toBeCloseTo(3 / 284, 12);
  });

  it('are NaN (nothing counted) when no worker scored anything, not 0', async () => {
    const { text } = await aggregateMetrics([await worker(0, 0, 0), await worker(0, 0, 0)]);
    expect(value(text, 'scoring_window_records')).toBe('0');
    // prom-client writes NaN as "Nan", which Prometheus parses (case-insensitively) as NaN.
    expect(value(text, 'scoring_window_anomaly_ratio')).toMatch(/^nan$/i);
    expect(value(text, 'scoring_window_suspicious_ratio')).toMatch(/^nan$/i);
  });

  it('leave out an empty window rather than count it as 0', async () => {
    const { text } = await aggregateMetrics([await worker(0, 0, 0), await worker(200, 10, 4)]);
    expect(Number(value(text, 'scoring_window_anomaly_ratio'))).toBe(0.05);
  });
});
