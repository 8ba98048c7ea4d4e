import { Type } from 'typebox';

export const RISK_LEVEL_RULE =
  'With labels: bands of risk_probability (the calibrated combination of the detectors), each lower edge chosen on out-of-fold predictions for a stated precision ' +
  '(medium: the suspicious edge, precision 0.8 and false-positive rate 1%; high: 0.9; critical: 0.95), see /model metrics.decision. Without labels: high for a ' +
  'suspicious record corroborated by the IQR baseline, a rare or never-seen value or an out-of-range measure; medium for another suspicious record or a normal one ' +
  'with a rare, never-seen or out-of-range value; never critical. In both, a never-seen value or out-of-range measure makes a record at least medium, two at least high.';

export const VERDICT_RULE =
  'With labels: risk_probability at or above the suspicious band edge. Without labels: is_anomaly (the contamination share of the training data), or two or more ' +
  'never-seen values or out-of-range measures; the IQR baseline never widens it. Else normal.';

const Keys = (description: string) => Type.Array(Type.String(), { description });

export const ScoreResultSchema = Type.Object(
  {
    id: Type.Optional(Type.Union([Type.Integer(), Type.String()], { description: "the record's own id, when it gave one" })),
    src_ip: Type.String({ description: "the record's src_ip" }),
    verdict: Type.Union([Type.Literal('suspicious'), Type.Literal('normal')], { description: VERDICT_RULE }),
    anomaly_score: Type.Number({ description: 'Isolation Forest score 2^(-E[h(x)]/c(psi)), in (0, 1); higher is more anomalous' }),
    is_anomaly: Type.Boolean({ description: 'anomaly_score at or above the threshold fixed at training time from the contamination rate' }),
    risk_probability: Type.Number({
      description:
        'probability of the malicious class: with labels, the calibrated combination of the detectors; without, the Random Forest probability that the Isolation Forest would flag the record',
    }),
    baseline_outlier: Type.Boolean({ description: 'outside the IQR fences (Q1 - 1.5 IQR, Q3 + 1.5 IQR) on bytes_in or bytes_out' }),
    novel_fields: Keys(
      'the rare-value detector: keys among src_ip_country_code, protocol, dst_port, response.code whose value was never seen, or seen in under 1% of the training rows that gave the field',
    ),
    missing_fields: Keys(
      'keys of the fields the model uses that the record did not give; an absent field is never counted as evidence (a typical byte count; for a category, the least suspicious value it could hold)',
    ),
    risk_level: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')], { description: RISK_LEVEL_RULE }),
    reasons: Type.Array(Type.String(), {
      description:
        "short human-readable reasons, strongest first; none for a low-risk record, except what the log's own source stated (a WAF block or label), which comes first on any record and moves neither verdict nor risk",
    }),
    model_version: Type.String(),
  },
  {
    $id: 'ScoreResult',
    title: 'ScoreResult',
    examples: [
      // The committed models' answer for a 25.2 MB session of 155.91.45.242 (see the README).
      {
        src_ip: '155.91.45.242',
        verdict: 'suspicious',
        anomaly_score: 0.672516792388238,
        is_anomaly: true,
        risk_probability: 0.91,
        baseline_outlier: true,
        novel_fields: [],
        missing_fields: ['response.code'],
        risk_level: 'high',
        reasons: [
          'bytes_in 25.2 MB, above 99.9% of training traffic',
          'bytes_out 1.56 MB, above 99.9% of training traffic',
          'avg_packet_size (bytes per second) 44.6 KB/s, above 99.9% of training traffic',
          'isolation score 0.673, at or above the anomaly threshold 0.621',
          'response.code not given: never counted as evidence',
        ],
        model_version: '2026-12-02T16-09-01Z-828c6c',
      },
    ],
  },
);
