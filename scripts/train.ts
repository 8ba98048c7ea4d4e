/**
 * npm run train -- [--data FILE] [--out DIR] [--contamination 0.05] [--trees 100]
 *                  [--max-depth 10] [--seed 42] [--keep 5] [--promote auto|always|never]
 *
 * Trains a model bundle from a CloudWatch CSV (default: the dataset shipped in
 * data/) or a log in any format of the registry (--format, gzip read as is),
 * compares it with the version --out (default ./models) serves on the same
 * hold-out, writes it as a new version and makes it current when not worse
 * (--promote auto, src/ml/bundle/promote.ts), always, or never, then prints the
 * report with both sets of figures.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readDataset, readCsvRows, recordsFromCsvRows } from '../src/ml/data/dataset.js';
import { FORMAT_NAMES, isFormatName } from '../src/ml/data/formats/index.js';
import { gunzipIfGzip } from '../src/ml/data/formats/read-text.js';
import { readLogText } from '../src/ml/data/formats/read-text.js';
import type { TrafficRecord } from '../src/ml/data/record.js';
import { DATASET_PATH } from '../src/paths.js';
import { mkdir } from 'node:fs/promises';
import { TrainingLock } from '../src/ml/bundle/lock.js';
import { loadCurrent, saveVersion } from '../src/ml/bundle/store.js';
import { COMPARISON_FIGURES } from '../src/ml/bundle/comparison-figures.js';
import { type Comparison, PROMOTE_MODES, type PromoteMode, type Promotion, weigh } from '../src/ml/bundle/promote.js';
import type { TrainingMetrics } from '../src/ml/bundle/manifest.js';
import type { SurrogateRules } from '../src/ml/insight/surrogate.js';
import { trainModels } from '../src/ml/bundle/train.js';
import { type TrainingData, trainedOnText, trainingDataOf } from '../src/ml/insight/fit.js';

const USAGE = `usage: npm run train -- [--data FILE[.gz] (default data/CloudWatch_Traffic_Web_Attack.csv)] [--format ${FORMAT_NAMES.join('|')} (default cloudwatch)] [--fields "\${srcaddr} ..." (vpc-flow)] [--out DIR] [--contamination 0.05] [--trees 100] [--max-depth 10] [--seed 42] [--keep 5] [--promote auto|always|never (default auto)]`;

/** The records of a file in any format of the registry; gzip (.gz as delivered to S3) expanded first. */
async function readRecords(path: string, format: string, fields: string | undefined): Promise<TrafficRecord[]> {
  if (!isFormatName(format)) throw new Error(`--format must be one of ${FORMAT_NAMES.join(', ')}, got "${format}"`);
  const bytes = readFileSync(path);
  const text = gunzipIfGzip(bytes, 2 ** 31 - 1);
  if (format === 'cloudwatch') return text === bytes ? readDataset(path) : recordsFromCsvRows(await readCsvRows(text));
  const read = readLogText(format, text.toString('utf8'), fields === undefined ? {} : { fields });
  const counts = Object.entries({ ...read.skipped, ...read.notes }).filter(([, n]) => n > 0);
  if (counts.length > 0) process.stderr.write(`${format}: ${counts.map(([k, n]) => `${k.replaceAll('_', ' ')} ${n}`).join(', ')}\n`);
  return read.records;
}

function numberArg(values: Record<string, string | boolean | undefined>, key: string): number | undefined {
  const v = values[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new Error(`--${key} must be a number, got "${String(v)}"`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: DATASET_PATH },
      format: { type: 'string', default: 'cloudwatch' },
      fields: { type: 'string' },
      out: { type: 'string', default: 'models' },
      contamination: { type: 'string' },
      trees: { type: 'string' },
      'max-depth': { type: 'string' },
      seed: { type: 'string' },
      keep: { type: 'string' },
      promote: { type: 'string', default: 'auto' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const mode = values.promote as PromoteMode;
  if (!PROMOTE_MODES.includes(mode)) throw new Error(`--promote must be one of ${PROMOTE_MODES.join(', ')}, got "${values.promote}"`);

  const started = performance.now();
  const records = await readRecords(values.data!, values.format!, values.fields);
  let lastLine = 0;
  const output = trainModels(records, {
    contamination: numberArg(values, 'contamination'),
    trees: numberArg(values, 'trees'),
    maxDepth: numberArg(values, 'max-depth'),
    seed: numberArg(values, 'seed'),
    source: { format: values.format!, file: basename(values.data!) },
    onProgress: (stage, done, total) => {
      // One line per stage and at most one a second within a stage: readable in CI logs.
      const now = performance.now();
      if (done === 0 || done === total || now - lastLine > 1000) {
        lastLine = now;
        process.stderr.write(`[${((now - started) / 1000).toFixed(1)} s] ${stage}${total > 1 ? ` ${done}/${total}` : ''}\n`);
      }
    },
  });
  // The same MODEL_DIR lock as POST /train: a server training into this directory makes this wait its turn (exit 1, busy).
  await mkdir(values.out!, { recursive: true });
  const lock = await TrainingLock.acquire(values.out!, 'train');
  let version: string;
  let weighed: { comparison: Comparison; promotion: Promotion };
  try {
    const served = await loadCurrent(values.out!).catch(() => null); // none yet (or unreadable): nothing to compare with
    weighed = weigh(output, records, served, mode);
    version = await saveVersion(values.out!, output.draft, output.artifacts, {
      keep: numberArg(values, 'keep'),
      beforeCommit: () => TrainingLock.assertHeld(values.out!, lock.info.token),
      makeCurrent: weighed.promotion.promoted,
    });
  } finally {
    await lock.release();
  }
  process.stdout.write(report(values.data!, trainingDataOf(output.draft), values.out!, version, output.draft.label_source, output.metrics, output.surrogate, performance.now() - started));
  process.stdout.write(comparisonLines(weighed.comparison, weighed.promotion, version, values.out!).join('\n'));
}

function report(data: string, trained: TrainingData, out: string, version: string, labelSource: string, m: TrainingMetrics, rules: SurrogateRules, ms: number): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  const f3 = (v: number | null): string => (v === null ? 'n/a (one group)' : v.toFixed(3));
  const h = m.holdout;
  const lines = [
    `model ${version} written to ${out} (${(ms / 1000).toFixed(1)} s)`,
    `data: ${data}, ${trainedOnText(trained)}; labels ${labelSource}: ${m.labels.positive} positive, ${m.labels.negative} negative`,
    '',
    'Unsupervised detectors (silhouette on the scaled features, higher separates better):',
    `  Isolation Forest  flagged ${m.anomalies} (${pct(m.anomaly_rate)})   silhouette ${f3(m.silhouette.isolation_forest)}`,
    `  IQR baseline      flagged ${m.iqr_outliers} (${pct(m.iqr_outlier_rate)})   silhouette ${f3(m.silhouette.iqr_baseline)}`,
    '',
    'Most anomalous sources:',
    ...m.top_sources.map(
      (s) => `  ${s.src_ip.padEnd(40)} ${String(s.anomalies).padStart(4)} of ${String(s.sessions).padStart(4)} sessions anomalous, max score ${s.max_anomaly_score.toFixed(3)}, ${s.bytes_in} B in`,
    ),
    '',
    `Random Forest, stratified hold-out (${h.train_rows} train / ${h.test_rows} test):`,
    `  accuracy ${h.accuracy.toFixed(3)}  precision ${h.precision.toFixed(3)}  recall ${h.recall.toFixed(3)}  F1 ${h.f1.toFixed(3)}`,
    `  confusion matrix [[tn fp] [fn tp]]: ${JSON.stringify(h.confusion_matrix)}`,
    h.roc_auc === null
      ? '  ROC AUC and average precision: with provided labels only (these are derived)'
      : `  ROC AUC ${f3(h.roc_auc)}  average precision ${f3(h.average_precision)}   (Isolation Forest score: ROC AUC ${f3(h.isolation_forest_roc_auc)}, AP ${f3(h.isolation_forest_average_precision)})`,
    '',
    ...decisionLines(m),
    '',
    `Served verdicts on the training rows: ${m.suspicious} suspicious (${pct(m.suspicious_rate)})`,
    `Rules (ml-cart tree, depth <= ${rules.max_depth}, fitted on ${rules.rows_used} rows; fidelity ${f3(rules.fidelity)} on ${rules.fidelity_rows} held-out rows):`,
    ...rules.rules.map((r) => `  ${r.verdict.padEnd(10)} ${String(r.support).padStart(7)} records, precision ${f3(r.precision)}   if ${r.conditions.join(' and ') || '(always)'}`),
    '',
    'Feature importances:',
    ...Object.entries(m.feature_importances)
      .sort((a, b) => b[1] - a[1])
      .map(([f, v]) => `  ${f.padEnd(24)} ${v.toFixed(3)}`),
    '',
  ];
  return lines.join('\n');
}

/** The new and the served models side by side on the hold-out, and what became of the new one. */
function comparisonLines(c: Comparison, p: Promotion, version: string, dir: string): string[] {
  const f = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(3));
  const lines = [`New models against the served ${c.served_version ?? '(none)'} on the same hold-out (${c.holdout_rows} rows, labels ${c.label_source}):`];
  lines.push(`  ${''.padEnd(30)} ${'new'.padStart(8)} ${'served'.padStart(8)}`);
  for (const [name, key] of COMPARISON_FIGURES) lines.push(`  ${name.padEnd(30)} ${f(c.candidate[key]).padStart(8)} ${f(c.served?.[key]).padStart(8)}`);
  if (c.drift)
    lines.push(
      `  drift of the new data against the served profile: max PSI ${f(c.drift.max_psi)} (${
        c.drift.features
          .filter((x) => x.status === 'drifted')
          .map((x) => x.feature)
          .join(', ') || 'no feature drifted'
      })`,
    );
  lines.push(`  rule: ${c.rule}`);
  lines.push(
    p.promoted ? `${version} is now the served version of ${dir} (a service with MODEL_DIR=${dir} loads it): ${p.reason}` : `${version} is not served: ${p.reason.replace('<id>', version)}`,
    '',
  );
  return lines;
}

/** How the detectors combine, and what that measured on the hold-out (see src/ml/decision). */
function decisionLines(m: TrainingMetrics): string[] {
  const d = m.decision;
  const f = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));
  if (d.mode === 'unlabelled') {
    return [`Decision without labels: suspicious = Isolation Forest anomaly (or two never-seen values); counted: ${d.counted.join(', ')}; never critical`];
  }
  return [
    `Decision with labels (logistic stacking on out-of-fold evidence; counted: ${d.counted.join(', ')}):`,
    ...d.detectors!.map((x) => `  ${x.detector.padEnd(18)} weight ${x.weight === null ? '   -  ' : x.weight.toFixed(3).padStart(6)}   hold-out ROC AUC ${f(x.roc_auc)}  AP ${f(x.average_precision)}`),
    ...d.bands!.map(
      (b) =>
        `  ${b.band.padEnd(10)} risk_probability >= ${b.edge === null ? 'none (no edge reached the target)' : b.edge.toFixed(3)}  ${b.band === 'medium' ? `at most ${b.max_false_positive_rate} of benign` : `target precision ${b.target_precision}`}; out of fold P ${f(b.out_of_fold.precision)} R ${f(b.out_of_fold.recall)}; hold-out P ${f(b.holdout.precision)} R ${f(b.holdout.recall)}`,
    ),
    "Per-source rule (a source's mean risk_probability; malicious: more than half its sessions labelled attacks; investigate counts block or investigate):",
    ...(d.sources ?? []).map(
      (r) =>
        `  ${r.action.padEnd(11)} mean >= ${r.edge === null ? 'none (no edge reached the target)' : r.edge.toFixed(3)}${r.min_sessions > 1 ? ` with ${r.min_sessions}+ sessions` : ''}  target precision ${r.target_precision}; out of fold ${r.out_of_fold.sources} sources P ${f(r.out_of_fold.precision)} R ${f(r.out_of_fold.recall)}; hold-out ${r.holdout.sources} sources P ${f(r.holdout.precision)} R ${f(r.holdout.recall)}`,
    ),
    `  verdict on the hold-out: precision ${f(d.verdict!.precision)}  recall ${f(d.verdict!.recall)}  false-positive rate ${f(d.verdict!.false_positive_rate)}`,
  ];
}

main().catch((err: Error) => {
  process.stderr.write(`train: ${err.message}\n`);
  process.exit(1);
});
