import { Type } from 'typebox';

export const RISK_LEVEL_RULE =
  'Count the detectors that flag the record: Isolation Forest (is_anomaly), Random Forest (risk_probability >= 0.5), IQR baseline (baseline_outlier), ' +
  'rare values (novel_fields not empty). critical: three or more, or is_anomaly with risk_probability >= 0.9; high: two, or two or more novel fields; ' +
  'medium: one; low: none.';

export const VERDICT_RULE =
  'suspicious when is_anomaly, or risk_probability >= 0.5, or two or more novel fields, or a novel field together with another detector; else normal';

const Keys = (description: string) => Type.Array(Type.String(), { description });

export const ScoreResultSchema = Type.Object(
  {
    id: Type.Optional(Type.Union([Type.Integer(), Type.String()], { description: "the record's own id, when it gave one" })),
    src_ip: Type.String({ description: "the record's src_ip" }),
    verdict: Type.Union([Type.Literal('suspicious'), Type.Literal('normal')], { description: VERDICT_RULE }),
    anomaly_score: Type.Number({ description: 'Isolation Forest score 2^(-E[h(x)]/c(psi)), in (0, 1); higher is more anomalous' }),
    is_anomaly: Type.Boolean({ description: 'anomaly_score at or above the threshold fixed at training time from the contamination rate' }),
    risk_probability: Type.Number({ description: 'Random Forest probability of the malicious / high-risk class' }),
    baseline_outlier: Type.Boolean({ description: 'outside the IQR fences (Q1 - 1.5 IQR, Q3 + 1.5 IQR) on bytes_in or bytes_out' }),
    novel_fields: Keys(
      'the rare-value detector: keys among src_ip_country_code, protocol, dst_port, response.code whose value was never seen, or seen in under 1% of the training rows that gave the field',
    ),
    missing_fields: Keys('keys of the fields the model uses that the record did not give; they were scored as a typical training value, never as unseen'),
    risk_level: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')], { description: RISK_LEVEL_RULE }),
    reasons: Type.Array(Type.String(), { description: 'short human-readable reasons, strongest first; none for a low-risk record' }),
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
        anomaly_score: 0.6067888839983584,
        is_anomaly: false,
        risk_probability: 1,
        baseline_outlier: true,
        novel_fields: [],
        missing_fields: ['response.code'],
        risk_level: 'high',
        reasons: [
          'bytes_in 25.2 MB, above 99.9% of training traffic',
          'bytes_out 1.6 MB, above 99.9% of training traffic',
          'avg_packet_size 44.6 KB/s, above 99.9% of training traffic',
          'classifier risk 1.00 of the malicious class',
          'response.code not given: scored as a typical training value',
        ],
        model_version: '2026-11-22T07-23-43Z-0d8d62',
      },
    ],
  },
);
