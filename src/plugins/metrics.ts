/**
 * Prometheus metrics, one registry per app (tests build many apps in one
 * process). Labels are bounded: route templates (404s share one label), status
 * codes, verdicts, risk levels, outcomes and the model version; never an IP or
 * a country.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ScoreResult } from '../ml/bundle/bundle.js';

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
  const modelInfo = new Gauge({ name: 'model_info', help: 'The served model version (value 1)', labelNames: ['version'], registers: [registry] });
  const trainingRuns = new Counter({ name: 'training_runs_total', help: 'POST /train runs by outcome', labelNames: ['outcome'], registers: [registry] });
  const trainingDuration = new Histogram({
    name: 'training_duration_seconds',
    help: 'Duration of successful training runs, parsing to persisted bundle',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
    registers: [registry],
  });
  const trainingRows = new Gauge({ name: 'training_rows', help: 'Rows the served model was trained on', registers: [registry] });

  const showVersion = (version: string, rows: number): void => {
    modelInfo.reset();
    modelInfo.set({ version }, 1);
    trainingRows.set(rows);
  };
  if (app.models.loaded) showVersion(app.models.current.version, app.models.current.manifest.data.rows);
  app.models.onSwap((b) => showVersion(b.version, b.manifest.data.rows));

  // Known label values start at 0, so a rate() over them works from the first scrape.
  for (const v of ['suspicious', 'normal']) for (const r of ['low', 'medium', 'high', 'critical']) verdicts.inc({ verdict: v, risk_level: r }, 0);
  for (const e of ['score', 'batch']) records.inc({ endpoint: e }, 0);
  for (const o of ['success', 'failure', 'rejected']) trainingRuns.inc({ outcome: o }, 0);

  app.decorate('metrics', {
    registry,
    recordsScored(endpoint, results) {
      if (results.length === 1) {
        const r = results[0];
        records.inc({ endpoint });
        verdicts.inc({ verdict: r.verdict, risk_level: r.risk_level });
        scores.observe(r.anomaly_score);
        return;
      }
      // Labelled counters hash their labels on every inc: count a batch locally, inc once per combination.
      const counts = new Map<string, number>();
      for (const r of results) {
        const key = `${r.verdict}:${r.risk_level}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        scores.observe(r.anomaly_score);
      }
      for (const [key, n] of counts) {
        const [verdict, risk_level] = key.split(':');
        verdicts.inc({ verdict, risk_level }, n);
      }
      records.inc({ endpoint }, results.length);
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

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x', dependencies: ['models'] });
