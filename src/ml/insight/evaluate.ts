/**
 * Evaluation used by training: a stratified hold-out split, classification
 * metrics, and the silhouette score used to compare the IQR baseline with the
 * Isolation Forest (the comparison the original analyses made).
 */
import { row, type Matrix } from '../core/matrix.js';
import type { Random } from '../core/random.js';

/**
 * Splits row indices into train and test sets, keeping each class's share:
 * every class contributes round(testShare * its size) rows to test, at least
 * one when the class has two or more rows.
 * @param testShare default 0.3
 */
export function stratifiedSplit(y: ArrayLike<number>, rng: Random, testShare = 0.3): { train: Int32Array; test: Int32Array } {
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const members: number[] = [];
    for (let i = 0; i < y.length; i++) if (y[i] === cls) members.push(i);
    rng.shuffle(members);
    let k = Math.round(members.length * testShare);
    if (k === 0 && members.length >= 2) k = 1;
    if (k === members.length && members.length >= 2) k = members.length - 1;
    for (let i = 0; i < members.length; i++) (i < k ? test : train).push(members[i]); // no spread: classes may hold 100,000s
  }
  return { train: Int32Array.from(train.sort((a, b) => a - b)), test: Int32Array.from(test.sort((a, b) => a - b)) };
}

export interface ClassificationMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** [[tn, fp], [fn, tp]]: rows are the truth, columns the prediction */
  confusion_matrix: [[number, number], [number, number]];
  support: number;
}

/** Binary metrics for class 1; precision/recall are 0 (not NaN) when undefined, as scikit-learn's zero_division=0. */
export function classificationMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>): ClassificationMetrics {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === 1) predicted[i] === 1 ? tp++ : fn++;
    else predicted[i] === 1 ? fp++ : tn++;
  }
  const n = truth.length;
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return {
    accuracy: n > 0 ? (tp + tn) / n : 0,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    confusion_matrix: [
      [tn, fp],
      [fn, tp],
    ],
    support: n,
  };
}

/**
 * Mean silhouette coefficient (Rousseeuw, 1987) of a two-cluster labelling,
 * Euclidean distance. It is quadratic in rows, so at most `maxRows` rows are
 * used, drawn with the seeded generator (scikit-learn's `sample_size`).
 * @returns null when the labelling has fewer than two clusters (undefined)
 * @param maxRows default 2000
 */
export function silhouetteScore(x: Matrix, labels: ArrayLike<number>, rng: Random, maxRows = 2000): number | null {
  let idx: Int32Array = Int32Array.from({ length: x.rows }, (_, i) => i);
  if (x.rows > maxRows) idx = rng.sampleWithoutReplacement(x.rows, maxRows);
  const n = idx.length;
  const sizes = [0, 0];
  for (let k = 0; k < n; k++) sizes[labels[idx[k]]]++;
  if (sizes[0] === 0 || sizes[1] === 0) return null;
  let total = 0;
  for (let a = 0; a < n; a++) {
    const ia = idx[a];
    const own = labels[ia];
    if (sizes[own] === 1) continue; // s = 0 for a singleton cluster
    const sums = [0, 0];
    const ra = row(x, ia);
    for (let b = 0; b < n; b++) {
      if (a === b) continue;
      const rb = row(x, idx[b]);
      let d = 0;
      for (let j = 0; j < ra.length; j++) d += (ra[j] - rb[j]) ** 2;
      sums[labels[idx[b]]] += Math.sqrt(d);
    }
    const intra = sums[own] / (sizes[own] - 1);
    const inter = sums[1 - own] / sizes[1 - own];
    const m = Math.max(intra, inter);
    total += m > 0 ? (inter - intra) / m : 0;
  }
  return total / n;
}

/**
 * Area under the ROC curve of scores for the positive class (1): the probability that a random
 * positive scores above a random negative, ties counting half (Mann-Whitney U over average ranks,
 * equal to scikit-learn's roc_auc_score). null when a class is missing.
 */
export function rocAuc(truth: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const n = truth.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (truth[order[k]] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Average precision of scores for the positive class: sum over thresholds of (R_k - R_k-1) P_k, with
 * tied scores taken as one threshold (scikit-learn's average_precision_score). null without positives.
 */
export function averagePrecision(truth: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const n = truth.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += truth[i] === 1 ? 1 : 0;
  if (positives === 0) return null;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    let newTp = 0;
    for (let k = i; k <= j; k++) newTp += truth[order[k]] === 1 ? 1 : 0;
    tp += newTp;
    seen += j - i + 1;
    ap += (newTp / positives) * (tp / seen);
    i = j + 1;
  }
  return ap;
}

export interface Curves {
  /** [false-positive rate, true-positive rate] from the strictest threshold to the loosest, (0,0) first */
  roc: [number, number][];
  /** [recall, precision] at the same thresholds */
  pr: [number, number][];
}

/**
 * The ROC and precision-recall curves of scores (tied scores one threshold), thinned to at most
 * `maxPoints` thresholds evenly spaced in rank with the first and last kept, 4 decimals: enough to
 * draw, small enough for the manifest. null when a class is missing.
 */
export function curves(truth: ArrayLike<number>, scores: ArrayLike<number>, maxPoints = 101): Curves | null {
  const n = truth.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += truth[i] === 1 ? 1 : 0;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
  const roc: [number, number][] = [[0, 0]];
  const pr: [number, number][] = [[0, 1]];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let k = i; k <= j; k++) truth[order[k]] === 1 ? tp++ : fp++;
    roc.push([r4(fp / negatives), r4(tp / positives)]);
    pr.push([r4(tp / positives), r4(tp / (tp + fp))]);
    i = j + 1;
  }
  const thin = <T>(points: T[]): T[] => {
    if (points.length <= maxPoints) return points;
    return Array.from({ length: maxPoints }, (_, k) => points[Math.round((k * (points.length - 1)) / (maxPoints - 1))]);
  };
  return { roc: thin(roc), pr: thin(pr) };
}
