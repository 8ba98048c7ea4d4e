/**
 * Drift of live traffic: one DriftWindow per served model version, fed by
 * /score and /batch through ModelBundle.score's observer, and read by
 * GET /model/drift and the drift gauges at scrape time. A new version (training,
 * rollback, a replica's reload) starts a new, empty window against its own
 * training profile. DRIFT_WINDOW=0 turns it all off: no observer, GET
 * /model/drift answers with an empty window of size 0, and the window gauges
 * are not registered.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import type { Config } from '../config.js';
import type { ModelBundle, ScoreObserver } from '../ml/bundle/bundle.js';
import { DriftWindow, type DriftReport } from '../ml/insight/drift.js';
import { trainingDataOf, unseenColumns } from '../ml/insight/fit.js';

export interface DriftTracker {
  /** the window to tell of records scored by `bundle`; null when tracking is off or the bundle is no longer served */
  observer(bundle: ModelBundle): ScoreObserver | null;
  /** the served version's drift report */
  report(): DriftReport;
}

declare module 'fastify' {
  interface FastifyInstance {
    drift: DriftTracker;
  }
}

async function driftPlugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const size = opts.config.driftWindow;
  // One window per served version; with tracking off it stays empty (size 0) and is never told of a record.
  let window: DriftWindow | null = null;
  const start = (bundle: ModelBundle): void => {
    window = new DriftWindow(bundle.profile, size, bundle.version, { training: trainingDataOf(bundle.manifest), unseenColumns: unseenColumns(bundle.encoder) });
  };
  if (app.models.loaded) start(app.models.current);
  app.models.onSwap(start);

  // A scrape reads the report once per gauge: the same window with the same record count is the same report.
  let cached: { window: DriftWindow; observed: number; report: DriftReport } | null = null;
  const report = (): DriftReport => {
    if (window === null) start(app.models.current);
    const w = window!;
    if (cached?.window === w && cached.observed === w.observed) return cached.report;
    cached = { window: w, observed: w.observed, report: w.report() };
    return cached.report;
  };

  app.decorate('drift', {
    observer: (bundle: ModelBundle) => (size > 0 && window !== null && window.modelVersion === bundle.version ? window : null),
    report,
  } satisfies DriftTracker);

  const { registry } = app.metrics;
  new Gauge({
    name: 'model_feature_drift_psi',
    help: 'Population Stability Index of each feature over the live window against the training data (absent until the window holds 100 records)',
    labelNames: ['feature'],
    registers: [registry],
    aggregator: 'max', // each worker keeps its own window: the worst one speaks for the process group
    collect() {
      this.reset();
      if (!app.models.loaded) return;
      for (const f of report().features) if (f.psi !== null) this.set({ feature: f.feature }, f.psi);
    },
  });
  // An empty window has no ratio: NaN, which no alert comparison matches (0 would read as "no anomalies").
  // With WORKERS > 1 the primary recomputes the window ratios from the workers' counts (cluster/aggregate.ts).
  const ratio = (name: string, help: string, read: (r: DriftReport) => number | null, aggregator: 'sum' | 'average' | 'max'): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      aggregator,
      collect() {
        if (app.models.loaded) this.set(read(report()) ?? NaN);
      },
    });
  };
  if (size > 0) {
    ratio('scoring_window_records', 'Scored records in the live drift window', (r) => r.window.filled, 'sum');
    ratio('scoring_window_anomaly_ratio', 'Share of the live window the Isolation Forest flags', (r) => r.anomaly_ratio, 'average');
    ratio('scoring_window_suspicious_ratio', 'Share of the live window answered suspicious', (r) => r.suspicious_ratio, 'average');
  }
  ratio('model_expected_anomaly_ratio', 'Share of the training rows the Isolation Forest flags (the contamination the threshold was fixed for)', (r) => r.expected_anomaly_ratio, 'max');
  ratio('model_expected_suspicious_ratio', 'Share of the training rows the served models answer suspicious', (r) => r.expected_suspicious_ratio, 'max');
}

export default fp(driftPlugin, { name: 'drift', fastify: '5.x', dependencies: ['models', 'metrics'] });
