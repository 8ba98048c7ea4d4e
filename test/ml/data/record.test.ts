import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseRecord, RECORD_KEYS, RecordError, RowParser } from '../../../src/ml/data/record.js';

const base = {
  bytes_in: 5602,
  bytes_out: 12990,
  creation_time: '2024-04-25T23:00:00Z',
  end_time: '2024-04-25T23:10:00Z',
  src_ip: '147.161.161.82',
  src_ip_country_code: 'ae',
  protocol: 'HTTPS',
  'response.code': 200,
  dst_port: 443,
  dst_ip: '10.138.69.97',
};

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof RecordError) return err.field;
    throw err;
  }
  throw new Error('expected a RecordError');
}

describe('parseRecord', () => {
  it('normalises a dataset record', () => {
    const r = parseRecord(base);
    expect(r).toMatchObject({ bytesIn: 5602, bytesOut: 12990, srcIp: '147.161.161.82', country: 'AE', protocol: 'HTTPS', responseCode: 200, dstPort: 443, label: null });
    expect(r.endMs - r.creationMs).toBe(600_000);
  });

  it('accepts numeric strings, treats empty optional strings as absent and ignores unknown keys', () => {
    const r = parseRecord({ ...base, bytes_in: '5602', dst_port: '', 'response.code': '200', extra: { deep: 1 } });
    expect(r.bytesIn).toBe(5602);
    expect(r.dstPort).toBeNull();
    expect(r.responseCode).toBe(200);
  });

  it('accepts IPv6 and zone offsets', () => {
    const r = parseRecord({ ...base, src_ip: '2001:db8::1', creation_time: '2024-04-25T23:00:00+02:00', end_time: '2024-04-25T21:10:00Z' });
    expect(r.endMs - r.creationMs).toBe(10 * 60_000);
  });

  it('reads labels as 0/1 or booleans', () => {
    for (const [v, want] of [
      [1, 1],
      ['0', 0],
      [true, 1],
      ['false', 0],
    ] as const)
      expect(parseRecord({ ...base, label: v }).label).toBe(want);
    expect(fieldOf(() => parseRecord({ ...base, label: 2 }))).toBe('label');
  });

  it.each([
    ['bytes_in', { bytes_in: undefined }],
    ['bytes_in', { bytes_in: -1 }],
    ['bytes_in', { bytes_in: 1.5 }],
    ['bytes_in', { bytes_in: 'abc' }],
    ['bytes_out', { bytes_out: 'NaN' }],
    ['bytes_out', { bytes_out: 'Infinity' }],
    ['bytes_out', { bytes_out: 1e308 }],
    ['creation_time', { creation_time: 'yesterday' }],
    ['creation_time', { creation_time: '2024-04-25T23:00:00' }],
    ['end_time', { end_time: '2024-04-25T22:59:59Z' }],
    ['src_ip', { src_ip: '999.1.1.1' }],
    ['src_ip', { src_ip: undefined }],
    ['dst_ip', { dst_ip: 'host.example' }],
    ['src_ip_country_code', { src_ip_country_code: 'USA' }],
    ['response.code', { 'response.code': 99 }],
    ['dst_port', { dst_port: 70000 }],
    ['protocol', { protocol: 'x'.repeat(300) }],
    ['protocol', { protocol: 7 }],
  ])('names %s when it is wrong', (field, patch) => {
    expect(fieldOf(() => parseRecord({ ...base, ...patch }))).toBe(field);
  });

  it('says "end_time is earlier than creation_time"', () => {
    expect(() => parseRecord({ ...base, end_time: '2024-04-25T22:00:00Z' })).toThrow('end_time is earlier than creation_time');
  });

  it('refuses non-objects', () => {
    for (const v of [null, 3, 'x', [base]]) expect(fieldOf(() => parseRecord(v))).toBe('record');
  });
});

describe('parseRecord date-times', () => {
  const at = (creation: string, end = '2099-01-01T00:00:00Z') => parseRecord({ bytes_in: 1, bytes_out: 1, creation_time: creation, end_time: end, src_ip: '1.1.1.1' });

  it('reads zones, fractions and lower-case separators to the millisecond', () => {
    expect(at('2024-04-25T23:00:00Z').creationMs).toBe(Date.UTC(2024, 3, 25, 23));
    expect(at('2024-04-26T01:30:00+02:30').creationMs).toBe(Date.UTC(2024, 3, 25, 23));
    expect(at('2024-04-25t18:00:00.250-05:00').creationMs).toBe(Date.UTC(2024, 3, 25, 23, 0, 0, 250));
    expect(at('2024-02-29 12:00:00z').creationMs).toBe(Date.UTC(2024, 1, 29, 12));
  });

  it('reads every year as written, 0000 to 9999 (Date.UTC would put 0050 in 1950)', () => {
    expect(at('0050-03-01T00:00:00Z').creationMs).toBe(new Date('0050-03-01T00:00:00Z').getTime());
    expect(at('0000-01-01T00:00:00Z').creationMs).toBe(new Date('0000-01-01T00:00:00Z').getTime());
    expect(at('1600-02-29T12:00:00Z').creationMs).toBe(Date.UTC(1600, 1, 29, 12));
    expect(at('9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z').creationMs).toBe(Date.UTC(9999, 11, 31, 23, 59, 59, 999));
    fc.assert(
      fc.property(fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (d) => {
        expect(at(d.toISOString(), d.toISOString()).creationMs).toBe(d.getTime());
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-04-25T24:00:00Z',
    '2024-04-25T23:60:00Z',
    '2024-04-25T23:00:60Z',
    '2024-04-25T23:00:00+24:00',
    '2024-04-25T23:00:00',
  ])('refuses %s, which Date.parse would roll over or guess', (text) => {
    expect(() => at(text)).toThrow('creation_time must be an RFC 3339 date-time');
  });
});

describe('RowParser', () => {
  // A CSV row is the same record as the object of its non-empty cells, whatever the column order.
  // Each column mostly holds a value the validator takes, so most rows make a record and the rest
  // fail on one field or another.
  const GOOD: Record<string, string[]> = {
    bytes_in: ['0', '5602'],
    bytes_out: ['1', '12990'],
    creation_time: ['2024-04-25T23:00:00Z', '2024-04-25t22:00:00.5+01:00'],
    end_time: ['2024-04-25T23:10:00Z'],
    src_ip: ['1.2.3.4', '::1'],
    dst_ip: ['10.0.0.1'],
    time: ['2024-04-25T23:00:00Z'],
    src_ip_country_code: ['us', 'DE'],
    protocol: ['HTTPS', 'tcp'],
    'response.code': ['200', '404'],
    dst_port: ['443', '0'],
    label: ['1', 'false', 'True'],
    id: ['7', 'abc'],
  };
  const cellFor = (key: string) =>
    fc.oneof({ arbitrary: fc.constantFrom(...(GOOD[key] ?? ['free text'])), weight: 30 }, { arbitrary: fc.constant(''), weight: 1 }, { arbitrary: fc.string({ maxLength: 6 }), weight: 1 });
  // Most columns present (each missing one time in ten), in any order, with a column nobody reads.
  const ALL = [...RECORD_KEYS, 'extra'];
  const header = fc
    .tuple(...ALL.map(() => fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 })))
    .map((keep) => ALL.filter((_, i) => keep[i]))
    .filter((h) => h.length > 0)
    .chain((h) => fc.shuffledSubarray(h, { minLength: h.length, maxLength: h.length }));
  it('gives the record or the error parseRecord gives for the same cells', () => {
    let records = 0;
    fc.assert(
      fc.property(
        header.chain((h) => fc.tuple(fc.constant(h), fc.tuple(...h.map(cellFor)))),
        ([header, fields]) => {
          const raw: Record<string, string> = {};
          header.forEach((key, i) => {
            if (fields[i] !== '') raw[key] = fields[i];
          });
          const outcome = (f: () => unknown): unknown => {
            try {
              return f();
            } catch (err) {
              return (err as Error).message;
            }
          };
          const fromRow = outcome(() => new RowParser(header).parse(fields));
          expect(fromRow).toEqual(outcome(() => parseRecord(raw)));
          if (typeof fromRow === 'object') records++;
        },
      ),
      { numRuns: 3000 },
    );
    expect(records).toBeGreaterThan(300); // records were compared, not only errors
  });

  it('places its error at a line', () => {
    const header = ['bytes_in', 'bytes_out'];
    expect(() => new RowParser(header).parseAt(['1', 'x'], 7)).toThrow('CSV line 7: bytes_out must be an integer');
  });
});
