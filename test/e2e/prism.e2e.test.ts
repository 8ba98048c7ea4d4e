/**
 * Stoplight Prism, as a validating proxy in front of the real service, checks
 * real traffic against openapi.yaml: every dataset record, CSV and JSON batches,
 * /train, rollback and every error case the service answers. A request the spec
 * allows must come back with no violation at all; a deliberately bad request
 * must be flagged by the spec as bad (request violations are the point) while
 * the service's answer still matches the documented response. Prism reports
 * violations in the sl-violations header and forwards the traffic either way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvRows, readDataset } from '../../src/ml/data/dataset.js';
import { DATASET_PATH } from '../../src/paths.js';
import { LOG_EXAMPLES } from '../../src/schemas/log-examples.js';
import { asVpcFlow } from '../fixtures/recast.js';
import { ADMIN_TOKEN, COMMITTED_MODELS, modelDirCopy } from '../helpers/app.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, spawnTracked, startServer } from '../helpers/process.js';

const CSV = readFileSync(DATASET_PATH, 'utf8');
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };
const JSON_TYPE = { 'content-type': 'application/json' };
const CSV_TYPE = { 'content-type': 'text/csv' };
const TEXT_TYPE = { 'content-type': 'text/plain' };

interface Violation {
  location: string[];
  severity: string;
  message: string;
}

/** Starts Prism's validating proxy in front of `upstream`; resolves with its URL. */
async function prism(upstream: string): Promise<string> {
  const port = await freePort();
  const child = spawnTracked(join(ROOT, 'node_modules/.bin/prism'), ['proxy', 'openapi.yaml', upstream, '--host', '127.0.0.1', '--port', String(port)], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prism exited with ${child.exitCode}`);
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return url;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('prism did not start within 60 s');
}

let proxy: string;
let proxyNoAdmin: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const copy = await modelDirCopy();
  cleanup = copy.cleanup;
  const [withAdmin, withoutAdmin] = await Promise.all([startServer({ MODEL_DIR: copy.dir, ADMIN_TOKEN, BATCH_LIMIT: '300' }), startServer({ MODEL_DIR: COMMITTED_MODELS })]);
  [proxy, proxyNoAdmin] = await Promise.all([prism(withAdmin.url), prism(withoutAdmin.url)]);
}, 120_000);

afterAll(() => cleanup?.());

async function send(
  base: string,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; request: Violation[]; response: Violation[] }> {
  const res = await fetch(`${base}${path}`, { method, headers: init.headers, body: init.body });
  const violations = JSON.parse(res.headers.get('sl-violations') ?? '[]') as Violation[];
  return {
    status: res.status,
    body: await res.text(),
    request: violations.filter((v) => v.location[0] === 'request'),
    response: violations.filter((v) => v.location[0] !== 'request'),
  };
}

/** A request the spec allows: no violation of any kind, and the expected status. */
async function valid(status: number, base: string, method: string, path: string, init?: { headers?: Record<string, string>; body?: string }): Promise<string> {
  const r = await send(base, method, path, init);
  expect([...r.request, ...r.response], `${method} ${path} -> ${r.status}: ${r.body.slice(0, 300)}`).toEqual([]);
  expect(r.status, `${method} ${path}: ${r.body.slice(0, 300)}`).toBe(status);
  return r.body;
}

/** A bad request: the spec says so (request violations), and the answer is the documented error. */
async function invalid(status: number, base: string, method: string, path: string, init?: { headers?: Record<string, string>; body?: string }): Promise<void> {
  const r = await send(base, method, path, init);
  expect(r.request.length, `${method} ${path}: the spec should refuse this request`).toBeGreaterThan(0);
  expect(r.response, `${method} ${path} -> ${r.status}`).toEqual([]);
  expect(r.status).toBe(status);
}

describe('through Prism, real traffic matches openapi.yaml', () => {
  it('scores every dataset record, sent as CSV-to-JSON tools send it (numbers as strings)', async () => {
    const rows = await readCsvRows(CSV);
    expect(rows).toHaveLength(282);
    for (const { raw } of rows) await valid(200, proxy, 'POST', '/score', { headers: JSON_TYPE, body: JSON.stringify(raw) });
    // and with numbers as numbers, absent fields as null
    const typed = { ...rows[0].raw, bytes_in: 5602, bytes_out: 12990, dst_port: 443, 'response.code': 200, protocol: null };
    await valid(200, proxy, 'POST', '/score', { headers: JSON_TYPE, body: JSON.stringify(typed) });
  });

  it('scores the dataset as a CSV batch and as a JSON batch', async () => {
    const fromCsv = JSON.parse(await valid(200, proxy, 'POST', '/batch', { headers: CSV_TYPE, body: CSV }));
    expect(fromCsv.summary.count).toBe(282);
    const records = (await readCsvRows(CSV)).map((r) => r.raw);
    const fromJson = JSON.parse(await valid(200, proxy, 'POST', '/batch', { headers: JSON_TYPE, body: JSON.stringify({ records }) }));
    expect(fromJson.results).toEqual(fromCsv.results);
  });

  it('scores a log of every format, the examples openapi.yaml documents, and refuses a malformed line as documented', async () => {
    const csv = CSV.trim().split('\n').slice(0, 4).join('\n'); // the header and three records
    const cloudwatch = JSON.parse(await valid(200, proxy, 'POST', '/batch?format=cloudwatch', { headers: CSV_TYPE, body: csv }));
    expect(cloudwatch.results).toHaveLength(3);
    for (const [format, example] of Object.entries(LOG_EXAMPLES)) {
      const answer = JSON.parse(await valid(200, proxy, 'POST', `/batch?format=${format}`, { headers: TEXT_TYPE, body: example.value }));
      expect(answer.results, format).toHaveLength(example.results);
      expect(answer.summary.count, format).toBe(example.results);
    }
    // A line the spec allows (any text) that the format refuses: the documented 400, naming line and field.
    const [http, https] = LOG_EXAMPLES.alb.value.split('\n');
    const r = await send(proxy, 'POST', '/batch?format=alb', { headers: TEXT_TYPE, body: `${http}\n${https.replace(' 0 57 ', ' 0 lots ')}` });
    expect([...r.request, ...r.response]).toEqual([]);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toContain('alb line 2: sent_bytes must be a non-negative integer, got "lots"');
    // A format the spec does not name is refused by the spec and the service alike.
    await invalid(400, proxy, 'POST', '/batch?format=syslog', { headers: TEXT_TYPE, body: http });
  });

  it('serves the model, probes and metrics as documented', async () => {
    expect(JSON.parse(await valid(200, proxy, 'GET', '/model')).training_data.rows).toBeGreaterThan(0);
    // a batch unlike the training traffic carries the note in its summary, as documented
    const summary = JSON.parse(await valid(200, proxy, 'POST', '/batch?format=vpc-flow', { headers: TEXT_TYPE, body: asVpcFlow((await readDataset(DATASET_PATH)).slice(0, 120)) })).summary;
    expect(summary.training_note).toContain('npm run train -- --format vpc-flow');
    // the window here also holds the dataset's own records scored above, most of it like the training data
    expect(JSON.parse(await valid(200, proxy, 'GET', '/model/drift')).unseen_share).toBeGreaterThan(0);
    await valid(200, proxy, 'GET', '/healthz');
    await valid(200, proxy, 'GET', '/readyz');
    await valid(200, proxy, 'GET', '/metrics');
  });

  it('trains (bare, and with every parameter, CSV and JSON) and rolls back, by history and by name', async () => {
    const first = JSON.parse(await valid(200, proxy, 'GET', '/model')).version;
    const a = JSON.parse(await valid(200, proxy, 'POST', '/train', { headers: { ...AUTH, ...CSV_TYPE }, body: CSV }));
    const records = (await readCsvRows(CSV)).map((r) => r.raw);
    const query = '?contamination=0.1&trees=20&max_depth=6&seed=7&promote=always';
    const b = JSON.parse(await valid(200, proxy, 'POST', `/train${query}`, { headers: { ...AUTH, ...JSON_TYPE }, body: JSON.stringify({ records }) }));
    expect(b.metrics.rows).toBe(282);
    const back = JSON.parse(await valid(200, proxy, 'POST', '/model/rollback', { headers: AUTH }));
    expect(back).toEqual({ model_version: a.model_version, previous_version: b.model_version });
    const named = JSON.parse(await valid(200, proxy, 'POST', '/model/rollback', { headers: { ...AUTH, ...JSON_TYPE }, body: JSON.stringify({ version: first }) }));
    expect(named.model_version).toBe(first);
    await valid(404, proxy, 'POST', '/model/rollback', { headers: { ...AUTH, ...JSON_TYPE }, body: JSON.stringify({ version: '2020-01-01T00-00-00Z-abcdef' }) });
  });

  it('answers every error case with the documented error', async () => {
    // The request is one the spec allows; the service refuses it for a reason only it can know.
    await valid(400, proxy, 'POST', '/batch', { headers: CSV_TYPE, body: CSV.replace('5602,12990', '5602,lots') });
    await valid(400, proxy, 'POST', '/score', { headers: JSON_TYPE, body: JSON.stringify({ ...(await readCsvRows(CSV))[0].raw, end_time: '2024-04-25T22:00:00Z' }) });
    await valid(401, proxy, 'POST', '/train', { headers: { authorization: 'Bearer wrong-token-0123456789', ...CSV_TYPE }, body: CSV });
    await valid(403, proxyNoAdmin, 'POST', '/train', { headers: { authorization: 'Bearer any-token-0123456789', ...CSV_TYPE }, body: CSV });
    await valid(403, proxyNoAdmin, 'POST', '/model/rollback', { headers: { authorization: 'Bearer any-token-0123456789' } });
    // Walk back through what was served until nothing earlier is kept: each answer as documented.
    let status = 200;
    for (let i = 0; i < 10 && status === 200; i++) {
      const r = await send(proxy, 'POST', '/model/rollback', { headers: AUTH });
      expect([...r.request, ...r.response]).toEqual([]);
      status = r.status;
    }
    expect(status).toBe(409);
    const tooMany = `${CSV.trim()}\n${CSV.trim().split('\n').slice(1, 20).join('\n')}\n`; // 301 records, BATCH_LIMIT 300
    await valid(413, proxy, 'POST', '/batch', { headers: CSV_TYPE, body: tooMany });
    await valid(422, proxy, 'POST', '/train', { headers: { ...AUTH, ...CSV_TYPE }, body: CSV.split('\n').slice(0, 6).join('\n') });
    // Requests the spec itself refuses: a missing field, malformed JSON, a CSV body where JSON is taken, a bad parameter.
    await invalid(400, proxy, 'POST', '/score', { headers: JSON_TYPE, body: '{}' });
    await invalid(400, proxy, 'POST', '/score', { headers: JSON_TYPE, body: JSON.stringify({ ...(await readCsvRows(CSV))[0].raw, src_ip: '999.1.1.1' }) });
    await invalid(415, proxy, 'POST', '/score', { headers: CSV_TYPE, body: CSV });
    await invalid(400, proxy, 'POST', '/train?contamination=2', { headers: { ...AUTH, ...CSV_TYPE }, body: CSV });
  });

  it('runs scoring jobs as documented: create (CSV, NDJSON, JSON), poll, results (NDJSON, CSV, a range), cancel and remove, the errors', async () => {
    const records = (await readCsvRows(CSV)).map((r) => r.raw);
    const bodies: [Record<string, string>, string][] = [
      [CSV_TYPE, CSV],
      [{ 'content-type': 'application/x-ndjson' }, records.map((r) => JSON.stringify(r)).join('\n')],
      [JSON_TYPE, JSON.stringify({ records })],
    ];
    for (const [headers, body] of bodies) {
      const { id } = JSON.parse(await valid(202, proxy, 'POST', '/jobs?on_error=skip&max_errors=5', { headers, body }));
      let state = 'queued';
      for (let i = 0; i < 300 && (state === 'queued' || state === 'running'); i++) {
        state = JSON.parse(await valid(200, proxy, 'GET', `/jobs/${id}`)).state;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(state).toBe('succeeded');
      expect((await valid(200, proxy, 'GET', `/jobs/${id}/results`)).trim().split('\n')).toHaveLength(282);
      expect((await valid(200, proxy, 'GET', `/jobs/${id}/results`, { headers: { accept: 'text/csv' } })).trim().split('\n')).toHaveLength(283);
      expect(await valid(206, proxy, 'GET', `/jobs/${id}/results`, { headers: { range: 'bytes=0-99' } })).toHaveLength(100);
      await valid(416, proxy, 'GET', `/jobs/${id}/results`, { headers: { range: 'bytes=999999999-' } });
      await valid(204, proxy, 'DELETE', `/jobs/${id}`);
      await valid(404, proxy, 'GET', `/jobs/${id}`);
    }
    // A failed job: its error, and no results (409).
    const { id } = JSON.parse(await valid(202, proxy, 'POST', '/jobs', { headers: CSV_TYPE, body: CSV.replace('5602,12990', '5602,lots') }));
    let job = { state: 'queued', error: null as unknown };
    for (let i = 0; i < 300 && (job.state === 'queued' || job.state === 'running'); i++) {
      job = JSON.parse(await valid(200, proxy, 'GET', `/jobs/${id}`));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ line: 2, field: 'bytes_out' });
    await valid(409, proxy, 'GET', `/jobs/${id}/results`);
    await valid(404, proxy, 'DELETE', '/jobs/AAAAAAAAAAAAAAAAAAAAAA');
    // A log needs its ?format=: text/plain alone is the documented 415.
    await valid(415, proxy, 'POST', '/jobs', { headers: { 'content-type': 'text/plain' }, body: CSV });
    await invalid(415, proxy, 'POST', '/jobs', { headers: { 'content-type': 'image/png' }, body: CSV });
    // A VPC flow log job: stitched sessions and skipped lines in the documented Job.
    const log = (await readDataset(DATASET_PATH)).slice(0, 10);
    const flow = JSON.parse(await valid(202, proxy, 'POST', '/jobs?format=vpc-flow', { headers: { 'content-type': 'text/plain' }, body: asVpcFlow(log) }));
    let done = { state: 'queued', records_scored: 0 };
    for (let i = 0; i < 300 && (done.state === 'queued' || done.state === 'running'); i++) {
      done = JSON.parse(await valid(200, proxy, 'GET', `/jobs/${flow.id}`));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(done).toMatchObject({ state: 'succeeded', records_scored: 10, notes: { stitched_sessions: 10 } });
    await invalid(400, proxy, 'POST', '/jobs?on_error=sometimes', { headers: CSV_TYPE, body: CSV });
  });
});
