/**
 * WORKERS=2: two worker processes behind one port. /metrics aggregates them (counted once), a
 * trained version is served by every worker on the next request, and SIGTERM drains both.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../src/schemas/record.js';
import { ADMIN_TOKEN, modelDirCopy } from './helpers/app.js';
import { isAlive, startServer, type Server } from './helpers/process.js';
import { REAL_DATASET } from './fixtures/synthetic.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await modelDirCopy());
});
afterEach(() => cleanup());


/** Starts WORKERS=2 and waits until both workers listen. */
async function startCluster(): Promise<{ server: Server; workers: number[] }> {
  const server = await startServer({ MODEL_DIR: dir, ADMIN_TOKEN, WORKERS: '2', RELOAD_INTERVAL_MS: '0' }, 60_000);
  const listening = () => server.logs.filter((l) => l.includes('Server listening'));
  const deadline = Date.now() + 30_000;
  while (listening().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const workers = listening().map((l) => (JSON.parse(l) as { pid: number }).pid);
  expect(new Set(workers).size).toBe(2);
  return { server, workers };
}

/** One /score on a fresh connection (so the cluster spreads them over its workers). */
async function score(server: Server): Promise<{ version: string }> {
  const res = await fetch(`${server.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify(EXAMPLE_RECORD) });
  expect(res.status).toBe(200);
  return { version: ((await res.json()) as { model_version: string }).model_version };
}

describe('WORKERS=2', () => {
  it('serves from both workers and aggregates their metrics, each record counted once', async () => {
    const { server, workers } = await startCluster();
    for (let i = 0; i < 20; i++) await score(server);
    const servedBy = new Set(server.logs.filter((l) => l.includes('"url":"/score"')).map((l) => (JSON.parse(l) as { pid: number }).pid));
    expect([...servedBy].sort()).toEqual([...workers].sort());
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^scoring_records_total\{endpoint="score"\} 20$/m);
    expect(metrics).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/score",status_code="200"\} 20$/m);
    expect(metrics).toMatch(/^model_info\{version="[^"]+"\} 1$/m);
    expect(metrics).toMatch(/^service_ready 1$/m);
    expect(metrics).toMatch(/^scoring_window_records 20$/m);
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('serves a trained version from every worker on the next request', async () => {
    const { server } = await startCluster();
    const before = (await score(server)).version;
    const res = await fetch(`${server.url}/train?trees=20&promote=always`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv', connection: 'close' },
      body: readFileSync(REAL_DATASET, 'utf8'),
    });
    expect(res.status).toBe(200);
    const trained = ((await res.json()) as { model_version: string }).model_version;
    expect(trained).not.toBe(before);
    for (let i = 0; i < 10; i++) expect((await score(server)).version).toBe(trained);
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('drains every worker on SIGTERM: the request in flight completes, all exit, the primary exits 0', async () => {
    const { server, workers } = await startCluster();
    const csv = readFileSync(REAL_DATASET, 'utf8');
    const body = [csv.trim(), ...Array.from({ length: 30 }, () => csv.trim().split('\n').slice(1).join('\n'))].join('\n');
    const inFlight = fetch(`${server.url}/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body });
    await new Promise((r) => setTimeout(r, 30));
    server.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { summary: { count: number } }).summary.count).toBe(282 * 31);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    for (const pid of workers) expect(isAlive(pid)).toBe(false);
  });
});
