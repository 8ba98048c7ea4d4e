import { Type } from 'typebox';
import { TrainingDataSchema } from './model.js';
import { MIN_DRIFT_RECORDS, PSI_DRIFTED, PSI_FLOOR, PSI_WATCH } from '../ml/insight/drift.js';

const Ratio = (description: string) => Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description });

export const DriftReportSchema = Type.Object(
  {
    model_version: Type.String({ description: 'the served version; its window started empty when it began to be served' }),
    window: Type.Object({
      size: Type.Integer({ minimum: 0, description: 'DRIFT_WINDOW: the scored records the window covers (0: drift tracking is off)' }),
      filled: Type.Integer({ minimum: 0, description: 'records in the window now (it keeps the newest 90% to 100% of size)' }),
    }),
    features: Type.Array(
      Type.Object({
        feature: Type.String(),
        psi: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: `null until the window holds ${MIN_DRIFT_RECORDS} records` }),
        status: Type.Union([Type.Literal('stable'), Type.Literal('watch'), Type.Literal('drifted'), Type.Literal('insufficient_data')], {
          description: `stable under ${PSI_WATCH}, watch ${PSI_WATCH} to ${PSI_DRIFTED}, drifted over ${PSI_DRIFTED} (the usual PSI bands, Siddiqi 2006)`,
        }),
      }),
      { description: `Population Stability Index of each model feature, window against training deciles; shares under ${PSI_FLOOR} count as ${PSI_FLOOR}` },
    ),
    anomaly_ratio: Ratio('share of the window the Isolation Forest flags; null when empty'),
    suspicious_ratio: Ratio('share of the window answered suspicious; null when empty'),
    expected_anomaly_ratio: Type.Number({ description: 'share of the training rows the Isolation Forest flags' }),
    expected_suspicious_ratio: Type.Number({ description: 'share of the training rows answered suspicious' }),
    training_data: Type.Union([TrainingDataSchema, Type.Null()], { description: 'what the served model was trained on' }),
    unseen_share: Ratio('share of the window with a protocol or destination port never seen in training; null when empty'),
    note: Type.Union([Type.String(), Type.Null()], {
      description: `one sentence when the window (${MIN_DRIFT_RECORDS} records or more) is unlike the training traffic: most records with a never-seen protocol or port, or most features drifted; it names what the model was trained on and the command that trains it on your own logs. null otherwise`,
    }),
  },
  { $id: 'DriftReport', title: 'DriftReport' },
);
