/**
 * Scoring jobs across processes: a server killed mid-job and started again reports the job failed and
 * never serves partial results; with WORKERS=2 either worker answers about a job the other runs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMITTED_MODELS } from './helpers/app.js';
import { startServer, type Server } from './helpers/process.js';
import { REAL_DATASET } from './fixtures/synthetic.js';

const CSV = readFileSync(REAL_DATASET, 'utf8');
const [HEADER, ...ROWS] = CSV.trim().split(/\r?\n/);
const bigCsv = (times: number): string => `${HEADER}\n${Array.from({ length: times }, () => ROWS.join('\n')).join('\n')}\n`;

interface Job {
  id: string;
  state: string;
  records_scored: number;
  error: { message: string } | null;
}

let jobsDir: string;
beforeEach(() => {
  jobsDir = mkdtempSync(join(tmpdir(), 'jobs-process-'));
});
afterEach(() => rmSync(jobsDir, { recursive: true, force: true }));

async function getJob(server: Server, id: string): Promise<{ job: Job; status: number }> {
  const res = await fetch(`${server.url}/jobs/${id}`, { headers: { connection: 'close' } });
  return { status: res.status, job: (await res.json()) as Job };
}

async function until(server: Server, id: string, ok: (job: Job) => boolean, timeoutMs = 120_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { job } = await getJob(server, id);
    if (ok(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} stayed ${job.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('scoring jobs across processes', () => {
  it('a server killed mid-job and restarted reports the job failed and serves no partial results', async () => {
    const env = { MODEL_DIR: COMMITTED_MODELS, JOBS_DIR: jobsDir, JOBS_THREADS: '1' };
    const first = await startServer(env);
    const res = await fetch(`${first.url}/jobs`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: bigCsv(700) }); // 197,400 records
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Job;
    await until(first, id, (j) => j.state === 'running' && j.records_scored > 0);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServer(env);
    const { status, job } = await getJob(second, id);
    expect(status).toBe(200);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toMatch(/stopped before it finished/);
    const results = await fetch(`${second.url}/jobs/${id}/results`);
    expect(results.status).toBe(409);
    expect(readdirSync(join(jobsDir, id)).filter((f) => f.startsWith('results'))).toEqual([]);
    second.child.kill('SIGTERM');
    await second.exited;
  });

  // 180 s: two workers to start under tsx (up to 60 s on a loaded 2-core machine), then a 5,640-record job.
  it('WORKERS=2: both workers answer about one job, and serve the same results', { timeout: 180_000 }, async () => {
    const server = await startServer({ MODEL_DIR: COMMITTED_MODELS, JOBS_DIR: jobsDir, WORKERS: '2', RELOAD_INTERVAL_MS: '0' }, 60_000);
    const deadline = Date.now() + 30_000;
    while (server.logs.filter((l) => l.includes('Server listening')).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const res = await fetch(`${server.url}/jobs`, { method: 'POST', headers: { 'content-type': 'text/csv', connection: 'close' }, body: bigCsv(20) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Job;
    for (let i = 0; i < 20; i++) {
      const { status, job } = await getJob(server, id);
      expect(status).toBe(200);
      expect(['queued', 'running', 'succeeded']).toContain(job.state);
    }
    const done = await until(server, id, (j) => j.state === 'succeeded');
    expect(done.records_scored).toBe(282 * 20);
    const bodies = new Set<string>();
    for (let i = 0; i < 10; i++) bodies.add(await (await fetch(`${server.url}/jobs/${id}/results`, { headers: { connection: 'close' } })).text());
    expect(bodies.size).toBe(1);
    expect([...bodies][0].trim().split('\n')).toHaveLength(282 * 20);
    const answeredBy = new Set(server.logs.filter((l) => l.includes(`"url":"/jobs/${id}`)).map((l) => (JSON.parse(l) as { pid: number }).pid));
    expect(answeredBy.size).toBe(2);
    server.child.kill('SIGTERM');
    await server.exited;
  });
});
