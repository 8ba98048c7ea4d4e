/**
 * ?format= on /score, /batch (whole and streamed) and /train: logs as AWS delivers them, text/plain,
 * gzipped or not; a bad line is a 400 (or a stream's error line) naming the line and the field.
 */
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/ml/data/dataset.js';
import type { TrafficRecord } from '../../src/ml/data/record.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';
import { asAlb, asVpcFlow } from '../fixtures/recast.js';
import { ADMIN_TOKEN, modelDirCopy, testApp } from '../helpers/app.js';

const TEXT = { 'content-type': 'text/plain' };
const GZIP = { ...TEXT, 'content-encoding': 'gzip' };
const STREAM = { accept: 'application/x-ndjson' };
const WAF = JSON.stringify({ timestamp: 1576280412771, webaclId: 'arn', action: 'BLOCK', terminatingRuleId: 'STMTest_SQLi_XSS', httpRequest: { clientIp: '1.1.1.1', country: 'AU', headers: [] } });

let app: FastifyInstance;
let records: TrafficRecord[];
beforeAll(async () => {
  app = await testApp({ BATCH_LIMIT: '1000' });
  records = await readDataset(REAL_DATASET);
});
afterAll(() => app.close());

const lines = (body: string): Record<string, unknown>[] =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('?format=', () => {
  it('scores a VPC flow log on /batch, each session stitched from its two records, gzipped or not', async () => {
    const text = asVpcFlow(records.slice(0, 50));
    for (const [headers, payload] of [
      [TEXT, text],
      [GZIP, gzipSync(text)],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: '/batch?format=vpc-flow', headers, payload });
      expect(res.statusCode).toBe(200);
      const { results } = res.json();
      expect(results).toHaveLength(50);
      expect(results[0]).toMatchObject({ id: '2+3', src_ip: records[0].srcIp });
      expect(results[0].missing_fields).not.toContain('bytes_out');
    }
  });

  it('streams an ALB log, gzipped, one result a line then the summary', async () => {
    const res = await app.inject({ method: 'POST', url: '/batch?format=alb', headers: { ...GZIP, ...STREAM }, payload: gzipSync(asAlb(records.slice(0, 30))) });
    expect(res.statusCode).toBe(200);
    const out = lines(res.body);
    expect(out).toHaveLength(31);
    expect(out[0]).toMatchObject({ id: 1, src_ip: records[0].srcIp });
    expect(out.at(-1)).toHaveProperty('summary');
  });

  it('streams an ALB log in skip mode: a bad line reported as a skipped line with its field and value, the rest scored', async () => {
    const log = asAlb(records.slice(0, 5)).replace(/^https /m, 'gopher ');
    const res = await app.inject({ method: 'POST', url: '/batch?format=alb&on_error=skip', headers: { ...TEXT, ...STREAM }, payload: log });
    expect(res.statusCode).toBe(200);
    const out = lines(res.body);
    expect(out.filter((l) => 'verdict' in l)).toHaveLength(4);
    expect(out.filter((l) => 'skipped' in l).map((l) => l.skipped)).toEqual([
      { line: 1, field: 'type', value: 'gopher', message: 'alb line 1: type must be one of http, https, h2, grpcs, ws, wss, got "gopher"' },
    ]);
    expect(out.at(-1)).toMatchObject({ summary: { count: 4 }, records_skipped: 1 });
  });

  it('skips bad lines of a whole (not streamed) log body too, listing them; past max_errors it is a 400 naming the next', async () => {
    const log = asAlb(records.slice(0, 6))
      .replace(/^https /m, 'gopher ')
      .replace(` ${records[4].bytesIn} `, ' lots ');
    const res = await app.inject({ method: 'POST', url: '/batch?format=alb&on_error=skip', headers: TEXT, payload: log });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.results).toHaveLength(4);
    expect(body.summary.count).toBe(4);
    expect(body.skipped).toEqual([
      { line: 1, field: 'type', value: 'gopher' },
      { line: 5, field: 'received_bytes', value: 'lots' },
    ]);
    const capped = await app.inject({ method: 'POST', url: '/batch?format=alb&on_error=skip&max_errors=1', headers: TEXT, payload: log });
    expect(capped.statusCode).toBe(400);
    expect(capped.json().message).toMatch(/^more than 1 bad records \(max_errors\); the next one: alb line 5: received_bytes/);
    // without skip mode the first bad line is still a 400
    expect((await app.inject({ method: 'POST', url: '/batch?format=alb', headers: TEXT, payload: log })).json().message).toMatch(/^alb line 1: type/);
  });

  it('scores one WAF line on /score, its byte counts listed as missing, never as evidence', async () => {
    const res = await app.inject({ method: 'POST', url: '/score?format=waf', headers: TEXT, payload: WAF });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 1, src_ip: '1.1.1.1', baseline_outlier: false });
    expect(res.json().missing_fields.slice(0, 2)).toEqual(['bytes_in', 'bytes_out']);
  });

  it("states WAF's own block and labels first in the reasons, as facts that move neither the verdict nor the risk", async () => {
    const labelled = JSON.stringify({ ...JSON.parse(WAF), labels: [{ name: 'awswaf:managed:aws:sql-database:SQLi_QueryArguments' }] });
    const bare = JSON.stringify({ ...JSON.parse(WAF), terminatingRuleId: 'Default_Action', action: 'ALLOW' });
    const [withFacts, without] = await Promise.all([labelled, bare].map((payload) => app.inject({ method: 'POST', url: '/score?format=waf', headers: TEXT, payload })));
    const a = withFacts.json();
    const b = without.json();
    expect(a.reasons.slice(0, 2)).toEqual(['WAF rule STMTest_SQLi_XSS blocked it', 'WAF labelled it awswaf:managed:aws:sql-database:SQLi_QueryArguments']);
    expect(b.reasons.some((r: string) => r.startsWith('WAF'))).toBe(false);
    expect(a.reasons.slice(2)).toEqual(b.reasons);
    for (const k of ['verdict', 'risk_level', 'risk_probability', 'anomaly_score'] as const) expect(a[k]).toEqual(b[k]);
  });

  it('answers a bad line with a 400 naming the line, the field, what was expected and the value', async () => {
    const text = asAlb(records.slice(0, 3)).replace(/ 200 200 (\d+) /, ' 200 200 1x3 ');
    const res = await app.inject({ method: 'POST', url: '/batch?format=alb', headers: TEXT, payload: text });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'INVALID_RECORD', message: 'alb line 1: received_bytes must be a non-negative integer, got "1x3"' });
    const stream = await app.inject({ method: 'POST', url: '/batch?format=alb', headers: { ...TEXT, ...STREAM }, payload: text });
    expect(lines(stream.body).at(-1)).toEqual({ error: expect.objectContaining({ code: 'INVALID_RECORD', message: 'alb line 1: received_bytes must be a non-negative integer, got "1x3"' }) });
  });

  it('refuses text/plain without a log format, an unknown format, and a body that is not gzip when it says so', async () => {
    const none = await app.inject({ method: 'POST', url: '/batch', headers: TEXT, payload: 'x' });
    expect(none.statusCode).toBe(415);
    expect(none.json().message).toMatch(/name its format with \?format=/);
    const unknown = await app.inject({ method: 'POST', url: '/batch?format=syslog', headers: TEXT, payload: 'x' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toMatch(/format/);
    const notGzip = await app.inject({ method: 'POST', url: '/batch?format=waf', headers: GZIP, payload: WAF });
    expect(notGzip.statusCode).toBe(400);
    expect(notGzip.json().message).toMatch(/gzip/);
  });

  it('takes the dataset CSV gzipped too (cloudwatch, the default)', async () => {
    const csv = await import('node:fs').then((fs) => fs.readFileSync(REAL_DATASET));
    const res = await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' }, payload: gzipSync(csv) });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toHaveLength(282);
  });

  it('takes the vpc-flow fields parameter', async () => {
    const fields = encodeURIComponent('${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes} ${start} ${end} ${action}');
    const res = await app.inject({ method: 'POST', url: `/score?format=vpc-flow&fields=${fields}`, headers: TEXT, payload: '198.51.100.1 10.0.0.1 40000 22 6 840 1714086000 1714086060 REJECT' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ src_ip: '198.51.100.1', missing_fields: expect.arrayContaining(['bytes_out']) });
  });
});

describe('POST /train?format=', () => {
  it('learns from a gzipped VPC flow log as from the dataset layout', async () => {
    const { dir, cleanup } = await modelDirCopy();
    const trainApp = await testApp({ MODEL_DIR: dir, ADMIN_TOKEN });
    try {
      const res = await trainApp.inject({
        method: 'POST',
        url: '/train?format=vpc-flow&trees=20',
        headers: { ...GZIP, authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: gzipSync(asVpcFlow(records)),
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().trained_rows).toBe(282);
      const bad = await trainApp.inject({ method: 'POST', url: '/train?format=vpc-flow', headers: { ...TEXT, authorization: `Bearer ${ADMIN_TOKEN}` }, payload: '2 1 eni-1 1.2.3.4' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toBe('vpc-flow line 1: record must have 14 space-separated fields (the default version-2 format), got 4');
    } finally {
      await trainApp.close();
      await cleanup();
    }
  });
});
