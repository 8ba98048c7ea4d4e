import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { openapiYaml } from '../../scripts/openapi.js';
import { testApp } from '../helpers/app.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(() => app.close());

/** The value of one sample line of the exposition, e.g. metric('model_info{version="x"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /model', () => {
  it('returns the manifest of the loaded bundle and the kept versions', async () => {
    const res = await app.inject({ method: 'GET', url: '/model' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ version: app.models.current.version, label_source: 'derived', data: { rows: 282 } });
    expect(body.feature_names).toContain('log_bytes_in');
    expect(body.parameters).toEqual({ contamination: 0.05, trees: 100, max_depth: 10, seed: 42, max_samples: 256 });
    expect(body.metrics.holdout.confusion_matrix).toHaveLength(2);
    expect(body.metrics.top_sources.map((s: { src_ip: string }) => s.src_ip)).toContain('155.91.45.242');
    expect(body.versions).toContain(body.version);
    expect(body.files).toBeUndefined(); // internal: not part of the response schema
  });
});

describe('health probes', () => {
  it('answers /healthz and /readyz with the model version', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', model_version: app.models.current.version });
  });
});

describe('GET /metrics', () => {
  it('exposes request, scoring, verdict, model and process families with counts that follow requests', async () => {
    const fresh = await testApp();
    await fresh.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD });
    await fresh.inject({ method: 'POST', url: '/score', payload: { ...EXAMPLE_RECORD, bytes_in: 25_000_000 } });
    await fresh.inject({ method: 'POST', url: '/score', payload: { bytes_in: 1 } });
    await fresh.inject({ method: 'POST', url: '/batch', payload: { records: [EXAMPLE_RECORD, EXAMPLE_RECORD, EXAMPLE_RECORD] } });
    await fresh.inject({ method: 'GET', url: '/no/such/route/123' });
    const res = await fresh.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(sample(text, 'http_request_duration_seconds_count{method="POST",route="/score",status_code="200"}')).toBe(2);
    expect(sample(text, 'http_request_duration_seconds_count{method="POST",route="/score",status_code="400"}')).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count{method="POST",route="/batch",status_code="200"}')).toBe(1);
    // a 404 is one bounded label, not the URL
    expect(sample(text, 'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}')).toBe(1);
    expect(text).not.toContain('/no/such/route');
    expect(sample(text, 'scoring_records_total{endpoint="score"}')).toBe(2);
    expect(sample(text, 'scoring_records_total{endpoint="batch"}')).toBe(3);
    const verdicts = text.split('\n').filter((l) => l.startsWith('scoring_verdicts_total{'));
    expect(verdicts.reduce((a, l) => a + Number(l.split(' ')[1]), 0)).toBe(5);
    expect(sample(text, 'scoring_anomaly_score_count')).toBe(5);
    expect(sample(text, `model_info{version="${fresh.models.current.version}"}`)).toBe(1);
    expect(sample(text, 'training_rows')).toBe(282);
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    // Prometheus naming: a gauge never carries a counter's _total suffix (promtool check metrics).
    const gauges = [...text.matchAll(/^# TYPE (\S+) gauge$/gm)].map((m) => m[1]);
    expect(gauges.filter((g) => g.endsWith('_total'))).toEqual([]);
    expect(gauges).toContain('nodejs_active_handles');
    // no unbounded labels: no IPs anywhere
    expect(text).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
    await fresh.close();
  });
});

describe('OpenAPI', () => {
  it('serves at /docs/json exactly the committed openapi.yaml (run `npm run openapi` after changing a route)', async () => {
    const committed = await readFile(new URL('../../openapi.yaml', import.meta.url), 'utf8');
    expect(await openapiYaml()).toBe(committed);
    const served = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(served).toEqual(app.swagger());
  });

  it('names the component schemas and documents every contract route', async () => {
    const doc = app.swagger() as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['TrafficRecord', 'ScoreResult', 'BatchResponse', 'ModelInfo', 'Error']));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/score', '/batch', '/model', '/healthz', '/readyz', '/metrics']));
    expect(JSON.stringify(doc.paths['/batch'])).toContain('text/csv');
  });

  it('is usable by outside tools: operation ids, real descriptions, servers, security, optional /train parameters', async () => {
    const doc = app.swagger() as unknown as {
      servers: unknown[];
      paths: Record<
        string,
        Record<
          string,
          { operationId?: string; security?: unknown[]; parameters?: { name: string; required?: boolean }[]; responses: Record<string, { description: string; headers?: Record<string, unknown> }> }
        >
      >;
    };
    expect(doc.servers.length).toBeGreaterThan(0);
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    const ids = ops.map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, op } of ops) {
      expect(op.security, path).toEqual(path === '/train' || path === '/model/rollback' ? [{ adminToken: [] }] : []);
      for (const [status, res] of Object.entries(op.responses)) expect(res.description, `${path} ${status}`).not.toBe('Default Response');
      expect(op.responses['404'], path).toBeDefined();
      if (op.responses['503']) expect(op.responses['503'].headers?.['retry-after'], path).toBeDefined();
    }
    const train = doc.paths['/train'].post.parameters!;
    expect(train.map((p) => p.name).sort()).toEqual(['contamination', 'fields', 'format', 'max_depth', 'promote', 'seed', 'trees']);
    expect(train.filter((p) => p.required)).toEqual([]);
  });

  it('reads the same under YAML 1.1 loaders (PyYAML, js-yaml) as under 1.2: date-like strings are quoted', async () => {
    const committed = await readFile(new URL('../../openapi.yaml', import.meta.url), 'utf8');
    const asV11 = parseYaml(committed, { version: '1.1' });
    expect(asV11).toEqual(parseYaml(committed, { version: '1.2' }));
    expect(asV11).toEqual(app.swagger());
    expect(typeof (asV11 as { components: { schemas: { TrafficRecord: { examples: { creation_time: unknown }[] } } } }).components.schemas.TrafficRecord.examples[0].creation_time).toBe('string');
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger-ui');
  });
});
