import { Type } from 'typebox';

const Count = Type.Integer({ minimum: 0 });
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const SourceRuleFigures = Type.Object({ sources: Type.Integer(), precision: NullableNumber, recall: NullableNumber });

/** What npm run evaluate reports (src/ml/insight/assess.ts). */
export const EvaluationSchema = Type.Object(
  {
    records: Count,
    attacks: Count,
    detectors: Type.Array(Type.Object({ detector: Type.String(), roc_auc: NullableNumber, average_precision: NullableNumber })),
    verdict: Type.Object({
      precision: Type.Number(),
      recall: Type.Number(),
      false_positive_rate: Type.Number(),
      confusion_matrix: Type.Array(Type.Array(Count), { description: '[[tn, fp], [fn, tp]]' }),
    }),
    risk_levels: Type.Object(
      { table: Type.Array(Type.Object({ level: Type.String(), benign: Count, attacks: Count })), roc_auc: NullableNumber },
      { description: 'records per risk level and truth; roc_auc: the levels as an ordering of danger, ties counting half' },
    ),
    sources: Type.Object(
      {
        total: Count,
        malicious: Type.Integer({ minimum: 0, description: 'sources more than half of whose sessions are attacks' }),
        actions: Type.Array(Type.Object({ action: Type.String(), sources: Count, malicious: Count, precision: NullableNumber })),
        block_recall: NullableNumber,
        block_or_investigate_recall: NullableNumber,
      },
      { description: 'the per-source actions against the truth' },
    ),
  },
  { description: 'the service measured against labels, as npm run evaluate reports it' },
);

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
    suspicious: Type.Integer({ minimum: 0, description: 'training rows the served models answer suspicious for' }),
    suspicious_rate: Type.Number(),
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
        roc_auc: Type.Union([Type.Number(), Type.Null()], { description: "Random Forest probability's ROC AUC; null unless labels were provided" }),
        average_precision: Type.Union([Type.Number(), Type.Null()], { description: "Random Forest probability's average precision; null unless labels were provided" }),
        isolation_forest_roc_auc: Type.Union([Type.Number(), Type.Null()], { description: 'Isolation Forest score ROC AUC on the same rows; null unless labels were provided' }),
        isolation_forest_average_precision: Type.Union([Type.Number(), Type.Null()]),
      },
      {
        description:
          'a stratified 70/30 hold-out: accuracy to confusion_matrix are the served verdict (with labels, the decision bands; without, the Random Forest at 0.5 against the derived labels); roc_auc and average_precision are the Random Forest probability',
      },
    ),
    feature_importances: Type.Record(Type.String(), Type.Number()),
    top_sources: Type.Array(Type.Object({ src_ip: Type.String(), sessions: Count, anomalies: Count, max_anomaly_score: Type.Number(), bytes_in: Count, bytes_out: Count })),
    decision: Type.Object(
      {
        mode: Type.Union([Type.Literal('labelled'), Type.Literal('unlabelled')]),
        counted: Type.Array(Type.String(), { description: 'the evidence the verdict and risk level read; a detector not listed raises nothing' }),
        detectors: Type.Union([
          Type.Array(
            Type.Object({
              detector: Type.String(),
              weight: Type.Union([Type.Number(), Type.Null()], { description: "the stacker's weight on its standardised evidence; 0: it did not help on out-of-fold predictions" }),
              roc_auc: NullableNumber,
              average_precision: NullableNumber,
            }),
            { description: 'hold-out ranking quality of each detector and of their combination (the last entry)' },
          ),
          Type.Null(),
        ]),
        bands: Type.Union([
          Type.Array(
            Type.Object({
              band: Type.Union([Type.Literal('medium'), Type.Literal('suspicious'), Type.Literal('high'), Type.Literal('critical')], {
                description: 'medium: a normal verdict at or above it is medium risk (every suspicious record is at least medium)',
              }),
              target_precision: Type.Number(),
              max_false_positive_rate: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'the out-of-fold false-positive rate the edge may not exceed; null: none' })),
              edge: Type.Union([Type.Number(), Type.Null()], { description: 'lower edge on risk_probability; null: no edge reached the target, the band is empty' }),
              out_of_fold: Type.Object({ precision: NullableNumber, recall: Type.Number() }, { description: 'where the edge was chosen' }),
              holdout: Type.Object({ precision: NullableNumber, recall: Type.Number() }, { description: 'measured on the 30% hold-out' }),
            }),
          ),
          Type.Null(),
        ]),
        sources: Type.Optional(
          Type.Union([
            Type.Array(
              Type.Object({
                action: Type.Union([Type.Literal('block'), Type.Literal('investigate')]),
                target_precision: Type.Number({ description: 'over sources (malicious: more than half their sessions labelled attacks)' }),
                edge: Type.Union([Type.Number(), Type.Null()], { description: "lower edge on a source's mean risk_probability; null: no edge reached the target, never given for it" }),
                min_sessions: Type.Integer({ description: 'sessions a source needs for the action' }),
                out_of_fold: SourceRuleFigures,
                holdout: SourceRuleFigures,
              }),
              { description: "the per-source rule with labels: block and investigate from a source's mean risk_probability; investigate's figures count sources given block or investigate" },
            ),
            Type.Null(),
          ]),
        ),
        verdict: Type.Union([Type.Object({ precision: Type.Number(), recall: Type.Number(), false_positive_rate: Type.Number() }), Type.Null()], {
          description: 'the served verdict on the hold-out against the labels; null without labels',
        }),
        holdout_evaluation: Type.Union([EvaluationSchema, Type.Null()], {
          description: 'everything npm run evaluate reports, on the hold-out rows (sources: their hold-out sessions); null without labels',
        }),
        curves: Type.Optional(
          Type.Array(
            Type.Object({
              detector: Type.String({ description: "a detector's evidence, or combined: the decision's risk_probability" }),
              roc: Type.Array(Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }), { description: '[false-positive rate, true-positive rate] points, strictest threshold first' }),
              pr: Type.Array(Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }), { description: '[recall, precision] points at the same thresholds' }),
            }),
            { description: 'ROC and precision-recall curves on the hold-out (at most 101 points each); with provided labels only' },
          ),
        ),
      },
      { description: 'how the detectors combine into the verdict and risk level (with labels: a logistic stacker and precision bands), and what that measured' },
    ),
  },
  { $id: 'TrainingMetrics', title: 'TrainingMetrics' },
);

export const TrainingDataSchema = Type.Object(
  {
    format: Type.String({ description: 'the input format trained on (cloudwatch, vpc-flow, alb, waf, cloudfront, ocsf); unknown: a model trained before this was recorded' }),
    rows: Count,
    first_record: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'earliest creation_time trained on; null when unknown' }),
    last_record: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'latest end_time trained on; null when unknown' }),
    file: Type.Union([Type.String(), Type.Null()], { description: 'the training file name (npm run train); null for POST /train or when unknown' }),
  },
  {
    description: 'what the model was trained on; traffic unlike it is named in /model/drift and the batch summary (training_note)',
  },
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
    training_data: TrainingDataSchema,
    surrogate_rules: Type.Object(
      {
        fidelity: Type.Number({ description: "the tree's agreement with the served verdict on held-out training rows" }),
        max_depth: Count,
        rows_used: Type.Integer({ minimum: 0, description: 'training rows the tree was fitted on (a stratified sample)' }),
        fidelity_rows: Count,
        rules: Type.Array(
          Type.Object({
            conditions: Type.Array(Type.String(), { description: "in the record's own fields and human units, all of which hold" }),
            verdict: Type.Union([Type.Literal('suspicious'), Type.Literal('normal')]),
            support: Type.Integer({ minimum: 0, description: 'training records reaching this rule' }),
            precision: Type.Number({ description: 'share of them with this verdict' }),
          }),
        ),
      },
      { description: 'a depth <= 4 decision tree (ml-cart) distilled from the served verdict, as rules; suspicious rules first' },
    ),
    versions: Type.Array(Type.String(), { description: 'versions kept in MODEL_DIR, oldest first' }),
    country_table: Type.Optional(
      Type.Object(
        { name: Type.String(), version: Type.String(), built: Type.Union([Type.String(), Type.Null()]) },
        { description: 'the offline IP-to-country table that gives log records without a country theirs (its age is the metric country_table_age_seconds)' },
      ),
    ),
  },
  { $id: 'ModelInfo', title: 'ModelInfo' },
);
