import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { testApp } from '../helpers/app.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';

const CSV = readFileSync(REAL_DATASET, 'utf8');
let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp({ BATCH_LIMIT: '300' });
});
afterAll(() => app.close());

const batchJson = (payload: unknown) => app.inject({ method: 'POST', url: '/batch', payload: payload as object });
const batchCsv = (payload: string) => app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload });

describe('POST /batch', () => {
  it('scores the whole dataset CSV and names 155.91.45.242 as the top source', async () => {
    const res = await batchCsv(CSV);
    expect(res.statusCode).toBe(200);
    const { results, summary } = res.json();
    expect(results).toHaveLength(282);
    expect(summary.count).toBe(282);
    expect(summary.top_sources[0].src_ip).toBe('155.91.45.242');
    expect(summary.suspicious).toBe(results.filter((r: { verdict: string }) => r.verdict === 'suspicious').length);
    expect(summary.anomaly_rate).toBeCloseTo(results.filter((r: { is_anomaly: boolean }) => r.is_anomaly).length / 282, 12);
    expect(summary.by_country.reduce((a: number, c: { count: number }) => a + c.count, 0)).toBe(282);
    expect(summary.by_country[0]).toMatchObject({ country: 'US', count: 113 });
    expect(summary.by_hour.reduce((a: number, h: { count: number }) => a + h.count, 0)).toBe(282);
    expect(summary.top_sources.length).toBeLessThanOrEqual(10);
    expect(summary.recommendations[0]).toMatchObject({ src_ip: '155.91.45.242', action: 'block' });
    expect(results.map((r: { src_ip: string }) => r.src_ip)).toEqual(
      CSV.trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[4]),
    );
  });

  it("echoes each record's own id and src_ip on its result, from JSON and from a CSV id column", async () => {
    const json = await batchJson({ records: [{ ...EXAMPLE_RECORD, id: 'evt-1' }, EXAMPLE_RECORD, { ...EXAMPLE_RECORD, id: 42, src_ip: '10.0.0.9' }] });
    expect(json.statusCode).toBe(200);
    const results = json.json().results;
    expect(results.map((r: { id?: unknown; src_ip: string }) => [r.id, r.src_ip])).toEqual([
      ['evt-1', EXAMPLE_RECORD.src_ip],
      [undefined, EXAMPLE_RECORD.src_ip],
      [42, '10.0.0.9'],
    ]);
    const lines = CSV.trim().split('\n').slice(0, 4);
    const csv = await batchCsv([`id,${lines[0]}`, ...lines.slice(1).map((l, i) => `row-${i + 1},${l}`)].join('\n'));
    expect(csv.json().results.map((r: { id: string }) => r.id)).toEqual(['row-1', 'row-2', 'row-3']);
    const bad = await batchJson({ records: [{ ...EXAMPLE_RECORD, id: 'x'.repeat(129) }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toBe('records[0].id must be an integer or a string of at most 128 characters');
  });

  it('answers records in input order, each exactly as /score would', async () => {
    const heavy = { ...EXAMPLE_RECORD, bytes_in: 25_000_000 };
    const res = await batchJson({ records: [EXAMPLE_RECORD, heavy, EXAMPLE_RECORD] });
    expect(res.statusCode).toBe(200);
    const single = await Promise.all([EXAMPLE_RECORD, heavy].map((r) => app.inject({ method: 'POST', url: '/score', payload: r })));
    const { results } = res.json();
    expect(results[0]).toEqual(single[0].json());
    expect(results[1]).toEqual(single[1].json());
    expect(results[2]).toEqual(single[0].json());
  });

  it('gives the same results for the CSV and the JSON form of the same records', async () => {
    const lines = CSV.trim().split('\n');
    const header = lines[0].split(',');
    const records = lines.slice(1, 40).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
    const fromJson = (await batchJson({ records })).json();
    const fromCsv = (await batchCsv(lines.slice(0, 40).join('\n'))).json();
    expect(fromCsv).toEqual(fromJson);
  });

  it('rejects the whole batch on one bad record, naming its index and field', async () => {
    const res = await batchJson({ records: [EXAMPLE_RECORD, EXAMPLE_RECORD, { ...EXAMPLE_RECORD, dst_port: 'https' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe('records[2].dst_port must be an integer, got "https"');
    const order = await batchJson({ records: [EXAMPLE_RECORD, { ...EXAMPLE_RECORD, end_time: '2024-01-01T00:00:00Z' }] });
    expect(order.json().message).toBe('records[1].end_time is earlier than creation_time');
  });

  it('names the CSV line of a bad row, a ragged row and an open quote', async () => {
    const lines = CSV.trim().split('\n');
    const badIp = [...lines.slice(0, 5), lines[5].replace('165.225.', '999.225.'), ...lines.slice(6, 10)].join('\n');
    const res = await batchCsv(badIp);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^CSV line 6: src_ip must be an IPv4 or IPv6 address, got ".*"$/);
    const ragged = await batchCsv([...lines.slice(0, 3), '1,2,3', ...lines.slice(3, 5)].join('\n'));
    expect(ragged.statusCode).toBe(400);
    expect(ragged.json()).toMatchObject({ code: 'INVALID_CSV', message: 'CSV line 4: has 3 fields, the header has 16' });
    const quote = await batchCsv(`${lines[0]}\n"5602,1`);
    expect(quote.json()).toMatchObject({ code: 'INVALID_CSV', message: expect.stringMatching(/unterminated quote/) });
    const missing = await batchCsv(`bytes_in,bytes_out\n1,2\n`);
    // A header without the layout's columns is the header's problem, not line 2's.
    expect(missing.json().message).toMatch(/^CSV line 1: the header is not the cloudwatch layout: missing columns creation_time, end_time, src_ip/);
  });

  it('refuses an empty batch, a header-only CSV and a body without records', async () => {
    expect((await batchJson({ records: [] })).json()).toMatchObject({ statusCode: 400, message: 'records must NOT have fewer than 1 items' });
    expect((await batchJson({})).json()).toMatchObject({ statusCode: 400, message: 'records is required' });
    expect((await batchCsv(`${CSV.split('\n')[0]}\n`)).json()).toMatchObject({ statusCode: 400, message: expect.stringMatching(/no data rows/) });
    expect((await batchCsv('')).statusCode).toBe(400);
  });

  it('answers 413 beyond BATCH_LIMIT, for JSON and CSV', async () => {
    const json = await batchJson({ records: Array.from({ length: 301 }, () => EXAMPLE_RECORD) });
    expect(json.statusCode).toBe(413);
    expect(json.json()).toMatchObject({ code: 'TOO_MANY_RECORDS', message: 'records has 301 items, at most 300 are accepted' });
    const lines = CSV.trim().split('\n');
    const csv = await batchCsv([lines[0], ...Array.from({ length: 301 }, () => lines[1])].join('\n'));
    expect(csv.statusCode).toBe(413);
    expect(csv.json().code).toBe('TOO_MANY_RECORDS');
  });

  it('answers 413 beyond BATCH_BODY_LIMIT for a CSV stream', async () => {
    const small = await testApp({ BATCH_BODY_LIMIT: '2048' });
    const res = await small.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: CSV });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
    await small.close();
  });

  it('answers 415 for other content types', async () => {
    const res = await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'application/xml' }, payload: '<records/>' });
    expect(res.statusCode).toBe(415);
  });
});

describe('POST /batch: empty CSV cells', () => {
  it('reads an empty optional cell as absent, and an empty required cell as missing', async () => {
    const app2 = await testApp();
    const header = 'bytes_in,bytes_out,creation_time,end_time,src_ip,dst_port,label';
    const ok = await app2.inject({
      method: 'POST',
      url: '/batch',
      headers: { 'content-type': 'text/csv' },
      payload: `${header}\n5602,12990,2024-04-25T23:00:00Z,2024-04-25T23:10:00Z,147.161.161.82,,\n`,
    });
    expect(ok.statusCode).toBe(200);
    const missing = await app2.inject({
      method: 'POST',
      url: '/batch',
      headers: { 'content-type': 'text/csv' },
      payload: `${header}\n,12990,2024-04-25T23:00:00Z,2024-04-25T23:10:00Z,147.161.161.82,443,0\n`,
    });
    expect(missing.json().message).toBe('CSV line 2: bytes_in is required');
    await app2.close();
  });
});
