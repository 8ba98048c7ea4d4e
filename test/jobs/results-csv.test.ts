/**
 * A job's CSV results, made from its NDJSON results and its body, are the bytes `npm run score` writes
 * for the same file: CSV and JSON bodies, quoted blocks among plain ones, records skipped by on_error=skip.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvResults, writeResultsCsv } from '../../src/jobs/results-csv.js';
import { BLOCK_BYTES } from '../../src/offline/blocks.js';
import { scoreFile } from '../../src/offline/score-file.js';
import { COMMITTED_MODELS } from '../helpers/app.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';

const [HEAD, ...ROWS] = readFileSync(REAL_DATASET, 'utf8').trim().split(/\r?\n/);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'results-csv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Scores `input` as a job does (NDJSON only) and as the CLI does (CSV); returns both paths. */
async function scoreBoth(name: string, format: 'csv' | 'ndjson'): Promise<{ input: string; results: string; cli: string }> {
  const input = join(dir, name);
  const results = join(dir, `${name}.results.ndjson`);
  const cli = join(dir, `${name}.cli.csv`);
  const options = { input, modelDir: COMMITTED_MODELS, threads: 2, format, onError: 'skip' as const };
  const job = await scoreFile({ ...options, output: results });
  const direct = await scoreFile({ ...options, output: cli });
  expect(job.records).toBe(direct.records);
  return { input, results, cli };
}

describe('writeResultsCsv', () => {
  it("equals npm run score's CSV for a CSV body spanning blocks, with quoted blocks and skipped records", async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => ROWS[i % ROWS.length]);
    // A quoted field (with a comma, a doubled quote and a line break) well past the first block, and
    // bad records the job skips.
    rows[3000] = rows[3000].replace('Suspicious Web Traffic', '"Suspicious, ""Web""\nTraffic"');
    rows[10] = rows[10].replace(/^\d+,/, 'x,');
    rows[3500] = rows[3500].replace(/^\d+,\d+,/, '1,y,');
    writeFileSync(join(dir, 'body.csv'), `${HEAD}\r\n${rows.join('\r\n')}\r\n`);
    expect(rows.join('\n').length).toBeGreaterThan(2 * BLOCK_BYTES);
    const { input, results, cli } = await scoreBoth('body.csv', 'csv');
    const output = join(dir, 'body.csv.results.csv');
    await writeResultsCsv({ input, format: 'csv', results, output, skipped: 2 });
    const made = readFileSync(output, 'utf8');
    expect(made.split('\n')).toHaveLength(4000 - 2 + 1 + 1 + 1); // rows, the header, the quoted line break, the last LF
    expect(made).toBe(readFileSync(cli, 'utf8'));
  });

  it("equals npm run score's CSV for an NDJSON body with a bad line skipped", async () => {
    const header = HEAD.split(',');
    const lines = ROWS.map((row) => {
      const cells = row.split(',');
      return JSON.stringify(Object.fromEntries(header.map((k, i) => [k, /^\d+$/.test(cells[i]) ? Number(cells[i]) : cells[i]])));
    });
    lines.splice(5, 0, '{"not": json', '', '[1, 2]');
    writeFileSync(join(dir, 'body.ndjson'), `${lines.join('\n')}\n`);
    const { input, results, cli } = await scoreBoth('body.ndjson', 'ndjson');
    const output = join(dir, 'body.ndjson.results.csv');
    await writeResultsCsv({ input, format: 'ndjson', results, output, skipped: 2 });
    expect(readFileSync(output, 'utf8')).toBe(readFileSync(cli, 'utf8'));
    expect(readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(ROWS.length + 1);
  });

  it('refuses results that do not match the body, leaving no file behind; csvResults converts on its thread, once', async () => {
    writeFileSync(join(dir, 'small.csv'), `${HEAD}\n${ROWS.slice(0, 50).join('\n')}\n`);
    const { input, results, cli } = await scoreBoth('small.csv', 'csv');
    const short = join(dir, 'short.ndjson');
    writeFileSync(short, readFileSync(results, 'utf8').split('\n').slice(1).join('\n'));
    const output = join(dir, 'small.results.csv');
    await expect(writeResultsCsv({ input, format: 'csv', results: short, output, skipped: 0 })).rejects.toThrow(/fewer records/);
    expect(readdirSync(dir).filter((f) => f.startsWith('small.results.csv'))).toEqual([]);

    // On its thread: the mismatch is the request's error, and nothing is left behind.
    await expect(csvResults({ input, results: short, output }, 'csv', 0, true)).rejects.toThrow(/fewer records/);
    expect(readdirSync(dir).filter((f) => f.startsWith('small.results.csv'))).toEqual([]);

    // A job that skipped nothing: no record is validated again, and the bytes are still the CLI's.
    const paths = { input, results, output };
    const [a, b] = await Promise.all([csvResults(paths, 'csv', 0, true), csvResults(paths, 'csv', 0, true)]);
    expect(a).toBe(output);
    expect(b).toBe(output);
    expect(readFileSync(output, 'utf8')).toBe(readFileSync(cli, 'utf8'));
    // Not convertible (a log format's job writes its own CSV): the path, never a conversion.
    const other = join(dir, 'never.csv');
    expect(await csvResults({ input, results, output: other }, 'csv', 0, false)).toBe(other);
    expect(existsSync(other)).toBe(false);
  });
});
