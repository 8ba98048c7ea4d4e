/**
 * The per-source rule with labels: what to do about a source, from the evidence across its sessions,
 * with edges fitted at the source level as the verdict bands are fitted at the session level.
 *
 * The evidence is the mean calibrated probability (risk_probability) of the source's sessions: with a
 * calibrated probability it estimates the share of the source's sessions that are attacks, so it reads
 * directly as "mostly attacks" or not, and it weighs every session, where counting sessions past one
 * edge lets a benign heavy hitter with some borderline sessions (a CDN pull whose rare downloads a few
 * noisy labels called attacks) look like a repeat offender.
 *
 *   block        3 or more sessions (one session never suffices) and a mean probability at or above
 *                the block edge: the lowest edge at which the out-of-fold sources of 3 or more
 *                sessions at or above it are at least 90% malicious, and never below 0.5 (a source
 *                blocked is more likely than not mostly attacks)
 *   investigate  a mean probability at or above the investigate edge (the lowest edge with source
 *                precision 0.5, more likely malicious than not, that takes in at most 2% of the benign
 *                sources: with label noise a benign session's probability sits at the noise rate, and
 *                precision alone would put the edge under every benign source where most sources are
 *                malicious), or any suspicious or high-risk session
 *
 * A source is malicious when more than half its sessions are labelled attacks; majority voting keeps
 * symmetric label noise from making a benign source malicious. The edges are chosen on out-of-fold
 * probabilities (each source scored by models that never saw it) and measured on the hold-out.
 */
import { EVEN_ODDS, lowestEdge } from './bands.js';

export const SOURCE_TARGETS = { block: { precision: 0.9, minSessions: 3 }, investigate: { precision: 0.5, fpr: 0.02 } } as const;

export interface SourceEdges {
  /** lower edge on a source's mean risk_probability for block; null: no edge reached the target, never block */
  block: number | null;
  /** lower edge for investigate (besides any suspicious or high-risk session); null: none */
  investigate: number | null;
}

/** Each source's mean probability, session count and truth (more than half its sessions attacks). */
export interface SourceEvidence {
  mean: Float64Array;
  sessions: Int32Array;
  truth: Uint8Array;
  /** per source: any session at or above the suspicious band (the verdict) */
  flagged: Uint8Array;
}

/** Groups sessions by source: ips[i], probability[i], label y[i] and verdict suspicious[i] of session i. */
export function sourceEvidence(ips: readonly string[], probability: ArrayLike<number>, y: ArrayLike<number>, suspicious: ArrayLike<number>): SourceEvidence {
  const index = new Map<string, number>();
  const sum: number[] = [];
  const n: number[] = [];
  const attacks: number[] = [];
  const flagged: number[] = [];
  ips.forEach((ip, i) => {
    let k = index.get(ip);
    if (k === undefined) {
      index.set(ip, (k = sum.length));
      sum.push(0);
      n.push(0);
      attacks.push(0);
      flagged.push(0);
    }
    sum[k] += probability[i];
    n[k]++;
    attacks[k] += y[i];
    flagged[k] = Math.max(flagged[k], suspicious[i] ? 1 : 0);
  });
  return {
    mean: Float64Array.from(sum, (s, k) => s / n[k]),
    sessions: Int32Array.from(n),
    truth: Uint8Array.from(attacks, (a, k) => (a * 2 > n[k] ? 1 : 0)),
    flagged: Uint8Array.from(flagged),
  };
}

/** The two edges, chosen on out-of-fold source evidence. */
export function chooseSourceEdges(e: SourceEvidence): SourceEdges {
  const eligible = Array.from(e.sessions.keys()).filter((k) => e.sessions[k] >= SOURCE_TARGETS.block.minSessions);
  const b = lowestEdge(
    eligible.map((k) => e.truth[k]),
    eligible.map((k) => e.mean[k]),
    SOURCE_TARGETS.block.precision,
  );
  const block = b === null ? null : Math.max(EVEN_ODDS, b);
  const i = lowestEdge(e.truth, e.mean, SOURCE_TARGETS.investigate.precision, SOURCE_TARGETS.investigate.fpr);
  const investigate = i === null ? block : block === null ? i : Math.min(i, block);
  return { block, investigate };
}

/** Whether a source with these sessions and mean probability is blocked, or investigated for its mean alone. */
export function sourceAction(edges: SourceEdges, sessions: number, mean: number): 'block' | 'investigate' | null {
  if (edges.block !== null && sessions >= SOURCE_TARGETS.block.minSessions && mean >= edges.block) return 'block';
  if (edges.investigate !== null && mean >= edges.investigate) return 'investigate';
  return null;
}

export interface SourceRuleReport {
  action: 'block' | 'investigate';
  target_precision: number;
  edge: number | null;
  /** block needs at least this many sessions */
  min_sessions: number;
  /** over sources (malicious: more than half their sessions labelled attacks); investigate counts the sources given block or investigate */
  out_of_fold: { sources: number; precision: number | null; recall: number | null };
  holdout: { sources: number; precision: number | null; recall: number | null };
}

/** Precision and recall over sources of block, and of block or investigate, as the full rule answers. */
function measure(e: SourceEvidence, edges: SourceEdges): Record<'block' | 'investigate', { sources: number; precision: number | null; recall: number | null }> {
  const malicious = e.truth.reduce((a, b) => a + b, 0);
  const count = (hit: (k: number) => boolean) => {
    let sources = 0;
    let tp = 0;
    for (let k = 0; k < e.mean.length; k++) {
      if (!hit(k)) continue;
      sources++;
      tp += e.truth[k];
    }
    return { sources, precision: sources > 0 ? tp / sources : null, recall: malicious > 0 ? tp / malicious : null };
  };
  const act = (k: number) => sourceAction(edges, e.sessions[k], e.mean[k]);
  return {
    block: count((k) => act(k) === 'block'),
    investigate: count((k) => act(k) !== null || e.flagged[k] === 1),
  };
}

/** The rule's report: the edges with their out-of-fold and hold-out precision and recall. */
export function reportSourceRule(edges: SourceEdges, outOfFold: SourceEvidence, holdout: SourceEvidence): SourceRuleReport[] {
  const o = measure(outOfFold, edges);
  const h = measure(holdout, edges);
  return (['block', 'investigate'] as const).map((a) => ({
    action: a,
    target_precision: SOURCE_TARGETS[a].precision,
    edge: edges[a],
    min_sessions: a === 'block' ? SOURCE_TARGETS.block.minSessions : 1,
    out_of_fold: o[a],
    holdout: h[a],
  }));
}
