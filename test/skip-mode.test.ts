/**
 * Skip mode (on_error=skip, --on-error skip): a 100,000-record file with 10 bad lines scores 99,990
 * records and reports the 10 (line, field, value) in a job, a streamed /batch and `npm run score`;
 * without it each stops at the first bad line, naming it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './helpers/app.js';
import { ROOT } from './helpers/process.js';
import { REAL_DATASET } from './fixtures/synthetic.js';

const run = promisify(execFile);
const [HEADER, ...ROWS] = readFileSync(REAL_DATASET, 'utf8').trim().split(/\r?\n/);
/** File lines (1 is the header) whose bytes_in is made bad. */
const BAD_LINES = [2, 101, 5_000, 12_345, 30_000, 50_001, 64_000, 77_777, 90_000, 100_001];
const EXPECTED = BAD_LINES.map((line) => ({ line, field: 'bytes_in', value: `bad-${line}` }));

let dir: string;
let file: string;
let body: string;
let app: FastifyInstance;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skip-mode-'));
  const lines = [HEADER];
  for (let i = 0; lines.length < 100_001; i++) lines.push(ROWS[i % ROWS.length]);
  for (const n of BAD_LINES) lines[n - 1] = lines[n - 1].replace(/^\d+/, `bad-${n}`);
  body = `${lines.join('\n')}\n`;
  file = join(dir, 'in.csv');
  writeFileSync(file, body);
  app = await testApp({ JOBS_DIR: join(dir, 'jobs'), JOBS_THREADS: '2' });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

async function job(url: string): Promise<{ state: string; records_scored: number; records_skipped: number; skipped: unknown[]; error: { line: number; field: string } | null }> {
  const { id } = (await app.inject({ method: 'POST', url, headers: { 'content-type': 'text/csv' }, payload: body })).json();
  for (;;) {
    const state = (await app.inject({ url: `/jobs/${id}` })).json();
    if (state.state !== 'queued' && state.state !== 'running') return state;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('skip mode on a 100,000-record file with 10 bad lines', () => {
  it('a job scores 99,990 and reports the 10; without skip it fails at the first', async () => {
    const skipped = await job('/jobs?on_error=skip&max_errors=10');
    expect(skipped.state).toBe('succeeded');
    expect(skipped.records_scored).toBe(99_990);
    expect(skipped.records_skipped).toBe(10);
    expect(skipped.skipped).toEqual(EXPECTED);
    const stopped = await job('/jobs');
    expect(stopped.state).toBe('failed');
    expect(stopped.error, JSON.stringify(stopped.error)).toMatchObject({ line: 2, field: 'bytes_in' });
  }, 300_000);

  it('a streamed /batch scores 99,990, reports the 10 as lines and the count on the summary; without skip it ends at the first', async () => {
    const res = await app.inject({ method: 'POST', url: '/batch?on_error=skip&max_errors=10', headers: { 'content-type': 'text/csv', accept: 'application/x-ndjson' }, payload: body });
    const lines = res.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => 'verdict' in l)).toHaveLength(99_990);
    expect(lines.filter((l) => 'skipped' in l).map((l) => l.skipped)).toEqual(EXPECTED.map((e) => ({ ...e, message: expect.stringContaining(`CSV line ${e.line}: bytes_in`) })));
    expect(lines.at(-1)).toMatchObject({ summary: { count: 99_990 }, records_skipped: 10 });
    const stopped = await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv', accept: 'application/x-ndjson' }, payload: body });
    const last = JSON.parse(stopped.body.trim().split('\n').at(-1)!);
    expect(last.error.message).toMatch(/^CSV line 2: bytes_in/);
  }, 300_000);

  it('npm run score --on-error skip writes 99,990 rows and lists the 10; without it, exit 1 naming line 2', async () => {
    const out = join(dir, 'out.csv');
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/score.ts', '--data', file, '--out', out, '--on-error', 'skip', '--max-errors', '10', '--threads', '2'], { cwd: ROOT });
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(99_991);
    expect(stderr).toMatch(/scored 99,990 records/);
    expect(stderr).toMatch(/skipped 10 bad records/);
    for (const n of BAD_LINES) expect(stderr).toContain(`line ${n}: bytes_in = "bad-${n}"`);
    const failed = await run(process.execPath, ['--import', 'tsx', 'scripts/score.ts', '--data', file, '--out', join(dir, 'o2.csv')], { cwd: ROOT }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toMatch(/CSV line 2: bytes_in/);
  }, 300_000);

  it('a whole /batch in skip mode answers the good records and lists the bad ones', async () => {
    const small = `${body.split('\n').slice(0, 5001).join('\n')}\n`; // lines 2, 101, 5000 are bad
    const res = await app.inject({ method: 'POST', url: '/batch?on_error=skip', headers: { 'content-type': 'text/csv' }, payload: small });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toHaveLength(4997);
    expect(res.json().skipped).toEqual(EXPECTED.slice(0, 3));
    expect((await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: small })).json().message).toMatch(/^CSV line 2: bytes_in/);
  });
});
