import { Type, type Static } from 'typebox';
import { VERSION_PATTERN } from '../ml/bundle/current.js';

// Each parameter is optional: Ajv fills in the default.
export const TrainQuerySchema = Type.Object({
  contamination: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.5, default: 0.05, description: 'expected share of anomalies; sets the Isolation Forest threshold' })),
  trees: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'trees in each forest' })),
  max_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, default: 10, description: 'Random Forest maximum depth' })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, default: 42, description: 'PRNG seed: the same data and seed give identical models' })),
  promote: Type.Optional(
    Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')], {
      default: 'auto',
      description:
        'auto: the new version is served only when not worse than the served one on the hold-out (comparison.rule; a hold-out under 30 rows is too small and keeps it as a candidate); always: served regardless; never: kept as a candidate, servable later with POST /model/rollback {"version": "<id>"}',
    }),
  ),
});
export type TrainQuery = Static<typeof TrainQuerySchema>;

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const SideFiguresSchema = Type.Object(
  {
    roc_auc: Type.Union([Type.Number(), Type.Null()], { description: 'of risk_probability against the provided labels; null without labels' }),
    average_precision: NullableNumber,
    precision: Type.Union([Type.Number(), Type.Null()], { description: 'of the suspicious verdict against the provided labels; null without labels' }),
    recall: NullableNumber,
    anomaly_share: Type.Number({ description: 'hold-out rows the Isolation Forest flags' }),
    suspicious_share: Type.Number({ description: 'hold-out rows answered suspicious' }),
    silhouette_isolation_forest: Type.Union([Type.Number(), Type.Null()], {
      description: "silhouette of the Isolation Forest's split of the hold-out, in the new model's scaled features (higher separates better)",
    }),
    silhouette_iqr_baseline: NullableNumber,
  },
  { description: 'one model measured on the hold-out' },
);

const ComparisonSchema = Type.Object(
  {
    served_version: Type.Union([Type.String(), Type.Null()], { description: 'the version served when training began; null: none' }),
    label_source: Type.Union([Type.Literal('provided'), Type.Literal('derived')]),
    holdout_rows: Type.Integer({ minimum: 0 }),
    min_holdout_rows: Type.Integer({ minimum: 0, description: 'fewest hold-out rows a comparison means anything on' }),
    candidate: SideFiguresSchema,
    served: Type.Union([SideFiguresSchema, Type.Null()]),
    drift: Type.Union([
      Type.Object(
        {
          max_psi: NullableNumber,
          features: Type.Array(Type.Object({ feature: Type.String(), psi: NullableNumber, status: Type.String() })),
        },
        { description: "the new training data against the served model's training profile (PSI; null under 100 rows)" },
      ),
      Type.Null(),
    ]),
    outcome: Type.Union([Type.Literal('not_worse'), Type.Literal('worse'), Type.Literal('no_served_model'), Type.Literal('too_little_data')]),
    worse_on: Type.Array(Type.String(), { description: 'each figure worse beyond the tolerance, in words' }),
    rule: Type.String({ description: 'what "not worse" means for this label source' }),
  },
  { description: 'the new and the served models measured on the same hold-out, side by side' },
);

export const TrainResponseSchema = Type.Object(
  {
    model_version: Type.String({ description: 'the new version (served or kept as a candidate)' }),
    served_version: Type.String({ description: 'the version served after this request' }),
    promoted: Type.Boolean({ description: 'whether the new version is now served' }),
    promotion: Type.Object({
      mode: Type.Union([Type.Literal('auto'), Type.Literal('always'), Type.Literal('never')]),
      promoted: Type.Boolean(),
      reason: Type.String(),
    }),
    comparison: ComparisonSchema,
    trained_rows: Type.Integer({ minimum: 0 }),
    label_source: Type.Union([Type.Literal('provided'), Type.Literal('derived')], {
      description: 'provided: every record had a label; derived: labels are "Isolation Forest anomaly or IQR outlier"',
    }),
    metrics: Type.Ref('TrainingMetrics'),
    duration_ms: Type.Number(),
  },
  { $id: 'TrainResponse', title: 'TrainResponse' },
);

export const RollbackResponseSchema = Type.Object(
  { model_version: Type.String({ description: 'the version now served' }), previous_version: Type.String({ description: 'the version served until this request' }) },
  { $id: 'RollbackResponse', title: 'RollbackResponse' },
);

export const RollbackRequestSchema = Type.Union(
  [
    Type.Object({
      version: Type.Optional(
        Type.String({
          pattern: VERSION_PATTERN.source,
          description: 'a kept version id (GET /model lists them); absent: the version served before the current one',
        }),
      ),
    }),
    Type.Null(),
  ],
  { $id: 'RollbackRequest', title: 'RollbackRequest', description: 'Optional: no body (or null) undoes the last change' },
);
export type RollbackBody = { version?: string } | null;
