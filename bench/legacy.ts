/**
 * The previous release's decision (main at 7bff145, bundle format 2), kept here only so that
 * npm run bench:detection measures it in the same run as the current one: the Isolation Forest on all
 * eleven features, derived labels "IF anomaly or IQR outlier", the verdict and risk level by counting
 * detectors, and block on one critical session or half the batch's bytes.
 */
import type { ScoreResult } from '../src/ml/bundle/bundle.js';
import type { TrafficRecord } from '../src/ml/data/record.js';
import { IqrBaseline } from '../src/ml/detectors/baseline.js';
import { FeatureEncoder } from '../src/ml/detectors/features.js';
import { IsolationForest } from '../src/ml/detectors/isolation-forest.js';
import { RandomForestClassifier } from '../src/ml/detectors/random-forest.js';
import { novelFields } from '../src/ml/detectors/rare-values.js';
import { StandardScaler } from '../src/ml/detectors/scaler.js';
import type { Action, SourceActivity } from '../src/ml/insight/recommend.js';

type Level = ScoreResult['risk_level'];

export interface LegacyModel {
  score(records: readonly TrafficRecord[]): ScoreResult[];
  /** suspicious share on its own training rows */
  trainingSuspiciousRate: number;
}

export function trainLegacy(records: readonly TrafficRecord[], contamination: number, seed = 42): LegacyModel {
  const encoder = FeatureEncoder.fit(records);
  const scaler = StandardScaler.fit(encoder.transformMany(records));
  const x = scaler.transform(encoder.transformMany(records));
  const iforest = IsolationForest.fit(x, { nTrees: 100, maxSamples: 256, contamination, seed });
  const baseline = IqrBaseline.fit(records);
  const labelled = records.every((r) => r.label !== null);
  const scores = iforest.scoreMatrix(x);
  const y = labelled ? Uint8Array.from(records, (r) => r.label!) : Uint8Array.from(records, (r, i) => (iforest.isAnomaly(scores[i]) || baseline.isOutlier(r) ? 1 : 0));
  const forest = RandomForestClassifier.fit(x, y, { nTrees: 100, maxDepth: 10, seed });
  const score = (rs: readonly TrafficRecord[]): ScoreResult[] => {
    const xs = scaler.transform(encoder.transformMany(rs));
    const s = iforest.scoreMatrix(xs);
    const p = forest.predictProbabilities(xs);
    return rs.map((r, i) => {
      const isAnomaly = iforest.isAnomaly(s[i]);
      const outlier = baseline.isOutlier(r);
      const novel = novelFields(encoder, r);
      const votes = Number(isAnomaly) + Number(p[i] >= 0.5) + Number(outlier) + Number(novel.length > 0);
      const risk: Level = votes >= 3 || (isAnomaly && p[i] >= 0.9) ? 'critical' : votes === 2 || novel.length >= 2 ? 'high' : votes === 1 ? 'medium' : 'low';
      const suspicious = isAnomaly || p[i] >= 0.5 || novel.length >= 2 || (novel.length === 1 && votes >= 2);
      return {
        verdict: suspicious ? 'suspicious' : 'normal',
        risk_level: risk,
        anomaly_score: s[i],
        is_anomaly: isAnomaly,
        risk_probability: p[i],
        baseline_outlier: outlier,
        novel_fields: novel,
      } as ScoreResult;
    });
  };
  const own = score(records);
  return { score, trainingSuspiciousRate: own.filter((r) => r.verdict === 'suspicious').length / records.length };
}

/** The previous release's per-source rule. */
export function legacyAction(s: SourceActivity, totalBytes: number): Action | null {
  const share = totalBytes > 0 ? s.bytes / totalBytes : 0;
  if (s.highest === 'critical' || (s.suspicious >= 3 && s.suspicious >= s.sessions / 4) || (s.suspicious > 0 && share >= 0.5)) return 'block';
  if (s.suspicious > 0 || s.highest === 'high') return 'investigate';
  if (s.highest === 'medium' || share >= 0.2) return 'monitor';
  return null;
}
