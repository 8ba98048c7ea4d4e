/**
 * npm run soak: a bounded soak of the real server on loopback. 64 connections
 * for SOAK_SECONDS (default 30) on a mix of good /score and /batch requests and
 * deliberately bad ones (malformed JSON, a bad field, a wrong content type, an
 * unknown route), run twice. Prints requests served, responses by status,
 * connection errors, p50/p99 latency, and RSS before and after each run: the RSS
 * after the second run should be within 10% of the first's (no leak), and no 5xx
 * other than deliberate 503s should appear.
 *
 * Reading the bad traffic's latency: Fastify closes a connection after a body it
 * could not parse (the rest of the body cannot be trusted), and autocannon counts
 * its reconnection in the latency of that connection's requests, so those
 * figures are the client's, not the server's (Little's law on its own counts
 * gives a mean in tens of milliseconds).
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { DATASET_PATH } from '../src/paths.js';
import { EXAMPLE_RECORD } from '../src/schemas/record.js';
import { startChild, stopChild } from './http.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SECONDS = Number(process.env.SOAK_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 64);
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function rssMb(pid: number | undefined): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1]) / 1024;
}

const json = { 'content-type': 'application/json' };
const csv = readFileSync(DATASET_PATH, 'utf8');
const smallCsv = csv.trim().split('\n').slice(0, 41).join('\n'); // header + 40 records
const GOOD: autocannon.Request[] = [
  { method: 'POST', path: '/score', headers: json, body: JSON.stringify(EXAMPLE_RECORD) },
  { method: 'POST', path: '/score', headers: json, body: JSON.stringify({ ...EXAMPLE_RECORD, bytes_in: 25_000_000, src_ip: '155.91.45.242' }) },
  { method: 'POST', path: '/batch', headers: { 'content-type': 'text/csv' }, body: smallCsv },
  { method: 'POST', path: '/batch', headers: json, body: JSON.stringify({ records: Array.from({ length: 20 }, () => EXAMPLE_RECORD) }) },
  { method: 'GET', path: '/healthz' },
];
const BAD: autocannon.Request[] = [
  { method: 'POST', path: '/score', headers: json, body: '{"bytes_in": 1,' }, // malformed JSON: 400
  { method: 'POST', path: '/score', headers: json, body: JSON.stringify({ ...EXAMPLE_RECORD, src_ip: 'not-an-ip' }) }, // bad field: 400
  { method: 'POST', path: '/batch', headers: { 'content-type': 'application/xml' }, body: '<records/>' }, // 415
  { method: 'GET', path: '/no-such-route' }, // 404
];
// The bad traffic runs on its own connections: Fastify closes a connection after a body it could not
// parse, and autocannon counts the reconnection in latency, which would blur the good requests' figures.
const BAD_CONNECTIONS = Math.max(1, Math.round(CONNECTIONS / 4));

function run(url: string, connections: number, requests: autocannon.Request[]): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon({ url, connections, duration: SECONDS, requests }, (err, res) => (err ? reject(err) : resolve(res))));
}

function describe(name: string, r: autocannon.Result): void {
  const stats = Object.entries(r.statusCodeStats ?? {}) as [string, { count: number }][];
  const fiveXx = stats.filter(([code]) => code.startsWith('5') && code !== '503');
  console.log(`  ${name}: ${fmt(r.requests.total)} requests (${fmt(r.requests.average)}/s); by status ${stats.map(([c, s]) => `${c}: ${fmt(s.count)}`).join(', ')}`);
  console.log(`    connection errors ${r.errors}, timeouts ${r.timeouts}, 5xx other than 503: ${fiveXx.length === 0 ? 0 : JSON.stringify(fiveXx)}`);
  console.log(`    latency p50 ${fmt(r.latency.p50, 1)} ms, p99 ${fmt(r.latency.p99, 1)} ms, max ${fmt(r.latency.max, 1)} ms`);
}

async function soak(url: string, pid: number | undefined, label: string): Promise<number> {
  const before = rssMb(pid);
  const [good, bad] = await Promise.all([run(url, CONNECTIONS - BAD_CONNECTIONS, GOOD), run(url, BAD_CONNECTIONS, BAD)]);
  const after = rssMb(pid);
  console.log(`${label}: ${SECONDS} s, ${CONNECTIONS} connections, ${fmt(good.requests.total + bad.requests.total)} requests served`);
  describe(`good traffic (/score, /batch CSV and JSON, /healthz) on ${CONNECTIONS - BAD_CONNECTIONS} connections`, good);
  describe(`bad traffic (malformed JSON, bad field, 415, 404) on ${BAD_CONNECTIONS} connections`, bad);
  console.log(`  RSS before ${fmt(before, 1)} MB, after ${fmt(after, 1)} MB`);
  return after;
}

const svc = await startChild(['dist/src/server.js'], { MODEL_DIR: `${ROOT}models`, RELOAD_INTERVAL_MS: '0', LOG_LEVEL: 'info' }, 3921);
try {
  const first = await soak(svc.url, svc.child.pid, 'run 1');
  const second = await soak(svc.url, svc.child.pid, 'run 2');
  const drift = (100 * (second - first)) / first;
  console.log(`\nRSS after run 2 vs after run 1: ${drift >= 0 ? '+' : ''}${fmt(drift, 1)}%   (target within 10%)`);
} finally {
  await stopChild(svc.child);
}
