/**
 * What to do about each source of a batch, most severe first, from a rule a
 * person can check, read over each source's sessions in the batch.
 *
 * With labels, the rule fitted with the model (src/ml/decision/sources.ts): block for 3 or more
 * sessions whose mean risk_probability reaches the block edge (chosen for a source precision of 0.9,
 * never below 0.5); investigate for a mean reaching the investigate edge, or any suspicious or
 * high-risk session; monitor as below.
 *
 * Without labels nothing says how likely an attack is, so block counts repeats:
 *
 *   block        3 or more suspicious sessions, and more than chance allows: were the source
 *                ordinary, flagged at the model's own rate for ordinary traffic
 *                (flagRate), the chance of so many suspicious sessions among
 *                its sessions (the binomial tail) would be under 1 in 200. The
 *                evidence repeats across sessions; one session never suffices,
 *                and a busy source needs proportionally more.
 *   investigate  otherwise, any suspicious session, or a high or critical one
 *   monitor      otherwise, a medium-risk session (a never-seen or rare value,
 *                a measure outside the training range, with a normal verdict)
 *
 * Nothing about the rest of the file enters: a source's action depends on its
 * own sessions only (a share of one file's bytes is not evidence of malice).
 * Sources none of these apply to are not listed. The list is ordered by action,
 * then suspicious sessions, then bytes, and holds at most 20 sources. The
 * precision of each action on labelled scenarios is in docs/models.md
 * (npm run bench:detection, npm run evaluate).
 */
import { sourceAction, type SourceEdges } from '../decision/sources.js';
import type { RiskLevel } from './explain.js';

export type Action = 'block' | 'investigate' | 'monitor';

export interface Recommendation {
  src_ip: string;
  action: Action;
  reasons: string[];
}

/** What the rule reads of one source. */
export interface SourceActivity {
  src_ip: string;
  sessions: number;
  suspicious: number;
  /** highest risk level among its sessions */
  highest: RiskLevel;
  /** suspicious sessions at high or critical risk */
  strong: number;
  /** bytes_in + bytes_out over its sessions */
  bytes: number;
  /** risk_probability summed over its sessions */
  probability: number;
}

/** The rule a bundle's recommendations follow: the fitted source edges with labels, else the binomial rule at flagRate. */
export interface SourceRule {
  /** how often the model flags ordinary traffic (the binomial rule's null rate) */
  flagRate: number;
  /** with labels, the fitted edges on a source's mean risk_probability; null: the binomial rule */
  edges: SourceEdges | null;
}

export const MAX_RECOMMENDATIONS = 20;
const RISK_ORDER: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2, critical: 3 };
const ACTION_ORDER: Record<Action, number> = { block: 0, investigate: 1, monitor: 2 };

export function higherRisk(a: RiskLevel, b: RiskLevel): RiskLevel {
  return RISK_ORDER[a] >= RISK_ORDER[b] ? a : b;
}

/** Null rate when the bundle does not say: the default contamination. */
export const DEFAULT_FLAG_RATE = 0.05;
/** The binomial tail below which so many suspicious sessions are not chance. */
export const BLOCK_CHANCE = 0.005;

/** P(X >= k) for X ~ Binomial(n, p), summed in log space (n may be in the millions). */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n || p <= 0) return 0;
  if (p >= 1) return 1;
  let logTerm = 0; // log P(X = k), built up as log C(n, k) + k log p + (n - k) log(1 - p)
  for (let i = 0; i < k; i++) logTerm += Math.log((n - i) / (i + 1));
  logTerm += k * Math.log(p) + (n - k) * Math.log1p(-p);
  let sum = 0;
  let term = Math.exp(logTerm);
  for (let i = k; i <= n; i++) {
    sum += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
    if (term < sum * 1e-15) break;
  }
  return Math.min(1, sum);
}

const ruleOf = (rule: SourceRule | number): SourceRule => (typeof rule === 'number' ? { flagRate: rule, edges: null } : rule);

/** The action the rule above gives a source (null: none); a number is the binomial rule's flag rate. */
export function action(s: Pick<SourceActivity, 'sessions' | 'suspicious' | 'highest' | 'strong' | 'probability'>, given: SourceRule | number = DEFAULT_FLAG_RATE): Action | null {
  const { flagRate, edges } = ruleOf(given);
  if (edges !== null) {
    const fitted = sourceAction(edges, s.sessions, s.probability / Math.max(1, s.sessions));
    if (fitted === 'block') return 'block';
    if (fitted === 'investigate' || s.suspicious > 0 || RISK_ORDER[s.highest] >= RISK_ORDER.high) return 'investigate';
    return s.highest === 'medium' ? 'monitor' : null;
  }
  if (s.suspicious >= 3 && binomialTail(s.sessions, s.suspicious, flagRate) < BLOCK_CHANCE) return 'block';
  if (s.suspicious > 0 || RISK_ORDER[s.highest] >= RISK_ORDER.high) return 'investigate';
  if (s.highest === 'medium') return 'monitor';
  return null;
}

/** The reason that states the fitted rule's evidence for a source: its mean probability against the edges. */
function meanReason(s: SourceActivity, edges: SourceEdges): string {
  const edge = (v: number | null): string => (v === null ? 'none' : v.toFixed(2));
  return `mean risk_probability ${(s.probability / Math.max(1, s.sessions)).toFixed(2)} over its sessions (block from ${edge(edges.block)} with 3 or more sessions, investigate from ${edge(edges.investigate)})`;
}

/** @param rule the bundle's source rule (ModelBundle.sourceRule); a number: the binomial rule at that flag rate */
export function recommend(sources: Iterable<SourceActivity>, rule: SourceRule | number = DEFAULT_FLAG_RATE): Recommendation[] {
  const out: (Recommendation & { order: [number, number, number] })[] = [];
  const { edges } = ruleOf(rule);
  for (const s of sources) {
    const a = action(s, rule);
    if (a === null) continue;
    const reasons = [`${s.suspicious} of ${s.sessions} sessions suspicious`, `${s.strong} of them high or critical`, `highest risk ${s.highest}`];
    if (edges !== null) reasons.unshift(meanReason(s, edges));
    out.push({ src_ip: s.src_ip, action: a, reasons, order: [ACTION_ORDER[a], -s.suspicious, -s.bytes] });
  }
  out.sort((x, y) => x.order[0] - y.order[0] || x.order[1] - y.order[1] || x.order[2] - y.order[2] || (x.src_ip < y.src_ip ? -1 : 1));
  return out.slice(0, MAX_RECOMMENDATIONS).map(({ src_ip, action: a, reasons }) => ({ src_ip, action: a, reasons }));
}
