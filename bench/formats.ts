/**
 * npm run bench:formats: `npm run score --format vpc-flow` on 1,000,000 VPC flow records (500,000
 * sessions, two records each) against the dataset's CSV layout (1,000,000 rows) in the same run,
 * both made from the shipped dataset's sessions. Reports records/s (input records, wall clock, start
 * to exit) and peak RSS of the scoring process. Targets: vpc-flow at least 0.7x the CSV's records/s,
 * peak RSS under 300 MB.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset } from '../src/ml/data/dataset.js';
import { DATASET_PATH } from '../src/paths.js';

const N = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const ROOT = new URL('..', import.meta.url).pathname;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The commit measured (and whether the tree differs from it), for the figures' provenance. */
function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (modified)` : head;
  } catch {
    return 'unknown';
  }
}

function peakRssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function writeLines(path: string, count: number, line: (i: number) => string, header?: string): Promise<void> {
  const out = createWriteStream(path);
  if (header) out.write(`${header}\n`);
  for (let i = 0; i < count; i += 1000) {
    let text = '';
    for (let k = i; k < Math.min(count, i + 1000); k++) text += `${line(k)}\n`;
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
}

async function run(args: string[]): Promise<{ seconds: number; peak: number }> {
  // The heap flags given here as scripts/score.ts gives them, so this pid is the one that scores (the script would otherwise run itself again).
  const child = spawn(process.execPath, ['--max-old-space-size=48', '--max-semi-space-size=4', '--import', 'tsx', 'scripts/score.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakRssMb(child.pid!))), 100);
  const started = performance.now();
  const [code] = await once(child, 'exit');
  clearInterval(timer);
  if (code !== 0) throw new Error(`score exited ${code}: ${stderr}`);
  return { seconds: (performance.now() - started) / 1000, peak };
}

async function main(): Promise<void> {
  const records = await readDataset(DATASET_PATH);
  const [header, ...rows] = readFileSync(DATASET_PATH, 'utf8').trim().split(/\r?\n/);
  const csv = join(tmpdir(), 'bench-formats.csv');
  const flow = join(tmpdir(), 'bench-formats.log');
  const out = join(tmpdir(), 'bench-formats-out.csv');
  try {
    await writeLines(csv, N, (i) => rows[i % rows.length], header);
    // Session k: dataset row k mod 282, moved 601 s later each time round (no two overlap on one 5-tuple), from its own ephemeral port.
    await writeLines(
      flow,
      N,
      (i) => {
        const k = i >> 1;
        const r = records[k % records.length];
        const shift = Math.floor(k / records.length) * 601;
        const start = Math.floor(r.creationMs / 1000) + shift;
        const end = Math.floor(r.endMs / 1000) + shift;
        const port = 49152 + (k % 16384);
        return i % 2 === 0
          ? `2 123456789012 eni-0a1b2c3d4e5f67890 ${r.srcIp} 10.138.69.97 ${port} 443 6 10 ${r.bytesIn} ${start} ${end} ACCEPT OK`
          : `2 123456789012 eni-0a1b2c3d4e5f67890 10.138.69.97 ${r.srcIp} 443 ${port} 6 10 ${r.bytesOut} ${start} ${end} ACCEPT OK`;
      },
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
    );
    console.log(`npm run score (tsx), ${fmt(N)} input records each, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, commit ${commit()}, ${availableParallelism()} cores:`);
    const loads = [load()];
    const a = await run(['--data', csv, '--out', out]);
    loads.push(load());
    const b = await run(['--data', flow, '--format', 'vpc-flow', '--out', out]);
    loads.push(load());
    console.log(`  cloudwatch CSV : ${fmt(N / a.seconds).padStart(9)} records/s, peak RSS ${fmt(a.peak)} MB (one scoring thread per core)`);
    console.log(`  vpc-flow       : ${fmt(N / b.seconds).padStart(9)} records/s, peak RSS ${fmt(b.peak)} MB (${fmt(N / 2)} stitched sessions scored)`);
    console.log(`  ratio ${(a.seconds / b.seconds).toFixed(2)}x (target >= 0.7x), peak RSS target < 300 MB`);
    console.log(`  load average (1, 5, 15 min) before, between and after the runs: ${loads.join(' / ')}`);
  } finally {
    for (const f of [csv, flow, out]) rmSync(f, { force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
