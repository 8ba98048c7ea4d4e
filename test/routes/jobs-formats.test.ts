/**
 * POST /jobs?format=: a log as AWS delivers it (text/plain, gzip accepted) scored by a job through the
 * format registry, as /batch reads it: vpc-flow sessions stitched across the file, lines the format
 * skips counted, a bad line failing the job with its line and field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/ml/data/dataset.js';
import type { TrafficRecord } from '../../src/ml/data/record.js';
import { asAlb, asVpcFlow } from '../fixtures/recast.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';
import { testApp } from '../helpers/app.js';

const TEXT = { 'content-type': 'text/plain' };

interface Job {
  id: string;
  state: string;
  format: string;
  log_format: string;
  records_scored: number;
  summary: { count: number } | null;
  lines_skipped: Record<string, number>;
  notes: Record<string, number>;
  error: { message: string; line: number | null; field: string | null } | null;
}

let dir: string;
let app: FastifyInstance;
let records: TrafficRecord[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jobs-formats-'));
  app = await testApp({ JOBS_DIR: dir, JOBS_THREADS: '1' });
  records = await readDataset(REAL_DATASET);
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(url: string, payload: string | Buffer, headers: Record<string, string> = TEXT): Promise<Job> {
  const res = await app.inject({ method: 'POST', url, headers, payload });
  expect(res.statusCode, res.body).toBe(202);
  const { id } = res.json() as Job;
  for (let i = 0; i < 600; i++) {
    const job = (await app.inject({ url: `/jobs/${id}` })).json() as Job;
    if (job.state !== 'queued' && job.state !== 'running') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

const ndjson = (body: string): Record<string, unknown>[] =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('POST /jobs?format=', () => {
  it('scores a VPC flow log: two records a session stitched into one result each, NODATA and SKIPDATA counted', async () => {
    const some = records.slice(0, 40);
    const log = `${asVpcFlow(some)}2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n2 123456789010 eni-11111111111111111 - - - - - - - 1431280876 1431280934 - SKIPDATA\n`;
    const job = await run('/jobs?format=vpc-flow', log);
    expect(job).toMatchObject({ state: 'succeeded', format: 'text', log_format: 'vpc-flow', records_scored: 40, lines_skipped: { NODATA: 1, SKIPDATA: 1 } });
    expect(job.notes).toMatchObject({ stitched_sessions: 40, one_way_flows: 0 });
    // the same summary and verdicts as /batch gives the same log
    const batch = (await app.inject({ method: 'POST', url: '/batch?format=vpc-flow', headers: TEXT, payload: log })).json();
    expect(job.summary?.count).toBe(40);
    expect(job.summary).toEqual(batch.summary);
    const results = ndjson((await app.inject({ url: `/jobs/${job.id}/results` })).body);
    expect(results).toHaveLength(40);
    expect(results[0]).toMatchObject({ src_ip: some[0].srcIp });
    expect(results[0].missing_fields).not.toContain('bytes_out');
    expect(results.map((r) => r.verdict)).toEqual(batch.results.map((r: { verdict: string }) => r.verdict));
    const csv = (await app.inject({ url: `/jobs/${job.id}/results`, headers: { accept: 'text/csv' } })).body.trim().split('\n');
    expect(csv).toHaveLength(41);
    expect(csv[0]).toMatch(/^id,src_ip,src_ip_country_code,bytes_in,bytes_out,creation_time,end_time,protocol,dst_port,response\.code,verdict,/);
    // the session as stitched: the client's bytes in, the server's out, the country looked up offline
    const row = csv[1].split(',');
    expect(row[1]).toBe(some[0].srcIp);
    expect(row.slice(3, 5).map(Number)).toEqual([some[0].bytesIn, some[0].bytesOut]);
    expect(row[2]).toMatch(/^[A-Z]{2}$/);
  });

  it("writes a one-way flow's unknown bytes_out as an empty CSV cell, never 0", async () => {
    const lines = asVpcFlow(records.slice(0, 1)).trim().split('\n');
    const job = await run('/jobs?format=vpc-flow', `${lines[0]}\n${lines.slice(1).find((l) => l.split(' ')[3] === records[0].srcIp)}\n`);
    expect(job.notes).toMatchObject({ one_way_flows: 1 });
    const csv = (await app.inject({ url: `/jobs/${job.id}/results`, headers: { accept: 'text/csv' } })).body.trim().split('\n');
    expect(csv[1].split(',')[4]).toBe('');
  });

  it('scores a gzipped ALB log, one result a line', async () => {
    const job = await run('/jobs?format=alb', gzipSync(asAlb(records.slice(0, 30))), { ...TEXT, 'content-encoding': 'gzip' });
    expect(job).toMatchObject({ state: 'succeeded', log_format: 'alb', records_scored: 30, lines_skipped: {} });
    const results = ndjson((await app.inject({ url: `/jobs/${job.id}/results` })).body);
    expect(results).toHaveLength(30);
    expect(results[0]).toMatchObject({ id: 1, src_ip: records[0].srcIp });
  });

  it('reads a headerless vpc-flow log by ?fields=', async () => {
    const fields = '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';
    const job = await run(`/jobs?format=vpc-flow&fields=${encodeURIComponent(fields)}`, asVpcFlow(records.slice(0, 5), false));
    expect(job).toMatchObject({ state: 'succeeded', records_scored: 5, fields });
  });

  it('fails the job on a bad line, naming the line and the field; no results are served', async () => {
    const log = asAlb(records.slice(0, 5)).split('\n');
    log[3] = log[3].replace(` ${records[3].bytesIn} `, ' lots ');
    const job = await run('/jobs?format=alb', log.join('\n'));
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({ line: 4, field: 'received_bytes' });
    expect(job.error?.message).toMatch(/^alb line 4: received_bytes .*"lots"/);
    expect((await app.inject({ url: `/jobs/${job.id}/results` })).statusCode).toBe(409);
  });

  it('skips bad lines with on_error=skip: the rest scored, each bad line reported with its line, field and value', async () => {
    const log = asAlb(records.slice(0, 40)).split('\n');
    log[3] = log[3].replace(` ${records[3].bytesIn} `, ' lots ');
    log[20] = 'not an alb line';
    const job = (await run('/jobs?format=alb&on_error=skip', log.join('\n'))) as Job & { records_skipped: number; skipped: { line: number; field: string; value: string }[] };
    expect(job.state).toBe('succeeded');
    expect(job.records_scored).toBe(38);
    expect(job.records_skipped).toBe(2);
    expect(job.skipped[0]).toMatchObject({ line: 4, field: 'received_bytes', value: 'lots' });
    expect(job.skipped[1].line).toBe(21);
    const results = ndjson((await app.inject({ url: `/jobs/${job.id}/results` })).body);
    expect(results).toHaveLength(38);
    expect(job.summary?.count).toBe(38);
  });

  it('refuses what a log format cannot be: an unknown format, JSON records; text/plain without a format', async () => {
    const post = (url: string, headers: Record<string, string>) => app.inject({ method: 'POST', url, headers, payload: 'x' });
    const unknown = await post('/jobs?format=syslog', TEXT);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/format must be one of/);
    expect((await post('/jobs?format=alb', { 'content-type': 'application/json' })).statusCode).toBe(415);
    const plain = await post('/jobs', TEXT);
    expect(plain.statusCode).toBe(415);
    expect(plain.json().message).toMatch(/\?format=vpc-flow/);
  });
});
