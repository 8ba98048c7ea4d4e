/**
 * Scoring jobs (POST /jobs, GET /jobs/{id}, /results, DELETE): every state, results equal to /batch on
 * the dataset in every body form, Range, cancel, retention and the caps.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvRows } from '../../src/ml/data/dataset.js';
import { RESULT_COLUMNS } from '../../src/offline/format.js';
import { testApp } from '../helpers/app.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';

const CSV = readFileSync(REAL_DATASET, 'utf8');
const [HEADER, ...ROWS] = CSV.trim().split(/\r?\n/);
/** The dataset's rows n times over, with its header. */
const bigCsv = (times: number): string => `${HEADER}\n${Array.from({ length: times }, () => ROWS.join('\n')).join('\n')}\n`;

interface Job {
  id: string;
  state: string;
  records_scored: number;
  records_skipped: number;
  summary: unknown;
  skipped: { line: number; field: string; value: string }[];
  error: { message: string; line: number | null; field: string | null } | null;
}

let dir: string;
let app: FastifyInstance;
let batch: { results: unknown[]; summary: unknown };
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jobs-route-'));
  app = await testApp({ JOBS_DIR: dir, JOBS_THREADS: '2' });
  batch = (await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: CSV })).json();
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function create(payload: string | Buffer, headers: Record<string, string> = { 'content-type': 'text/csv' }, url = '/jobs', on = app) {
  return on.inject({ method: 'POST', url, headers, payload });
}

/** Polls until the job leaves queued/running. */
async function finished(id: string, on = app): Promise<Job> {
  for (let i = 0; i < 600; i++) {
    const job = (await on.inject({ url: `/jobs/${id}` })).json() as Job;
    if (job.state !== 'queued' && job.state !== 'running') return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

const ndjsonOf = (body: string): unknown[] =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('POST /jobs and its results', () => {
  it('answers 202 with Location once the body is stored; results are a 409 until it succeeds, then equal /batch', async () => {
    const res = await create(CSV);
    expect(res.statusCode).toBe(202);
    const job = res.json() as Job;
    expect(job.id).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 bits, base64url
    expect(res.headers.location).toBe(`/jobs/${job.id}`);
    expect(job.state).toBe('queued');
    expect(res.json()).not.toHaveProperty('owner');
    const early = await app.inject({ url: `/jobs/${job.id}/results` });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('JOB_NOT_DONE');

    const done = await finished(job.id);
    expect(done.state).toBe('succeeded');
    expect(done.records_scored).toBe(282);
    expect(done.summary).toEqual(batch.summary);
    const results = await app.inject({ url: `/jobs/${job.id}/results` });
    expect(results.statusCode).toBe(200);
    expect(results.headers['content-type']).toContain('application/x-ndjson');
    expect(ndjsonOf(results.body)).toEqual(batch.results);

    const csv = await app.inject({ url: `/jobs/${job.id}/results`, headers: { accept: 'text/csv' } });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toBe([...HEADER.split(','), ...RESULT_COLUMNS].join(','));
    const rows = await readCsvRows(csv.body);
    expect(rows.map((r) => r.raw.verdict)).toEqual(batch.results.map((r) => (r as { verdict: string }).verdict));
  });

  it('takes NDJSON, {"records": [...]} and gzip bodies with the same results', async () => {
    const records = (await readCsvRows(CSV)).map((r) => r.raw);
    const bodies: [string | Buffer, Record<string, string>][] = [
      [records.map((r) => JSON.stringify(r)).join('\n'), { 'content-type': 'application/x-ndjson' }],
      [JSON.stringify({ records }), { 'content-type': 'application/json' }],
      [gzipSync(CSV), { 'content-type': 'text/csv', 'content-encoding': 'gzip' }],
    ];
    for (const [payload, headers] of bodies) {
      const res = await create(payload, headers);
      expect(res.statusCode, headers['content-type']).toBe(202);
      const done = await finished(res.json().id);
      expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
      const results = await app.inject({ url: `/jobs/${done.id}/results` });
      expect(ndjsonOf(results.body)).toEqual(batch.results);
      expect(done.summary).toEqual(batch.summary);
    }
  });

  it('serves byte ranges: 206 with Content-Range, the suffix form, and 416 past the end', async () => {
    const done = await finished((await create(CSV)).json().id);
    const whole = (await app.inject({ url: `/jobs/${done.id}/results` })).body;
    const size = Buffer.byteLength(whole);
    const part = await app.inject({ url: `/jobs/${done.id}/results`, headers: { range: 'bytes=100-199' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${size}`);
    expect(part.body).toBe(Buffer.from(whole).subarray(100, 200).toString());
    const tail = await app.inject({ url: `/jobs/${done.id}/results`, headers: { range: 'bytes=-50' } });
    expect(tail.body).toBe(
      Buffer.from(whole)
        .subarray(size - 50)
        .toString(),
    );
    const rest = await app.inject({ url: `/jobs/${done.id}/results`, headers: { range: `bytes=${size - 10}-` } });
    expect(rest.headers['content-range']).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    const past = await app.inject({ url: `/jobs/${done.id}/results`, headers: { range: `bytes=${size}-` } });
    expect(past.statusCode).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${size}`);
    expect(past.json().code).toBe('RANGE_NOT_SATISFIABLE');
  });

  it('serves CSV ranges too: the first request (a range) makes the CSV whole, later ones read the same bytes', async () => {
    const done = await finished((await create(CSV)).json().id);
    const csv = { accept: 'text/csv' };
    const first = await app.inject({ url: `/jobs/${done.id}/results`, headers: { ...csv, range: 'bytes=0-99' } });
    expect(first.statusCode).toBe(206);
    const size = Number(/\/(\d+)$/.exec(first.headers['content-range'] as string)?.[1]);
    const whole = (await app.inject({ url: `/jobs/${done.id}/results`, headers: csv })).body;
    expect(Buffer.byteLength(whole)).toBe(size);
    expect(first.body).toBe(Buffer.from(whole).subarray(0, 100).toString());
    expect(whole.trim().split('\n')).toHaveLength(283);
    const tail = await app.inject({ url: `/jobs/${done.id}/results`, headers: { ...csv, range: 'bytes=-80' } });
    expect(tail.statusCode).toBe(206);
    expect(tail.body).toBe(
      Buffer.from(whole)
        .subarray(size - 80)
        .toString(),
    );
  });
});

describe('failed, canceled, unknown', () => {
  it('fails on a bad record, naming its line and field; no results are served', async () => {
    const lines = bigCsv(10).split('\n');
    lines[2001] = lines[2001].replace(/^\d+/, 'lots');
    const done = await finished((await create(lines.join('\n'))).json().id);
    expect(done.state).toBe('failed');
    expect(done.error, JSON.stringify(done.error)).toMatchObject({ line: 2002, field: 'bytes_in' });
    expect(done.error!.message).toMatch(/^CSV line 2002: bytes_in/);
    expect((await app.inject({ url: `/jobs/${done.id}/results` })).statusCode).toBe(409);
  });

  it('skip mode scores the good records and reports each bad one (line, field, value)', async () => {
    const lines = bigCsv(10).split('\n');
    for (const n of [5, 500, 2500]) lines[n - 1] = lines[n - 1].replace(/^\d+/, 'x'.repeat(100));
    const res = await create(lines.join('\n'), { 'content-type': 'text/csv' }, '/jobs?on_error=skip&max_errors=5');
    const done = await finished(res.json().id);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.records_scored).toBe(2820 - 3);
    expect(done.records_skipped).toBe(3);
    expect(done.skipped).toEqual([5, 500, 2500].map((line) => ({ line, field: 'bytes_in', value: `${'x'.repeat(64)}…` })));
    const capped = await finished((await create(lines.join('\n'), { 'content-type': 'text/csv' }, '/jobs?on_error=skip&max_errors=2')).json().id);
    expect(capped.state).toBe('failed');
    expect(capped.error).toMatchObject({ line: 2500, field: 'bytes_in' });
  });

  it('cancels a running job: it stops, says canceled, serves no results; a second DELETE removes it', async () => {
    const res = await create(bigCsv(400)); // 112,800 records: long enough to be caught running
    const id = res.json().id as string;
    for (let i = 0; i < 200 && ((await app.inject({ url: `/jobs/${id}` })).json() as Job).state !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(((await app.inject({ url: `/jobs/${id}` })).json() as Job).state).toBe('running');
    expect((await app.inject({ method: 'DELETE', url: `/jobs/${id}` })).statusCode).toBe(204);
    const job = (await app.inject({ url: `/jobs/${id}` })).json() as Job;
    expect(job.state).toBe('canceled');
    await new Promise((r) => setTimeout(r, 500));
    expect(((await app.inject({ url: `/jobs/${id}` })).json() as Job).state).toBe('canceled');
    expect((await app.inject({ url: `/jobs/${id}/results` })).statusCode).toBe(409);
    expect((await app.inject({ method: 'DELETE', url: `/jobs/${id}` })).statusCode).toBe(204);
    expect((await app.inject({ url: `/jobs/${id}` })).statusCode).toBe(404);
  });

  it('removes a finished job on DELETE; unknown ids are 404 on every endpoint', async () => {
    const done = await finished((await create(CSV)).json().id);
    expect((await app.inject({ method: 'DELETE', url: `/jobs/${done.id}` })).statusCode).toBe(204);
    for (const id of [done.id, 'AAAAAAAAAAAAAAAAAAAAAA', '../etc']) {
      expect((await app.inject({ url: `/jobs/${id}` })).statusCode).toBe(404);
      expect((await app.inject({ url: `/jobs/${id}/results` })).statusCode).toBe(404);
      expect((await app.inject({ method: 'DELETE', url: `/jobs/${id}` })).statusCode).toBe(404);
    }
  });

  it('refuses other content types (415), bad gzip and malformed JSON (400)', async () => {
    expect((await create('x', { 'content-type': 'text/plain' })).json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await create('not gzip', { 'content-type': 'text/csv', 'content-encoding': 'gzip' })).statusCode).toBe(400);
    expect((await create('{"records": [', { 'content-type': 'application/json' })).json().code).toBe('INVALID_JSON');
    expect((await create('[]', { 'content-type': 'application/json' })).json().message).toBe('body must be an object');
  });
});

describe('metrics', () => {
  it('counts jobs by state, records scored by jobs and job durations', async () => {
    await finished((await create(CSV)).json().id);
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(Number(/^scoring_jobs\{state="succeeded"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/^scoring_jobs\{state="running"\} \d+$/m);
    expect(Number(/^scoring_jobs_records_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(282);
    expect(Number(/^scoring_job_duration_seconds_count\{state="succeeded"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
  });
});

describe('caps and retention', () => {
  it('413 past JOBS_BODY_LIMIT (also after gunzip), 429 past JOBS_MAX_CONCURRENT, 507 past JOBS_MAX_DISK_BYTES', async () => {
    const own = mkdtempSync(join(tmpdir(), 'jobs-caps-'));
    const capped = await testApp({ JOBS_DIR: own, JOBS_BODY_LIMIT: '100000', JOBS_MAX_CONCURRENT: '1', JOBS_MAX_DISK_BYTES: String(3 * 1024 * 1024) });
    try {
      const big = bigCsv(2); // ~120 KB
      expect((await create(big, undefined, '/jobs', capped)).json().code).toBe('PAYLOAD_TOO_LARGE');
      const gz = await create(gzipSync(big), { 'content-type': 'text/csv', 'content-encoding': 'gzip' }, '/jobs', capped);
      expect(gz.statusCode).toBe(413);
      const first = await create(CSV, undefined, '/jobs', capped);
      expect(first.statusCode).toBe(202);
      const second = await create(CSV, undefined, '/jobs', capped);
      expect(second.statusCode).toBe(429);
      expect(second.json().code).toBe('TOO_MANY_JOBS');
      await finished(first.json().id, capped);
      // 282 records take ~60 KB in, ~230 KB out: a dozen jobs pass 3 MB
      let refused = null;
      let last = first.json().id as string;
      for (let i = 0; i < 40 && refused === null; i++) {
        const res = await create(CSV, undefined, '/jobs', capped);
        if (res.statusCode === 202) last = (await finished(res.json().id, capped)).id;
        else refused = res;
      }
      expect(refused?.statusCode).toBe(507);
      expect(refused?.json().code).toBe('INSUFFICIENT_STORAGE');
      // the CSV, made on request, is refused likewise; the NDJSON the job wrote is still served
      const csv = await capped.inject({ url: `/jobs/${last}/results`, headers: { accept: 'text/csv' } });
      expect(csv.statusCode).toBe(507);
      expect(csv.json().message).toMatch(/JOBS_MAX_DISK_BYTES/);
      expect((await capped.inject({ url: `/jobs/${last}/results` })).body.trim().split('\n')).toHaveLength(282);
    } finally {
      await capped.close();
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('removes jobs finished more than JOBS_TTL ago', async () => {
    const own = mkdtempSync(join(tmpdir(), 'jobs-ttl-'));
    const short = await testApp({ JOBS_DIR: own, JOBS_TTL: '1' });
    try {
      const done = await finished((await create(CSV, undefined, '/jobs', short)).json().id, short);
      expect((await short.inject({ url: `/jobs/${done.id}` })).statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      await short.jobs.store.sweep(1, short.jobs.runner.mine);
      expect((await short.inject({ url: `/jobs/${done.id}` })).statusCode).toBe(404);
    } finally {
      await short.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});
