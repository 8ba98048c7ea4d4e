/**
 * npm run bench:jobs: a 1,000,000-record scoring job against `npm run score` on the same file, in one run.
 *
 * 1. `node dist/scripts/score.js` (CSV out): records/s, wall clock from start to exit; run before the
 *    job and again after it, the ratio taken against the mean of the two.
 * 2. The same file as POST /jobs to the compiled server: the job's records/s (its own started_at to
 *    finished_at, and upload start to succeeded), the server's peak resident memory growth over its
 *    resident memory before the job (VmHWM against VmRSS), and /healthz latency while the job runs.
 * 3. The results fetched: NDJSON (what the job wrote), then CSV twice: the first request makes the CSV
 *    from the body and the NDJSON (timed, with /healthz meanwhile), the second reads the kept file.
 * Targets: the job at least 0.7x the CLI's records/s, growth under 300 MB, /healthz p99 under 100 ms.
 *
 * Loopback only; files in the system temp directory, removed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { writeDatasetShaped } from './fixtures.js';
import { startChild, stopChild } from './http.js';

const ROOT = new URL('..', import.meta.url).pathname;
const N = Number(process.env.BENCH_JOB_RECORDS ?? 1_000_000);
const fmt = (n: number, d = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function statusKb(pid: number, key: 'VmHWM' | 'VmRSS'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}:`));
  return Number(line?.split(/\s+/)[1]);
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s, as Linux reports them). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The CLI's records/s (start to exit) and CPU time a record: run under bash, whose `times` gives the
 * CPU its child used, so the figure holds whatever else the machine runs.
 */
async function cli(input: string, output: string): Promise<{ rate: number; cpuUs: number }> {
  const script = '"$1" --max-old-space-size=48 dist/scripts/score.js --data "$2" --out "$3"; code=$?; times >&2; exit $code';
  const child = spawn('bash', ['-c', script, 'bash', process.execPath, input, output], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = performance.now();
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`score exited ${code}: ${stderr}`);
  const rate = N / ((performance.now() - started) / 1000);
  // times: the shell's own user and system time, then its children's.
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(stderr.trim());
  const cpu = m ? Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]) : Number.NaN;
  return { rate, cpuUs: (cpu * 1e6) / N };
}

interface JobState {
  id: string;
  state: string;
  started_at: string;
  finished_at: string;
  records_scored: number;
  error: unknown;
}

interface JobFigures {
  scoringRate: number;
  wallRate: number;
  growthMb: number;
  p50: number;
  p99: number;
  max: number;
  polls: number;
  /** the server's CPU time a record while the job ran (NaN when no poll found it running) */
  cpuUs: number;
  /** GET results: NDJSON, the first CSV request (made from the body and the NDJSON) and a second one */
  ndjsonSeconds: number;
  csvFirstSeconds: number;
  csvAgainSeconds: number;
  /** /healthz p99 while the first CSV request ran */
  convertP99: number;
}

async function job(input: string, jobsDir: string): Promise<JobFigures> {
  const server = await startChild(['dist/src/server.js'], { MODEL_DIR: `${ROOT}models`, LOG_LEVEL: 'warn', RELOAD_INTERVAL_MS: '0', JOBS_DIR: jobsDir, MAX_EVENT_LOOP_DELAY_MS: '0' }, 3921);
  const pid = server.child.pid!;
  try {
    for (let i = 0; i < 50; i++) await fetch(`${server.url}/healthz`);
    const before = statusKb(pid, 'VmRSS');
    const latencies: number[] = [];
    let running = true;
    const poll = (async () => {
      while (running) {
        const t0 = performance.now();
        await fetch(`${server.url}/healthz`);
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const started = performance.now();
    const body = Readable.toWeb(createReadStream(input)) as ReadableStream<Uint8Array>;
    const res = await fetch(`${server.url}/jobs`, { method: 'POST', headers: { 'content-type': 'text/csv', 'content-length': String(statSync(input).size) }, body, duplex: 'half' } as RequestInit);
    if (res.status !== 202) throw new Error(`POST /jobs: ${res.status} ${await res.text()}`);
    const { id } = (await res.json()) as JobState;
    let state: JobState;
    // The server's CPU from the first poll that finds the job running to the one that finds it done:
    // the scoring threads and the serving thread (with its /healthz answers), not the upload.
    let cpuAtStart = Number.NaN;
    for (;;) {
      state = (await (await fetch(`${server.url}/jobs/${id}`)).json()) as JobState;
      if (state.state === 'running' && Number.isNaN(cpuAtStart)) cpuAtStart = cpuSeconds(pid);
      if (state.state !== 'queued' && state.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const jobCpuUs = ((cpuSeconds(pid) - cpuAtStart) * 1e6) / N;
    const wall = (performance.now() - started) / 1000;
    const during = latencies.length;
    if (state.state !== 'succeeded' || state.records_scored !== N) throw new Error(`job ended ${state.state}: ${JSON.stringify(state.error)}`);
    const growthMb = (statusKb(pid, 'VmHWM') - before) / 1024;
    // The results fetched: NDJSON (the file the job wrote), then CSV twice (the first request makes it).
    const download = async (accept: string): Promise<number> => {
      const t0 = performance.now();
      const r = await fetch(`${server.url}/jobs/${id}/results`, { headers: { accept } });
      let lines = 0;
      for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (r.status !== 200 || lines < N) throw new Error(`GET results (${accept}): ${r.status}, ${lines} lines`);
      return (performance.now() - t0) / 1000;
    };
    const ndjsonSeconds = await download('application/x-ndjson');
    const convert = latencies.length;
    const csvFirstSeconds = await download('text/csv');
    const converted = latencies.slice(convert);
    const csvAgainSeconds = await download('text/csv');
    running = false;
    await poll;
    latencies.length = during;
    const seconds = (Date.parse(state.finished_at) - Date.parse(state.started_at)) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    const convertedSorted = converted.sort((a, b) => a - b);
    return {
      scoringRate: N / seconds,
      wallRate: N / wall,
      growthMb,
      p50: q(0.5),
      p99: q(0.99),
      max: sorted.at(-1)!,
      polls: sorted.length,
      cpuUs: jobCpuUs,
      ndjsonSeconds,
      csvFirstSeconds,
      csvAgainSeconds,
      convertP99: convertedSorted[Math.min(convertedSorted.length - 1, Math.floor(0.99 * convertedSorted.length))] ?? Number.NaN,
    };
  } finally {
    await stopChild(server.child);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-jobs-'));
try {
  const input = join(dir, 'in.csv');
  await writeDatasetShaped(input, N);
  console.log(`node ${process.version}; ${cpus().length} cores; ${fmt(N)} dataset-shaped records (${fmt(statSync(input).size / 1024 / 1024)} MB); loopback\n`);
  const load = (): string =>
    loadavg()
      .map((l) => fmt(l, 2))
      .join(', ');
  const loadBefore = load();
  // The CLI before and after the job, compared with their mean: on a shared machine the load moves
  // during a run, and one CLI run on one side of the job would carry that drift into the ratio.
  const before = await cli(input, join(dir, 'out.csv'));
  rmSync(join(dir, 'out.csv'), { force: true });
  const j = await job(input, join(dir, 'jobs'));
  rmSync(join(dir, 'jobs'), { recursive: true, force: true });
  const after = await cli(input, join(dir, 'out.csv'));
  const cliRate = (before.rate + after.rate) / 2;
  const cliCpu = (before.cpuUs + after.cpuUs) / 2;
  const ratio = j.scoringRate / cliRate;
  console.log(`load average (1, 5, 15 min): ${loadBefore} at the start, ${load()} at the end`);
  console.log(`npm run score (compiled, CSV out), start to exit: ${fmt(cliRate)} records/s (before the job ${fmt(before.rate)}, after ${fmt(after.rate)})`);
  console.log(
    `CPU time a record (all threads):               job ${fmt(j.cpuUs, 1)} µs, npm run score ${fmt(cliCpu, 1)} µs (${fmt(before.cpuUs, 1)}, ${fmt(after.cpuUs, 1)}) => ${fmt(j.cpuUs / cliCpu, 2)}x`,
  );
  console.log(`POST /jobs, started_at to finished_at:        ${fmt(j.scoringRate)} records/s => ${fmt(ratio, 2)}x the CLI (target >= 0.7x: ${ratio >= 0.7 ? 'met' : 'MISSED'})`);
  console.log(`POST /jobs, upload start to succeeded:        ${fmt(j.wallRate)} records/s => ${fmt(j.wallRate / cliRate, 2)}x the CLI`);
  console.log(`server peak resident memory growth:           ${fmt(j.growthMb)} MB (target < 300 MB: ${j.growthMb < 300 ? 'met' : 'MISSED'})`);
  console.log(
    `/healthz during the job, ${fmt(j.polls)} requests:     p50 ${fmt(j.p50, 1)} ms, p99 ${fmt(j.p99, 1)} ms, max ${fmt(j.max, 1)} ms (target p99 < 100 ms: ${j.p99 < 100 ? 'met' : 'MISSED'})`,
  );
  console.log(`GET results, NDJSON (the file the job wrote):  ${fmt(j.ndjsonSeconds, 1)} s`);
  console.log(`GET results, CSV, first request (made then):   ${fmt(j.csvFirstSeconds, 1)} s (${fmt(N / j.csvFirstSeconds)} records/s; /healthz p99 meanwhile ${fmt(j.convertP99, 1)} ms)`);
  console.log(`GET results, CSV, again (the kept file):       ${fmt(j.csvAgainSeconds, 1)} s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
