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

  it('right after a worker is killed: a rollback answers at once and is served everywhere, /metrics answers, /readyz waits for the replacement', { timeout: 180_000 }, async () => {
    const { server, workers } = await startCluster();
    const before = (await score(server)).version;
    const trained = await fetch(`${server.url}/train?trees=10`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv', connection: 'close' },
      body: readFileSync(REAL_DATASET, 'utf8'),
    });
    expect(trained.status).toBe(200);
    const version = ((await trained.json()) as { model_version: string }).model_version;
    expect((await fetch(`${server.url}/readyz`, { headers: { connection: 'close' } })).status).toBe(200);

    process.kill(workers[0], 'SIGKILL');
    const exited = Date.now() + 10_000;
    while (!server.logs.some((l) => l.includes('worker exited; starting another')) && Date.now() < exited) await new Promise((r) => setTimeout(r, 20));
    const listening = () => server.logs.filter((l) => l.includes('Server listening')).length;
    const ready = await fetch(`${server.url}/readyz`, { headers: { connection: 'close' } });
    if (listening() === 2) {
      expect(ready.status).toBe(503); // one worker of two serves: not ready
      expect(((await ready.json()) as { message: string }).message).toMatch(/not every worker serves yet \(1 of 2 workers serve\)/);
    }
    const rolled = await fetch(`${server.url}/model/rollback`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, connection: 'close' } });
    expect(rolled.status).toBe(200); // the starting worker answers the reload once built: not a 500 after 30 s
    expect(await rolled.json()).toEqual({ model_version: before, previous_version: version });
    const metrics = await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } });
    expect(metrics.status).toBe(200);

    const deadline = Date.now() + 60_000;
    while (listening() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    let readyz = 0;
    while (readyz !== 200 && Date.now() < deadline) {
      readyz = (await fetch(`${server.url}/readyz`, { headers: { connection: 'close' } })).status;
      if (readyz !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(readyz).toBe(200);
    for (let i = 0; i < 10; i++) expect((await score(server)).version).toBe(before); // the replacement too
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it("aggregates the window ratios from the workers' counts: NaN with nothing scored, the share of all records after", { timeout: 120_000 }, async () => {
    const { server } = await startCluster();
    const scrape = async () => (await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } })).text();
    expect(await scrape()).toMatch(/^scoring_window_anomaly_ratio nan$/im); // not 0: nothing was counted
    const lines = readFileSync(REAL_DATASET, 'utf8').trim().split('\n');
    let records = 0;
    let anomalies = 0;
    // Small and large batches on separate connections until both workers served some: their windows then
    // hold different record counts, which an average of their ratios gets wrong.
    const servedBy = () => new Set(server.logs.filter((l) => l.includes('"url":"/batch"')).map((l) => (JSON.parse(l) as { pid: number }).pid));
    for (let i = 0; i < 10 && (i < 2 || servedBy().size < 2); i++) {
      const rows = i % 2 === 0 ? lines.slice(1, 2) : lines.slice(1);
      const res = await fetch(`${server.url}/batch`, { method: 'POST', headers: { 'content-type': 'text/csv', connection: 'close' }, body: [lines[0], ...rows].join('\n') });
      expect(res.status).toBe(200);
      const results = ((await res.json()) as { results: { is_anomaly: boolean }[] }).results;
      records += results.length;
      anomalies += results.filter((r) => r.is_anomaly).length;
    }
    expect(servedBy().size).toBe(2);
    const text = await scrape();
    expect(text).toMatch(new RegExp(`^scoring_window_records ${records}$`, 'm'));
    expect(Number(text.match(/^scoring_window_anomaly_ratio (\S+)$/m)![1])).toBeCloseTo(anomalies / records, 12);
    server.child.kill('SIGTERM');
    await server.exited;
  });
});
