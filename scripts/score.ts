/**
 * npm run score -- --data IN.csv [--out OUT.csv | OUT.ndjson] [--model-dir DIR] [--threads N] [--format F [--fields "..."]]
 *
 * Scores a CSV file of any size with the served models' bundle, streaming: the
 * input columns plus the verdict columns (CSV), or one /batch result a line
 * (NDJSON). Without --out the CSV goes to stdout. A progress line a second and
 * the summary go to stderr. Every failure exits 1 with a message (a bad record
 * names its line and field, a bundle that does not load its file and reason);
 * SIGINT and SIGTERM stop the run and exit 130 and 143. Either way no output
 * file and no temporary file is left behind. With --on-error skip, bad records
 * are left out and listed (line, field, value) after the summary, up to --max-errors.
 * --format names a log format of the registry (vpc-flow, alb, waf, cloudfront,
 * ocsf); a log, and any gzipped file (.gz), is scored by the streaming path
 * (score-log.ts), whose CSV gives each record's id (its log lines) and src_ip.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { readCurrent } from '../src/ml/bundle/current.js';
import { FORMAT_NAMES, isFormatName } from '../src/ml/data/formats/index.js';
import { bundleBytes, scoreFile, threadLimits } from '../src/offline/score-file.js';
import { scoreLog } from '../src/offline/score-log.js';
import { COMMITTED_MODEL_DIR } from '../src/paths.js';

const USAGE = `usage: npm run score -- --data IN[.gz] [--out OUT.csv | OUT.ndjson] [--model-dir DIR (default ./models)] [--threads N] [--format ${FORMAT_NAMES.join('|')} (default cloudwatch)] [--fields "\${srcaddr} \${dstaddr} ..." (vpc-flow)] [--on-error stop|skip] [--max-errors N (default 1000)]`;
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
      format: { type: 'string', default: 'cloudwatch' },
      fields: { type: 'string' },
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
  const format = values.format!;
  if (!isFormatName(format)) throw new Error(`--format must be one of ${FORMAT_NAMES.join(', ')}, got "${format}"`);
  const streamed = format !== 'cloudwatch' || values.data.endsWith('.gz');
  // A signal stops the run like any failure: the temp output is removed before the process exits.
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and from the wrapper below).
    process.on(signal, () => {
      if (stop.signal.aborted) return;
      process.exitCode = signal === 'SIGINT' ? 130 : 143;
      stop.abort(new Error(`interrupted by ${signal}${values.out ? `; ${values.out} not written` : ''}`));
    });
  }
  const onProgress = (records: number, seconds: number) => process.stderr.write(`[${seconds.toFixed(0)} s] ${fmt(records)} records, ${fmt(records / seconds)} records/s\n`);
  const common = { signal: stop.signal, input: values.data, output: values.out ?? null, modelDir: values['model-dir']!, onProgress };
  const logResult = streamed
    ? await scoreLog({ ...common, threads, onError, maxErrors, format: format === 'cloudwatch' ? 'csv' : format, formatOptions: values.fields === undefined ? {} : { fields: values.fields } })
    : null;
  const fileResult = streamed ? null : await scoreFile({ ...common, threads, onError, maxErrors });
  const result = (logResult ?? fileResult)!;
  const s = result.summary;
  const lines = [
    `scored ${fmt(result.records)} records in ${result.seconds.toFixed(1)} s (${fmt(result.records / result.seconds)} records/s) with model ${result.modelVersion}`,
    `suspicious ${fmt(s.suspicious)} (${((100 * s.suspicious) / Math.max(1, s.count)).toFixed(1)}%), anomaly rate ${(100 * s.anomaly_rate).toFixed(1)}%`,
    ...s.recommendations.slice(0, 10).map((r) => `  ${r.action.padEnd(11)} ${r.src_ip.padEnd(40)} ${r.reasons.join(', ')}`),
  ];
  if (values.out) lines.splice(1, 0, `written to ${values.out}`);
  if (onError === 'skip') {
    const bad = logResult?.badLines ?? fileResult!.skipped;
    lines.push(`skipped ${fmt(bad.length)} bad ${logResult ? 'lines' : 'records'}`);
    for (const k of bad.slice(0, LISTED_SKIPS)) lines.push(`  line ${k.line}: ${k.field} = ${JSON.stringify(k.value)} (${k.message})`);
    if (bad.length > LISTED_SKIPS) lines.push(`  ... ${fmt(bad.length - LISTED_SKIPS)} more`);
  }
  if (logResult !== null) {
    const counts = Object.entries({ ...logResult.skipped, ...logResult.notes }).filter(([, n]) => n > 0);
    if (counts.length > 0) lines.splice(1, 0, `${format}: ${counts.map(([k, n]) => `${k.replaceAll('_', ' ')} ${fmt(n)}`).join(', ')}`);
  }
  if (s.training_note) lines.push(s.training_note); // the file is unlike the model's training data: said once, last, where it is read
  process.stderr.write(`${lines.join('\n')}\n`);
}

/**
 * The reading thread's heap is capped too: left to V8's default, the blocks it holds across awaits are
 * promoted and its old space grows with the file (313 MB resident at 4,000,000 records, measured). So
 * without the flag this process runs itself again with it. The flag is process-wide in V8: it also
 * caps every scoring thread whatever its resourceLimits say, so it is sized to the bundle the threads
 * load (threadLimits): a fixed 48 MB could not load a 52 MB forest the server serves.
 *
 * The young generation is capped with it (SEMI_SPACE_FLAG): V8 sized it to 64 MB here, more than the
 * capped old space's headroom, and V8 then starts a full collection after every collection. A log
 * format's reading thread, which allocates for every line it parses and stitches, spent a third of its
 * time in 85 full collections per 200,000 lines; with 4 MB, 14 (measured, --trace-gc).
 */
/** The scoring process's young generation (semi-space) cap; bench/formats.ts gives it too. */
const SEMI_SPACE_FLAG = '--max-semi-space-size=4';

async function heapFlags(): Promise<string[]> {
  const { values } = parseArgs({ options: { 'model-dir': { type: 'string' } }, strict: false });
  const modelDir = typeof values['model-dir'] === 'string' ? values['model-dir'] : (process.env.MODEL_DIR ?? COMMITTED_MODEL_DIR);
  // An unreadable bundle gets the base cap: the run itself then says what is wrong with it.
  const bytes = await readCurrent(modelDir).then(
    (v) => bundleBytes(modelDir, v),
    () => 0,
  );
  return [`--max-old-space-size=${Math.max(48, threadLimits(bytes).maxOldGenerationSizeMb)}`, SEMI_SPACE_FLAG];
}

if (!process.execArgv.some((a) => a.startsWith('--max-old-space-size')) && !process.env.TTS_SCORE_CHILD) {
  heapFlags().then((flags) => {
    const child = spawn(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, TTS_SCORE_CHILD: '1' } });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  }, fail);
} else {
  main().catch(fail);
}

function fail(err: Error): void {
  process.stderr.write(`score: ${err.message}\n`);
  process.exit(process.exitCode || 1);
}
