/**
 * The CSV reader against csv-parse, the reference implementation: the same
 * records on the real dataset and on thousands of seeded random CSV texts
 * (quotes, commas and line breaks inside fields, CRLF/LF mixed, unicode), fed
 * whole or in random chunks; and the same refusals of malformed input.
 */
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvReader, CsvSyntaxError } from '../../../src/ml/data/csv.js';
import { Random } from '../../../src/ml/core/random.js';
import { REAL_DATASET } from '../../fixtures/synthetic.js';

const REFERENCE = { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'] };

function readAll(text: string, chunks: number[] = []): string[][] {
  const reader = new CsvReader();
  const out: string[][] = [];
  let pos = 0;
  for (const size of chunks) {
    out.push(...reader.push(text.slice(pos, pos + size)).map((r) => r.fields));
    pos += size;
  }
  out.push(...reader.push(text.slice(pos)).map((r) => r.fields));
  out.push(...reader.end().map((r) => r.fields));
  return out;
}

const ALPHABET = ['a', 'b', 'Z', '0', '9', '.', '-', ' ', ',', '"', '\n', '\r\n', 'é', '漢', '🙂', '='];

function randomField(rng: Random): string {
  const len = rng.nextInt(6);
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[rng.nextInt(ALPHABET.length)];
  return s;
}

function encode(field: string, rng: Random): string {
  const needsQuotes = /[",\r\n]/.test(field) || field !== field.trim();
  if (needsQuotes || rng.nextFloat() < 0.1) return `"${field.replace(/"/g, '""')}"`;
  return field;
}

function randomCsv(rng: Random): string {
  const cols = 1 + rng.nextInt(5);
  const rows = rng.nextInt(6);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    // Trimmed unquoted fields: leading/trailing blanks only ever appear inside quotes.
    lines.push(Array.from({ length: cols }, () => encode(randomField(rng), rng)).join(','));
  }
  let text = '';
  for (const l of lines) text += l + (rng.nextFloat() < 0.5 ? '\r\n' : '\n');
  if (rng.nextFloat() < 0.3) text = text.replace(/\r?\n$/, ''); // no line end after the last record
  if (rng.nextFloat() < 0.1) text = `\ufeff${text}`;
  return text;
}

describe('CsvReader', () => {
  it('reads the real dataset exactly as csv-parse does', () => {
    const text = readFileSync(REAL_DATASET, 'utf8');
    const ours = readAll(text);
    expect(ours).toEqual(parse(text, REFERENCE));
    expect(ours).toHaveLength(283);
  });

  it('agrees with csv-parse on 3,000 seeded random CSV texts, whole and in random chunks', () => {
    const rng = new Random(2024);
    for (let k = 0; k < 3000; k++) {
      const text = randomCsv(rng);
      const expected = parse(text, REFERENCE);
      expect(readAll(text), JSON.stringify(text)).toEqual(expected);
      const chunks = Array.from({ length: 4 }, () => rng.nextInt(8));
      expect(readAll(text, chunks), `${JSON.stringify(text)} in chunks ${chunks}`).toEqual(expected);
    }
  });

  it('counts lines across quoted line breaks', () => {
    const reader = new CsvReader();
    const records = [...reader.push('a,b\r\n"x\ny",1\n2,3\n'), ...reader.end()];
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it.each([
    ['an unterminated quote', 'a,b\n"x,1\n', 'line 2: has an unterminated quote'],
    ['a character after a closing quote', 'a,b\n"x"y,1\n', 'line 2: has a character after a closing quote'],
    ['a quote inside an unquoted field', 'a,b\nx"y,1\n', 'line 2: has a quote inside an unquoted field'],
  ])('refuses %s, as csv-parse does', (_what, text, message) => {
    expect(() => readAll(text)).toThrow(CsvSyntaxError);
    expect(() => readAll(text)).toThrow(message);
    expect(() => parse(text, REFERENCE)).toThrow();
  });

  it('refuses a record longer than the limit, even when it never ends', () => {
    const reader = new CsvReader({ maxRecordSize: 100 });
    expect(() => reader.push('x'.repeat(101))).toThrow(/longer than the line limit/);
    expect(() => new CsvReader({ maxRecordSize: 100 }).push(`"${'x'.repeat(200)}`)).toThrow(/longer than the line limit/);
  });
});

describe('CsvReader cost', () => {
  it('reads a large quote-free body in one chunk in linear time', () => {
    const line = '5602,12990,2024-04-25T23:00:00Z,2024-04-25T23:10:00Z,147.161.161.82,AE,HTTPS,200,443,10.138.69.97\n';
    const time = (rows: number): number => {
      const text = line.repeat(rows);
      const t0 = performance.now();
      const reader = new CsvReader();
      const n = reader.push(text).length + reader.end().length;
      expect(n).toBe(rows);
      return performance.now() - t0;
    };
    time(2_000); // warm-up
    // Quadratic scanning made 8x the rows cost ~64x the time; linear costs ~8x. The fastest of five runs
    // of each size, so a run slowed by other work on a shared machine does not decide.
    const best = (rows: number): number => Math.min(...Array.from({ length: 5 }, () => time(rows)));
    const small = Math.max(best(10_000), 1);
    const large = best(80_000);
    expect(large / small).toBeLessThan(30);
  });
});
