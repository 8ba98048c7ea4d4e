/**
 * The verdict and the risk levels as bands of the combined probability, each band's lower edge chosen
 * on out-of-fold predictions, then measured on the hold-out.
 *
 *   medium                   the lowest edge at which at most 2% of the out-of-fold benign records
 *                            score (the false-positive budget the issue set for a verdict), or the
 *                            suspicious edge if that is lower: a normal record that scores where
 *                            few benign ones do is worth a look, and the levels then order the
 *                            records the verdict leaves normal
 *   suspicious (and medium)  the lower of 0.5 (even odds: the calibrated probability says "more likely
 *                            an attack than not", the edge that stays right under symmetric label
 *                            noise, which caps the precision any edge can show against noisy labels)
 *                            and the lowest edge whose out-of-fold precision is >= 0.8 with a
 *                            false-positive rate <= 1% (more recall where the labels allow it)
 *   high                     the lowest edge with precision >= 0.9
 *   critical                 the lowest edge with precision >= 0.95
 *
 * "The lowest edge with precision >= P": of the thresholds at an attack's score at which the records at
 * or above it are at least P malicious, the one that flags the most (an edge below the lowest attack
 * it needs would only take in benign records). No edge reaches a target on data too noisy for it: the
 * band is then empty (its edge null) and the report says so, rather than a guessed threshold. Each band
 * is at least the one below it, so the levels are ordered.
 */

/** The calibrated probability at which an attack becomes more likely than not. */
export const EVEN_ODDS = 0.5;

export const BAND_TARGETS = { medium: { precision: 0, fpr: 0.02 }, suspicious: { precision: 0.8, fpr: 0.01 }, high: { precision: 0.9 }, critical: { precision: 0.95 } } as const;

export interface Bands {
  /** lower edge of medium risk for a normal verdict (every suspicious record is at least medium) */
  medium: number;
  /** lower edges on the combined probability; null: no edge reached the target (the band is empty) */
  suspicious: number;
  high: number | null;
  critical: number | null;
}

/**
 * The lowest threshold t over the scores such that {score >= t} has precision >= minPrecision and
 * false-positive rate <= maxFpr; null when none does.
 */
export function lowestEdge(truth: ArrayLike<number>, scores: ArrayLike<number>, minPrecision: number, maxFpr = 1): number | null {
  const n = truth.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let negatives = 0;
  for (let i = 0; i < n; i++) negatives += truth[i] === 1 ? 0 : 1;
  let tp = 0;
  let fp = 0;
  let edge: number | null = null;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++; // tied scores are one threshold
    let attacks = 0;
    for (let k = i; k <= j; k++) {
      if (truth[order[k]] === 1) {
        tp++;
        attacks++;
      } else fp++;
    }
    // An edge sits on an attack's score: lowering it to take in benign records alone gains no recall.
    if (attacks > 0 && tp / (tp + fp) >= minPrecision && (negatives === 0 || fp / negatives <= maxFpr)) edge = scores[order[i]];
    i = j + 1;
  }
  return edge;
}

/** The three edges, ordered (a higher band never starts below a lower one). */
export function chooseBands(truth: ArrayLike<number>, probability: ArrayLike<number>): Bands {
  const t = BAND_TARGETS;
  const precise = lowestEdge(truth, probability, t.suspicious.precision, t.suspicious.fpr);
  const suspicious = precise === null ? EVEN_ODDS : Math.min(EVEN_ODDS, precise);
  const high = lowestEdge(truth, probability, t.high.precision);
  const critical = lowestEdge(truth, probability, t.critical.precision);
  const atLeast = (v: number | null, floor: number | null): number | null => (v === null ? null : floor === null ? v : Math.max(v, floor));
  const h = atLeast(high, suspicious);
  const watch = lowestEdge(truth, probability, t.medium.precision, t.medium.fpr);
  return { medium: watch === null ? suspicious : Math.min(watch, suspicious), suspicious, high: h, critical: atLeast(critical, h) };
}

/** Precision and recall of {score >= edge} (null edge: nothing flagged). */
export function bandMetrics(truth: ArrayLike<number>, scores: ArrayLike<number>, edge: number | null): { precision: number | null; recall: number; flagged: number } {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (let i = 0; i < truth.length; i++) {
    positives += truth[i];
    if (edge !== null && scores[i] >= edge) truth[i] === 1 ? tp++ : fp++;
  }
  return { precision: tp + fp > 0 ? tp / (tp + fp) : null, recall: positives > 0 ? tp / positives : 0, flagged: tp + fp };
}
