/**
 * npm run bench:scale: scaling with cores, work size and streams.
 *
 * 1. POST /score throughput with WORKERS=1 and WORKERS=2, alternating rounds in the same run (target:
 *    2 workers >= 1.2x; a bare Fastify route gains 1.2-1.4x on this 2-core machine, where the load
 *    generator shares the cores).
 * 2. Offline scoring (`npm run score`, compiled) of 1,000,000 and 10,000,000 dataset-shaped records:
 *    records/s and peak resident memory (targets: >= 150,000 records/s, < 300 MB at both sizes).
 * 3. /healthz latency while a 200,000-record streamed /batch runs (target: answered within 100 ms).
 *
 * Loopback only, every load bounded in time and count; files in the system temp directory, removed.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET_PATH } from '../src/paths.js';
import { EXAMPLE_RECORD } from '../src/schemas/record.js';
import { writeDatasetShaped } from './fixtures.js';
import { startChild, stopChild } from './http.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SIZES = (process.env.BENCH_SCORE_SIZES ?? '1000000,10000000').split(',').map(Number);
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

function peakRssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM:'));
    return Number(line?.split(/\s+/)[1]) / 1024;
  } catch {
    return NaN;
  }
}

async function workers(): Promise<void> {
  const one = JSON.stringify(EXAMPLE_RECORD);
  const env = { MODEL_DIR: `${ROOT}models`, LOG_LEVEL: 'warn', RELOAD_INTERVAL_MS: '0' };
  const w1 = await startChild(['dist/src/server.js'], { ...env, WORKERS: '1' }, 3911);
  const w2 = await startChild(['dist/src/server.js'], { ...env, WORKERS: '2' }, 3912);
  const run = async (url: string): Promise<number> =>
    (await autocannon({ url: `${url}/score`, method: 'POST', headers: { 'content-type': 'application/json' }, body: one, connections: 32, duration: SECONDS })).requests.average;
  await run(w1.url);
  await run(w2.url);
  const r1: number[] = [];
  const r2: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    r1.push(await run(w1.url));
    r2.push(await run(w2.url));
  }
  await stopChild(w1.child);
  await stopChild(w2.child);
  console.log(`POST /score, 32 connections, ${ROUNDS} alternating rounds of ${SECONDS} s (medians):`);
  console.log(`  WORKERS=1: ${fmt(median(r1))} req/s   WORKERS=2: ${fmt(median(r2))} req/s   => ${fmt(median(r2) / median(r1), 2)}x (target >= 1.2x)`);
  console.log(`  per round: ${r1.map((v, i) => fmt(r2[i] / v, 2)).join(', ')}\n`);
}

async function offline(): Promise<void> {
  console.log('Offline scoring (node dist/scripts/score.js, CSV out, one thread per core):');
  for (const n of SIZES) {
    const input = join(tmpdir(), `bench-scale-${n}.csv`);
    const output = join(tmpdir(), `bench-scale-${n}-out.csv`);
    try {
      await writeDatasetShaped(input, n);
      // With the heap flag the script would add itself (it runs itself again without it), so this pid is the one that scores.
      const child = spawn(process.execPath, ['--max-old-space-size=48', 'dist/scripts/score.js', '--data', input, '--out', output], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let peak = 0;
      const timer = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!) || 0)), 100);
      const started = performance.now();
      const [code] = await once(child, 'exit');
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) throw new Error(`score exited ${code}: ${stderr}`);
      console.log(`  ${fmt(n).padStart(10)} records: ${fmt(n / seconds)} records/s (wall clock, start to exit), peak RSS ${fmt(peak)} MB   (targets >= 150,000 records/s, < 300 MB)`);
    } finally {
      rmSync(input, { force: true });
      rmSync(output, { force: true });
    }
  }
  console.log('');
}

async function healthDuringStream(): Promise<void> {
  const server = await startChild(['dist/src/server.js'], { MODEL_DIR: `${ROOT}models`, LOG_LEVEL: 'warn', RELOAD_INTERVAL_MS: '0' }, 3913);
  const [header, ...rows] = readFileSync(DATASET_PATH, 'utf8').trim().split(/\r?\n/);
  async function* body(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(`${header}\n`);
    for (let i = 0; i < 200_000; i += 1000) yield Buffer.from(`${Array.from({ length: 1000 }, (_, k) => rows[(i + k) % rows.length]).join('\n')}\n`);
  }
  const latencies: number[] = [];
  let streaming = true;
  const poll = (async () => {
    while (streaming) {
      const t0 = performance.now();
      await fetch(`${server.url}/healthz`);
      latencies.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const started = performance.now();
  const res = await fetch(`${server.url}/batch`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', accept: 'application/x-ndjson' },
    body: ReadableStream.from(body()),
    duplex: 'half',
  } as RequestInit);
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) for (const b of chunk) if (b === 10) lines++;
  const seconds = (performance.now() - started) / 1000;
  streaming = false;
  await poll;
  await stopChild(server.child);
  const sorted = [...latencies].sort((a, b) => a - b);
  const p = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  console.log(`Streamed /batch of 200,000 records: ${fmt(lines - 1)} results in ${fmt(seconds, 1)} s (${fmt((lines - 1) / seconds)} records/s)`);
  console.log(`  /healthz meanwhile, ${latencies.length} requests: p50 ${fmt(p(0.5), 1)} ms, p99 ${fmt(p(0.99), 1)} ms, max ${fmt(sorted.at(-1)!, 1)} ms   (target: within 100 ms)`);
}

console.log(`node ${process.version}; loopback; the load generator runs on the same 2 cores\n`);
const only = process.env.BENCH_ONLY;
if (!only || only === 'workers') await workers();
if (!only || only === 'offline') await offline();
if (!only || only === 'stream') await healthDuringStream();
