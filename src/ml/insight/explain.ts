/**
 * Turns the four detectors' outputs into a verdict, a risk level and reasons a
 * person can act on.
 *
 * The detectors: the Isolation Forest (is_anomaly), the Random Forest
 * (risk_probability >= 0.5), the IQR baseline (baseline_outlier) and the
 * rare-value detector (novel_fields not empty).
 *
 * verdict: `suspicious` when the Isolation Forest or the Random Forest flags
 * the record, or when novel values are backed: two or more novel fields, or a
 * novel field together with any other detector. Otherwise `normal`.
 *
 * risk_level rule (also in docs/api.md and openapi.yaml). Count the detectors
 * that flag the record:
 *   - critical: three or more, or the Isolation Forest with a Random Forest
 *     probability of 0.9 or more;
 *   - high: two, or two or more novel fields;
 *   - medium: one;
 *   - low: none.
 * So a suspicious verdict is always high or above when novel values made it,
 * and medium or above otherwise; the IQR baseline alone or one novel field
 * alone is `medium` but `normal`.
 *
 * Reasons: none for a low-risk record. Otherwise ordered by strength of
 * evidence: measures beyond everything seen in training first, then tails
 * (99.9%, 99%), IQR fences, novel categorical values, the detectors' own
 * statements, and last the fields the record did not give. Numbers are shown
 * with as many digits as it takes to tell them from the figure they are
 * compared with.
 */
import type { TrafficRecord } from '../data/record.js';
import type { IqrBaseline, ProfileMeasure } from '../detectors/baseline.js';
import { measure, PROFILE_MEASURES } from '../detectors/baseline.js';
import { CATEGORICAL, CATEGORICAL_KEYS, type FeatureEncoder } from '../detectors/features.js';
import { RARE_SHARE } from '../detectors/rare-values.js';

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';
export type Verdict = 'suspicious' | 'normal';

/** risk_probability at or above which the classifier calls a record malicious */
export const RISK_CUTOFF = 0.5;

/** What the four detectors say of one record. */
export interface Detections {
  isAnomaly: boolean;
  riskProbability: number;
  baselineOutlier: boolean;
  /** fields with a rare or never-seen value */
  novel: number;
}

function votes(d: Detections): number {
  return Number(d.isAnomaly) + Number(d.riskProbability >= RISK_CUTOFF) + Number(d.baselineOutlier) + Number(d.novel > 0);
}

export function riskLevel(d: Detections): RiskLevel {
  const v = votes(d);
  if (v >= 3 || (d.isAnomaly && d.riskProbability >= 0.9)) return 'critical';
  if (v === 2 || d.novel >= 2) return 'high';
  if (v === 1) return 'medium';
  return 'low';
}

export function verdict(d: Detections): Verdict {
  if (d.isAnomaly || d.riskProbability >= RISK_CUTOFF) return 'suspicious';
  return d.novel >= 2 || (d.novel === 1 && votes(d) >= 2) ? 'suspicious' : 'normal';
}

interface Reason {
  strength: number;
  text: string;
}

export interface ExplainInput {
  record: TrafficRecord;
  detections: Detections;
  risk: RiskLevel;
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
  const { record, baseline, encoder, detections } = input;
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
      if (v !== max) r = { strength: 3, text: `${m} ${format(m, v, max)}, training traffic was always ${format(m, max, v)}` };
    } else if (v > max) r = { strength: 5, text: `${m} ${format(m, v, max)}, above all training traffic (max ${format(m, max, v)})` };
    else if (v < min) r = { strength: 4.5, text: `${m} ${format(m, v, min)}, below all training traffic (min ${format(m, min, v)})` };
    else if (rank >= 0.999) r = { strength: 4, text: `${m} ${format(m, v)}, above 99.9% of training traffic` };
    else if (rank <= 0.001) r = { strength: 3.5, text: `${m} ${format(m, v)}, below 99.9% of training traffic` };
    else if (rank >= 0.99) r = { strength: 3, text: `${m} ${format(m, v)}, above 99% of training traffic` };
    if (r) {
      out.push(r);
      described.add(m);
    }
  }
  for (const f of baseline.violations(record)) {
    if (described.has(f.measure)) continue;
    const v = measure(record, f.measure);
    const fence = v > f.high ? f.high : f.low;
    out.push({ strength: 2.5, text: `${f.measure} ${format(f.measure, v, fence)}, ${v > f.high ? 'above' : 'below'} the IQR fence ${format(f.measure, fence, v)}` });
  }
  if (detections.novel > 0) {
    for (const field of CATEGORICAL) {
      const value = record[field];
      if (value === null || !encoder.uses(field)) continue;
      const share = encoder.share(field, value);
      const key = CATEGORICAL_KEYS[field];
      if (share === 0) out.push({ strength: 2, text: `${key} ${String(value)} never seen in training traffic` });
      else if (share < RARE_SHARE) out.push({ strength: 1.8, text: `${key} ${String(value)} is rare in training traffic (${pct(share)} of sessions)` });
    }
  }
  if (detections.isAnomaly) {
    out.push({ strength: 1.5, text: `isolation score ${input.anomalyScore.toFixed(3)}, at or above the anomaly threshold ${input.anomalyThreshold.toFixed(3)}` });
  }
  if (detections.riskProbability >= RISK_CUTOFF) {
    out.push({ strength: 1.4, text: `classifier risk ${detections.riskProbability.toFixed(2)} of the malicious class` });
  }
  if (input.missing.length > 0) {
    out.push({ strength: 0.5, text: `${input.missing.join(', ')} not given: scored as a typical training value` });
  }
  // Stable sort: equal strengths keep the measure order above.
  return out.sort((a, b) => b.strength - a.strength).map((r) => r.text);
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.001 ? 2 : 1)}%`;
}

/**
 * Human units: bytes as B/KB/MB/GB (powers of 1000), seconds, bytes per second. Given the figure it
 * is compared with, it adds digits (up to 6 decimals) until the two read differently, so that
 * "600.123 s" is never shown as "600 s, training traffic was always 600 s".
 */
export function format(m: ProfileMeasure, v: number, comparedWith?: number): string {
  const unit = m === 'session_duration_s' ? 's' : m === 'avg_packet_size' ? 'B/s' : 'B';
  // Both figures in the unit of the larger, so they read side by side.
  const magnitude = Math.max(Math.abs(v), Math.abs(comparedWith ?? v));
  const [scale, prefix] = m === 'session_duration_s' ? [1, ''] : (SCALES.find(([s]) => magnitude >= s) ?? [1, '']);
  const x = v / scale;
  let digits = Number.isInteger(x) ? 0 : Math.abs(x) >= 100 ? 0 : 1;
  if (comparedWith !== undefined && comparedWith !== v) {
    const y = comparedWith / scale;
    while (digits < 6 && x.toFixed(digits) === y.toFixed(digits)) digits++;
  }
  return `${trimZeros(x.toFixed(digits))} ${prefix}${unit}`;
}

const SCALES: readonly (readonly [number, string])[] = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'K'],
];

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
