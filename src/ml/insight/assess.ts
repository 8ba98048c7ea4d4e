/**
 * The service measured on labelled traffic (npm run evaluate, npm run bench:detection): given records
 * with a label and what the service answered for each, how well each detector ranks the attacks, how
 * right the verdict is, how the risk levels order danger, and how precise the per-source actions are.
 */
import type { ScoreResult } from '../bundle/bundle.js';
import type { TrafficRecord } from '../data/record.js';
import { averagePrecision, rocAuc } from './evaluate.js';
import { action, higherRisk, type Action, type SourceActivity, type SourceRule } from './recommend.js';

const LEVELS = ['low', 'medium', 'high', 'critical'] as const;

export interface Evaluation {
  records: number;
  attacks: number;
  /** ROC AUC and average precision of each detector's output and of risk_probability */
  detectors: { detector: string; roc_auc: number | null; average_precision: number | null }[];
  verdict: { precision: number; recall: number; false_positive_rate: number; confusion_matrix: [[number, number], [number, number]] };
  /** records per risk level and truth, and the levels' ROC AUC as an ordering of danger (ties count half) */
  risk_levels: { table: { level: string; benign: number; attacks: number }[]; roc_auc: number | null };
  /** a source is malicious when more than half of its sessions are attacks */
  sources: {
    total: number;
    malicious: number;
    actions: { action: Action | 'none'; sources: number; malicious: number; precision: number | null }[];
    block_recall: number | null;
    /** malicious sources given block or investigate */
    block_or_investigate_recall: number | null;
  };
}

/**
 * @param records labelled records (label 0 or 1 on every one)
 * @param results results[i] is the service's answer for records[i]
 * @param sourceRule the bundle's sourceRule, as the summary uses it (a number: the binomial rule's flag rate)
 */
export function assess(
  records: readonly TrafficRecord[],
  results: readonly ScoreResult[],
  sourceRule: SourceRule | number,
  /** the per-source rule; default the service's (recommend.ts); the benchmark passes the previous release's */
  rule: (s: SourceActivity, totalBytes: number) => Action | null = (s) => action(s, sourceRule),
): Evaluation {
  const truth = records.map((r, i) => {
    if (r.label === null) throw new RangeError(`record ${i} has no label: evaluation needs a label on every record`);
    return r.label;
  });
  const column = (f: (r: ScoreResult) => number): number[] => results.map(f);
  const rank = (detector: string, s: number[]) => ({ detector, roc_auc: rocAuc(truth, s), average_precision: averagePrecision(truth, s) });
  const detectors = [
    rank(
      'isolation_forest (anomaly_score)',
      column((r) => r.anomaly_score),
    ),
    rank(
      'iqr_baseline (baseline_outlier)',
      column((r) => Number(r.baseline_outlier)),
    ),
    rank(
      'rare_values (novel_fields)',
      column((r) => r.novel_fields.length),
    ),
    rank(
      'risk_probability',
      column((r) => r.risk_probability),
    ),
  ];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  results.forEach((r, i) => {
    const s = r.verdict === 'suspicious';
    if (truth[i] === 1) s ? tp++ : fn++;
    else s ? fp++ : tn++;
  });
  const table = LEVELS.map((level) => ({ level, benign: 0, attacks: 0 }));
  results.forEach((r, i) => (truth[i] === 1 ? table[LEVELS.indexOf(r.risk_level)].attacks++ : table[LEVELS.indexOf(r.risk_level)].benign++));

  const bySource = new Map<string, SourceActivity & { attacks: number }>();
  results.forEach((r, i) => {
    const ip = records[i].srcIp;
    let s = bySource.get(ip);
    if (!s) bySource.set(ip, (s = { src_ip: ip, sessions: 0, suspicious: 0, highest: 'low', strong: 0, bytes: 0, probability: 0, attacks: 0 }));
    const bad = r.verdict === 'suspicious';
    s.sessions++;
    s.attacks += truth[i];
    s.suspicious += bad ? 1 : 0;
    s.strong += bad && (r.risk_level === 'high' || r.risk_level === 'critical') ? 1 : 0;
    s.highest = higherRisk(s.highest, r.risk_level);
    s.bytes += records[i].bytesIn + records[i].bytesOut;
    s.probability += r.risk_probability;
  });
  let totalBytes = 0;
  for (const s of bySource.values()) totalBytes += s.bytes;
  const actions = (['block', 'investigate', 'monitor', 'none'] as const).map((a) => ({ action: a, sources: 0, malicious: 0, precision: null as number | null }));
  let malicious = 0;
  for (const s of bySource.values()) {
    const bad = s.attacks * 2 > s.sessions ? 1 : 0;
    malicious += bad;
    const entry = actions.find((a) => a.action === (rule(s, totalBytes) ?? 'none'))!;
    entry.sources++;
    entry.malicious += bad;
  }
  for (const a of actions) a.precision = a.sources > 0 ? a.malicious / a.sources : null;
  const share = (k: number): number | null => (malicious > 0 ? k / malicious : null);
  return {
    records: records.length,
    attacks: tp + fn,
    detectors,
    verdict: {
      precision: tp + fp > 0 ? tp / (tp + fp) : 0,
      recall: tp + fn > 0 ? tp / (tp + fn) : 0,
      false_positive_rate: fp + tn > 0 ? fp / (fp + tn) : 0,
      confusion_matrix: [
        [tn, fp],
        [fn, tp],
      ],
    },
    risk_levels: {
      table,
      roc_auc: rocAuc(
        truth,
        column((r) => LEVELS.indexOf(r.risk_level)),
      ),
    },
    sources: {
      total: bySource.size,
      malicious,
      actions,
      block_recall: share(actions[0].malicious),
      block_or_investigate_recall: share(actions[0].malicious + actions[1].malicious),
    },
  };
}

/** The evaluation as a table for the terminal. */
export function formatEvaluation(e: Evaluation): string {
  const f = (v: number | null): string => (v === null ? '  n/a' : v.toFixed(3));
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  const v = e.verdict;
  return [
    `${e.records} records, ${e.attacks} attacks (${pct(e.attacks / Math.max(1, e.records))})`,
    '',
    'detector                            ROC AUC  avg precision',
    ...e.detectors.map((d) => `  ${d.detector.padEnd(34)}${f(d.roc_auc)}    ${f(d.average_precision)}`),
    '',
    `verdict suspicious: precision ${f(v.precision)}  recall ${f(v.recall)}  false-positive rate ${f(v.false_positive_rate)}  [[tn fp] [fn tp]] ${JSON.stringify(v.confusion_matrix)}`,
    '',
    `risk level   benign  attacks   (ordering ROC AUC ${f(e.risk_levels.roc_auc)})`,
    ...e.risk_levels.table.map((t) => `  ${t.level.padEnd(10)} ${String(t.benign).padStart(7)}  ${String(t.attacks).padStart(7)}`),
    '',
    `sources: ${e.sources.total}, malicious (more than half their sessions attacks): ${e.sources.malicious}`,
    ...e.sources.actions.map((a) => `  ${a.action.padEnd(12)} ${String(a.sources).padStart(6)} sources, ${String(a.malicious).padStart(6)} malicious, precision ${f(a.precision)}`),
    `  malicious sources blocked: ${f(e.sources.block_recall)}; blocked or investigated: ${f(e.sources.block_or_investigate_recall)}`,
    '',
  ].join('\n');
}
