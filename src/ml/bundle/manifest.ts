/**
 * What a model bundle says about itself: the manifest written beside the
 * artifacts, and the training report inside it. Types only, shared by the
 * trainer (which drafts it), the store (which completes and checks it) and the
 * bundle (which carries it), so none of them imports another for a type.
 */
import type { ClassificationMetrics } from '../insight/evaluate.js';
import type { DecisionReport } from '../decision/fit.js';
import type { TrainingData } from '../insight/fit.js';

export interface TrainingParameters {
  contamination: number;
  trees: number;
  max_depth: number;
  seed: number;
  max_samples: number;
}

export interface SourceSummary {
  src_ip: string;
  sessions: number;
  anomalies: number;
  max_anomaly_score: number;
  bytes_in: number;
  bytes_out: number;
}

export interface TrainingMetrics {
  rows: number;
  anomalies: number;
  anomaly_rate: number;
  iqr_outliers: number;
  iqr_outlier_rate: number;
  /** mean silhouette of each detector's two-group split on the scaled features; null when it found one group only */
  silhouette: { isolation_forest: number | null; iqr_baseline: number | null; rows_used: number };
  labels: { positive: number; negative: number };
  /** rows the service answers suspicious for (the surrogate rules' target) */
  suspicious: number;
  suspicious_rate: number;
  holdout: ClassificationMetrics & {
    train_rows: number;
    test_rows: number;
    /** ranking quality on the hold-out, with provided labels only (null with derived labels) */
    roc_auc: number | null;
    average_precision: number | null;
    isolation_forest_roc_auc: number | null;
    isolation_forest_average_precision: number | null;
  };
  feature_importances: Record<string, number>;
  top_sources: SourceSummary[];
  /** how the detectors combine into the verdict and risk level, and what that measured on the hold-out */
  decision: DecisionReport;
}

export interface Manifest {
  format: number;
  version: string;
  trained_at: string;
  data: { sha256: string; rows: number };
  feature_names: string[];
  parameters: TrainingParameters;
  label_source: 'provided' | 'derived';
  anomaly_threshold: number;
  metrics: TrainingMetrics;
  /**
   * What the model was trained on: format, rows, time span, file name. Optional, so the bundle format
   * (BUNDLE_FORMAT) did not rise for it: a bundle written before it loads as before and reads as
   * format "unknown" (insight/fit.ts trainingDataOf).
   */
  training_data?: TrainingData;
  /** sha256 and size of each artifact file, checked at load time */
  files: Record<string, { sha256: string; bytes: number }>;
}

/** Manifest fields decided by the trainer; the store adds version and files. */
export type ManifestDraft = Omit<Manifest, 'version' | 'files' | 'format'>;
