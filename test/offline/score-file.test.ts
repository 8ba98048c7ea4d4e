import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_BYTES } from '../../src/offline/blocks.js';
import { scoreFile } from '../../src/offline/score-file.js';
import { RESULT_COLUMNS } from '../../src/offline/format.js';
import { readCsvRows } from '../../src/ml/data/dataset.js';
import { COMMITTED_MODELS, testApp } from '../helpers/app.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';

const CSV = readFileSync(REAL_DATASET, 'utf8');
let dir: string;
let batch: { results: Record<string, unknown>[]; summary: unknown };
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'score-file-'));
  const app = await testApp();
  batch = (await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: CSV })).json();
  await app.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scoreFile (npm run score)', () => {
  it('writes NDJSON equal to /batch on the dataset, with the same summary', async () => {
    const out = join(dir, 'out.ndjson');
    const r = await scoreFile({ input: REAL_DATASET, output: out, modelDir: COMMITTED_MODELS, threads: 2 });
    expect(r.records).toBe(282);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(batch.results);
    expect(r.summary).toEqual(batch.summary);
  });

  it('writes CSV: the input columns as they came, then the verdict columns of /batch', async () => {
    const out = join(dir, 'out.csv');
    await scoreFile({ input: REAL_DATASET, output: out, modelDir: COMMITTED_MODELS, threads: 2 });
    const rows = await readCsvRows(readFileSync(out, 'utf8'));
    const inputHeader = CSV.split(/\r?\n/)[0].split(','); // the dataset has CRLF line ends; the output LF
    expect(readFileSync(out, 'utf8').split('\n')[0]).toBe([...inputHeader, ...RESULT_COLUMNS].join(','));
    expect(rows).toHaveLength(282);
    const input = CSV.trim().split(/\r?\n/).slice(1);
    rows.forEach(({ raw }, i) => {
      expect(inputHeader.map((k) => raw[k] ?? '').join(',')).toBe(input[i]);
      const expected = batch.results[i] as { verdict: string; risk_level: string; anomaly_score: number; reasons: string[]; novel_fields: string[] };
      expect(raw.verdict).toBe(expected.verdict);
      expect(raw.risk_level).toBe(expected.risk_level);
      expect(Number(raw.anomaly_score)).toBe(expected.anomaly_score);
      expect(raw.reasons ?? '').toBe(expected.reasons.join('; '));
      expect(raw.model_version).toBe((batch.results[i] as { model_version: string }).model_version);
    });
  });

  it('cuts blocks only at record boundaries: a quoted field with a line break stays whole', async () => {
    // a file whose records hold quoted line breaks and commas, long enough to span blocks
    const header = CSV.split('\n')[0];
    const row = CSV.split('\n')[1].replace('Suspicious Web Traffic', '"Suspicious, ""Web""\nTraffic"');
    const file = join(dir, 'quoted.csv');
    writeFileSync(file, `${header}\n${Array.from({ length: 5000 }, () => row).join('\n')}\n`);
    const out = join(dir, 'quoted.ndjson');
    const r = await scoreFile({ input: file, output: out, modelDir: COMMITTED_MODELS, threads: 2 });
    expect(r.records).toBe(5000);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(5000);
  });

  it('reports the first bad record of the file, whichever thread finds its own first', async () => {
    // One bad record near the end of the first block, one near the start of the second: the second
    // block's thread meets its bad record long before the first block's thread does.
    const [head, ...rows] = CSV.trim().split('\n');
    const many = Array.from({ length: 5_000 }, (_, i) => rows[i % rows.length]);
    const rowAt = (bytes: number): number => {
      let sum = head.length + 1;
      return many.findIndex((r) => (sum += r.length + 1) > bytes);
    };
    const early = rowAt(BLOCK_BYTES * 0.95);
    const late = rowAt(BLOCK_BYTES * 1.05);
    many[early] = many[early].replace(/^\d+,/, 'x,');
    many[late] = many[late].replace(/^\d+,\d+,/, '1,y,');
    const file = join(dir, 'two-bad.csv');
    writeFileSync(file, [head, ...many].join('\n'));
    await expect(scoreFile({ input: file, output: join(dir, 'two-bad.out.csv'), modelDir: COMMITTED_MODELS, threads: 2 })).rejects.toThrow(`CSV line ${early + 2}: bytes_in must be an integer`);
  });

  it('stops on a bad record, naming its line and field, and leaves no output file', async () => {
    const rows = CSV.trim().split('\n');
    rows[200] = rows[200].replace(/^\d+,/, '-5,');
    const file = join(dir, 'bad.csv');
    writeFileSync(file, rows.join('\n'));
    const out = join(dir, 'bad-out.csv');
    await expect(scoreFile({ input: file, output: out, modelDir: COMMITTED_MODELS, threads: 2 })).rejects.toThrow('CSV line 201: bytes_in must be an integer');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
  });

  it('fails clearly on a model directory with no model, leaving no output', async () => {
    const empty = join(dir, 'no-models');
    const out = join(dir, 'never.csv');
    await expect(scoreFile({ input: REAL_DATASET, output: out, modelDir: empty, threads: 2 })).rejects.toThrow(/no-models/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a header with a column twice before scoring anything', async () => {
    const [head, ...rows] = CSV.trim().split('\n');
    const file = join(dir, 'twice.csv');
    writeFileSync(file, [`${head.trim()},bytes_in`, ...rows.map((r) => `${r.trim()},1`)].join('\n'));
    const out = join(dir, 'twice.out.csv');
    await expect(scoreFile({ input: file, output: out, modelDir: COMMITTED_MODELS, threads: 2 })).rejects.toThrow('CSV line 1: column "bytes_in" appears twice');
    expect(existsSync(out)).toBe(false);
  });
});
