/**
 * Property-based tests (fast-check, seeded) of everything a client controls:
 * records, JSON and CSV batches, /train bodies, full of wrong types, extreme and
 * non-finite numbers, empty and very long strings, unicode, deep nesting,
 * duplicate keys, __proto__ / constructor / prototype keys, ragged CSV, quotes,
 * BOMs, CRLF and formula-looking cells. 10,000 cases in all. Invariants:
 * never a 5xx, crash or hang; a 4xx names what is wrong; the served model and
 * the score of a fixed probe record never change; no prototype pollution.
 * A failure prints its seed and path, so `FUZZ_SEED=<seed>` replays it.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../src/schemas/record.js';
import { ADMIN_TOKEN, modelDirCopy, testApp } from './helpers/app.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const KEYS = Object.keys(EXAMPLE_RECORD).concat('label');
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', '', ' ', 'bytes_in ', 'BYTES_IN', 'response', 'source', '\u0000'];
/** A 4xx message must name a field, the body, the CSV, a parameter or the content type. */
const NAMES_SOMETHING = new RegExp(`(${[...KEYS, 'records', 'body', 'CSV', 'content-type', 'querystring', 'record', 'row', 'label'].map((k) => k.replace('.', '\\.')).join('|')})`);

let app: FastifyInstance;
let cleanup: () => Promise<void>;
let probe: unknown;
let version: string;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

beforeAll(async () => {
  const copy = await modelDirCopy();
  cleanup = copy.cleanup;
  app = await testApp({ MODEL_DIR: copy.dir, ADMIN_TOKEN, BATCH_LIMIT: '50', MAX_EVENT_LOOP_DELAY_MS: '0' });
  version = app.models.current.version;
  probe = (await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).json();
});

afterAll(async () => {
  await app.close();
  await cleanup();
});

function check(res: LightMyRequestResponse): void {
  expect(res.statusCode, res.body).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const body = res.json();
    expect(body.statusCode).toBe(res.statusCode);
    expect(typeof body.error).toBe('string');
    expect(body.message, `status ${res.statusCode}`).toMatch(NAMES_SOMETHING);
  }
}

async function unchanged(): Promise<void> {
  expect(app.models.current.version).toBe(version);
  expect((await app.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).json()).toEqual(probe);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
}

// ---- values and records ------------------------------------------------------------------------

const deepArray = fc.integer({ min: 1, max: 3000 }).map((depth) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
});

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 0.5, 2 ** 53, 65536, 600, 99),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '', ' ', '1e308', '-1', '0x1F', '1_000', '١٢٣', '5602.0', ' 5602 '),
  fc.constantFrom('=cmd|/C calc!A0', '+1+1', '@SUM(A1)', '-2+3', '<script>alert(1)</script>', '\u0000', '\ufeff', '"quoted"', 'a,b'),
  fc.constantFrom('2024-04-25T23:00:00Z', '2024-04-25T23:00:00', '2024-13-45T99:99:99Z', '::1', '999.1.1.1', '10.0.0.1', 'fe80::1%eth0'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constant('x'.repeat(5000)),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  deepArray,
);

/** A record as JSON text: some fields replaced, some dropped, extra, hostile and duplicate keys added. */
const recordText = fc
  .record({
    replace: fc.array(fc.tuple(fc.constantFrom(...KEYS), hostileValue), { maxLength: 3 }),
    drop: fc.array(fc.constantFrom(...KEYS), { maxLength: 2 }),
    extra: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string({ maxLength: 8 })), hostileValue), { maxLength: 2 }),
    duplicate: fc.option(fc.tuple(fc.constantFrom(...KEYS), hostileValue), { nil: undefined }),
  })
  .map(({ replace, drop, extra, duplicate }) => {
    const pairs: [string, unknown][] = Object.entries(EXAMPLE_RECORD).filter(([k]) => !drop.includes(k));
    for (const [k, v] of replace) {
      const i = pairs.findIndex(([key]) => key === k);
      if (i >= 0) pairs[i] = [k, v];
      else pairs.push([k, v]);
    }
    pairs.push(...extra);
    if (duplicate) pairs.push(duplicate);
    // Written by hand so that "__proto__" and duplicate keys reach the server as sent.
    return `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
  });

const garbageJson = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.constantFrom('', '{', '[]', 'null', '1', '"x"', '{"records":', '{"a":1,}', '\ufeff{}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}'),
);

// ---- CSV ---------------------------------------------------------------------------------------

const csvCell = fc.oneof(
  fc.constantFrom(...Object.values(EXAMPLE_RECORD).map(String)),
  hostileValue.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
  fc.constantFrom('=HYPERLINK("http://x")', '"', '""', '"a""b"', 'a\nb', '\r', ' , '),
);

const csvText = fc
  .record({
    header: fc.shuffledSubarray([...KEYS, ...HOSTILE_KEYS.slice(0, 4)], { minLength: 0, maxLength: 12 }),
    keepAll: fc.boolean(),
    rows: fc.array(fc.array(csvCell, { minLength: 0, maxLength: 20 }), { maxLength: 6 }),
    quoteAll: fc.boolean(),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    valid: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ header, keepAll, rows, quoteAll, crlf, bom, valid }) => {
    const cols = keepAll ? KEYS.slice(0, 16) : header;
    const encode = (c: string): string => (quoteAll || /[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
    const eol = crlf ? '\r\n' : '\n';
    const good = Array.from({ length: valid }, () => cols.map((k) => encode(String((EXAMPLE_RECORD as Record<string, unknown>)[k] ?? ''))).join(','));
    const lines = [cols.map(encode).join(','), ...good, ...rows.map((r) => r.map(encode).join(','))];
    return `${bom ? '\ufeff' : ''}${lines.join(eol)}${eol}`;
  });

// ---- properties --------------------------------------------------------------------------------

const options = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

describe('fuzz', () => {
  it('POST /score: 3,500 hostile records and 500 garbage bodies', async () => {
    await fc.assert(
      fc.asyncProperty(recordText, async (text) => {
        check(await app.inject({ method: 'POST', url: '/score', headers: { 'content-type': 'application/json' }, payload: text }));
      }),
      options(3500),
    );
    await fc.assert(
      fc.asyncProperty(garbageJson, fc.constantFrom('application/json', 'text/csv', 'text/plain', 'application/x-www-form-urlencoded', ''), async (text, type) => {
        check(await app.inject({ method: 'POST', url: '/score', headers: type ? { 'content-type': type } : {}, payload: text }));
      }),
      options(500),
    );
    await unchanged();
  });

  it('POST /batch as JSON: 2,000 batches of hostile records', async () => {
    const batch = fc.oneof(
      fc.array(recordText, { minLength: 0, maxLength: 6 }).map((rs) => `{"records":[${rs.join(',')}]}`),
      fc.constantFrom(`{"records":${JSON.stringify(Array.from({ length: 51 }, () => EXAMPLE_RECORD))}}`, '{"records":{}}', '{"records":null}', '{"records":"a"}'),
      garbageJson,
    );
    await fc.assert(
      fc.asyncProperty(batch, async (text) => {
        check(await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'application/json' }, payload: text }));
      }),
      options(2000),
    );
    await unchanged();
  });

  it('POST /batch as CSV: 3,000 hostile CSV bodies', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => {
        const res = await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: text });
        check(res);
      }),
      options(3000),
    );
    await unchanged();
  });

  it('POST /train: 1,000 hostile bodies and parameters leave the model as it was', async () => {
    const query = fc.oneof(
      fc.constant(''),
      fc.constantFrom('?contamination=0', '?contamination=NaN', '?trees=0', '?trees=1e9', '?max_depth=-1', '?seed=abc', '?seed=1.5', '?contamination=0.5&trees=1'),
    );
    // At most 9 rows: even a well-formed body is refused (too few rows), so no run may replace the model.
    const body = fc.oneof(
      csvText.map((t) => ({ type: 'text/csv', text: t.split(/\r?\n/).slice(0, 10).join('\n') })),
      fc.array(recordText, { maxLength: 9 }).map((rs) => ({ type: 'application/json', text: `{"records":[${rs.join(',')}]}` })),
      garbageJson.map((t) => ({ type: 'application/json', text: t })),
    );
    await fc.assert(
      fc.asyncProperty(body, query, async ({ type, text }, q) => {
        const res = await app.inject({ method: 'POST', url: `/train${q}`, headers: { 'content-type': type, authorization: `Bearer ${ADMIN_TOKEN}` }, payload: text });
        expect(res.statusCode).not.toBe(200);
        check(res);
      }),
      options(1000),
    );
    await unchanged();
  });
});
