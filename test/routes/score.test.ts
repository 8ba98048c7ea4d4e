import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { testApp } from '../helpers/app.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(() => app.close());

const score = (payload: unknown) => app.inject({ method: 'POST', url: '/score', payload: payload as object });

describe('POST /score', () => {
  it('answers the contract fields for a dataset record', async () => {
    const res = await request(app.server).post('/score').send(EXAMPLE_RECORD).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(
      ['src_ip', 'anomaly_score', 'baseline_outlier', 'is_anomaly', 'novel_fields', 'missing_fields', 'model_version', 'reasons', 'risk_level', 'risk_probability', 'verdict'].sort(),
    );
    expect(res.body.model_version).toBe(app.models.current.version);
    expect(res.body.anomaly_score).toBeGreaterThan(0);
    expect(res.body.anomaly_score).toBeLessThan(1);
  });

  it('calls the heaviest session of 155.91.45.242 suspicious, with reasons', async () => {
    const res = await score({ ...EXAMPLE_RECORD, src_ip: '155.91.45.242', bytes_in: 25_207_794, bytes_out: 1_561_220 });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ verdict: 'suspicious', is_anomaly: true, baseline_outlier: true });
    expect(['high', 'critical']).toContain(body.risk_level);
    expect(body.reasons[0]).toMatch(/^bytes_in 25\.2 MB/);
  });

  it('accepts numeric strings and ignores unknown keys', async () => {
    const res = await score({ ...EXAMPLE_RECORD, bytes_in: '5602', bytes_out: '12990', dst_port: '443', whatever: { nested: [1] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().anomaly_score).toBe((await score(EXAMPLE_RECORD)).json().anomaly_score);
  });

  it.each([
    ['a missing field', { ...EXAMPLE_RECORD, bytes_in: undefined }, 'bytes_in is required'],
    ['a wrong type', { ...EXAMPLE_RECORD, bytes_out: 'lots' }, 'bytes_out must be an integer'],
    ['a negative count', { ...EXAMPLE_RECORD, bytes_in: -1 }, 'bytes_in must be between 0 and'],
    ['end before start', { ...EXAMPLE_RECORD, end_time: '2024-04-25T22:59:00Z' }, 'end_time is earlier than creation_time'],
    ['a bad IP', { ...EXAMPLE_RECORD, src_ip: '300.1.1.1' }, 'src_ip must be an IPv4 or IPv6 address'],
    ['a bad date', { ...EXAMPLE_RECORD, creation_time: '25/04/2024' }, 'creation_time must be an RFC 3339 date-time'],
    ['a bad country', { ...EXAMPLE_RECORD, src_ip_country_code: 'ARE' }, 'src_ip_country_code must be a 2-letter country code'],
    ['a bad label', { ...EXAMPLE_RECORD, label: 3 }, 'label must be 0/1 or a boolean'],
    ['a non-object', [EXAMPLE_RECORD], 'body must be an object'],
  ])('refuses %s with a 400 naming the field', async (_what, payload, message) => {
    const res = await score(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'INVALID_RECORD' });
    expect(res.json().message).toContain(message);
  });

  it('refuses malformed JSON, an empty body and a wrong content type', async () => {
    const bad = await app.inject({ method: 'POST', url: '/score', headers: { 'content-type': 'application/json' }, payload: '{"bytes_in": 1,' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'INVALID_JSON', message: expect.stringMatching(/^body is not valid JSON/) });
    const empty = await app.inject({ method: 'POST', url: '/score', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    const text = await app.inject({ method: 'POST', url: '/score', headers: { 'content-type': 'text/plain' }, payload: 'bytes_in=1' });
    expect(text.statusCode).toBe(415);
    // text/plain is how logs come: without ?format= naming one, it is refused for its type.
    expect(text.json().message).toMatch(/text\/plain is a log: name its format with \?format=/);
    // /score takes one JSON record: a CSV body is refused for its type, not parsed and then found lacking.
    const csv = await app.inject({ method: 'POST', url: '/score', headers: { 'content-type': 'text/csv' }, payload: 'bytes_in,bytes_out\n1,2\n' });
    expect(csv.statusCode).toBe(415);
    expect(csv.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.stringContaining('text/csv is not supported by POST /score') });
  });

  it('refuses prototype-poisoning keys without polluting anything', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/score',
      headers: { 'content-type': 'application/json' },
      payload: `{"bytes_in":1,"__proto__":{"polluted":true}}`,
    });
    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a body over BODY_LIMIT with a 413', async () => {
    const res = await score({ ...EXAMPLE_RECORD, padding: 'x'.repeat(1024 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('echoes a caller x-request-id and makes one otherwise', async () => {
    const given = await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD, headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD, headers: { 'x-request-id': 'bad id\twith spaces' } });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: 'no route GET /nope', code: 'NOT_FOUND' });
  });
});
