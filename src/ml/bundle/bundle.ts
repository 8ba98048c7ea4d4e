/**
 * The model bundle: encoder, scaler, Isolation Forest, Random Forest, IQR
 * baseline (the rare-value detector reads the encoder's tables), the surrogate
 * rules and the training profile of one training run, with its manifest. It is
 * immutable; the service holds exactly one behind one reference and replaces it
 * whole, so a request never mixes parts of two versions.
 */
import type { TrafficRecord } from '../data/record.js';
import { IqrBaseline } from '../detectors/baseline.js';
import { absentColumns, FeatureEncoder, N_FEATURES } from '../detectors/features.js';
import { IsolationForest } from '../detectors/isolation-forest.js';
import { RandomForestClassifier } from '../detectors/random-forest.js';
import { absentBytes, type TypicalBytes, withTypicalBytes } from '../detectors/impute.js';
import { missingFields, novelFields } from '../detectors/rare-values.js';
import { StandardScaler } from '../detectors/scaler.js';
import { TrainingProfile } from '../insight/drift.js';
import { explain, type RiskLevel, type Verdict } from '../insight/explain.js';
import { Decision } from '../decision/decision.js';
import { detectionsOf } from '../decision/fit.js';
import { SurrogateTree } from '../insight/surrogate.js';
import type { SourceRule } from '../insight/recommend.js';
import type { Manifest } from './manifest.js';

/**
 * 2: absent fields imputed, the surrogate rules and the training profile (drift) added.
 * 3: the decision (decision.json: stacker and bands, or the unlabelled rule) added; the Isolation
 *    Forest reads the volume features only; derived labels are the Isolation Forest's alone.
 * 4: with labels, decision.json holds the per-source rule's edges (decision/sources.ts); the Random
 *    Forest's evidence for a record with absent fields is a lower bound over their values.
 */
export const BUNDLE_FORMAT = 4;

/** Artifact file of each model inside a version directory. */
export const MODEL_FILES = {
  features: 'features.json',
  scaler: 'scaler.json',
  isolationForest: 'isolation-forest.json',
  randomForest: 'random-forest.json',
  baseline: 'baseline.json',
  surrogate: 'surrogate.json',
  profile: 'profile.json',
  decision: 'decision.json',
} as const;
export type ModelPart = keyof typeof MODEL_FILES;

export interface ScoreResult {
  /** the client's id for the record, when it gave one */
  id?: string | number;
  src_ip: string;
  verdict: Verdict;
  anomaly_score: number;
  is_anomaly: boolean;
  /** with labels, the detectors' calibrated combination; without, the Random Forest's probability */
  risk_probability: number;
  baseline_outlier: boolean;
  /** client keys of the fields with a rare or never-seen value (the rare-value detector) */
  novel_fields: readonly string[];
  /** client keys of the fields the model uses that the record did not give */
  missing_fields: readonly string[];
  risk_level: RiskLevel;
  reasons: readonly string[];
  model_version: string;
}

/** Told of every record scored (the drift window): its unscaled features (raw[offset..]) and what was decided. */
export interface ScoreObserver {
  observe(raw: Float64Array, offset: number, isAnomaly: boolean, suspicious: boolean): void;
}

/**
 * Records scored together: the forests walk each tree for the whole lot (its nodes fetched once, not
 * once a record), and 64 rows of features stay in the first-level cache.
 */
const LOT = 64;

export interface BundleParts {
  encoder: FeatureEncoder;
  scaler: StandardScaler;
  isolationForest: IsolationForest;
  randomForest: RandomForestClassifier;
  baseline: IqrBaseline;
  surrogate: SurrogateTree;
  profile: TrainingProfile;
  decision: Decision;
}

export class ModelBundle {
  readonly encoder: FeatureEncoder;
  readonly scaler: StandardScaler;
  readonly isolationForest: IsolationForest;
  readonly randomForest: RandomForestClassifier;
  readonly baseline: IqrBaseline;
  readonly surrogate: SurrogateTree;
  readonly profile: TrainingProfile;
  readonly decision: Decision;
  /** what an absent byte count reads as: the training median (impute.ts) */
  readonly typical: TypicalBytes;
  /** Per-bundle scratch for a lot (features unscaled and scaled, the two forests' outputs): scoring is synchronous, so one set serves every call. */
  private readonly raw = new Float64Array(LOT * N_FEATURES);
  private readonly scaled = new Float64Array(LOT * N_FEATURES);
  private readonly anomalyScores = new Float64Array(LOT);
  private readonly riskProbabilities = new Float64Array(LOT);
  /** the columns of the record at hand whose field it left out */
  private readonly unknown = new Array<boolean>(N_FEATURES).fill(false);

  constructor(
    readonly manifest: Readonly<Manifest>,
    parts: BundleParts,
  ) {
    checkParts(parts);
    this.encoder = parts.encoder;
    this.scaler = parts.scaler;
    this.isolationForest = parts.isolationForest;
    this.randomForest = parts.randomForest;
    this.baseline = parts.baseline;
    this.surrogate = parts.surrogate;
    this.profile = parts.profile;
    this.decision = parts.decision;
    this.typical = { bytesIn: parts.baseline.typical('bytes_in'), bytesOut: parts.baseline.typical('bytes_out') };
    Object.freeze(this.manifest);
    Object.freeze(this);
  }

  /**
   * How often this model flags ordinary traffic, the null rate of the block rule (recommend.ts): with
   * labels, the verdict's false-positive rate on the hold-out (at least 1%, so that a hold-out with no
   * false positive does not make every repeat a certainty); without, its suspicious share on the
   * training data (the contamination).
   */
  get flagRate(): number {
    const m = this.manifest.metrics;
    const fpr = m.decision?.verdict?.false_positive_rate;
    return fpr !== undefined && fpr !== null ? Math.max(0.01, fpr) : Math.max(0.01, m.suspicious_rate);
  }

  /** The rule the batch summary's recommendations follow (recommend.ts): the fitted source edges with labels. */
  get sourceRule(): SourceRule {
    return { flagRate: this.flagRate, edges: this.decision.json.sources };
  }

  get version(): string {
    return this.manifest.version;
  }

  /**
   * The full verdict of one record, as POST /score returns it.
   * @param observer told of the record (the drift window); none: not tracked
   */
  score(record: TrafficRecord, observer?: ScoreObserver | null): ScoreResult {
    return this.scoreMany([record], observer)[0];
  }

  /** score() of each record, in order: the same results, faster than one at a time. */
  scoreMany(records: readonly TrafficRecord[], observer?: ScoreObserver | null): ScoreResult[] {
    const { raw, scaled, anomalyScores, riskProbabilities } = this;
    const out = new Array<ScoreResult>(records.length);
    for (let start = 0; start < records.length; start += LOT) {
      const n = Math.min(LOT, records.length - start);
      for (let r = 0; r < n; r++) this.encoder.transform(withTypicalBytes(records[start + r], this.typical), raw, r * N_FEATURES);
      for (let k = 0; k < n * N_FEATURES; k++) scaled[k] = raw[k]; // the lot's rows only: /score has one
      for (let r = 0; r < n; r++) this.scaler.transformRow(scaled, r * N_FEATURES);
      this.isolationForest.scoreRows(scaled, n, anomalyScores);
      this.randomForest.predictRows(scaled, n, riskProbabilities);
      for (let r = 0; r < n; r++) this.boundAbsent(records[start + r], r, scaled);
      for (let r = 0; r < n; r++) out[start + r] = this.result(records[start + r], r, observer);
    }
    return out;
  }

  /**
   * An absent field is unknown, never evidence: the Random Forest's probability of a record that left
   * out a categorical field is the lowest any value of it could give (RandomForestClassifier.lowerBound),
   * not the typical value's, since a forest weighs fields together and the typical value can raise
   * what an exculpatory one (a crawler's 404) would lower. Every other input of the decision is at most
   * its value with the field given (an absent field is never rare), and the stacker's weights are >= 0,
   * so leaving fields out never turns a normal verdict suspicious nor raises the risk level. Training
   * reads the forests' evidence of its own rows the same way (decision/fit.ts forestEvidence).
   */
  private boundAbsent(record: TrafficRecord, r: number, scaled: Float64Array): void {
    if (absentColumns(record, this.unknown)) this.riskProbabilities[r] = this.randomForest.lowerBound(scaled, r * N_FEATURES, this.unknown);
  }

  /** The result of row r of the lot, once the forests have scored it. */
  private result(given: TrafficRecord, r: number, observer: ScoreObserver | null | undefined): ScoreResult {
    const anomalyScore = this.anomalyScores[r];
    // Detectors and explanations read absent byte counts as typical; missing_fields names them.
    const record = withTypicalBytes(given, this.typical);
    const novel = novelFields(this.encoder, record);
    const missing = given.absent ? [...absentBytes(given), ...missingFields(this.encoder, record)] : missingFields(this.encoder, record);
    const detections = detectionsOf(record, this.encoder, this.baseline, anomalyScore, this.isolationForest.isAnomaly(anomalyScore), this.riskProbabilities[r]);
    const { verdict: v, risk, probability } = this.decision.decide(detections);
    observer?.observe(this.raw, r * N_FEATURES, detections.isAnomaly, v === 'suspicious');
    const result: ScoreResult = {
      src_ip: record.srcIp,
      verdict: v,
      anomaly_score: anomalyScore,
      is_anomaly: detections.isAnomaly,
      risk_probability: probability,
      baseline_outlier: detections.baselineOutlier,
      novel_fields: novel,
      missing_fields: missing,
      risk_level: risk,
      // What the log's source stated (a WAF block, its labels) comes first, as stated: facts, not scores.
      reasons: withEvidence(
        given.evidence,
        explain({
          record,
          detections,
          risk,
          decision: this.decision,
          probability,
          suspicious: v === 'suspicious',
          anomalyScore,
          anomalyThreshold: this.isolationForest.threshold,
          encoder: this.encoder,
          baseline: this.baseline,
          missing,
        }),
      ),
      model_version: this.manifest.version,
    };
    // The client's id first, as a person reading the JSON expects it; absent when not given.
    return record.id === null ? result : { id: record.id, ...result };
  }

  /** Serialised artifacts, one JSON text per model file. */
  serialize(): Record<ModelPart, string> {
    return serializeParts(this);
  }

  /** Rebuilds the models from parsed artifact JSON, checking names and feature counts. */
  static fromArtifacts(manifest: Manifest, json: Record<ModelPart, unknown>): ModelBundle {
    const encoder = FeatureEncoder.fromJSON(json.features);
    const n = encoder.featureNames.length;
    if (manifest.feature_names?.join() !== encoder.featureNames.join()) {
      throw new RangeError('manifest feature_names differ from the encoder artifact');
    }
    return new ModelBundle(manifest, {
      encoder,
      scaler: StandardScaler.fromJSON(json.scaler, n),
      isolationForest: IsolationForest.fromJSON(json.isolationForest, n),
      randomForest: RandomForestClassifier.fromJSON(json.randomForest, n),
      baseline: IqrBaseline.fromJSON(json.baseline),
      surrogate: SurrogateTree.fromJSON(json.surrogate),
      profile: TrainingProfile.fromJSON(json.profile, encoder.featureNames),
      decision: Decision.fromJSON(json.decision),
    });
  }
}

function withEvidence(evidence: readonly string[] | undefined, reasons: readonly string[]): readonly string[] {
  return evidence === undefined ? reasons : [...evidence, ...reasons];
}

/** Throws unless every model takes the encoder's feature vector. */
export function checkParts(parts: BundleParts): void {
  const n = parts.encoder.featureNames.length;
  for (const [name, width] of [
    ['scaler', parts.scaler.nFeatures],
    ['isolation forest', parts.isolationForest.nFeatures],
    ['random forest', parts.randomForest.nFeatures],
    ['training profile', parts.profile.nFeatures],
  ] as const) {
    if (width !== n) throw new RangeError(`model bundle: the ${name} has ${width} features, the encoder ${n}`);
  }
}

/** Serialised artifacts of a set of models, one JSON text per model file. */
export function serializeParts(parts: BundleParts): Record<ModelPart, string> {
  checkParts(parts);
  return {
    features: JSON.stringify(parts.encoder.toJSON()),
    scaler: JSON.stringify(parts.scaler.toJSON()),
    isolationForest: JSON.stringify(parts.isolationForest.toJSON()),
    randomForest: JSON.stringify(parts.randomForest.toJSON()),
    baseline: JSON.stringify(parts.baseline.toJSON()),
    surrogate: JSON.stringify(parts.surrogate.toJSON()),
    profile: JSON.stringify(parts.profile.toJSON()),
    decision: JSON.stringify(parts.decision.toJSON()),
  };
}
