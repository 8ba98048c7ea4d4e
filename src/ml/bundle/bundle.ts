/**
 * The model bundle: encoder, scaler, Isolation Forest, Random Forest and IQR
 * baseline of one training run, with its manifest. It is immutable; the service
 * holds exactly one behind one reference and replaces it whole, so a request
 * never mixes parts of two versions.
 */
import { IqrBaseline } from '../detectors/baseline.js';
import { explain, riskLevel, verdict, type RiskLevel, type Verdict } from '../insight/explain.js';
import { FeatureEncoder, N_FEATURES } from '../detectors/features.js';
import { IsolationForest } from '../detectors/isolation-forest.js';
import { RandomForestClassifier } from '../detectors/random-forest.js';
import type { TrafficRecord } from '../data/record.js';
import { StandardScaler } from '../detectors/scaler.js';
import type { Manifest } from './manifest.js';

export const BUNDLE_FORMAT = 1;

/** Artifact file of each model inside a version directory. */
export const MODEL_FILES = {
  features: 'features.json',
  scaler: 'scaler.json',
  isolationForest: 'isolation-forest.json',
  randomForest: 'random-forest.json',
  baseline: 'baseline.json',
} as const;
export type ModelPart = keyof typeof MODEL_FILES;

export interface ScoreResult {
  verdict: Verdict;
  anomaly_score: number;
  is_anomaly: boolean;
  risk_probability: number;
  baseline_outlier: boolean;
  risk_level: RiskLevel;
  reasons: string[];
  model_version: string;
}

export interface BundleParts {
  encoder: FeatureEncoder;
  scaler: StandardScaler;
  isolationForest: IsolationForest;
  randomForest: RandomForestClassifier;
  baseline: IqrBaseline;
}

export class ModelBundle {
  readonly encoder: FeatureEncoder;
  readonly scaler: StandardScaler;
  readonly isolationForest: IsolationForest;
  readonly randomForest: RandomForestClassifier;
  readonly baseline: IqrBaseline;
  /** Per-bundle scratch row: scoring is synchronous, so one buffer serves every call. */
  private readonly scratch = new Float64Array(N_FEATURES);

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
    Object.freeze(this.manifest);
    Object.freeze(this);
  }

  get version(): string {
    return this.manifest.version;
  }

  /** The three detectors' raw outputs for one record, without explanations. */
  detect(record: TrafficRecord): { anomalyScore: number; riskProbability: number; baselineOutlier: boolean } {
    const x = this.scratch;
    this.encoder.transform(record, x, 0);
    this.scaler.transformRow(x, 0);
    return {
      anomalyScore: this.isolationForest.score(x, 0),
      riskProbability: this.randomForest.predictProbability(x, 0),
      baselineOutlier: this.baseline.isOutlier(record),
    };
  }

  /** The full verdict of one record, as POST /score returns it. */
  score(record: TrafficRecord): ScoreResult {
    const { anomalyScore, riskProbability, baselineOutlier } = this.detect(record);
    const isAnomaly = this.isolationForest.isAnomaly(anomalyScore);
    return {
      verdict: verdict(isAnomaly, riskProbability),
      anomaly_score: anomalyScore,
      is_anomaly: isAnomaly,
      risk_probability: riskProbability,
      baseline_outlier: baselineOutlier,
      risk_level: riskLevel(isAnomaly, riskProbability, baselineOutlier),
      reasons: explain({
        record,
        anomalyScore,
        anomalyThreshold: this.isolationForest.threshold,
        isAnomaly,
        riskProbability,
        encoder: this.encoder,
        baseline: this.baseline,
      }),
      model_version: this.manifest.version,
    };
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
    });
  }
}

/** Throws unless every model takes the encoder's feature vector. */
export function checkParts(parts: BundleParts): void {
  const n = parts.encoder.featureNames.length;
  for (const [name, width] of [
    ['scaler', parts.scaler.nFeatures],
    ['isolation forest', parts.isolationForest.nFeatures],
    ['random forest', parts.randomForest.nFeatures],
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
  };
}
