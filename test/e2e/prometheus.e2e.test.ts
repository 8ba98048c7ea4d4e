/**
 * A real Prometheus server (Debian's) scrapes the service on loopback every second,
 * with the alert rules of deploy/prometheus loaded; its query API must then return
 * the service's request and verdict series, and every query of the Grafana dashboard
 * (deploy/grafana/dashboard.json) must run and return data. Debian's promtool checks
 * the exposition, the rules, and the rules' unit tests.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { ADMIN_TOKEN, modelDirCopy } from '../helpers/app.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, spawnTracked, startServer, type Server } from '../helpers/process.js';
import { DATASET_PATH } from '../../src/paths.js';

const RULES = join(ROOT, 'deploy/prometheus/alerts.yml');
const DASHBOARD = join(ROOT, 'deploy/grafana/dashboard.json');

let service: Server;
let prometheus: ChildProcess;
let promUrl: string;
let dir: string;
let cleanupModels: () => Promise<void>;

beforeAll(async () => {
  const models = await modelDirCopy();
  cleanupModels = models.cleanup;
  service = await startServer({ MODEL_DIR: models.dir, ADMIN_TOKEN });
  dir = await mkdtemp(join(tmpdir(), 'prom-'));
  const target = service.url.replace('http://', '');
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${RULES}\nscrape_configs:\n  - job_name: threat-scoring\n    static_configs:\n      - targets: ['${target}']\n`,
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
  await cleanupModels?.();
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
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(body.status, `${promql}: ${body.error ?? ''}`).toBe('success');
  return body.data.result;
}

function promtool(args: string[], input?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile('promtool', args, { cwd: join(ROOT, 'deploy/prometheus') }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
    child.stdin!.end(input ?? '');
  });
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
  const { code, output } = await promtool(['check', 'metrics'], text);
  expect(output).toBe('');
  expect(code).toBe(0);
});

it('has alert rules that promtool checks and whose unit tests pass, loaded healthy by Prometheus', async () => {
  const check = await promtool(['check', 'rules', 'alerts.yml']);
  expect(check.output).toContain('SUCCESS: 10 rules found');
  expect(check.code).toBe(0);
  const unit = await promtool(['test', 'rules', 'alerts.test.yml']);
  expect(unit.output).toContain('SUCCESS');
  expect(unit.code).toBe(0);
  const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { name: string; health: string; annotations: { runbook?: string } }[] }[] } };
  const group = rules.data.groups.find((g) => g.name === 'threat-scoring')!;
  expect(group.rules).toHaveLength(10);
  for (const r of group.rules) {
    expect(r.health, r.name).toBe('ok');
    expect(r.annotations.runbook, r.name).toMatch(/\w+/);
  }
});

it('runs every query of the Grafana dashboard against real traffic, each returning data', async () => {
  const csv = readFileSync(DATASET_PATH, 'utf8');
  await fetch(`${service.url}/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
  const trained = await fetch(`${service.url}/train?trees=20&promote=always`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' }, body: csv });
  expect(trained.status).toBe(200);
  // after the new version: a window of 282 records again (drift resets), scores, an error
  await fetch(`${service.url}/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
  for (let i = 0; i < 5; i++) await fetch(`${service.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_RECORD) });
  await fetch(`${service.url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await waitFor(async () => (await query('sum(training_runs_total{outcome="success"})')).some((r) => r.value[1] === '1'), 30_000);
  await waitFor(async () => (await query('scoring_window_records')).some((r) => Number(r.value[1]) >= 282), 30_000);
  await new Promise((r) => setTimeout(r, 3000)); // a few more scrapes, so rate() has two samples of everything

  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    templating: { list: { name: string; type: string }[] };
    panels: { title: string; type: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
  };
  expect(dashboard.templating.list.find((v) => v.type === 'datasource')?.name).toBe('datasource');
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  expect(panels.length).toBeGreaterThanOrEqual(15);
  for (const panel of panels) {
    expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
    for (const { expr } of panel.targets ?? []) {
      const promql = expr.replaceAll('$__rate_interval', '1m').replaceAll('$job', 'threat-scoring');
      const result = await query(promql);
      expect(result.length, `${panel.title}: ${promql} returned nothing`).toBeGreaterThan(0);
      expect(
        result.some((r) => Number.isFinite(Number(r.value[1]))),
        `${panel.title}: ${promql} returned only NaN`,
      ).toBe(true);
    }
  }
});
