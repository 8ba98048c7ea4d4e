import { describe, expect, it } from 'vitest';
import { CsvError, readCsvRows, readDataset, recordsFromCsvRows } from '../../../src/ml/data/dataset.js';
import { REAL_DATASET } from '../../fixtures/synthetic.js';
import { caught } from '../../helpers/errors.js';

const HEADER = 'bytes_in,bytes_out,creation_time,end_time,src_ip';
const ROW = '10,20,2024-01-01T00:00:00Z,2024-01-01T00:10:00Z,1.2.3.4';

const csvError = (text: string): Promise<CsvError> => caught(CsvError, () => readCsvRows(text));

describe('CSV datasets', () => {
  it('reads the real dataset: 282 records', async () => {
    const records = await readDataset(REAL_DATASET);
    expect(records).toHaveLength(282);
    expect(records[0]).toMatchObject({ bytesIn: 5602, srcIp: '147.161.161.82', country: 'AE' });
  });

  it('accepts a BOM, CRLF line ends, quoted fields and blank lines', async () => {
    const rows = await readCsvRows(`\ufeff${HEADER},protocol\r\n${ROW},"HT""TPS"\r\n\r\n${ROW},"a,b"\r\n`);
    expect(rows.map((r) => r.raw.protocol)).toEqual(['HT"TPS', 'a,b']);
    expect(rows.map((r) => r.line)).toEqual([2, 4]);
    expect(Object.keys(rows[0].raw)[0]).toBe('bytes_in');
  });

  it('names the line of a ragged row, an open quote, and a bad field', async () => {
    expect((await csvError(`${HEADER}\n${ROW}\n1,2,3\n`)).message).toMatch(/line 3/);
    expect((await csvError(`${HEADER}\n${ROW}\n"1,2\n`)).message).toMatch(/unterminated quote/);
    const rows = await readCsvRows(`${HEADER}\n${ROW}\n${ROW.replace('1.2.3.4', 'nope')}\n`);
    expect(() => recordsFromCsvRows(rows)).toThrow('CSV line 3: src_ip must be an IPv4 or IPv6 address');
  });

  it('refuses empty, header-only, duplicate-header and oversized input', async () => {
    expect((await csvError('')).message).toMatch(/no data rows/);
    expect((await csvError(`${HEADER}\n`)).message).toMatch(/no data rows/);
    expect((await csvError(`a,a\n1,2\n`)).message).toMatch(/"a" appears twice/);
    expect((await csvError(`${HEADER}\n${'9'.repeat(70_000)}\n`)).message).toMatch(/line limit/);
  });

  it('stops at the row cap and at the column cap', async () => {
    const err = await readCsvRows(`${HEADER}\n${ROW}\n${ROW}\n${ROW}\n`, { maxRows: 2 }).catch((e) => e);
    expect(err).toMatchObject({ tooManyRows: true });
    const wide = await readCsvRows(`${Array.from({ length: 70 }, (_, i) => `c${i}`).join(',')}\n`, { maxColumns: 64 }).catch((e) => e);
    expect(wide.message).toMatch(/70 columns, at most 64/);
  });

  it('reads a __proto__ or constructor header without polluting prototypes', async () => {
    const rows = await readCsvRows(`${HEADER},__proto__,constructor\n${ROW},{"polluted":1},x\n`.replace('{"polluted":1}', '"{""polluted"":1}"'));
    expect(recordsFromCsvRows(rows)[0].bytesIn).toBe(10);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(rows[0].raw)).toBeNull();
  });
});
