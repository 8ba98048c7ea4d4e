/**
 * The TrafficRecord schema (what openapi.yaml documents) and parseRecord (what
 * the service enforces on /score, /batch and /train) accept and refuse the same
 * records, checked on 20,000 seeded hostile records by a standard validator
 * (Ajv with ajv-formats' date-time, ipv4 and ipv6). The schema states the
 * leniencies itself (digit strings for integers, label strings, null or "" as
 * absent), so the only rule set aside is the one a schema cannot express:
 * end_time not before creation_time.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../../src/ml/data/record.js';
import { EXAMPLE_RECORD, TrafficRecordSchema } from '../../src/schemas/record.js';

const addFormats = (addFormatsModule as unknown as { default: (a: Ajv) => Ajv }).default;
const ajv = new Ajv({ allErrors: false, strict: false });
addFormats(ajv);
const schemaAccepts = ajv.compile(TrafficRecordSchema);

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
  fc.constantFrom(
    '5602',
    ' 5602 ',
    '1e3',
    '-1',
    '2.5',
    '2.0',
    'NaN',
    'Infinity',
    '',
    ' ',
    'abc',
    '0x10',
    'true',
    'false',
    '1',
    '0',
    'TRUE',
    'True',
    'yes',
    '099',
    '200',
    '600',
    '00443',
    '65536',
    '999999999999999',
    '1000000000000000',
    '0000000000000001',
  ),
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
const record = fc.tuple(fc.array(fc.tuple(fc.constantFrom(...KEYS), value), { maxLength: 4 }), fc.array(fc.constantFrom(...KEYS), { maxLength: 2 })).map(([set, drop]) => {
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
        const bySchema = schemaAccepts(r);
        const crossField = refusal !== null && /earlier than creation_time/.test(refusal) && bySchema;
        expect(
          crossField || (refusal === null) === bySchema,
          `parseRecord: ${refusal ?? 'accepted'}; schema: ${bySchema ? 'accepted' : JSON.stringify(schemaAccepts.errors?.[0])}; ${JSON.stringify(r).slice(0, 400)}`,
        ).toBe(true);
      }),
      { seed: 7, numRuns: 20_000 },
    );
  });
});
