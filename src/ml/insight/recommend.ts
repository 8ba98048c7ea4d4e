/**
 * What to do about each source of a batch, most severe first: the action the
 * original analyses ended in ("IMMEDIATE BLOCKING REQUIRED"), from a rule a
 * person can check. Over each source's sessions in the batch:
 *
 *   block        a critical session; or 3+ suspicious sessions making up at
 *                least a quarter of its sessions; or a suspicious session from
 *                a source carrying half or more of the batch's bytes
 *   investigate  otherwise, any suspicious session or a high-risk one
 *   monitor      otherwise, a medium-risk session, or a fifth or more of the
 *                batch's bytes with nothing flagged
 *
 * Sources none of these apply to are not listed. The list is ordered by action,
 * then suspicious sessions, then bytes, and holds at most 20 sources.
 */
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
  /** bytes_in + bytes_out over its sessions */
  bytes: number;
}

export const MAX_RECOMMENDATIONS = 20;
const RISK_ORDER: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2, critical: 3 };
const ACTION_ORDER: Record<Action, number> = { block: 0, investigate: 1, monitor: 2 };

export function higherRisk(a: RiskLevel, b: RiskLevel): RiskLevel {
  return RISK_ORDER[a] >= RISK_ORDER[b] ? a : b;
}

function action(s: SourceActivity, share: number): Action | null {
  if (s.highest === 'critical' || (s.suspicious >= 3 && s.suspicious >= s.sessions / 4) || (s.suspicious > 0 && share >= 0.5)) return 'block';
  if (s.suspicious > 0 || s.highest === 'high') return 'investigate';
  if (s.highest === 'medium' || share >= 0.2) return 'monitor';
  return null;
}

/** @param totalBytes bytes_in + bytes_out over the whole batch */
export function recommend(sources: Iterable<SourceActivity>, totalBytes: number): Recommendation[] {
  const out: (Recommendation & { order: [number, number, number] })[] = [];
  for (const s of sources) {
    const share = totalBytes > 0 ? s.bytes / totalBytes : 0;
    const a = action(s, share);
    if (a === null) continue;
    const reasons = [`${s.suspicious} of ${s.sessions} sessions suspicious`, `highest risk ${s.highest}`, `${(share * 100).toFixed(1)}% of the batch's bytes`];
    out.push({ src_ip: s.src_ip, action: a, reasons, order: [ACTION_ORDER[a], -s.suspicious, -s.bytes] });
  }
  out.sort((x, y) => x.order[0] - y.order[0] || x.order[1] - y.order[1] || x.order[2] - y.order[2] || (x.src_ip < y.src_ip ? -1 : 1));
  return out.slice(0, MAX_RECOMMENDATIONS).map(({ src_ip, action: a, reasons }) => ({ src_ip, action: a, reasons }));
}
