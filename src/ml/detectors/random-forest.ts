/**
 * Random Forest binary classifier (Breiman, 2001), trained here because the
 * ml-random-forest trainer is quadratic in rows (see docs/design.md).
 *
 * Training: every feature is binned once into at most `maxBins` ordered bins
 * (thresholds at midpoints between distinct values, or between quantiles when a
 * column has more distinct values than bins). A node then finds its best split
 * with one pass over its rows per candidate feature, building weighted class
 * histograms, and one pass over the bins: O(rows x features tried) per tree
 * level instead of sorting at every node. Gini impurity, bootstrap drawn as
 * integer row weights (as scikit-learn does), `maxFeatures` features tried per
 * split (constant ones do not count), maximum depth and minimum samples per
 * split and per leaf, all from a seeded PRNG.
 *
 * Prediction: the probability of class 1 is the mean over trees of the leaf's
 * weighted class-1 share (scikit-learn's predict_proba). Trees are flat typed
 * arrays in pre-order (left child = next node), as in isolation-forest.ts;
 * `value` holds the split threshold of an internal node or P(class 1) of a leaf,
 * and flat-forest.ts evaluates them.
 */
import { checkName, decodeArray, encodeArray } from '../core/codec.js';
import { decodeTrees, encodeTrees, featureCount, FlatForest } from './flat-forest.js';
import { assertFinite, type Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';

export interface RandomForestOptions {
  /** number of trees; default 100 */
  nTrees?: number;
  /** maximum depth of a tree (root = 0); default 10 */
  maxDepth?: number;
  /** minimum (weighted) rows to split a node; default 2 */
  minSamplesSplit?: number;
  /** minimum (weighted) rows in each child; default 1 */
  minSamplesLeaf?: number;
  /** features tried per split; default round(sqrt(nFeatures)) */
  maxFeatures?: number;
  /** draw a bootstrap sample per tree; default true */
  bootstrap?: boolean;
  /** bins per feature, 2..255; default 255 */
  maxBins?: number;
  /** PRNG seed; default 42 */
  seed?: number;
}

export interface RandomForestJSON {
  name: 'RandomForestClassifier';
  nFeatures: number;
  options: Required<RandomForestOptions>;
  importances: string;
  roots: string;
  feature: string;
  value: string;
  right: string;
}

/** Validates hyper-parameters against the data width; a bad one is a RangeError naming it. */
export function checkForestOptions(o: RandomForestOptions, nFeatures: number): Required<RandomForestOptions> {
  const r: Required<RandomForestOptions> = {
    nTrees: o.nTrees ?? 100,
    maxDepth: o.maxDepth ?? 10,
    minSamplesSplit: o.minSamplesSplit ?? 2,
    minSamplesLeaf: o.minSamplesLeaf ?? 1,
    maxFeatures: o.maxFeatures ?? Math.max(1, Math.round(Math.sqrt(nFeatures))),
    bootstrap: o.bootstrap ?? true,
    maxBins: o.maxBins ?? 255,
    seed: o.seed ?? 42,
  };
  const int = (k: keyof RandomForestOptions, lo: number, hi: number): void => {
    const v = r[k] as number;
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${k} must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  int('nTrees', 1, 10000);
  int('maxDepth', 1, 64);
  int('minSamplesSplit', 2, Number.MAX_SAFE_INTEGER);
  int('minSamplesLeaf', 1, Number.MAX_SAFE_INTEGER);
  int('maxFeatures', 1, Math.max(1, nFeatures));
  int('maxBins', 2, 255);
  int('seed', -(2 ** 31), 2 ** 32 - 1);
  return r;
}

export class RandomForestClassifier {
  private readonly flat: FlatForest;
  /** per node, the smallest leaf value under it; built on the first lowerBound() */
  private subtreeMin: Float64Array | null = null;

  private constructor(
    readonly nFeatures: number,
    readonly options: Required<RandomForestOptions>,
    /** impurity-based importances, summing to 1 (all 0 when no tree ever split) */
    readonly importances: Float64Array,
    /** the trees, pre-order (see flat-forest.ts) */
    readonly roots: Int32Array,
    readonly feature: Int32Array,
    readonly value: Float64Array,
    readonly right: Int32Array,
  ) {
    this.flat = new FlatForest(roots, feature, value, right);
  }

  /**
   * Trains on x with binary labels y (0 or 1).
   * @param onTree called after each tree with the number grown so far (progress)
   * @throws RangeError on bad hyper-parameters, mismatched shapes, non-binary or single-class labels
   */
  static fit(x: Matrix, y: ArrayLike<number>, options: RandomForestOptions = {}, onTree?: (done: number) => void): RandomForestClassifier {
    const opts = checkForestOptions(options, x.cols);
    if (x.rows < 2) throw new RangeError(`RandomForest.fit: need at least 2 rows, got ${x.rows}`);
    if (y.length !== x.rows) throw new RangeError(`RandomForest.fit: ${x.rows} rows but ${y.length} labels`);
    assertFinite(x, 'RandomForest.fit');
    const labels = new Uint8Array(y.length);
    let ones = 0;
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`RandomForest.fit: label ${i} is ${y[i]}, expected 0 or 1`);
      labels[i] = y[i];
      ones += y[i];
    }
    if (ones === 0 || ones === y.length) throw new RangeError('RandomForest.fit: labels have one class only; need both 0 and 1');

    const bins = binColumns(x, opts.maxBins);
    const rng = new Random(opts.seed);
    const builder = new ForestBuilder(x.rows, x.cols, bins, labels, opts, rng);
    const roots = new Int32Array(opts.nTrees);
    const importances = new Float64Array(x.cols);
    for (let t = 0; t < opts.nTrees; t++) {
      roots[t] = builder.size;
      const treeImportance = builder.growTree();
      const total = treeImportance.reduce((a, b) => a + b, 0);
      if (total > 0) for (let j = 0; j < x.cols; j++) importances[j] += treeImportance[j] / total;
      onTree?.(t + 1);
    }
    const sum = importances.reduce((a, b) => a + b, 0);
    if (sum > 0) for (let j = 0; j < x.cols; j++) importances[j] /= sum;
    return new RandomForestClassifier(x.cols, opts, importances, roots, ...builder.finish());
  }

  /** P(class 1) of one row (values[offset..offset+nFeatures)). */
  predictProbability(values: Float64Array, offset = 0): number {
    return this.flat.mean(values, offset);
  }

  /** out[r] = P(class 1) of row r of the first `rows` rows of x (rows of nFeatures): the same as predictProbability(), faster. */
  predictRows(x: Float64Array, rows: number, out: Float64Array): void {
    this.flat.meanRows(x, 0, rows, this.nFeatures, out);
  }

  /**
   * The lowest P(class 1) the row could get whatever values its `unknown` columns held: in each tree,
   * a split on an unknown column may go either way, so the tree's smallest reachable leaf; the mean of
   * those. No joint choice of the unknown values can give less (each tree's leaf is at least its
   * minimum), so a record whose fields are left out is never scored above the record with them.
   * @param unknown unknown[j] true for a column whose value is not known
   */
  lowerBound(values: Float64Array, offset: number, unknown: ArrayLike<boolean>): number {
    this.subtreeMin ??= subtreeMinima(this.feature, this.value, this.right);
    let sum = 0;
    for (let t = 0; t < this.roots.length; t++) sum += this.minLeaf(this.roots[t], values, offset, unknown, Number.POSITIVE_INFINITY);
    return sum / this.roots.length;
  }

  /** The smallest leaf reachable from `node`, or `best` when no leaf under it can be smaller (branch and bound). */
  private minLeaf(node: number, x: Float64Array, off: number, unknown: ArrayLike<boolean>, best: number): number {
    const min = this.subtreeMin!;
    let i = node;
    for (;;) {
      if (min[i] >= best) return best;
      const f = this.feature[i];
      if (f < 0) return this.value[i];
      if (unknown[f]) {
        // the child with the smaller minimum first: it usually holds the answer and prunes the other
        const l = i + 1;
        const r = this.right[i];
        return min[l] <= min[r] ? this.minLeaf(r, x, off, unknown, this.minLeaf(l, x, off, unknown, best)) : this.minLeaf(l, x, off, unknown, this.minLeaf(r, x, off, unknown, best));
      }
      i = x[off + f] <= this.value[i] ? i + 1 : this.right[i]; // the split convention of flat-forest.ts
    }
  }

  /** P(class 1) of every row of x. */
  predictProbabilities(x: Matrix): Float64Array {
    if (x.cols !== this.nFeatures) throw new RangeError(`RandomForest: expected ${this.nFeatures} features, got ${x.cols}`);
    const out = new Float64Array(x.rows);
    this.predictRows(x.data, x.rows, out);
    return out;
  }

  /** Class labels (probability >= 0.5 is class 1). */
  predict(x: Matrix): Uint8Array {
    return Uint8Array.from(this.predictProbabilities(x), (p) => (p >= 0.5 ? 1 : 0));
  }

  toJSON(): RandomForestJSON {
    return {
      name: 'RandomForestClassifier',
      nFeatures: this.nFeatures,
      options: this.options,
      importances: encodeArray(this.importances),
      ...encodeTrees(this),
    };
  }

  /** @param nFeatures when given, a different feature count is an error */
  static fromJSON(json: unknown, nFeatures?: number): RandomForestClassifier {
    const obj = checkName(json, 'RandomForestClassifier');
    const n = featureCount(obj, 'RandomForestClassifier', nFeatures);
    const options = checkForestOptions((obj.options ?? {}) as RandomForestOptions, n);
    const { roots, feature, value, right } = decodeTrees(obj, 'RandomForestClassifier', options.nTrees, n);
    const importances = decodeArray(Float64Array, obj.importances, 'RandomForestClassifier.importances', n);
    return new RandomForestClassifier(n, options, importances, roots, feature, value, right);
  }
}

/** Per node (pre-order, left child next), the smallest leaf value under it: children come after their parent. */
function subtreeMinima(feature: Int32Array, value: Float64Array, right: Int32Array): Float64Array {
  const min = new Float64Array(feature.length);
  for (let i = feature.length - 1; i >= 0; i--) min[i] = feature[i] < 0 ? value[i] : Math.min(min[i + 1], min[right[i]]);
  return min;
}

/** Per-feature bins: `codes` is column-major (feature j of row i at j*rows+i). */
interface Binned {
  codes: Uint8Array;
  /** thresholds[j][b]: bin <= b  <=>  x <= thresholds[j][b] */
  thresholds: Float64Array[];
}

function binColumns(x: Matrix, maxBins: number): Binned {
  const { rows, cols } = x;
  const codes = new Uint8Array(rows * cols);
  const thresholds: Float64Array[] = [];
  const column = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) column[i] = x.data[i * cols + j];
    const sorted = Float64Array.from(column).sort();
    const distinct: number[] = [];
    for (let i = 0; i < rows; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]);
    // Cut after these distinct values: all of them, or evenly spaced ranks of the sorted column.
    const cuts: number[] = [];
    if (distinct.length <= maxBins) {
      for (let k = 0; k + 1 < distinct.length; k++) cuts.push(k);
    } else {
      let last = -1;
      for (let b = 1; b < maxBins; b++) {
        const v = sorted[Math.floor((b * rows) / maxBins)];
        const k = lowerBound(distinct, v);
        if (k > last && k + 1 < distinct.length) cuts.push((last = k));
      }
    }
    const thr = Float64Array.from(cuts, (k) => (distinct[k] + distinct[k + 1]) / 2);
    thresholds.push(thr);
    for (let i = 0; i < rows; i++) codes[j * rows + i] = upperBin(thr, column[i]);
  }
  return { codes, thresholds };
}

function lowerBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first bin b with v <= thr[b], or thr.length (the last bin). */
function upperBin(thr: Float64Array, v: number): number {
  return lowerBound(thr, v);
}

class ForestBuilder {
  private feature: number[] = [];
  private value: number[] = [];
  private right: number[] = [];
  private readonly weight: Float64Array;
  private readonly index: Int32Array;
  private readonly hist0 = new Float64Array(256);
  private readonly hist1 = new Float64Array(256);
  private readonly order: Int32Array;
  private importance: Float64Array;

  constructor(
    private readonly rows: number,
    private readonly cols: number,
    private readonly bins: Binned,
    private readonly y: Uint8Array,
    private readonly opts: Required<RandomForestOptions>,
    private readonly rng: Random,
  ) {
    this.weight = new Float64Array(rows);
    this.index = new Int32Array(rows);
    this.order = new Int32Array(cols);
    this.importance = new Float64Array(cols);
  }

  get size(): number {
    return this.feature.length;
  }

  /** Grows one tree; returns its unnormalised impurity decrease per feature. */
  growTree(): Float64Array {
    const { rows, weight, index } = this;
    weight.fill(this.opts.bootstrap ? 0 : 1);
    if (this.opts.bootstrap) for (let k = 0; k < rows; k++) weight[this.rng.nextInt(rows)] += 1;
    let n = 0;
    for (let i = 0; i < rows; i++) if (weight[i] > 0) index[n++] = i;
    this.importance = new Float64Array(this.cols);
    this.node(0, n, 0);
    return this.importance;
  }

  finish(): [Int32Array, Float64Array, Int32Array] {
    return [Int32Array.from(this.feature), Float64Array.from(this.value), Int32Array.from(this.right)];
  }

  private node(start: number, end: number, depth: number): void {
    const { weight, index, y, opts } = this;
    let w0 = 0;
    let w1 = 0;
    for (let k = start; k < end; k++) {
      const i = index[k];
      if (y[i] === 1) w1 += weight[i];
      else w0 += weight[i];
    }
    const total = w0 + w1;
    const self = this.feature.length;
    this.feature.push(-1);
    this.value.push(w1 / total);
    this.right.push(-1);
    if (depth >= opts.maxDepth || total < opts.minSamplesSplit || w0 === 0 || w1 === 0) return;

    const split = this.bestSplit(start, end, w0, w1);
    if (split === null) return;
    const { f, bin, gain } = split;
    const codes = this.bins.codes;
    const base = f * this.rows;
    let mid = start;
    for (let k = start; k < end; k++) {
      if (codes[base + index[k]] <= bin) {
        const tmp = index[k];
        index[k] = index[mid];
        index[mid++] = tmp;
      }
    }
    this.importance[f] += gain;
    this.feature[self] = f;
    this.value[self] = this.bins.thresholds[f][bin];
    this.node(start, mid, depth + 1);
    this.right[self] = this.feature.length;
    this.node(mid, end, depth + 1);
  }

  /** Best Gini split among up to maxFeatures non-constant features, or null. */
  private bestSplit(start: number, end: number, w0: number, w1: number): { f: number; bin: number; gain: number } | null {
    const { weight, index, y, hist0, hist1, order, opts } = this;
    const codes = this.bins.codes;
    const total = w0 + w1;
    const parentImpurity = total * gini(w0, w1);
    for (let j = 0; j < this.cols; j++) order[j] = j;
    let best: { f: number; bin: number; gain: number } | null = null;
    let tried = 0;
    // Draw features without replacement until maxFeatures non-constant ones were tried.
    for (let drawn = 0; drawn < this.cols && tried < opts.maxFeatures; drawn++) {
      const pick = drawn + this.rng.nextInt(this.cols - drawn);
      const f = order[pick];
      order[pick] = order[drawn];
      order[drawn] = f;
      const nBins = this.bins.thresholds[f].length + 1;
      if (nBins < 2) continue;
      hist0.fill(0, 0, nBins);
      hist1.fill(0, 0, nBins);
      const base = f * this.rows;
      let lo = 255;
      let hi = 0;
      for (let k = start; k < end; k++) {
        const i = index[k];
        const b = codes[base + i];
        if (y[i] === 1) hist1[b] += weight[i];
        else hist0[b] += weight[i];
        if (b < lo) lo = b;
        if (b > hi) hi = b;
      }
      if (lo === hi) continue; // constant on this node: does not count as tried
      tried++;
      let l0 = 0;
      let l1 = 0;
      for (let b = lo; b < hi; b++) {
        l0 += hist0[b];
        l1 += hist1[b];
        const left = l0 + l1;
        const right = total - left;
        if (left < opts.minSamplesLeaf || right < opts.minSamplesLeaf) continue;
        if (hist0[b] + hist1[b] === 0) continue; // same partition as the previous bin
        const gain = parentImpurity - left * gini(l0, l1) - right * gini(w0 - l0, w1 - l1);
        if (gain > 1e-12 && (best === null || gain > best.gain)) best = { f, bin: b, gain };
      }
    }
    return best;
  }
}

function gini(a: number, b: number): number {
  const t = a + b;
  if (t === 0) return 0;
  const pa = a / t;
  const pb = b / t;
  return 1 - pa * pa - pb * pb;
}
