import { existsSync, readFileSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { ADMIN_TOKEN, COMMITTED_MODELS, modelDirCopy, testApp } from '../helpers/app.js';
import { canMount, mountTmpfs, snapshot as fullSnapshot } from '../helpers/fs-state.js';
import { LOCK_DIR } from '../../src/ml/bundle/lock.js';

/** MODEL_DIR's files but the training lock's records (taking and releasing the lock adds records by design). */
const snapshot = (dir: string): Record<string, string> => Object.fromEntries(Object.entries(fullSnapshot(dir)).filter(([k]) => !k.startsWith(`${LOCK_DIR}/`)));
import { REAL_DATASET, syntheticRecords, toCsv } from '../fixtures/synthetic.js';

const REAL_CSV = readFileSync(REAL_DATASET, 'utf8');
const AUTH = { authorization: `Bearer ${ADMIN_TOKEN}` };

let dir: string;
let cleanup: () => Promise<void>;
let app: FastifyInstance;

beforeEach(async () => {
  ({ dir, cleanup } = await modelDirCopy());
  app = await testApp({ MODEL_DIR: dir, ADMIN_TOKEN });
});
afterEach(async () => {
  await app.close();
  await cleanup();
});

const train = (payload: string | object, opts: { query?: string; headers?: Record<string, string> } = {}) =>
  app.inject({
    method: 'POST',
    url: `/train${opts.query ?? ''}`,
    headers: { ...AUTH, ...(typeof payload === 'string' ? { 'content-type': 'text/csv' } : {}), ...opts.headers },
    payload,
  });

describe('POST /train: authorization', () => {
  it('is 403 with training disabled when no ADMIN_TOKEN is configured', async () => {
    const open = await testApp({ MODEL_DIR: dir });
    const res = await open.inject({ method: 'POST', url: '/train', headers: AUTH, payload: { records: [EXAMPLE_RECORD] } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'TRAINING_DISABLED', message: expect.stringMatching(/set ADMIN_TOKEN/) });
    await open.close();
  });

  it('is 401 for a missing or wrong token, before reading the body', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { authorization: ADMIN_TOKEN }, { authorization: `Basic ${ADMIN_TOKEN}` }]) {
      const res = await app.inject({ method: 'POST', url: '/train', headers: { ...headers, 'content-type': 'application/json' }, payload: '{not json' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json().code).toBe('UNAUTHORIZED');
    }
  });
});

describe('POST /train: training', () => {
  it('trains from the dataset CSV, serves the new version from the next request, and shows it in /model and /metrics', async () => {
    const before = app.models.current.version;
    const res = await train(REAL_CSV, { query: '?seed=7&trees=50' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ trained_rows: 282, label_source: 'derived' });
    expect(body.model_version).not.toBe(before);
    expect(body.metrics.holdout.confusion_matrix).toHaveLength(2);
    expect(body.metrics.holdout.roc_auc).toBeNull(); // derived labels: ranking against them would be circular
    expect(body.metrics.top_sources.map((s: { src_ip: string }) => s.src_ip)).toContain('155.91.45.242');
    expect(body.duration_ms).toBeGreaterThan(0);

    const scored = await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD });
    expect(scored.json().model_version).toBe(body.model_version);
    const model = (await app.inject({ method: 'GET', url: '/model' })).json();
    expect(model).toMatchObject({ version: body.model_version, parameters: { seed: 7, trees: 50 } });
    expect(model.versions).toEqual([before, body.model_version]);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`model_info{version="${body.model_version}"} 1`);
    expect(metrics).not.toContain(`model_info{version="${before}"}`);
    expect(metrics).toContain('training_runs_total{outcome="success"} 1');
    expect(metrics).toMatch(/training_duration_seconds_count 1/);
    expect(metrics).toContain('training_rows 282');
  });

  it('trains from JSON records with provided labels', async () => {
    const records = syntheticRecords(600, 4);
    const res = await train({ records }, { query: '?trees=30' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ trained_rows: 600, label_source: 'provided' });
    const holdout = res.json().metrics.holdout;
    expect(holdout.f1).toBeGreaterThan(0.9);
    // provided labels: ranking quality of both forests on the hold-out, in /train and in /model
    expect(holdout.roc_auc).toBeGreaterThan(0.95);
    expect(holdout.average_precision).toBeGreaterThan(0.9);
    expect(holdout.isolation_forest_roc_auc).toBeGreaterThan(0.5);
    expect(holdout.isolation_forest_average_precision).toBeGreaterThan(0);
    const model = (await app.inject({ method: 'GET', url: '/model' })).json();
    expect(model.metrics.holdout.roc_auc).toBe(holdout.roc_auc);
    expect(model.surrogate_rules.rules.length).toBeGreaterThan(0);
    // the decision: fitted, with its bands' measured precision, and what npm run evaluate reports on the hold-out
    const decision = res.json().metrics.decision;
    expect(decision).toMatchObject({ mode: 'labelled', counted: expect.arrayContaining(['random_forest']) });
    expect(decision.bands.map((b: { band: string }) => b.band)).toEqual(['medium', 'suspicious', 'high', 'critical']);
    // the per-source rule, with the figures it had out of fold and on the hold-out
    expect(decision.sources.map((s: { action: string }) => s.action)).toEqual(['block', 'investigate']);
    expect(decision.sources[1].holdout).toMatchObject({ sources: expect.any(Number), recall: expect.any(Number) });
    expect(decision.detectors.at(-1)).toMatchObject({ detector: 'combined', roc_auc: expect.any(Number) });
    expect(decision.holdout_evaluation).toMatchObject({ records: 180, verdict: { recall: expect.any(Number) }, risk_levels: { roc_auc: expect.any(Number) } });
    expect(model.metrics.decision).toEqual(decision);
  });

  // 180 s: a 20,000-row training and its comparison with the served models, on a loaded 2-core machine.
  it('is 409 for a second /train while one runs, and both settle cleanly', { timeout: 180_000 }, async () => {
    const big = toCsv(syntheticRecords(20_000, 5));
    const first = train(big);
    await new Promise((r) => setTimeout(r, 150));
    const second = await train(REAL_CSV);
    expect(second.statusCode, second.body).toBe(409);
    expect(second.json().code).toBe('TRAINING_IN_PROGRESS');
    expect((await first).statusCode).toBe(200);
  });

  it('keeps answering /score with the old version while a large training runs', { timeout: 180_000 }, async () => {
    const before = app.models.current.version;
    const expected = (await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).json();
    const training = train(toCsv(syntheticRecords(30_000, 6)));
    let answered = 0;
    let settled = false;
    void training.then(() => (settled = true));
    while (!settled) {
      const res = await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD });
      expect(res.statusCode).toBe(200);
      if (res.json().model_version === before) expect(res.json()).toEqual(expected);
      answered++;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await training).statusCode).toBe(200);
    expect(answered).toBeGreaterThan(10); // the event loop stayed free while the worker trained
  });
});

describe('POST /train: promotion', () => {
  const served = async () => (await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).json().model_version;
  const figures = ['roc_auc', 'average_precision', 'precision', 'recall', 'anomaly_share', 'suspicious_share', 'silhouette_isolation_forest', 'silhouette_iqr_baseline'];

  it('keeps a worse training (contamination 0.5: half the same traffic suspicious) as a candidate, serves it only when asked', async () => {
    const before = app.models.current.version;
    const res = await train(REAL_CSV, { query: '?contamination=0.5&trees=50' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ promoted: false, served_version: before, promotion: { mode: 'auto', promoted: false } });
    expect(body.comparison).toMatchObject({ served_version: before, label_source: 'derived', outcome: 'worse', holdout_rows: body.metrics.holdout.test_rows });
    // both sets of figures, side by side, on the same hold-out
    expect(Object.keys(body.comparison.candidate).sort()).toEqual([...figures].sort());
    expect(Object.keys(body.comparison.served).sort()).toEqual([...figures].sort());
    expect(body.comparison.candidate.suspicious_share).toBeGreaterThan(body.comparison.served.suspicious_share + 0.05);
    expect(body.comparison.worse_on).toContainEqual(expect.stringMatching(/^suspicious share 0.5\d+ against 0.0\d+ served$/));
    expect(body.comparison.drift.features.length).toBeGreaterThan(0);
    expect(body.promotion.reason).toContain(`POST /model/rollback {"version": "${body.model_version}"}`);
    expect(await served()).toBe(before);
    expect(readFileSync(join(dir, 'CURRENT'), 'utf8').split('\n')[0]).toBe(before); // line 1: the served version
    const model = (await app.inject({ method: 'GET', url: '/model' })).json();
    expect(model.version).toBe(before);
    expect(model.versions).toContain(body.model_version);
    // served when asked, by name
    const named = await app.inject({ method: 'POST', url: '/model/rollback', headers: AUTH, payload: { version: body.model_version } });
    expect(named.json()).toEqual({ model_version: body.model_version, previous_version: before });
    expect(await served()).toBe(body.model_version);
  });

  it('serves the same worse training at once with promote=always, and keeps a good one with promote=never', async () => {
    const before = app.models.current.version;
    const always = (await train(REAL_CSV, { query: '?contamination=0.5&trees=50&promote=always' })).json();
    expect(always).toMatchObject({ promoted: true, comparison: { outcome: 'worse' }, promotion: { mode: 'always' } });
    expect(await served()).toBe(always.model_version);
    const never = (await train(REAL_CSV, { query: '?promote=never' })).json();
    expect(never).toMatchObject({ promoted: false, served_version: always.model_version, promotion: { mode: 'never' } });
    expect(await served()).toBe(always.model_version);
    expect(before).not.toBe(always.model_version);
  });

  it('serves a training that is not worse on the hold-out', async () => {
    const res = (await train(REAL_CSV, { query: '?seed=11' })).json();
    expect(res).toMatchObject({ promoted: true, comparison: { outcome: 'not_worse', worse_on: [] }, promotion: { mode: 'auto', promoted: true } });
    expect(res.served_version).toBe(res.model_version);
    expect(await served()).toBe(res.model_version);
  });

  it('says plainly that 20 rows are too few to compare, with the minimum, and keeps them as a candidate', async () => {
    const before = app.models.current.version;
    const res = (await train({ records: syntheticRecords(20, 5).map(({ label: _, ...r }) => r) }, { query: '?contamination=0.2' })).json();
    expect(res).toMatchObject({ promoted: false, comparison: { outcome: 'too_little_data', holdout_rows: 6, min_holdout_rows: 30 } });
    expect(res.promotion.reason).toMatch(/hold-out has 6 rows, a comparison needs at least 30/);
    expect(await served()).toBe(before);
  });

  it('compares with provided labels on ROC AUC, AP, precision and recall of both', async () => {
    const res = (await train({ records: syntheticRecords(600, 4) }, { query: '?trees=30' })).json();
    for (const side of [res.comparison.candidate, res.comparison.served]) {
      for (const k of ['roc_auc', 'average_precision', 'precision', 'recall']) expect(side[k], k).toEqual(expect.any(Number));
    }
    expect(res.comparison.rule).toMatch(/ROC AUC, average precision, verdict precision and recall/);
  });

  it('refuses an unknown promote mode with a 400 naming it', async () => {
    const res = await train(REAL_CSV, { query: '?promote=sometimes' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain('promote');
  });
});

describe('POST /train: data that cannot make a model leaves everything as it was', () => {
  async function expectUnchanged(res: { statusCode: number; json: () => { message: string } }, status: number, message: RegExp, before: Record<string, string>, version: string) {
    expect(res.statusCode).toBe(status);
    expect(res.json().message).toMatch(message);
    expect(app.models.current.version).toBe(version);
    expect(snapshot(dir)).toEqual(before);
  }

  it.each([
    ['too few rows', () => toCsv(syntheticRecords(5, 1)), '', 422, /at least 10 rows, got 5/],
    ['one class only', () => toCsv(syntheticRecords(50, 1).map((r) => ({ ...r, label: 0 }))), '', 422, /label column have one class only/],
    ['a bad row', () => REAL_CSV.replace('147.161.161.82', '147.161.161'), '', 400, /^CSV line 2: src_ip must be an IPv4 or IPv6 address, got "147.161.161"$/],
    ['a partial label column', () => toCsv(syntheticRecords(50, 1)).replace(/,1\n/, ',\n'), '', 422, /label is missing on row/],
    ['a bad parameter', () => REAL_CSV, '?contamination=0.9', 400, /^querystring parameter contamination must be <= 0.5$/],
    ['a non-integer parameter', () => REAL_CSV, '?trees=many', 400, /^querystring parameter trees must be integer$/],
  ])('%s', async (_what, body, query, status, message) => {
    const before = snapshot(dir);
    const version = app.models.current.version;
    await expectUnchanged(await train(body(), { query }), status, message, before, version);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('training_runs_total{outcome="rejected"} 1');
  });

  it.each([
    ['malformed JSON', '{"records": [', 'application/json', /^body is not valid JSON/],
    ['no records key', '{"rows": []}', 'application/json', /^records is required$/],
    ['records not an array', '{"records": {}}', 'application/json', /^records must be an array$/],
    ['an empty batch', '{"records": []}', 'application/json', /^records must NOT have fewer than 1 items$/],
    ['a bad record', JSON.stringify({ records: [EXAMPLE_RECORD, { ...EXAMPLE_RECORD, src_ip: 'x' }] }), 'application/json', /^records\[1\]\.src_ip must be an IPv4 or IPv6 address, got "x"$/],
    ['a ragged CSV', 'bytes_in,bytes_out,creation_time,end_time,src_ip\n1,2,3\n', 'text/csv', /^CSV line 2: has 3 fields, the header has 5$/],
  ])('a JSON or CSV body with %s is a 400 naming it, checked in the training thread', async (_what, text, type, message) => {
    const before = snapshot(dir);
    const res = await app.inject({ method: 'POST', url: '/train', headers: { ...AUTH, 'content-type': type }, payload: text });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(message);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a body of another content type is a 415, no body a 400', async () => {
    expect((await app.inject({ method: 'POST', url: '/train', headers: { ...AUTH, 'content-type': 'text/plain' }, payload: 'x' })).statusCode).toBe(415);
    const none = await app.inject({ method: 'POST', url: '/train', headers: AUTH });
    expect(none.statusCode).toBe(400);
    expect(none.json().message).toMatch(/^body is required/);
  });

  it('more rows than TRAIN_ROW_LIMIT is a 413', async () => {
    const small = await testApp({ MODEL_DIR: dir, ADMIN_TOKEN, TRAIN_ROW_LIMIT: '100' });
    const res = await small.inject({ method: 'POST', url: '/train', headers: { ...AUTH, 'content-type': 'text/csv' }, payload: REAL_CSV });
    expect(res.statusCode).toBe(413);
    const json = await small.inject({ method: 'POST', url: '/train', headers: AUTH, payload: { records: syntheticRecords(101, 1) } });
    expect(json.statusCode).toBe(413);
    await small.close();
  });

  it('a MODEL_DIR that cannot be written (a file where versions/ should be) is a 500, the old version still served', async () => {
    const { dir: broken, cleanup: done } = await modelDirCopy();
    const other = await testApp({ MODEL_DIR: broken, ADMIN_TOKEN });
    const version = other.models.current.version;
    // Replace versions/ by a plain file once the bundle is loaded: every write into it fails.
    const { rm } = await import('node:fs/promises');
    await rm(join(broken, 'versions'), { recursive: true });
    await writeFile(join(broken, 'versions'), 'not a directory');
    const before = snapshot(broken);
    const res = await other.inject({ method: 'POST', url: '/train', headers: { ...AUTH, 'content-type': 'text/csv' }, payload: REAL_CSV });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({ code: 'MODEL_WRITE_FAILED', message: expect.stringMatching(/previous version is still served/) });
    expect(other.models.current.version).toBe(version);
    expect(snapshot(broken)).toEqual(before);
    expect((await other.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).json().model_version).toBe(version);
    expect((await other.inject({ method: 'GET', url: '/metrics' })).body).toContain('training_runs_total{outcome="failure"} 1');
    await other.close();
    await done();
  });

  describe.skipIf(!canMount)('on a real filesystem fault (tmpfs)', () => {
    async function onTmpfs(sizeKb: number, fault: (fs: ReturnType<typeof mountTmpfs>) => Promise<void> | void): Promise<void> {
      const fs = mountTmpfs(sizeKb);
      try {
        await cp(COMMITTED_MODELS, fs.dir, { recursive: true });
        const other = await testApp({ MODEL_DIR: fs.dir, ADMIN_TOKEN });
        const version = other.models.current.version;
        await fault(fs);
        const before = snapshot(fs.dir);
        const res = await other.inject({ method: 'POST', url: '/train', headers: { ...AUTH, 'content-type': 'text/csv' }, payload: REAL_CSV });
        expect(res.statusCode).toBe(500);
        expect(res.json()).toMatchObject({ code: 'MODEL_WRITE_FAILED' });
        expect(res.json().message).toMatch(/\((ENOSPC|EROFS)\)/);
        expect(other.models.current.version).toBe(version);
        expect(snapshot(fs.dir)).toEqual(before); // nothing half-written
        await other.close();
      } finally {
        fs.unmount();
      }
    }

    it('a full MODEL_DIR', () =>
      onTmpfs(1024, async (fs) => {
        // Fill what is left, so the new version's files cannot be written.
        const { statfsSync, writeFileSync } = await import('node:fs');
        const free = statfsSync(fs.dir).bavail * statfsSync(fs.dir).bsize;
        writeFileSync(join(fs.dir, 'filler'), Buffer.alloc(Math.max(0, free - 8192)));
      }));

    it('a read-only MODEL_DIR', () => onTmpfs(2048, (fs) => fs.readOnly()));
  });
});

describe('POST /model/rollback', () => {
  it('serves the previous version again, then says there is none older', async () => {
    const first = app.models.current.version;
    const trained = (await train(REAL_CSV, { query: '?seed=3&promote=always' })).json().model_version;
    const res = await app.inject({ method: 'POST', url: '/model/rollback', headers: AUTH });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ model_version: first, previous_version: trained });
    expect((await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).json().model_version).toBe(first);
    expect(readFileSync(join(dir, 'CURRENT'), 'utf8').split('\n')[0]).toBe(first);
    const again = await app.inject({ method: 'POST', url: '/model/rollback', headers: AUTH });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('NO_PREVIOUS_VERSION');
  });

  it('follows what was served, not the order of version ids, and serves any kept version by name', async () => {
    const first = app.models.current.version;
    const v1 = (await train(REAL_CSV, { query: '?seed=3&promote=always' })).json().model_version;
    const v2 = (await train(REAL_CSV, { query: '?seed=4&promote=always' })).json().model_version;
    const rollback = (payload?: object) => app.inject({ method: 'POST', url: '/model/rollback', headers: AUTH, ...(payload ? { payload } : {}) });
    const served = async () => (await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).json().model_version;

    expect((await rollback()).json()).toEqual({ model_version: v1, previous_version: v2 });
    expect((await rollback()).json()).toEqual({ model_version: first, previous_version: v1 });
    expect((await rollback()).statusCode).toBe(409);
    // The newest version is not lost after two rollbacks: name it.
    const named = await rollback({ version: v2 });
    expect(named.statusCode).toBe(200);
    expect(named.json()).toEqual({ model_version: v2, previous_version: first });
    expect(await served()).toBe(v2);
    // Undo returns to what was served before v2 was named (first), not to the id listed before it (v1).
    expect((await rollback()).json()).toEqual({ model_version: first, previous_version: v2 });
    expect(await served()).toBe(first);
    // One file holds the served version (line 1) and the history: they cannot disagree.
    const lines = readFileSync(join(dir, 'CURRENT'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe(first);
    expect(lines.filter((l) => !l.startsWith('#')).slice(1)).toEqual([first]);
    expect(existsSync(join(dir, 'HISTORY'))).toBe(false);
  });

  it('refuses a version that is not kept (404) and a malformed body (400), serving on unchanged', async () => {
    const before = app.models.current.version;
    const unknown = await app.inject({ method: 'POST', url: '/model/rollback', headers: AUTH, payload: { version: '2020-01-01T00-00-00Z-abcdef' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'UNKNOWN_VERSION', message: expect.stringContaining('2020-01-01T00-00-00Z-abcdef is not kept') });
    for (const payload of [{ version: 5 }, { version: 'latest' }, [before]]) {
      const bad = await app.inject({ method: 'POST', url: '/model/rollback', headers: AUTH, payload });
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      expect(bad.json().message).toMatch(/^(version|body) /);
    }
    expect(app.models.current.version).toBe(before);
  });

  it('needs the admin token', async () => {
    expect((await app.inject({ method: 'POST', url: '/model/rollback' })).statusCode).toBe(401);
  });
});
