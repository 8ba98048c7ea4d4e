import { Type } from 'typebox';

export const RISK_LEVEL_RULE =
  'Count the detectors that flag the record (Isolation Forest is_anomaly; Random Forest risk_probability >= 0.5; IQR baseline_outlier). ' +
  'critical: all three, or is_anomaly with risk_probability >= 0.9; high: two; medium: one; low: none.';

export const ScoreResultSchema = Type.Object(
  {
    verdict: Type.Union([Type.Literal('suspicious'), Type.Literal('normal')], { description: 'suspicious when is_anomaly or risk_probability >= 0.5' }),
    anomaly_score: Type.Number({ description: 'Isolation Forest score 2^(-E[h(x)]/c(psi)), in (0, 1); higher is more anomalous' }),
    is_anomaly: Type.Boolean({ description: 'anomaly_score at or above the threshold fixed at training time from the contamination rate' }),
    risk_probability: Type.Number({ description: 'Random Forest probability of the malicious / high-risk class' }),
    baseline_outlier: Type.Boolean({ description: 'outside the IQR fences (Q1 - 1.5 IQR, Q3 + 1.5 IQR) on bytes_in or bytes_out' }),
    risk_level: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('critical')], { description: RISK_LEVEL_RULE }),
    reasons: Type.Array(Type.String(), { description: 'short human-readable reasons, strongest first; empty for a plainly normal record' }),
    model_version: Type.String(),
  },
  {
    $id: 'ScoreResult',
    title: 'ScoreResult',
    examples: [
      // The committed models' answer for a 25.2 MB session of 155.91.45.242 (see the README).
      {
        verdict: 'suspicious',
        anomaly_score: 0.6067888839983584,
        is_anomaly: false,
        risk_probability: 1,
        baseline_outlier: true,
        risk_level: 'high',
        reasons: [
          'bytes_in 25.2 MB, above 99.9% of training traffic',
          'bytes_out 1.6 MB, above 99.9% of training traffic',
          'avg_packet_size 44.6 KB/s, above 99.9% of training traffic',
          'classifier risk 1.00 of the malicious class',
        ],
        model_version: '2026-11-22T02-23-10Z-b34cd4',
      },
    ],
  },
);
