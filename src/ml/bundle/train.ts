/**
 * The one training function, shared by `npm run train` and POST /train.
 *
 * Steps: features -> scaler -> Isolation Forest (unsupervised, on the volume
 * features) and IQR baseline -> labels (given, or derived as the Isolation
 * Forest's anomalies: the IQR fences flag 15-20% of any heavy-tailed traffic and
 * would teach the Random Forest to exceed the contamination the user set) ->
 * Random Forest evaluated on a stratified 70/30 hold-out -> with labels, the
 * decision (src/ml/decision) fitted on out-of-fold evidence of the 70% and
 * measured on the 30% -> Random Forest refitted on all rows for serving ->
 * report and artifacts.
 */
import { imputeBytes } from '../detectors/impute.js';
import { IqrBaseline } from '../detectors/baseline.js';
import type { ManifestDraft, SourceSummary, TrainingMetrics, TrainingParameters } from './manifest.js';
import { serializeParts, type ModelPart } from './bundle.js';
import { averagePrecision, classificationMetrics, rocAuc, silhouetteScore, stratifiedSplit } from '../insight/evaluate.js';
import { TrainingProfile } from '../insight/drift.js';
import { describeTrainingData } from '../insight/fit.js';
import { RISK_CUTOFF } from '../insight/explain.js';
import { Decision } from '../decision/decision.js';
import { detectionsOf, fitLabelledDecision, FOLDS, forestEvidence, type DecisionReport } from '../decision/fit.js';
import { SurrogateTree, type SurrogateRules } from '../insight/surrogate.js';
import { FEATURE_NAMES, FeatureEncoder, ISOLATION_FEATURES } from '../detectors/features.js';
import { checkIsolationOptions, IsolationForest } from '../detectors/isolation-forest.js';
import { selectRows, type Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import { checkForestOptions, RandomForestClassifier } from '../detectors/random-forest.js';
import type { TrafficRecord } from '../data/record.js';
import { StandardScaler } from '../detectors/scaler.js';
import { sha256 } from '../core/codec.js';

/** Fewest rows a model is trained on: below this a 70/30 hold-out is meaningless. */
export const MIN_TRAIN_ROWS = 10;
/** Isolation Forest subsample size (psi), as in the paper and scikit-learn. */
export const MAX_SAMPLES = 256;

/** Data or parameters that cannot make a model; `field` names the culprit. */
export class TrainingError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'TrainingError';
  }
}

export interface TrainOptions {
  /** expected anomaly share, (0, 0.5]; default 0.05 */
  contamination?: number;
  /** trees in each forest; default 100 */
  trees?: number;
  /** Random Forest maximum depth; default 10 */
  maxDepth?: number;
  /** PRNG seed; default 42 */
  seed?: number;
  /** called between stages; `done`/`total` count trees in the forest stages */
  onProgress?: (stage: string, done: number, total: number) => void;
  /** clock for trained_at; default the system clock */
  now?: () => Date;
  /** where the records came from, kept in the manifest's training_data; default the dataset's layout, no file name */
  source?: { format: string; file?: string | null };
}

export interface TrainingOutput {
  draft: ManifestDraft;
  artifacts: Record<ModelPart, string>;
  metrics: TrainingMetrics;
  surrogate: SurrogateRules;
  /** the hold-out rows (indices into the records), where the new and the served models are compared */
  holdout: Int32Array;
}

/** Validates the public hyper-parameters; a bad one is a TrainingError naming it. */
export function checkTrainOptions(o: TrainOptions): TrainingParameters {
  const params: TrainingParameters = {
    contamination: o.contamination ?? 0.05,
    trees: o.trees ?? 100,
    max_depth: o.maxDepth ?? 10,
    seed: o.seed ?? 42,
    max_samples: MAX_SAMPLES,
  };
  const check = (field: string, fn: () => unknown): void => {
    try {
      fn();
    } catch (err) {
      throw new TrainingError((err as Error).message.replace(/^\w+/, field), field);
    }
  };
  check('contamination', () => checkIsolationOptions({ contamination: params.contamination }));
  check('trees', () => checkIsolationOptions({ nTrees: params.trees }));
  check('seed', () => checkForestOptions({ seed: params.seed }, FEATURE_NAMES.length));
  check('max_depth', () => checkForestOptions({ maxDepth: params.max_depth }, FEATURE_NAMES.length));
  return params;
}

/**
 * Trains every model of a bundle from parsed records.
 * @throws TrainingError for too few rows, partial or single-class labels, bad parameters
 */
export function trainModels(given: readonly TrafficRecord[], options: TrainOptions = {}): TrainingOutput {
  // Absent byte counts (WAF, one-way flows) are read as the median of those given, never as 0.
  const records = imputeBytes(given);
  const params = checkTrainOptions(options);
  const progress = options.onProgress ?? (() => {});
  const n = records.length;
  if (n < MIN_TRAIN_ROWS) throw new TrainingError(`training needs at least ${MIN_TRAIN_ROWS} rows, got ${n}`, 'records');
  const labelled = records.filter((r) => r.label !== null).length;
  if (labelled > 0 && labelled < n) {
    const i = records.findIndex((r) => r.label === null);
    throw new TrainingError(`label is missing on row ${i} while other rows have one; label every row or none`, 'label');
  }

  progress('features', 0, 1);
  const encoder = FeatureEncoder.fit(records);
  const raw = encoder.transformMany(records);
  const scaler = StandardScaler.fit(raw);
  const x = scaler.transform(raw);

  progress('isolation forest', 0, params.trees);
  // The other columns held constant: no tree splits on them, so serving (which passes every column) scores alike.
  const isolationX = onlyColumns(x, ISOLATION_FEATURES);
  const iforest = IsolationForest.fit(isolationX, { nTrees: params.trees, maxSamples: MAX_SAMPLES, contamination: params.contamination, seed: params.seed });
  const scores = iforest.scoreMatrix(isolationX);
  const anomalous = Uint8Array.from(scores, (s) => (iforest.isAnomaly(s) ? 1 : 0));
  const baseline = IqrBaseline.fit(records);
  const outlier = Uint8Array.from(records, (r) => (baseline.isOutlier(r) ? 1 : 0));

  const labelSource = labelled === n ? 'provided' : 'derived';
  const y = labelSource === 'provided' ? Uint8Array.from(records, (r) => r.label!) : Uint8Array.from(anomalous);
  const positive = y.reduce((a, b) => a + b, 0);
  if (positive === 0 || positive === n) {
    const which = labelSource === 'provided' ? 'the label column' : 'the derived labels (Isolation Forest anomalies)';
    throw new TrainingError(`${which} have one class only (${positive} of ${n} positive); need both`, 'label');
  }

  const rng = new Random(params.seed);
  const split = stratifiedSplit(y, rng, 0.3);
  const forestOptions = { nTrees: params.trees, maxDepth: params.max_depth, seed: params.seed };
  const onTree = (stage: string) => (done: number) => progress(stage, done, params.trees);
  const holdoutForest = RandomForestClassifier.fit(selectRows(x, split.train), pick(y, split.train), forestOptions, onTree('random forest (hold-out)'));
  const testTruth = pick(y, split.test);
  const testProbabilities = holdoutForest.predictProbabilities(selectRows(x, split.test));
  // Ranking metrics mean something against labels given from outside only: derived labels are the
  // unsupervised detectors' own output, so scoring them against it would be circular.
  const provided = labelSource === 'provided';
  let decision = Decision.unlabelled();
  let decisionReport: DecisionReport = {
    mode: 'unlabelled',
    counted: ['isolation_forest', 'iqr_baseline', 'rare_values', 'out_of_range'],
    detectors: null,
    bands: null,
    verdict: null,
    holdout_evaluation: null,
  };
  let holdoutVerdicts: Uint8Array = Uint8Array.from(testProbabilities, (p) => (p >= RISK_CUTOFF ? 1 : 0));
  if (provided) {
    const context = { records, x, y, scores, threshold: iforest.threshold, forestOptions, seed: params.seed, onFold: (f: number) => progress(`decision (fold ${f + 1}/${FOLDS})`, 0, 1) };
    ({ decision, report: decisionReport, holdoutVerdicts } = fitLabelledDecision(context, split.train, split.test, holdoutForest));
  }
  const holdout = classificationMetrics(testTruth, holdoutVerdicts);
  const testScores = Float64Array.from(split.test, (i) => scores[i]);
  const ranking = {
    roc_auc: provided ? rocAuc(testTruth, testProbabilities) : null,
    average_precision: provided ? averagePrecision(testTruth, testProbabilities) : null,
    isolation_forest_roc_auc: provided ? rocAuc(testTruth, testScores) : null,
    isolation_forest_average_precision: provided ? averagePrecision(testTruth, testScores) : null,
  };
  const forest = RandomForestClassifier.fit(x, y, forestOptions, onTree('random forest (all rows)'));

  // What the service will answer for each training row: the surrogate learns it, the profile keeps its rate.
  progress('surrogate rules', 0, 1);
  const served = servedVerdicts(records, x, scores, iforest.threshold, forest, encoder, baseline, decision);
  const surrogate = SurrogateTree.fit(records, served, params.seed);
  const profile = TrainingProfile.fit(raw, FEATURE_NAMES, count(anomalous) / n, count(served) / n);

  progress('report', 0, 1);
  const silRows = Math.min(n, 2000);
  const metrics: TrainingMetrics = {
    rows: n,
    anomalies: count(anomalous),
    anomaly_rate: count(anomalous) / n,
    iqr_outliers: count(outlier),
    iqr_outlier_rate: count(outlier) / n,
    silhouette: {
      isolation_forest: silhouetteScore(x, anomalous, new Random(params.seed), silRows),
      iqr_baseline: silhouetteScore(x, outlier, new Random(params.seed), silRows),
      rows_used: silRows,
    },
    labels: { positive, negative: n - positive },
    holdout: { ...holdout, ...ranking, train_rows: split.train.length, test_rows: split.test.length },
    suspicious: count(served),
    suspicious_rate: count(served) / n,
    feature_importances: Object.fromEntries(FEATURE_NAMES.map((f, j) => [f, forest.importances[j]])),
    top_sources: topSources(records, scores, anomalous, 10),
    decision: decisionReport,
  };
  const draft: ManifestDraft = {
    trained_at: (options.now ?? (() => new Date()))().toISOString(),
    data: { sha256: datasetDigest(records), rows: n },
    feature_names: [...FEATURE_NAMES],
    parameters: params,
    label_source: labelSource,
    anomaly_threshold: iforest.threshold,
    metrics,
    training_data: describeTrainingData(given, options.source?.format ?? 'cloudwatch', options.source?.file ?? null),
  };
  const artifacts = serializeParts({ encoder, scaler, isolationForest: iforest, randomForest: forest, baseline, surrogate, profile, decision });
  return { draft, artifacts, metrics, surrogate: surrogate.summary, holdout: split.test };
}

/** 1 where the service will answer `suspicious` for the training row (the same rule as ModelBundle.score). */
export function servedVerdicts(
  records: readonly TrafficRecord[],
  x: Matrix,
  scores: Float64Array,
  threshold: number,
  forest: RandomForestClassifier,
  encoder: FeatureEncoder,
  baseline: IqrBaseline,
  decision: Decision,
): Uint8Array {
  const probs = forestEvidence(forest, records, x, Int32Array.from(records.keys()));
  return Uint8Array.from(records, (r, i) => {
    const d = detectionsOf(r, encoder, baseline, scores[i], scores[i] >= threshold, probs[i]);
    return decision.decide(d).verdict === 'suspicious' ? 1 : 0;
  });
}

/** A copy of x with every column but `keep` set to 0. */
function onlyColumns(x: Matrix, keep: readonly string[]): Matrix {
  const cols = FEATURE_NAMES.map((f) => keep.includes(f));
  return { ...x, data: x.data.map((v, k) => (cols[k % x.cols] ? v : 0)) };
}

/**
 * sha256 of the normalised records, one JSON line each: the same data gives the
 * same digest whether it arrived as CSV or JSON.
 */
export function datasetDigest(records: readonly TrafficRecord[]): string {
  // absent and action at their defaults are left out: the digest of the dataset's records stays what it was before formats had them.
  const plain = (k: string, v: unknown): unknown => ((k === 'absent' && v === 0) || (k === 'action' && v === null) ? undefined : v);
  return sha256(records.map((r) => JSON.stringify(r, plain)).join('\n'));
}

/** Sources ranked by anomalous sessions, then by their highest score. */
export function topSources(records: readonly TrafficRecord[], scores: Float64Array, anomalous: Uint8Array, k: number): SourceSummary[] {
  const bySource = new Map<string, SourceSummary>();
  records.forEach((r, i) => {
    let s = bySource.get(r.srcIp);
    if (!s) bySource.set(r.srcIp, (s = { src_ip: r.srcIp, sessions: 0, anomalies: 0, max_anomaly_score: 0, bytes_in: 0, bytes_out: 0 }));
    s.sessions++;
    s.anomalies += anomalous[i];
    s.max_anomaly_score = Math.max(s.max_anomaly_score, scores[i]);
    s.bytes_in += r.bytesIn;
    s.bytes_out += r.bytesOut;
  });
  return [...bySource.values()]
    .filter((s) => s.anomalies > 0)
    .sort((a, b) => b.anomalies - a.anomalies || b.max_anomaly_score - a.max_anomaly_score || (a.src_ip < b.src_ip ? -1 : 1))
    .slice(0, k);
}

function pick(y: Uint8Array, idx: Int32Array): Uint8Array {
  return Uint8Array.from(idx, (i) => y[i]);
}

function count(a: Uint8Array): number {
  return a.reduce((s, v) => s + v, 0);
}
