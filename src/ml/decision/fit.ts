/**
 * Fitting the decision with labels, and measuring it: out-of-fold evidence on the training part of the
 * 70/30 split (3 folds by source; each fold's Random Forest, fences, frequency tables and training
 * range come from the other folds, so a fold's rare and out-of-range values are what new traffic
 * would show), the stacker and bands fitted on it, then everything measured on the hold-out with the
 * hold-out forest. The Isolation Forest learns no labels, so its score on all rows is used as is.
 */
import { selectRows, type Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import type { TrafficRecord } from '../data/record.js';
import { IqrBaseline } from '../detectors/baseline.js';
import { absentColumns, FeatureEncoder, N_FEATURES } from '../detectors/features.js';
import { RandomForestClassifier, type RandomForestOptions } from '../detectors/random-forest.js';
import { novelFields, unseenCount } from '../detectors/rare-values.js';
import { averagePrecision, curves, rocAuc, type Curves } from '../insight/evaluate.js';
import { assess, type Evaluation } from '../insight/assess.js';
import type { ScoreResult } from '../bundle/bundle.js';
import { bandMetrics, BAND_TARGETS, chooseBands } from './bands.js';
import { Stacker } from './stacker.js';
import { chooseSourceEdges, reportSourceRule, sourceEvidence, type SourceRuleReport } from './sources.js';
import { Decision, EVIDENCE, evidenceRow, N_EVIDENCE, type Detections } from './decision.js';

export const FOLDS = 3;
/** Rows the stacker is fitted on at most (a seeded sample beyond): five weights need no more. */
const STACKER_ROWS = 20_000;

export interface BandReport {
  band: 'medium' | 'suspicious' | 'high' | 'critical';
  target_precision: number;
  /** the out-of-fold false-positive rate the edge may not exceed (medium, suspicious); null: none */
  max_false_positive_rate: number | null;
  /** lower edge on the combined probability; null: no edge reached the target, the band is empty */
  edge: number | null;
  out_of_fold: { precision: number | null; recall: number };
  holdout: { precision: number | null; recall: number };
}

export interface DetectorReport {
  detector: string;
  /** the stacker's weight on its standardised evidence; 0: it did not help and counts for nothing */
  weight: number | null;
  roc_auc: number | null;
  average_precision: number | null;
}

export interface DecisionReport {
  mode: 'labelled' | 'unlabelled';
  /** the evidence the verdict and risk level read */
  counted: string[];
  /** hold-out ranking quality of each detector and of the combination; null without labels */
  detectors: DetectorReport[] | null;
  bands: BandReport[] | null;
  /** the per-source rule (block, investigate): edges on a source's mean risk_probability, chosen out of fold, measured on the hold-out's sources; null without labels */
  sources?: SourceRuleReport[] | null;
  /** the served verdict on the hold-out rows against the labels; null without labels */
  verdict: { precision: number; recall: number; false_positive_rate: number } | null;
  /** everything npm run evaluate reports, on the hold-out rows (sources: their hold-out sessions); null without labels */
  holdout_evaluation: Evaluation | null;
  /** ROC and precision-recall curves on the hold-out of each detector and of the combination (last); absent without labels */
  curves?: ({ detector: string } & Curves)[];
}

/** The detections of one record against fitted tables; the forest probability and IF score given. */
export function detectionsOf(r: TrafficRecord, encoder: FeatureEncoder, baseline: IqrBaseline, anomalyScore: number, isAnomaly: boolean, forestProbability: number): Detections {
  return {
    anomalyScore,
    isAnomaly,
    forestProbability,
    baselineOutlier: baseline.isOutlier(r),
    fenceDistance: baseline.fenceDistance(r),
    novel: novelFields(encoder, r).length,
    unseen: unseenCount(encoder, r),
    outOfRange: baseline.outOfRange(r).length,
  };
}

type Forest = Pick<RandomForestClassifier, 'predictProbabilities' | 'lowerBound'>;

/** A constant stands in where a fold's rows hold one class only (tiny labelled sets): the forest needs two. */
function fitForest(c: Context, rows: Int32Array): Forest {
  const y = Uint8Array.from(rows, (i) => c.y[i]);
  const positives = y.reduce((a, b) => a + b, 0);
  const p = positives === 0 ? 0 : 1;
  if (positives === 0 || positives === y.length) return { predictProbabilities: (x: Matrix) => new Float64Array(x.rows).fill(p), lowerBound: () => p };
  return RandomForestClassifier.fit(selectRows(c.x, rows), y, c.forestOptions);
}

/**
 * The forest's probability of each of `rows` (rows of x) as serving gives it: for a record that left
 * out a categorical field, the lowest any value of it could give (ModelBundle), so the stacker and
 * the bands are fitted on the evidence they will be served.
 */
export function forestEvidence(forest: Forest, records: readonly TrafficRecord[], x: Matrix, rows: ArrayLike<number>): Float64Array {
  const sub = selectRows(x, Int32Array.from(rows));
  const probs = forest.predictProbabilities(sub);
  const unknown = new Array<boolean>(N_FEATURES).fill(false);
  for (let k = 0; k < rows.length; k++) if (absentColumns(records[rows[k]], unknown)) probs[k] = forest.lowerBound(sub.data, k * sub.cols, unknown);
  return probs;
}

interface Context {
  records: readonly TrafficRecord[];
  x: Matrix;
  y: Uint8Array;
  scores: Float64Array;
  threshold: number;
  forestOptions: RandomForestOptions;
  seed: number;
  onFold?: (fold: number) => void;
}

/** Evidence rows (N_EVIDENCE each) of `rows`, against tables and a forest fitted on `fitRows`. */
function evidenceFor(c: Context, fitRows: Int32Array, rows: Int32Array, forest: Forest): { evidence: Float64Array; detections: Detections[] } {
  const fitted = Array.from(fitRows, (i) => c.records[i]);
  const encoder = FeatureEncoder.fit(fitted);
  const baseline = IqrBaseline.fit(fitted);
  const probs = forestEvidence(forest, c.records, c.x, rows);
  const evidence = new Float64Array(rows.length * N_EVIDENCE);
  const detections = Array.from(rows, (i, k) => {
    const d = detectionsOf(c.records[i], encoder, baseline, c.scores[i], c.scores[i] >= c.threshold, probs[k]);
    evidenceRow(d, evidence, k * N_EVIDENCE);
    return d;
  });
  return { evidence, detections };
}

/**
 * Fits the labelled decision on the training part and measures it on the hold-out.
 * @param holdoutForest the Random Forest fitted on `train`
 */
export function fitLabelledDecision(
  c: Context,
  train: Int32Array,
  test: Int32Array,
  holdoutForest: RandomForestClassifier,
): { decision: Decision; report: DecisionReport; holdoutVerdicts: Uint8Array } {
  // Folds by source: a source's sessions are alike (one attacker's brute force, one backup host), so
  // folds split by row would score each source with a forest that has seen it, and the stacker would
  // learn a confidence new sources do not earn. The sources are dealt to folds in a seeded order.
  const sources = [...new Set(Array.from(train, (i) => c.records[i].srcIp))].sort();
  new Random(c.seed + 1).shuffle(sources);
  const foldOf = new Map(sources.map((s, k) => [s, k % FOLDS]));
  const fold = Int32Array.from(train, (i) => foldOf.get(c.records[i].srcIp)!);
  const oof = new Float64Array(train.length * N_EVIDENCE);
  for (let f = 0; f < FOLDS; f++) {
    c.onFold?.(f);
    const inFold = Int32Array.from(Array.from(train.keys()).filter((k) => fold[k] === f));
    const fitRows = Int32Array.from(
      Array.from(train.keys()).filter((k) => fold[k] !== f),
      (k) => train[k],
    );
    if (inFold.length === 0) continue;
    const forest = fitForest(c, fitRows);
    const { evidence } = evidenceFor(
      c,
      fitRows,
      Int32Array.from(inFold, (k) => train[k]),
      forest,
    );
    inFold.forEach((k, m) => oof.set(evidence.subarray(m * N_EVIDENCE, (m + 1) * N_EVIDENCE), k * N_EVIDENCE));
  }
  const yTrain = Uint8Array.from(train, (i) => c.y[i]);
  let stackRows = Int32Array.from(train.keys());
  if (stackRows.length > STACKER_ROWS) stackRows = Int32Array.from(new Random(c.seed + 2).sampleWithoutReplacement(train.length, STACKER_ROWS)).sort();
  const sample = new Float64Array(stackRows.length * N_EVIDENCE);
  stackRows.forEach((k, m) => sample.set(oof.subarray(k * N_EVIDENCE, (k + 1) * N_EVIDENCE), m * N_EVIDENCE));
  const stacker = Stacker.fit(
    sample,
    Uint8Array.from(stackRows, (k) => yTrain[k]),
    N_EVIDENCE,
  );
  // Bands on every out-of-fold row (the stacker's sample may be a part of them).
  const oofProb = Float64Array.from(yTrain, (_, k) => stacker.probability(oof, k * N_EVIDENCE));
  const oofBands = chooseBands(yTrain, oofProb);
  // The per-source rule on the same out-of-fold probabilities, grouped by source (each scored by models that never saw it).
  const trainIps = Array.from(train, (i) => c.records[i].srcIp);
  const oofSources = sourceEvidence(
    trainIps,
    oofProb,
    yTrain,
    Uint8Array.from(oofProb, (p) => (p >= oofBands.suspicious ? 1 : 0)),
  );
  const decision = Decision.labelled(stacker, oofBands, chooseSourceEdges(oofSources));

  const { detections } = evidenceFor(c, train, test, holdoutForest);
  const yTest = Uint8Array.from(test, (i) => c.y[i]);
  const decided = detections.map((d) => decision.decide(d));
  const combined = Float64Array.from(decided, (d) => d.probability);
  const bands = decision.json.bands!;
  const weights = decision.json.stacker!.weights;
  const column = (j: number): Float64Array => {
    const e = new Float64Array(N_EVIDENCE);
    return Float64Array.from(detections, (d) => {
      evidenceRow(d, e);
      return e[j];
    });
  };
  const rank = (name: string, weight: number | null, s: ArrayLike<number>): DetectorReport => ({ detector: name, weight, roc_auc: rocAuc(yTest, s), average_precision: averagePrecision(yTest, s) });
  const holdoutVerdicts = Uint8Array.from(decided, (d) => (d.verdict === 'suspicious' ? 1 : 0));
  let fp = 0;
  let negatives = 0;
  yTest.forEach((t, k) => {
    negatives += 1 - t;
    fp += t === 0 ? holdoutVerdicts[k] : 0;
  });
  const v = bandMetrics(yTest, holdoutVerdicts, 1);
  const band = (name: 'medium' | 'suspicious' | 'high' | 'critical'): BandReport => {
    const o = bandMetrics(yTrain, oofProb, bands[name]);
    const h = bandMetrics(yTest, combined, bands[name]);
    return {
      band: name,
      target_precision: BAND_TARGETS[name].precision,
      max_false_positive_rate: name === 'medium' || name === 'suspicious' ? BAND_TARGETS[name].fpr : null,
      edge: bands[name],
      out_of_fold: { precision: o.precision, recall: o.recall },
      holdout: { precision: h.precision, recall: h.recall },
    };
  };
  const fpr = negatives > 0 ? fp / negatives : 0;
  const testIps = Array.from(test, (i) => c.records[i].srcIp);
  const sourceEdges = decision.json.sources!;
  const results = decided.map((x, k) => {
    const d = detections[k];
    const r = {
      verdict: x.verdict,
      risk_level: x.risk,
      anomaly_score: d.anomalyScore,
      risk_probability: x.probability,
      baseline_outlier: d.baselineOutlier,
      novel_fields: Array<string>(d.novel).fill(''),
    };
    return r as unknown as ScoreResult;
  });
  const report: DecisionReport = {
    mode: 'labelled',
    counted: EVIDENCE.filter((e) => decision.counts(e)),
    detectors: [...EVIDENCE.map((e, j) => rank(e, weights[j], column(j))), rank('combined', null, combined)],
    bands: [band('medium'), band('suspicious'), band('high'), band('critical')],
    sources: reportSourceRule(sourceEdges, oofSources, sourceEvidence(testIps, combined, yTest, holdoutVerdicts)),
    verdict: { precision: v.precision ?? 0, recall: v.recall, false_positive_rate: fpr },
    holdout_evaluation: assess(
      Array.from(test, (i) => c.records[i]),
      results,
      { flagRate: Math.max(0.01, fpr), edges: sourceEdges },
    ),
    curves: [...EVIDENCE.map((e, j) => ({ detector: e as string, s: column(j) })), { detector: 'combined', s: combined }].flatMap(({ detector, s }) => {
      const c = curves(yTest, s);
      return c ? [{ detector, ...c }] : [];
    }),
  };
  return { decision, report, holdoutVerdicts };
}
