/**
 * npm run bench:http: load on the real server over loopback, next to a bare
 * Fastify route measured in the same run (bench/bare-server.ts).
 *
 * Every run is bounded: 16 connections (BENCH_CONNECTIONS) for BENCH_SECONDS
 * (default 10) each, BENCH_ROUNDS (default 3) alternating rounds, against
 * 127.0.0.1 only. Servers run as child processes
 * (compiled, production logging to /dev/null) so that autocannon, in this
 * process, does not share their event loop. Targets (issue: scoring service):
 * /score throughput >= 50% of the bare route's, p99 <= 10 ms; /batch of the
 * 282-record dataset >= 100,000 records/s; drift tracking (issue: operators)
 * costs /score and /batch at most 5% against the same service with it off.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { DATASET_PATH } from '../src/paths.js';
import { EXAMPLE_RECORD } from '../src/schemas/record.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DATASET = DATASET_PATH;

export interface Load {
  /** server CPU (user + system) per request, microseconds; NaN when not measured */
  cpuPerRequestUs: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

/** Starts a node script as a child listening on a loopback port; resolves with its URL. */
export async function startChild(args: string[], env: Record<string, string>, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), ...env }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_RECORD) })).ok) return { child, url };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${args.join(' ')} did not start`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/**
 * One bounded autocannon run (time-bounded; loopback only).
 * @param serverPid when given, the server's CPU time per request is measured too
 */
export async function load(url: string, path: string, body: string, contentType: string, seconds = SECONDS, connections = CONNECTIONS, serverPid?: number): Promise<Load> {
  if (!/^http:\/\/(127\.0\.0\.1|\[::1\]|localhost):/.test(url)) throw new Error(`refusing to load ${url}: loopback only`);
  const cpu0 = cpuSeconds(serverPid);
  const r = await autocannon({ url: `${url}${path}`, method: 'POST', headers: { 'content-type': contentType }, body, connections, duration: seconds, pipelining: 1 });
  const cpuPerRequestUs = ((cpuSeconds(serverPid) - cpu0) * 1e6) / r.requests.total;
  return { cpuPerRequestUs, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, total: r.requests.total };
}

const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Median of several runs: one run on this shared 2-core machine can be off by 20%. */
function median(runs: Load[]): Load {
  const mid = (f: (l: Load) => number): number => {
    const v = runs.map(f).sort((x, y) => x - y);
    return v[Math.floor(v.length / 2)];
  };
  return {
    rps: mid((l) => l.rps),
    p50: mid((l) => l.p50),
    p99: mid((l) => l.p99),
    cpuPerRequestUs: mid((l) => l.cpuPerRequestUs),
    non2xx: runs.reduce((a, l) => a + l.non2xx, 0),
    errors: runs.reduce((a, l) => a + l.errors, 0),
    total: runs.reduce((a, l) => a + l.total, 0),
  };
}

async function main(): Promise<void> {
  const one = JSON.stringify(EXAMPLE_RECORD);
  const csv = readFileSync(DATASET, 'utf8');
  const json = JSON.stringify({ records: csvToRecords(csv) });
  const records = csv.trim().split('\n').length - 1;
  console.log(`${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} alternating rounds (medians shown), loopback; node ${process.version}\n`);

  // Both servers up at once (the idle one costs nothing); runs alternate so that drifts in the
  // machine's load hit baseline and service alike.
  const bare = await startChild(['--import', 'tsx', 'bench/bare-server.ts'], {}, 3901);
  const svc = await startChild(['dist/src/server.js'], { MODEL_DIR: `${ROOT}models`, LOG_LEVEL: 'info', RELOAD_INTERVAL_MS: '0' }, 3902);
  // The same service with drift tracking off, to price the drift window in the same run.
  const noDrift = await startChild(['dist/src/server.js'], { MODEL_DIR: `${ROOT}models`, LOG_LEVEL: 'info', RELOAD_INTERVAL_MS: '0', DRIFT_WINDOW: '0' }, 3903);
  for (const s of [bare, svc, noDrift]) await load(s.url, '/score', one, 'application/json', 2); // warm-up
  const runs: Record<'base' | 'score' | 'batch' | 'batchJson' | 'scoreOff' | 'batchOff', Load[]> = { base: [], score: [], batch: [], batchJson: [], scoreOff: [], batchOff: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.base.push(await load(bare.url, '/score', one, 'application/json', SECONDS, CONNECTIONS, bare.child.pid));
    runs.score.push(await load(svc.url, '/score', one, 'application/json', SECONDS, CONNECTIONS, svc.child.pid));
    runs.scoreOff.push(await load(noDrift.url, '/score', one, 'application/json', SECONDS, CONNECTIONS, noDrift.child.pid));
    runs.batch.push(await load(svc.url, '/batch', csv, 'text/csv', SECONDS, CONNECTIONS, svc.child.pid));
    runs.batchOff.push(await load(noDrift.url, '/batch', csv, 'text/csv', SECONDS, CONNECTIONS, noDrift.child.pid));
    runs.batchJson.push(await load(svc.url, '/batch', json, 'application/json', SECONDS, CONNECTIONS, svc.child.pid));
  }
  for (const s of [bare, svc, noDrift]) await stopChild(s.child);

  const [base, score, batch, batchJson] = [median(runs.base), median(runs.score), median(runs.batch), median(runs.batchJson)];
  const [scoreOff, batchOff] = [median(runs.scoreOff), median(runs.batchOff)];
  const row = (name: string, l: Load, extra = ''): string =>
    `${name.padEnd(34)} ${fmt(l.rps).padStart(8)} req/s   p50 ${fmt(l.p50, 1).padStart(5)} ms   p99 ${fmt(l.p99, 1).padStart(5)} ms   server CPU ${fmt(l.cpuPerRequestUs, 1).padStart(7)} us/req   non-2xx ${l.non2xx}, errors ${l.errors}${extra}`;
  console.log(row('bare Fastify route (baseline)', base));
  console.log(row('POST /score', score, `   => ${fmt((100 * score.rps) / base.rps, 0)}% of baseline (target >= 50%, p99 <= 10 ms)`));
  console.log(row(`POST /batch, CSV of ${records} records`, batch, `   => ${fmt(batch.rps * records)} records/s (target >= 100,000)`));
  console.log(row(`POST /batch, JSON of ${records} records`, batchJson, `   => ${fmt(batchJson.rps * records)} records/s`));
  console.log(`\nper round, /score as % of baseline: ${runs.score.map((s, i) => fmt((100 * s.rps) / runs.base[i].rps, 0)).join(', ')}`);
  const cost = (on: Load, off: Load): string =>
    `throughput ${fmt((100 * (off.rps - on.rps)) / off.rps, 1)}% lower, server CPU per request ${fmt((100 * (on.cpuPerRequestUs - off.cpuPerRequestUs)) / off.cpuPerRequestUs, 1)}% higher`;
  console.log('\nDrift tracking (DRIFT_WINDOW=10000) against off (DRIFT_WINDOW=0), same run (target: cost <= 5%):');
  console.log(row('POST /score, drift off', scoreOff));
  console.log(row(`POST /batch, CSV, drift off`, batchOff, `   => ${fmt(batchOff.rps * records)} records/s`));
  console.log(`  /score: ${cost(score, scoreOff)}`);
  console.log(`  /batch: ${cost(batch, batchOff)}`);
}

function csvToRecords(csv: string): Record<string, string>[] {
  const [header, ...rows] = csv.trim().split(/\r?\n/);
  const keys = header.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i], v])));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main();
}
