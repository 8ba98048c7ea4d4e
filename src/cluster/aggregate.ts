/**
 * The workers' metrics as one process group's: prom-client's aggregation
 * (counters and histograms summed, each gauge by its declared aggregator), with
 * two corrections it cannot make itself:
 * - NaN ("nothing counted") crosses IPC as null: it is NaN again here, not 0;
 * - a ratio over records is the ratio of the summed counts, not an average of
 *   ratios: one worker with 1 anomalous record of 1 and another with 16 of 283
 *   make 17/284 = 0.060, not (1 + 0.057) / 2 = 0.528. Each ratio is weighted by
 *   the records it covers; NaN when no worker counted any.
 */
import { AggregatorRegistry } from 'prom-client';
import type { WorkerMetrics } from './messages.js';

/** ratio gauge → the gauge counting the records it is a share of (both without labels) */
export const RATIO_WEIGHTS: Readonly<Record<string, string>> = {
  scoring_window_anomaly_ratio: 'scoring_window_records',
  scoring_window_suspicious_ratio: 'scoring_window_records',
};

const single = (metrics: WorkerMetrics, name: string): number => {
  const v = metrics.find((m) => m.name === name)?.values[0]?.value;
  return typeof v === 'number' ? v : NaN;
};

/** Aggregates the metrics of each worker (as getMetricsAsJSON gives them) to Prometheus text. */
export async function aggregateMetrics(perWorker: WorkerMetrics[]): Promise<{ contentType: string; text: string }> {
  const copies: WorkerMetrics[] = perWorker.map((metrics) => metrics.map((m) => ({ ...m, values: m.values.map((v) => ({ ...v, value: v.value === null ? NaN : v.value })) })));
  for (const [ratio, weight] of Object.entries(RATIO_WEIGHTS)) {
    let counted = 0;
    let records = 0;
    for (const metrics of copies) {
      const n = single(metrics, weight);
      const r = single(metrics, ratio);
      if (n > 0 && Number.isFinite(r)) {
        counted += r * n;
        records += n;
      }
    }
    // Rounded to the count it stands for: r * n is an integer up to float error.
    const value = records > 0 ? Math.round(counted) / records : NaN;
    for (const metrics of copies) {
      const m = metrics.find((x) => x.name === ratio);
      if (m) Object.assign(m, { aggregator: 'first', values: [{ value, labels: {} }] });
    }
  }
  const registry = AggregatorRegistry.aggregate(copies);
  return { contentType: registry.contentType, text: await registry.metrics() };
}
