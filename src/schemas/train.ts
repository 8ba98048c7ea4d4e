import { Type, type Static } from 'typebox';
import { VERSION_PATTERN } from '../ml/bundle/current.js';

// Each parameter is optional: Ajv fills in the default.
export const TrainQuerySchema = Type.Object({
  contamination: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.5, default: 0.05, description: 'expected share of anomalies; sets the Isolation Forest threshold' })),
  trees: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'trees in each forest' })),
  max_depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, default: 10, description: 'Random Forest maximum depth' })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295, default: 42, description: 'PRNG seed: the same data and seed give identical models' })),
});
export type TrainQuery = Static<typeof TrainQuerySchema>;

export const TrainResponseSchema = Type.Object(
  {
    model_version: Type.String(),
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
