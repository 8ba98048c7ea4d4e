/**
 * Prometheus metrics, one registry per app (tests build many apps in one
 * process). Labels are bounded: route templates (404s share one label), status
 * codes, verdicts, risk levels, outcomes and the model version; never an IP or
 * a country.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { COUNTRY_TABLE, countryTableAgeSeconds } from '../ml/data/geo/country.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ModelBundle, ScoreResult } from '../ml/bundle/bundle.js';
import { RISK_CUTOFF } from '../ml/insight/explain.js';

export interface ServiceMetrics {
  registry: Registry;
  /** counts scored records, verdicts and the anomaly-score distribution */
  recordsScored(endpoint: 'score' | 'batch', results: readonly ScoreResult[]): void;
  trainingRuns: Counter<'outcome'>;
  trainingDuration: Histogram;
  trainingRows: Gauge;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

async function metricsPlugin(app: FastifyInstance): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // prom-client names three gauges with a counter's suffix (promtool check metrics flags them); the same
  // counts, by type, are nodejs_active_handles, nodejs_active_requests and nodejs_active_resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const records = new Counter({ name: 'scoring_records_total', help: 'Records scored, by endpoint', labelNames: ['endpoint'], registers: [registry] });
  const verdicts = new Counter({
    name: 'scoring_verdicts_total',
    help: 'Verdicts given, by verdict and risk level',
    labelNames: ['verdict', 'risk_level'],
    registers: [registry],
  });
  const scores = new Histogram({
    name: 'scoring_anomaly_score',
    help: 'Isolation Forest anomaly scores of scored records',
    buckets: [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9],
    registers: [registry],
  });
  const flags = new Counter({
    name: 'scoring_detector_flags_total',
    help: 'Scored records each detector flagged (the risk rule counts these)',
    labelNames: ['detector'],
    registers: [registry],
  });
  // Aggregators say how WORKERS > 1 combine a gauge across workers (counters and histograms are summed).
  const modelInfo = new Gauge({ name: 'model_info', help: 'The served model version (value 1)', labelNames: ['version'], registers: [registry], aggregator: 'max' });
  const trainingRuns = new Counter({ name: 'training_runs_total', help: 'POST /train runs by outcome', labelNames: ['outcome'], registers: [registry] });
  const trainingDuration = new Histogram({
    name: 'training_duration_seconds',
    help: 'Duration of successful training runs, parsing to persisted bundle',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
    registers: [registry],
  });
  const trainingRows = new Gauge({ name: 'training_rows', help: 'Rows the served model was trained on', registers: [registry], aggregator: 'max' });
  const trainedAt = new Gauge({ name: 'model_trained_timestamp_seconds', help: 'When the served model was trained (Unix time)', registers: [registry], aggregator: 'max' });
  new Gauge({
    name: 'country_table_age_seconds',
    help: `Age of the offline IP-to-country table (${COUNTRY_TABLE.name} ${COUNTRY_TABLE.version}) that gives log records their country; update the package when it grows old`,
    registers: [registry],
    aggregator: 'max',
    collect() {
      const age = countryTableAgeSeconds();
      if (age !== null) this.set(age);
    },
  });
  new Gauge({
    name: 'service_ready',
    help: '1 when GET /readyz answers 200 (models loaded, not overloaded), else 0',
    registers: [registry],
    aggregator: 'min',
    collect() {
      this.set(app.models.loaded && !app.isUnderPressure() ? 1 : 0);
    },
  });

  const showVersion = (b: ModelBundle): void => {
    modelInfo.reset();
    modelInfo.set({ version: b.version }, 1);
    trainingRows.set(b.manifest.data.rows);
    trainedAt.set(Date.parse(b.manifest.trained_at) / 1000);
  };
  if (app.models.loaded) showVersion(app.models.current);
  app.models.onSwap(showVersion);

  // Known label values start at 0, so a rate() over them works from the first scrape.
  for (const v of ['suspicious', 'normal']) for (const r of ['low', 'medium', 'high', 'critical']) verdicts.inc({ verdict: v, risk_level: r }, 0);
  for (const e of ['score', 'batch']) records.inc({ endpoint: e }, 0);
  for (const d of ['isolation_forest', 'random_forest', 'iqr_baseline', 'rare_values']) flags.inc({ detector: d }, 0);
  for (const o of ['success', 'failure', 'rejected']) trainingRuns.inc({ outcome: o }, 0);

  app.decorate('metrics', {
    registry,
    recordsScored(endpoint, results) {
      // Labelled counters hash their labels on every inc: count locally, inc once per label value.
      const counts = new Map<string, number>();
      let isolation = 0;
      let forest = 0;
      let iqr = 0;
      let rare = 0;
      for (const r of results) {
        const key = `${r.verdict}:${r.risk_level}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        scores.observe(r.anomaly_score);
        if (r.is_anomaly) isolation++;
        if (r.risk_probability >= RISK_CUTOFF) forest++;
        if (r.baseline_outlier) iqr++;
        if (r.novel_fields.length > 0) rare++;
      }
      for (const [key, n] of counts) {
        const [verdict, risk_level] = key.split(':');
        verdicts.inc({ verdict, risk_level }, n);
      }
      records.inc({ endpoint }, results.length);
      if (isolation > 0) flags.inc({ detector: 'isolation_forest' }, isolation);
      if (forest > 0) flags.inc({ detector: 'random_forest' }, forest);
      if (iqr > 0) flags.inc({ detector: 'iqr_baseline' }, iqr);
      if (rare > 0) flags.inc({ detector: 'rare_values' }, rare);
    },
    trainingRuns,
    trainingDuration,
    trainingRows,
  } satisfies ServiceMetrics);

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x', dependencies: ['models', 'pressure'] });
