/**
 * Reasons a person can act on, for the verdict and risk level the decision (src/ml/decision) gave.
 *
 * Reasons: none for a low-risk record. Otherwise ordered by strength of
 * evidence: measures beyond everything seen in training first, then tails
 * (99.9%, 99%), IQR fences, novel categorical values, the detectors' own
 * statements, and last the fields the record did not give. A detector the
 * decision does not count (weight 0 in the fitted combination; the IQR fences
 * and rare values only where they count) is named in no reason. Numbers are
 * shown as src/ml/insight/figures.ts says: each in its own unit, with the digits
 * that keep the shown comparison true.
 */
import type { TrafficRecord } from '../data/record.js';
import type { IqrBaseline } from '../detectors/baseline.js';
import { measure, PROFILE_MEASURES } from '../detectors/baseline.js';
import { CATEGORICAL, CATEGORICAL_KEYS, type FeatureEncoder } from '../detectors/features.js';
import { RARE_SHARE } from '../detectors/rare-values.js';
import type { Decision, Detections, RiskLevel } from '../decision/decision.js';
import { format, measureLabel } from './figures.js';

export type { Detections, RiskLevel, Verdict } from '../decision/decision.js';
export { format } from './figures.js';

/** risk_probability at or above which the classifier calls a record malicious (the metrics' forest count) */
export const RISK_CUTOFF = 0.5;

interface Reason {
  strength: number;
  text: string;
}

export interface ExplainInput {
  record: TrafficRecord;
  detections: Detections;
  risk: RiskLevel;
  decision: Decision;
  /** the decision's probability (risk_probability) */
  probability: number;
  suspicious: boolean;
  anomalyScore: number;
  anomalyThreshold: number;
  encoder: FeatureEncoder;
  baseline: IqrBaseline;
  /** client keys of the fields the model uses that the record does not give */
  missing: readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);

/** Reasons for a verdict, strongest first; none for a low-risk record. */
export function explain(input: ExplainInput): readonly string[] {
  if (input.risk === 'low') return NONE;
  const { record, baseline, encoder, detections, decision } = input;
  const labelled = decision.mode === 'labelled';
  const out: Reason[] = [];
  const described = new Set<string>();
  for (const m of PROFILE_MEASURES) {
    const v = measure(record, m);
    if (baseline.isOrdinary(m, v)) continue; // rank in [0.2%, 99%): nothing below can apply
    const rank = baseline.percentileRank(m, v);
    const max = baseline.quantile(m, 1);
    const min = baseline.quantile(m, 0);
    let r: Reason | null = null;
    if (max === min) {
      if (v !== max) r = { strength: 5, text: `${measureLabel(m)} ${format(m, v, max)}, training traffic was always ${format(m, max, v)}` };
    } else if (v > max) r = { strength: 5, text: `${measureLabel(m)} ${format(m, v, max)}, above all training traffic (max ${format(m, max, v)})` };
    else if (v < min) r = { strength: 4.5, text: `${measureLabel(m)} ${format(m, v, min)}, below all training traffic (min ${format(m, min, v)})` };
    else if (rank >= 0.999) r = { strength: 4, text: `${measureLabel(m)} ${format(m, v)}, above 99.9% of training traffic` };
    else if (rank <= 0.001) r = { strength: 3.5, text: `${measureLabel(m)} ${format(m, v)}, below 99.9% of training traffic` };
    else if (rank >= 0.99) r = { strength: 3, text: `${measureLabel(m)} ${format(m, v)}, above 99% of training traffic` };
    if (r) {
      out.push(r);
      described.add(m);
    }
  }
  for (const f of decision.counts('iqr_baseline') ? baseline.violations(record) : []) {
    if (described.has(f.measure)) continue;
    const v = measure(record, f.measure);
    const fence = v > f.high ? f.high : f.low;
    out.push({ strength: 2.5, text: `${measureLabel(f.measure)} ${format(f.measure, v, fence)}, ${v > f.high ? 'above' : 'below'} the IQR fence ${format(f.measure, fence, v)}` });
  }
  if (detections.novel > 0) {
    for (const field of CATEGORICAL) {
      const value = record[field];
      if (value === null || !encoder.uses(field)) continue;
      const share = encoder.share(field, value);
      const key = CATEGORICAL_KEYS[field];
      if (share === 0) out.push({ strength: 2, text: `${key} ${String(value)} never seen in training traffic` });
      else if (share < RARE_SHARE && decision.counts('rare_values')) out.push({ strength: 1.8, text: `${key} ${String(value)} is rare in training traffic (${pct(share)} of sessions)` });
    }
  }
  if (detections.isAnomaly && input.suspicious && decision.counts('isolation_forest')) {
    out.push({ strength: 1.5, text: `isolation score ${input.anomalyScore.toFixed(3)}, at or above the anomaly threshold ${input.anomalyThreshold.toFixed(3)}` });
  }
  if (labelled && (input.suspicious || input.probability >= decision.json.bands!.medium)) {
    out.push({ strength: 1.4, text: `combined risk ${input.probability.toFixed(2)} of the malicious class` });
  }
  if (input.missing.length > 0) {
    out.push({ strength: 0.5, text: `${input.missing.join(', ')} not given: never counted as evidence` });
  }
  // Stable sort: equal strengths keep the measure order above.
  return out.sort((a, b) => b.strength - a.strength).map((r) => r.text);
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.001 ? 2 : 1)}%`;
}
