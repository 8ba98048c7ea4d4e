/**
 * npm run score -- --data IN.csv [--out OUT.csv | OUT.ndjson] [--model-dir DIR] [--threads N]
 *
 * Scores a CSV file of any size with the served models' bundle, streaming: the
 * input columns plus the verdict columns (CSV), or one /batch result a line
 * (NDJSON). Without --out the CSV goes to stdout. A progress line a second and
 * the summary go to stderr. Exit 1 on a bad record, naming its line and field; with --on-error skip,
 * bad records are left out and listed (line, field, value) after the summary, up to --max-errors.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { scoreFile } from '../src/offline/score-file.js';
import { COMMITTED_MODEL_DIR } from '../src/paths.js';

const USAGE = 'usage: npm run score -- --data IN.csv [--out OUT.csv | OUT.ndjson] [--model-dir DIR (default ./models)] [--threads N] [--on-error stop|skip] [--max-errors N (default 1000)]';
/** Skipped records listed one a line on stderr; past it, only the count. */
const LISTED_SKIPS = 100;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      'model-dir': { type: 'string', default: process.env.MODEL_DIR ?? COMMITTED_MODEL_DIR },
      threads: { type: 'string' },
      'on-error': { type: 'string', default: 'stop' },
      'max-errors': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (!values.data) throw new Error(`--data is required\n${USAGE}`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) throw new Error('--threads must be an integer from 1 to 64');
  const onError = values['on-error'];
  if (onError !== 'stop' && onError !== 'skip') throw new Error('--on-error must be stop or skip');
  const maxErrors = values['max-errors'] === undefined ? undefined : Number(values['max-errors']);
  if (maxErrors !== undefined && !(Number.isInteger(maxErrors) && maxErrors >= 0)) throw new Error('--max-errors must be a whole number');
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const result = await scoreFile({
    input: values.data,
    output: values.out ?? null,
    modelDir: values['model-dir']!,
    threads,
    onError,
    maxErrors,
    onProgress: (records, seconds) => process.stderr.write(`[${seconds.toFixed(0)} s] ${fmt(records)} records, ${fmt(records / seconds)} records/s\n`),
  });
  const s = result.summary;
  const lines = [
    `scored ${fmt(result.records)} records in ${result.seconds.toFixed(1)} s (${fmt(result.records / result.seconds)} records/s) with model ${result.modelVersion}`,
    `suspicious ${fmt(s.suspicious)} (${((100 * s.suspicious) / Math.max(1, s.count)).toFixed(1)}%), anomaly rate ${(100 * s.anomaly_rate).toFixed(1)}%`,
    ...s.recommendations.slice(0, 10).map((r) => `  ${r.action.padEnd(11)} ${r.src_ip.padEnd(40)} ${r.reasons.join(', ')}`),
  ];
  if (values.out) lines.splice(1, 0, `written to ${values.out}`);
  if (onError === 'skip') {
    lines.push(`skipped ${fmt(result.skipped.length)} bad records`);
    for (const k of result.skipped.slice(0, LISTED_SKIPS)) lines.push(`  line ${k.line}: ${k.field} = ${JSON.stringify(k.value)} (${k.message})`);
    if (result.skipped.length > LISTED_SKIPS) lines.push(`  ... ${fmt(result.skipped.length - LISTED_SKIPS)} more`);
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}

/**
 * The reading thread's heap is capped too (the scoring threads cap theirs): left to V8's default, the
 * blocks it holds across awaits are promoted and its old space grows with the file (313 MB resident
 * at 4,000,000 records, measured). So without the flag this process runs itself again with it.
 */
const HEAP_FLAG = '--max-old-space-size=48';
if (!process.execArgv.some((a) => a.startsWith('--max-old-space-size')) && !process.env.TTS_SCORE_CHILD) {
  const child = spawn(process.execPath, [HEAP_FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, TTS_SCORE_CHILD: '1' } });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  main().catch(fail);
}

function fail(err: Error): void {
  process.stderr.write(`score: ${err.message}\n`);
  process.exit(1);
}
