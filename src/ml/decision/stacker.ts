/**
 * Logistic stacking: one calibrated probability of "malicious" from the detectors' evidence, fitted on
 * out-of-fold predictions (Wolpert's stacked generalisation, with a logistic combiner as Platt's
 * scaling generalised to several inputs).
 *
 * Why logistic and not isotonic: isotonic regression calibrates one score, so it cannot weigh several
 * detectors against each other; its steps tie many records at one value, which costs ranking (ROC AUC)
 * and the resolution the risk bands need; and it overfits the few hundred rows /train often gets. A
 * logistic model with at most five weights is stable on such data and is a probability as fitted.
 *
 * Two constraints make "a detector that does not help does not raise anything" hold by construction:
 * - every weight is >= 0 (each input is oriented so that more is more suspicious), so no detector can
 *   lower the probability by disagreeing either;
 * - a detector enters only when it lowers the out-of-fold log-loss by more than 1/n per row (Akaike's
 *   criterion: one parameter must buy more than one nat over the n rows); one that does not keeps
 *   weight 0 and is listed as not counted.
 */

export interface StackerJSON {
  /** per input: mean and scale used to standardise it, and its weight (0: not counted) */
  mean: number[];
  scale: number[];
  weights: number[];
  intercept: number;
}

/** Mean log-loss of probabilities p against 0/1 truth. */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p[i]));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / y.length;
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** A fitted stacker: weights over standardised inputs. */
export class Stacker {
  constructor(readonly json: StackerJSON) {}

  /** The probability for one row of inputs (x[offset..offset + k)). */
  probability(x: ArrayLike<number>, offset = 0): number {
    const { mean, scale, weights, intercept } = this.json;
    let z = intercept;
    for (let j = 0; j < weights.length; j++) if (weights[j] !== 0) z += (weights[j] * (x[offset + j] - mean[j])) / scale[j];
    return sigmoid(z);
  }

  /**
   * Fits on n rows of k inputs (row-major), with forward selection by out-of-fold log-loss.
   * @param x the detectors' out-of-fold evidence, one row per training record
   */
  static fit(x: Float64Array, y: Uint8Array, k: number): Stacker {
    const n = y.length;
    const mean = new Array<number>(k).fill(0);
    const scale = new Array<number>(k).fill(1);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i * k + j];
      mean[j] = s / n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (x[i * k + j] - mean[j]) ** 2;
      scale[j] = Math.sqrt(v / n) || 1;
    }
    const z = Float64Array.from(x, (v, idx) => (v - mean[idx % k]) / scale[idx % k]);
    const chosen = new Array<boolean>(k).fill(false);
    let best = fitWeights(z, y, k, chosen);
    const penalty = 1 / n;
    for (;;) {
      let candidate: { j: number; fit: Fit } | null = null;
      for (let j = 0; j < k; j++) {
        if (chosen[j]) continue;
        const fit = fitWeights(
          z,
          y,
          k,
          chosen.map((c, m) => c || m === j),
        );
        if (fit.weights[j] > 0 && best.loss - fit.loss > penalty && (candidate === null || fit.loss < candidate.fit.loss)) candidate = { j, fit };
      }
      if (candidate === null) break;
      chosen[candidate.j] = true;
      best = candidate.fit;
    }
    return new Stacker({ mean, scale, weights: best.weights, intercept: best.intercept });
  }
}

interface Fit {
  weights: number[];
  intercept: number;
  loss: number;
}

/**
 * Non-negative logistic regression on the chosen columns of standardised z: cyclic coordinate descent,
 * each coordinate a one-dimensional Newton step projected onto w >= 0 (the intercept is free). A small
 * ridge (1e-2 on standardised inputs) keeps perfectly separated data from driving a weight to
 * infinity, which would make every probability 0 or 1 and leave the bands nothing to choose between.
 */
function fitWeights(z: Float64Array, y: Uint8Array, k: number, chosen: boolean[]): Fit {
  const n = y.length;
  const w = new Array<number>(k).fill(0);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i];
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, positives / n));
  let b = Math.log(prior / (1 - prior));
  const eta = new Float64Array(n).fill(b);
  const ridge = 1e-2;
  for (let sweep = 0; sweep < 100; sweep++) {
    let moved = 0;
    for (let j = -1; j < k; j++) {
      if (j >= 0 && !chosen[j]) continue;
      let g = 0;
      let h = 0;
      for (let i = 0; i < n; i++) {
        const p = sigmoid(eta[i]);
        const xij = j < 0 ? 1 : z[i * k + j];
        g += (p - y[i]) * xij;
        h += p * (1 - p) * xij * xij;
      }
      g /= n;
      h /= n;
      if (j < 0) {
        const step = g / (h + 1e-9);
        b -= step;
        for (let i = 0; i < n; i++) eta[i] -= step;
        moved = Math.max(moved, Math.abs(step));
        continue;
      }
      g += ridge * w[j];
      h += ridge;
      const next = Math.max(0, w[j] - g / (h + 1e-9));
      const step = next - w[j];
      if (step !== 0) {
        for (let i = 0; i < n; i++) eta[i] += step * z[i * k + j];
        w[j] = next;
      }
      moved = Math.max(moved, Math.abs(step));
    }
    if (moved < 1e-6) break;
  }
  const p = Float64Array.from(eta, sigmoid);
  return { weights: w, intercept: b, loss: logLoss(y, p) };
}
