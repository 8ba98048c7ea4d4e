/**
 * The TrafficRecord schema (what openapi.yaml documents) and parseRecord (what
 * the service enforces on /score, /batch and /train) accept and refuse the same
 * records, checked on 20,000 seeded hostile records. The comparison applies the
 * leniencies the contract and the README document on top of the schema: numeric
 * strings for integer fields, empty or null for an absent optional field, label
 * as 0/1/true/false in any case; and it sets aside the one rule a schema cannot
 * express, end_time not before creation_time.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/ml/record.js';
import { EXAMPLE_RECORD, TrafficRecordSchema } from '../../src/schemas/record.js';

const addFormats = (addFormatsModule as unknown as { default: (a: Ajv) => Ajv }).default;
const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv);
ajv.addFormat('ip', (s: string) => isIP(s) !== 0);
const schemaAccepts = ajv.compile(TrafficRecordSchema);

const INTEGER_FIELDS = new Set(['bytes_in', 'bytes_out', 'response.code', 'dst_port']);
const LABELS: Record<string, number | boolean> = { '0': 0, '1': 1, true: true, false: false };

/** The record as the schema reads it once the documented leniencies are applied. */
function documented(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === '' || v === null) continue;
    if (INTEGER_FIELDS.has(k) && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) out[k] = Number(v);
    else if (k === 'label' && typeof v === 'string' && v.toLowerCase() in LABELS) out[k] = LABELS[v.toLowerCase()];
    else out[k] = v;
  }
  return out;
}

function verdict(r: Record<string, unknown>): string | null {
  try {
    parseRecord(r);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

const KEYS = Object.keys(EXAMPLE_RECORD).concat('label');
const value = fc.oneof(
  fc.integer({ min: -5, max: 70_000 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(1e308, -1, 0, 1, 2, 99, 100, 599, 600, 65535, 65536, 0.5, true, false, null, [], {}),
  fc.constantFrom('5602', ' 5602 ', '1e3', '-1', '2.5', 'NaN', 'Infinity', '', ' ', 'abc', '0x10', 'true', 'false', '1', '0', 'TRUE', 'True', 'yes'),
  fc.constantFrom(
    '2024-04-25T23:00:00Z',
    '2024-04-25t23:00:00z',
    '2024-04-25 23:00:00Z',
    '2024-04-25T23:00:00.123+02:00',
    '2024-04-25T23:00:00',
    '2024-02-29T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-02-30T00:00:00Z',
    '2024-04-25T24:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-04-25',
  ),
  fc.constantFrom('147.161.161.82', '::1', '2001:db8::1', '::ffff:1.2.3.4', '999.1.1.1', '1.2.3', 'fe80::1%eth0', '01.02.03.04', ' 1.1.1.1'),
  fc.constantFrom('AE', 'ae', 'USA', 'U', '12', 'é1', 'HTTPS', 'x'.repeat(256), 'x'.repeat(257)),
  fc.string({ maxLength: 12 }),
);
const record = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...KEYS), value), { maxLength: 4 }), fc.array(fc.constantFrom(...KEYS), { maxLength: 2 }))
  .map(([set, drop]) => {
    const r: Record<string, unknown> = { ...EXAMPLE_RECORD };
    for (const [k, v] of set) r[k] = v;
    for (const k of drop) delete r[k];
    return r;
  });

describe('TrafficRecord schema and parseRecord', () => {
  it('accept and refuse the same 20,000 hostile records', () => {
    fc.assert(
      fc.property(record, (r) => {
        const refusal = verdict(r);
        const bySchema = schemaAccepts(documented(r));
        const crossField = refusal !== null && /earlier than creation_time/.test(refusal) && bySchema;
        expect(crossField || (refusal === null) === bySchema, `parseRecord: ${refusal ?? 'accepted'}; schema: ${bySchema ? 'accepted' : JSON.stringify(schemaAccepts.errors?.[0])}; ${JSON.stringify(r).slice(0, 400)}`).toBe(true);
      }),
      { seed: 7, numRuns: 20_000 },
    );
  });
});
