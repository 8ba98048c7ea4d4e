/**
 * GET /model/drift and the drift gauges, on the committed models (trained on the real dataset):
 * training-like traffic is stable, bytes x 1000 drift, a new version starts a new window.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { FEATURE_NAMES } from '../../src/ml/detectors/features.js';
import { ADMIN_TOKEN, modelDirCopy, testApp } from '../helpers/app.js';
import { REAL_DATASET, syntheticRecords } from '../fixtures/synthetic.js';
import { readCsvRows } from '../../src/ml/data/dataset.js';

const CSV = readFileSync(REAL_DATASET, 'utf8');
let app: FastifyInstance | null = null;
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await app?.close();
  await cleanup?.();
  app = null;
  cleanup = null;
});

const drift = async (a: FastifyInstance) => (await a.inject({ method: 'GET', url: '/model/drift' })).json();
const gauge = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

describe('GET /model/drift', () => {
  it('keeps every feature stable under training-like traffic, with ratios beside the training ones', async () => {
    app = await testApp();
    const empty = await drift(app);
    expect(empty).toMatchObject({ window: { size: 10_000, filled: 0 }, anomaly_ratio: null, model_version: app.models.current.version });
    expect(empty.features.map((f: { status: string }) => f.status)).toEqual(FEATURE_NAMES.map(() => 'insufficient_data'));
    // the training data itself, twice: as /batch CSV and record by record through /score
    expect((await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: CSV })).statusCode).toBe(200);
    for (const { raw } of await readCsvRows(CSV)) await app.inject({ method: 'POST', url: '/score', payload: raw });
    const r = await drift(app);
    expect(r.window.filled).toBe(564);
    expect(r.features.map((f: { feature: string }) => f.feature)).toEqual([...FEATURE_NAMES]);
    for (const f of r.features) expect(f.status, `${f.feature} ${f.psi}`).toBe('stable');
    expect(r.expected_anomaly_ratio).toBeCloseTo(15 / 282, 12);
    expect(r.anomaly_ratio).toBeGreaterThan(0.03);
    expect(r.anomaly_ratio).toBeLessThan(0.08);
  });

  it('calls log_bytes_in drifted after 2,000 records with bytes x 1000, in the report and in /metrics', async () => {
    app = await testApp();
    const records = syntheticRecords(2000, 12).map((r) => ({ ...r, bytes_in: Number(r.bytes_in) * 1000, bytes_out: Number(r.bytes_out) * 1000 }));
    expect((await app.inject({ method: 'POST', url: '/batch', payload: { records } })).statusCode).toBe(200);
    const r = await drift(app);
    const bytesIn = r.features.find((f: { feature: string }) => f.feature === 'log_bytes_in');
    expect(bytesIn.status).toBe('drifted');
    expect(bytesIn.psi).toBeGreaterThan(0.25);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(gauge(metrics, 'model_feature_drift_psi{feature="log_bytes_in"}')).toBeCloseTo(bytesIn.psi, 9);
    expect(gauge(metrics, 'scoring_window_records')).toBe(2000);
    expect(gauge(metrics, 'scoring_window_anomaly_ratio')).toBeCloseTo(r.anomaly_ratio, 12);
    expect(gauge(metrics, 'model_expected_anomaly_ratio')).toBeCloseTo(r.expected_anomaly_ratio, 12);
    expect(metrics.match(/^model_feature_drift_psi\{/gm)).toHaveLength(FEATURE_NAMES.length);
  });

  it('starts an empty window for a new model version', async () => {
    const copy = await modelDirCopy();
    cleanup = copy.cleanup;
    app = await testApp({ MODEL_DIR: copy.dir, ADMIN_TOKEN });
    await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: CSV });
    expect((await drift(app)).window.filled).toBe(282);
    const trained = await app.inject({ method: 'POST', url: '/train?trees=20&promote=always', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' }, payload: CSV });
    expect(trained.statusCode).toBe(200);
    const r = await drift(app);
    expect(r).toMatchObject({ model_version: trained.json().model_version, window: { filled: 0 } });
    expect(gauge((await app.inject({ method: 'GET', url: '/metrics' })).body, 'scoring_window_records')).toBe(0);
  });

  it('is off with DRIFT_WINDOW=0: an empty window of size 0, no window series', async () => {
    app = await testApp({ DRIFT_WINDOW: '0' });
    await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: CSV });
    expect((await drift(app)).window).toEqual({ size: 0, filled: 0 });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).not.toMatch(/^scoring_window_records /m);
    expect(metrics).not.toMatch(/^model_feature_drift_psi\{/m);
  });
});
