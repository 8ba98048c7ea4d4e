/**
 * Turns the three detectors' outputs into a verdict, a risk level and reasons a
 * person can act on.
 *
 * risk_level rule (also in the README and openapi.yaml). Count the detectors
 * that flag the record: the Isolation Forest (is_anomaly), the Random Forest
 * (risk_probability >= 0.5) and the IQR baseline (baseline_outlier).
 *   - critical: all three flag it, or the Isolation Forest does and the Random
 *     Forest gives it 0.9 or more;
 *   - high: two flag it;
 *   - medium: one flags it;
 *   - low: none does.
 * A `suspicious` verdict (is_anomaly or risk_probability >= 0.5) is therefore
 * always medium or above; a baseline outlier alone is `medium` but `normal`,
 * since the IQR fences are the weakest of the three detectors.
 *
 * Reasons are ordered by strength of evidence: measures beyond everything seen
 * in training first, then tails (99.9%, 99%), IQR fences, never-seen or rare
 * categories, and last the detectors' own statements. A plainly normal record
 * gets none.
 */
import type { IqrBaseline, ProfileMeasure } from '../detectors/baseline.js';
import { measure, PROFILE_MEASURES } from '../detectors/baseline.js';
import type { FeatureEncoder } from '../detectors/features.js';
import type { TrafficRecord } from '../data/record.js';

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';
export type Verdict = 'suspicious' | 'normal';

/** risk_probability at or above which the classifier calls a record malicious */
export const RISK_CUTOFF = 0.5;

export function riskLevel(isAnomaly: boolean, riskProbability: number, baselineOutlier: boolean): RiskLevel {
  const rf = riskProbability >= RISK_CUTOFF;
  const votes = Number(isAnomaly) + Number(rf) + Number(baselineOutlier);
  if (votes === 3 || (isAnomaly && riskProbability >= 0.9)) return 'critical';
  if (votes === 2) return 'high';
  if (votes === 1) return 'medium';
  return 'low';
}

export function verdict(isAnomaly: boolean, riskProbability: number): Verdict {
  return isAnomaly || riskProbability >= RISK_CUTOFF ? 'suspicious' : 'normal';
}

/** Categorical fields explained, with the key clients know them by (a constant: this runs per record). */
const CATEGORIES = [
  ['country', 'src_ip_country_code'],
  ['protocol', 'protocol'],
  ['dstPort', 'dst_port'],
  ['responseCode', 'response.code'],
] as const satisfies readonly (readonly [Parameters<FeatureEncoder['frequency']>[0], string])[];

/** Share of training rows below which a categorical value is called rare. */
const RARE_SHARE = 0.01;

interface Reason {
  strength: number;
  text: string;
}

export interface ExplainInput {
  record: TrafficRecord;
  anomalyScore: number;
  anomalyThreshold: number;
  isAnomaly: boolean;
  riskProbability: number;
  encoder: FeatureEncoder;
  baseline: IqrBaseline;
}

/** Reasons for a verdict, strongest first. */
export function explain(input: ExplainInput): string[] {
  const { record, baseline, encoder } = input;
  const out: Reason[] = [];
  const described = new Set<string>();
  for (const m of PROFILE_MEASURES) {
    const v = measure(record, m);
    if (baseline.isOrdinary(m, v)) continue; // rank in [0.2%, 99%): nothing below can apply
    const rank = baseline.percentileRank(m, v);
    const max = baseline.quantile(m, 1);
    const min = baseline.quantile(m, 0);
    let r: Reason | null = null;
    if (v > max && max > min) r = { strength: 5, text: `${m} ${format(m, v)}, above all training traffic (max ${format(m, max)})` };
    else if (v < min && max > min) r = { strength: 4.5, text: `${m} ${format(m, v)}, below all training traffic (min ${format(m, min)})` };
    else if (rank >= 0.999 && max > min) r = { strength: 4, text: `${m} ${format(m, v)}, above 99.9% of training traffic` };
    else if (rank <= 0.001 && max > min) r = { strength: 3.5, text: `${m} ${format(m, v)}, below 99.9% of training traffic` };
    else if (rank >= 0.99 && max > min) r = { strength: 3, text: `${m} ${format(m, v)}, above 99% of training traffic` };
    else if (v !== max && max === min) r = { strength: 3, text: `${m} ${format(m, v)}, training traffic was always ${format(m, max)}` };
    if (r) {
      out.push(r);
      described.add(m);
    }
  }
  for (const f of baseline.violations(record)) {
    if (described.has(f.measure)) continue;
    const v = measure(record, f.measure);
    const side = v > f.high ? `above the IQR fence ${format(f.measure, f.high)}` : `below the IQR fence ${format(f.measure, f.low)}`;
    out.push({ strength: 2.5, text: `${f.measure} ${format(f.measure, v)}, ${side}` });
  }
  for (const [field, key] of CATEGORIES) {
    const value = record[field];
    if (value === null) continue;
    const share = encoder.frequency(field, record);
    if (share === 0) out.push({ strength: 2, text: `${key} ${String(value)} never seen in training traffic` });
    else if (share < RARE_SHARE) out.push({ strength: 1, text: `${key} ${String(value)} is rare in training traffic (${pct(share)} of sessions)` });
  }
  if (input.isAnomaly) {
    out.push({ strength: 1.5, text: `isolation score ${input.anomalyScore.toFixed(3)}, at or above the anomaly threshold ${input.anomalyThreshold.toFixed(3)}` });
  }
  if (input.riskProbability >= RISK_CUTOFF) {
    out.push({ strength: 1.4, text: `classifier risk ${input.riskProbability.toFixed(2)} of the malicious class` });
  }
  // Stable sort: equal strengths keep the measure order above.
  return out.sort((a, b) => b.strength - a.strength).map((r) => r.text);
}

function pct(share: number): string {
  return `${(share * 100).toFixed(share < 0.001 ? 2 : 1)}%`;
}

/** Human units: bytes as B/KB/MB/GB (powers of 1000), seconds, bytes per second. */
export function format(m: ProfileMeasure, v: number): string {
  if (m === 'session_duration_s') return `${trim(v)} s`;
  const unit = m === 'avg_packet_size' ? 'B/s' : 'B';
  const scales: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [s, p] of scales) if (Math.abs(v) >= s) return `${trim(v / s)} ${p}${unit}`;
  return `${trim(v)} ${unit}`;
}

function trim(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(v >= 100 ? 0 : 1);
}
