/**
 * npm run score -- --data IN.csv [--out OUT.csv | OUT.ndjson] [--model-dir DIR] [--threads N] [--format F [--fields "..."]]
 *
 * Scores a CSV file of any size with the served models' bundle, streaming: the
 * input columns plus the verdict columns (CSV), or one /batch result a line
 * (NDJSON). Without --out the CSV goes to stdout. A progress line a second and
 * the summary go to stderr. Exit 1 on a bad record, naming its line and field.
 * --format names a log format of the registry (vpc-flow, alb, waf, cloudfront,
 * ocsf); a log, and any gzipped file (.gz), is scored by the streaming path
 * (score-log.ts), whose CSV gives each record's id (its log lines) and src_ip.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { FORMAT_NAMES, isFormatName } from '../src/ml/data/formats/index.js';
import { type ScoreFileResult, scoreFile } from '../src/offline/score-file.js';
import { type ScoreLogResult, scoreLog } from '../src/offline/score-log.js';
import { COMMITTED_MODEL_DIR } from '../src/paths.js';

const USAGE = `usage: npm run score -- --data IN[.gz] [--out OUT.csv | OUT.ndjson] [--model-dir DIR (default ./models)] [--threads N] [--format ${FORMAT_NAMES.join('|')} (default cloudwatch)] [--fields "\${srcaddr} \${dstaddr} ..." (vpc-flow)]`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      'model-dir': { type: 'string', default: process.env.MODEL_DIR ?? COMMITTED_MODEL_DIR },
      threads: { type: 'string' },
      format: { type: 'string', default: 'cloudwatch' },
      fields: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (!values.data) throw new Error(`--data is required\n${USAGE}`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) throw new Error('--threads must be an integer from 1 to 64');
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const format = values.format!;
  if (!isFormatName(format)) throw new Error(`--format must be one of ${FORMAT_NAMES.join(', ')}, got "${format}"`);
  const onProgress = (records: number, seconds: number) => process.stderr.write(`[${seconds.toFixed(0)} s] ${fmt(records)} records, ${fmt(records / seconds)} records/s\n`);
  const streamed = format !== 'cloudwatch' || values.data.endsWith('.gz');
  const result: ScoreFileResult & Partial<Pick<ScoreLogResult, 'skipped' | 'notes'>> = streamed
    ? await scoreLog({
        input: values.data,
        format: format === 'cloudwatch' ? 'csv' : format,
        formatOptions: values.fields === undefined ? {} : { fields: values.fields },
        output: values.out ?? null,
        modelDir: values['model-dir']!,
        onProgress,
      })
    : await scoreFile({
        input: values.data,
        output: values.out ?? null,
        modelDir: values['model-dir']!,
        threads,
        onProgress,
      });
  const s = result.summary;
  const lines = [
    `scored ${fmt(result.records)} records in ${result.seconds.toFixed(1)} s (${fmt(result.records / result.seconds)} records/s) with model ${result.modelVersion}`,
    `suspicious ${fmt(s.suspicious)} (${((100 * s.suspicious) / Math.max(1, s.count)).toFixed(1)}%), anomaly rate ${(100 * s.anomaly_rate).toFixed(1)}%`,
    ...s.recommendations.slice(0, 10).map((r) => `  ${r.action.padEnd(11)} ${r.src_ip.padEnd(40)} ${r.reasons.join(', ')}`),
  ];
  if (values.out) lines.splice(1, 0, `written to ${values.out}`);
  if (result.notes !== undefined) {
    const counts = Object.entries({ ...result.skipped, ...result.notes }).filter(([, n]) => n > 0);
    if (counts.length > 0) lines.splice(1, 0, `${format}: ${counts.map(([k, n]) => `${k.replaceAll('_', ' ')} ${fmt(n)}`).join(', ')}`);
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
