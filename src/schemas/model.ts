import { Type } from 'typebox';

const Count = Type.Integer({ minimum: 0 });
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const TrainingMetricsSchema = Type.Object(
  {
    rows: Count,
    anomalies: Count,
    anomaly_rate: Type.Number(),
    iqr_outliers: Count,
    iqr_outlier_rate: Type.Number(),
    silhouette: Type.Object(
      { isolation_forest: NullableNumber, iqr_baseline: NullableNumber, rows_used: Count },
      { description: "mean silhouette of each detector's split on the scaled features (null: one group only)" },
    ),
    labels: Type.Object({ positive: Count, negative: Count }),
    holdout: Type.Object(
      {
        accuracy: Type.Number(),
        precision: Type.Number(),
        recall: Type.Number(),
        f1: Type.Number(),
        confusion_matrix: Type.Array(Type.Array(Count), { description: '[[tn, fp], [fn, tp]]' }),
        support: Count,
        train_rows: Count,
        test_rows: Count,
      },
      { description: 'Random Forest on a stratified 70/30 hold-out' },
    ),
    feature_importances: Type.Record(Type.String(), Type.Number()),
    top_sources: Type.Array(
      Type.Object({ src_ip: Type.String(), sessions: Count, anomalies: Count, max_anomaly_score: Type.Number(), bytes_in: Count, bytes_out: Count }),
    ),
  },
  { $id: 'TrainingMetrics', title: 'TrainingMetrics' },
);

export const ModelInfoSchema = Type.Object(
  {
    version: Type.String(),
    trained_at: Type.String({ format: 'date-time' }),
    data: Type.Object({ sha256: Type.String(), rows: Count }),
    feature_names: Type.Array(Type.String()),
    parameters: Type.Object({ contamination: Type.Number(), trees: Count, max_depth: Count, seed: Type.Integer(), max_samples: Count }),
    label_source: Type.Union([Type.Literal('provided'), Type.Literal('derived')]),
    anomaly_threshold: Type.Number(),
    metrics: Type.Ref('TrainingMetrics'),
    versions: Type.Array(Type.String(), { description: 'versions kept in MODEL_DIR, oldest first' }),
  },
  { $id: 'ModelInfo', title: 'ModelInfo' },
);
