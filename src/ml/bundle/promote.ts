/**
 * Whether a freshly trained bundle may replace the served one: both are measured on the same hold-out
 * (the 30% of the new data the new models' figures were measured on), side by side, and the new one
 * becomes current only when it is not worse there, or when the caller says so.
 *
 * With provided labels the figures are the served decision's ROC AUC and average precision (of
 * risk_probability) and its verdict's precision and recall; the new bundle's are those measured at
 * training on models fitted on the other 70%, the served bundle's are its answers on the hold-out.
 * Without labels there is no truth: the anomaly and suspicious shares on the hold-out, the silhouettes
 * of the Isolation Forest's and the IQR fences' splits (in the new scaled feature space, the same for
 * both), and the drift of the new data against the served training profile.
 *
 * "Not worse", with provided labels: none of ROC AUC, AP, precision and recall more than
 * LABELLED_TOLERANCE (0.02) below the served bundle's. Without labels: the Isolation Forest's
 * silhouette not more than SILHOUETTE_TOLERANCE (0.05) below, and the suspicious share not more than
 * SHARE_TOLERANCE (0.05) above (more alerts on the same traffic with no evidence they are right).
 * A hold-out under MIN_HOLDOUT_ROWS rows measures nothing: `auto` then keeps the new version as a
 * candidate and says so.
 */
import type { TrafficRecord } from '../data/record.js';
import { Random } from '../core/random.js';
import { silhouetteScore } from '../insight/evaluate.js';
import { DriftWindow, type DriftStatus } from '../insight/drift.js';
import { averagePrecision, rocAuc } from '../insight/evaluate.js';
import { bandMetrics } from '../decision/bands.js';
import { BUNDLE_FORMAT, ModelBundle, type ModelPart } from './bundle.js';
import type { TrainingMetrics } from './manifest.js';
import type { TrainingOutput } from './train.js';

export type PromoteMode = 'auto' | 'always' | 'never';
export const PROMOTE_MODES: readonly PromoteMode[] = ['auto', 'always', 'never'];
/** Fewest hold-out rows a comparison means anything on (a 70/30 split: about 100 training rows). */
export const MIN_HOLDOUT_ROWS = 30;
export const LABELLED_TOLERANCE = 0.02;
export const SILHOUETTE_TOLERANCE = 0.05;
export const SHARE_TOLERANCE = 0.05;
/** Hold-out rows a silhouette is computed on at most (seeded sample; quadratic in rows) */
const SILHOUETTE_ROWS = 1000;

export interface SideFigures {
  roc_auc: number | null;
  average_precision: number | null;
  precision: number | null;
  recall: number | null;
  anomaly_share: number;
  suspicious_share: number;
  silhouette_isolation_forest: number | null;
  silhouette_iqr_baseline: number | null;
}

export interface Comparison {
  served_version: string | null;
  label_source: 'provided' | 'derived';
  holdout_rows: number;
  min_holdout_rows: number;
  candidate: SideFigures;
  served: SideFigures | null;
  /** the new training data against the served training profile; null: no served model */
  drift: { max_psi: number | null; features: { feature: string; psi: number | null; status: DriftStatus }[] } | null;
  outcome: 'not_worse' | 'worse' | 'no_served_model' | 'too_little_data';
  /** each figure on which the new bundle is worse beyond the tolerance, in words */
  worse_on: string[];
  rule: string;
}

export interface Promotion {
  mode: PromoteMode;
  promoted: boolean;
  reason: string;
}

const RULE_LABELLED = `not worse: ROC AUC, average precision, verdict precision and recall each at least the served model's minus ${LABELLED_TOLERANCE}`;
const RULE_DERIVED = `not worse: Isolation Forest silhouette at least the served model's minus ${SILHOUETTE_TOLERANCE}, suspicious share at most the served model's plus ${SHARE_TOLERANCE}`;

/** Shares and silhouettes of one bundle's answers on the hold-out records (scaled by `space`, the new bundle). */
function unlabelledFigures(bundle: ModelBundle, space: ModelBundle, records: readonly TrafficRecord[], seed: number) {
  const results = bundle.scoreMany(records);
  const x = space.scaler.transform(space.encoder.transformMany(records));
  const anomalous = Uint8Array.from(results, (r) => (r.is_anomaly ? 1 : 0));
  const outlier = Uint8Array.from(results, (r) => (r.baseline_outlier ? 1 : 0));
  const n = Math.max(1, records.length);
  return {
    results,
    anomaly_share: anomalous.reduce((a, b) => a + b, 0) / n,
    suspicious_share: results.filter((r) => r.verdict === 'suspicious').length / n,
    silhouette_isolation_forest: silhouetteScore(x, anomalous, new Random(seed), SILHOUETTE_ROWS),
    silhouette_iqr_baseline: silhouetteScore(x, outlier, new Random(seed), SILHOUETTE_ROWS),
  };
}

/**
 * Measures the new bundle and the served one on the hold-out records.
 * @param all every training record (the drift of the new data against the served profile)
 * @param holdout the hold-out records, in the order of the new metrics' hold-out
 */
export function compareOnHoldout(candidate: ModelBundle, served: ModelBundle | null, all: readonly TrafficRecord[], holdout: readonly TrafficRecord[]): Comparison {
  const metrics: TrainingMetrics = candidate.manifest.metrics;
  const labelSource = candidate.manifest.label_source;
  const provided = labelSource === 'provided';
  const seed = candidate.manifest.parameters.seed;
  const own = unlabelledFigures(candidate, candidate, holdout, seed);
  const combined = metrics.decision.detectors?.find((d) => d.detector === 'combined');
  const candidateFigures: SideFigures = {
    roc_auc: provided ? (combined?.roc_auc ?? metrics.holdout.roc_auc) : null,
    average_precision: provided ? (combined?.average_precision ?? metrics.holdout.average_precision) : null,
    precision: provided ? (metrics.decision.verdict?.precision ?? metrics.holdout.precision) : null,
    recall: provided ? (metrics.decision.verdict?.recall ?? metrics.holdout.recall) : null,
    anomaly_share: own.anomaly_share,
    suspicious_share: own.suspicious_share,
    silhouette_isolation_forest: own.silhouette_isolation_forest,
    silhouette_iqr_baseline: own.silhouette_iqr_baseline,
  };
  const base = { label_source: labelSource, holdout_rows: holdout.length, min_holdout_rows: MIN_HOLDOUT_ROWS, candidate: candidateFigures, rule: provided ? RULE_LABELLED : RULE_DERIVED };
  if (!served) return { ...base, served_version: null, served: null, drift: null, outcome: 'no_served_model', worse_on: [] };

  const theirs = unlabelledFigures(served, candidate, holdout, seed);
  const truth = Uint8Array.from(holdout, (r) => r.label ?? 0);
  const verdicts = Uint8Array.from(theirs.results, (r) => (r.verdict === 'suspicious' ? 1 : 0));
  const probability = Float64Array.from(theirs.results, (r) => r.risk_probability);
  const v = bandMetrics(truth, verdicts, 1);
  const servedFigures: SideFigures = {
    roc_auc: provided ? rocAuc(truth, probability) : null,
    average_precision: provided ? averagePrecision(truth, probability) : null,
    precision: provided ? (v.precision ?? 0) : null,
    recall: provided ? v.recall : null,
    anomaly_share: theirs.anomaly_share,
    suspicious_share: theirs.suspicious_share,
    silhouette_isolation_forest: theirs.silhouette_isolation_forest,
    silhouette_iqr_baseline: theirs.silhouette_iqr_baseline,
  };
  // Drift reads the unscaled features only: no need to score every training row with the served forests.
  const window = new DriftWindow(served.profile, Math.max(1, all.length), served.version);
  const raw = served.encoder.transformMany(all);
  for (let i = 0; i < raw.rows; i++) window.observe(raw.data, i * raw.cols, false, false);
  const report = window.report();
  const psis = report.features.map((f) => f.psi).filter((p): p is number => p !== null);
  const drift = { max_psi: psis.length > 0 ? Math.max(...psis) : null, features: report.features };

  const worse: string[] = [];
  const lower = (name: string, a: number | null, b: number | null, tolerance: number): void => {
    if (a !== null && b !== null && a < b - tolerance) worse.push(`${name} ${a.toFixed(3)} against ${b.toFixed(3)} served`);
  };
  if (provided) {
    lower('ROC AUC', candidateFigures.roc_auc, servedFigures.roc_auc, LABELLED_TOLERANCE);
    lower('average precision', candidateFigures.average_precision, servedFigures.average_precision, LABELLED_TOLERANCE);
    lower('precision', candidateFigures.precision, servedFigures.precision, LABELLED_TOLERANCE);
    lower('recall', candidateFigures.recall, servedFigures.recall, LABELLED_TOLERANCE);
  } else {
    lower('Isolation Forest silhouette', candidateFigures.silhouette_isolation_forest, servedFigures.silhouette_isolation_forest, SILHOUETTE_TOLERANCE);
    if (candidateFigures.suspicious_share > servedFigures.suspicious_share + SHARE_TOLERANCE) {
      worse.push(`suspicious share ${candidateFigures.suspicious_share.toFixed(3)} against ${servedFigures.suspicious_share.toFixed(3)} served`);
    }
  }
  const outcome = holdout.length < MIN_HOLDOUT_ROWS ? 'too_little_data' : worse.length > 0 ? 'worse' : 'not_worse';
  return { ...base, served_version: served.version, served: servedFigures, drift, outcome, worse_on: worse };
}

/** Whether the new version becomes current under `mode`, and why, in a sentence. */
export function decidePromotion(mode: PromoteMode, c: Comparison): Promotion {
  if (mode === 'always') return { mode, promoted: true, reason: 'promote=always: served whatever the comparison says' };
  if (mode === 'never') return { mode, promoted: false, reason: 'promote=never: kept as a candidate; serve it with POST /model/rollback {"version": "<id>"}' };
  switch (c.outcome) {
    case 'no_served_model':
      return { mode, promoted: true, reason: 'no model was served: the new one is served' };
    case 'not_worse':
      return { mode, promoted: true, reason: `not worse than ${c.served_version} on the hold-out: ${c.rule.replace(/^not worse: /, '')}` };
    case 'too_little_data':
      return {
        mode,
        promoted: false,
        reason: `kept as a candidate: the hold-out has ${c.holdout_rows} rows, a comparison needs at least ${MIN_HOLDOUT_ROWS} (about ${Math.ceil(MIN_HOLDOUT_ROWS / 0.3)} training rows); train on more data, or serve it anyway with promote=always`,
      };
    case 'worse':
      return {
        mode,
        promoted: false,
        reason: `kept as a candidate: worse than ${c.served_version} on the hold-out (${c.worse_on.join('; ')}); serve it anyway with promote=always or POST /model/rollback {"version": "<id>"}`,
      };
  }
}

/** The new bundle in memory, as it will be written (the comparison scores with it before anything is saved). */
export function candidateBundle(output: TrainingOutput): ModelBundle {
  const json = Object.fromEntries(Object.entries(output.artifacts).map(([k, v]) => [k, JSON.parse(v)])) as Record<ModelPart, unknown>;
  return ModelBundle.fromArtifacts({ ...output.draft, format: BUNDLE_FORMAT, version: 'candidate', files: {} }, json);
}

/** Compares a training run's output with the served bundle (null: none) and decides under `mode`. */
export function weigh(output: TrainingOutput, records: readonly TrafficRecord[], served: ModelBundle | null, mode: PromoteMode): { comparison: Comparison; promotion: Promotion } {
  const holdout = Array.from(output.holdout, (i) => records[i]);
  const comparison = compareOnHoldout(candidateBundle(output), served, records, holdout);
  return { comparison, promotion: decidePromotion(mode, comparison) };
}
