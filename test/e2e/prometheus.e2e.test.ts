/**
 * A real Prometheus server (Debian's) scrapes the service on loopback every second;
 * its query API must then return the service's request and verdict series. Debian's
 * promtool checks the exposition itself.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { COMMITTED_MODELS } from '../helpers/app.js';
import { freePort } from '../helpers/ports.js';
import { spawnTracked, startServer, type Server } from '../helpers/process.js';

let service: Server;
let prometheus: ChildProcess;
let promUrl: string;
let dir: string;

beforeAll(async () => {
  service = await startServer({ MODEL_DIR: COMMITTED_MODELS });
  dir = await mkdtemp(join(tmpdir(), 'prom-'));
  const target = service.url.replace('http://', '');
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: threat-scoring\n    static_configs:\n      - targets: ['${target}']\n`,
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawnTracked('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  await waitFor(async () => (await fetch(`${promUrl}/-/ready`)).ok, 30_000);
});

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  service?.child.kill('SIGTERM');
  await service?.exited;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(body.status).toBe('success');
  return body.data.result;
}

it('scrapes the service and answers queries on its request and verdict series', async () => {
  for (let i = 0; i < 5; i++) await fetch(`${service.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_RECORD) });
  const heavy = { ...EXAMPLE_RECORD, bytes_in: 25_000_000 };
  await fetch(`${service.url}/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records: [heavy, heavy, EXAMPLE_RECORD] }) });
  await fetch(`${service.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

  await waitFor(async () => (await query('sum(scoring_records_total)')).some((r) => Number(r.value[1]) === 8), 30_000);

  const up = await query('up{job="threat-scoring"}');
  expect(up[0].value[1]).toBe('1');
  const requests = await query('http_request_duration_seconds_count{route="/score"}');
  const byStatus = Object.fromEntries(requests.map((r) => [r.metric.status_code, Number(r.value[1])]));
  expect(byStatus).toMatchObject({ '200': 5, '400': 1 });
  const verdicts = await query('sum by (verdict) (scoring_verdicts_total)');
  const byVerdict = Object.fromEntries(verdicts.map((r) => [r.metric.verdict, Number(r.value[1])]));
  expect(byVerdict.suspicious + byVerdict.normal).toBe(8);
  expect(byVerdict.suspicious).toBeGreaterThanOrEqual(2);
  const info = await query('model_info');
  expect(info[0].metric.version).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  const buckets = await query('sum(http_request_duration_seconds_bucket{route="/score",le="+Inf"})');
  expect(Number(buckets[0].value[1])).toBe(6);
});

it('exposes metrics that promtool check metrics accepts (names, suffixes, help, types)', async () => {
  await fetch(`${service.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_RECORD) });
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
    child.stdin!.end(text);
  });
  expect(output).toBe('');
  expect(code).toBe(0);
});
