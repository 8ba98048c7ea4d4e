/**
 * Isolation Forest (Liu, Ting & Zhou, 2008), with scikit-learn's semantics:
 * - each tree is grown on psi = min(maxSamples, n) rows drawn without replacement;
 * - height limit ceil(log2 psi); a node stops splitting at that depth, at one
 *   row, or when every feature is constant on its rows;
 * - a split picks a feature uniformly among those not constant on the node's
 *   rows, and a threshold uniformly in [min, max) of that feature; x <= t goes left;
 * - path length h(x) = depth of the external node + c(size of that node);
 * - score s(x) = 2^(-E[h(x)] / c(psi)), in (0, 1), higher is more anomalous;
 * - the anomaly threshold is the (1 - contamination) quantile of the training
 *   scores, linear interpolation, which is scikit-learn's `offset_` with the sign
 *   flipped (sklearn stores score_samples = -s); a record is an anomaly when
 *   s >= threshold.
 *
 * Trees are stored in flat typed arrays in pre-order, so a node's left child is
 * the next node and only the right child index is stored. For an external node
 * `feature` is -1 and `value` holds depth + c(size), its whole path length, so
 * E[h(x)] is a sum of leaf values (evaluated by flat-forest.ts).
 */
import { checkName, numberField } from '../core/codec.js';
import { decodeTrees, encodeTrees, featureCount, FlatForest } from './flat-forest.js';
import { assertFinite, type Matrix } from '../core/matrix.js';
import { Random } from '../core/random.js';
import { quantile } from '../core/stats.js';

const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n): the average path length of an unsuccessful search in a binary search
 * tree of n nodes, used to normalise path lengths. c(n) = 2 H(n-1) - 2(n-1)/n
 * with H(i) ~ ln(i) + gamma; c(2) = 1; c(0) = c(1) = 0 (as scikit-learn).
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

export interface IsolationForestOptions {
  /** number of trees; default 100 */
  nTrees?: number;
  /** rows per tree, psi = min(maxSamples, n); default 256 */
  maxSamples?: number;
  /** expected share of anomalies in the training data, in (0, 0.5]; default 0.05 */
  contamination?: number;
  /** PRNG seed; default 42 */
  seed?: number;
}

export interface IsolationForestJSON {
  name: 'IsolationForest';
  nFeatures: number;
  nTrees: number;
  psi: number;
  contamination: number;
  seed: number;
  threshold: number;
  roots: string;
  feature: string;
  value: string;
  right: string;
}

/** Validates hyper-parameters; a bad one is a RangeError naming it. */
export function checkIsolationOptions(o: IsolationForestOptions): Required<IsolationForestOptions> {
  const nTrees = o.nTrees ?? 100;
  const maxSamples = o.maxSamples ?? 256;
  const contamination = o.contamination ?? 0.05;
  const seed = o.seed ?? 42;
  if (!Number.isInteger(nTrees) || nTrees < 1 || nTrees > 10000) throw new RangeError(`trees must be an integer in [1, 10000], got ${nTrees}`);
  if (!Number.isInteger(maxSamples) || maxSamples < 2) throw new RangeError(`maxSamples must be an integer >= 2, got ${maxSamples}`);
  if (!(contamination > 0 && contamination <= 0.5)) throw new RangeError(`contamination must be in (0, 0.5], got ${contamination}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  return { nTrees, maxSamples, contamination, seed };
}

export class IsolationForest {
  private readonly flat: FlatForest;
  private readonly cPsi: number;

  private constructor(
    readonly nFeatures: number,
    readonly psi: number,
    readonly contamination: number,
    readonly seed: number,
    /** scores at or above this are anomalies */
    readonly threshold: number,
    /** the trees, pre-order (see flat-forest.ts) */
    readonly roots: Int32Array,
    readonly feature: Int32Array,
    readonly value: Float64Array,
    readonly right: Int32Array,
  ) {
    this.flat = new FlatForest(roots, feature, value, right);
    this.cPsi = averagePathLength(psi);
  }

  get nTrees(): number {
    return this.roots.length;
  }

  /** Grows the forest on x and fixes the anomaly threshold from its training scores. */
  static fit(x: Matrix, options: IsolationForestOptions = {}): IsolationForest {
    const { nTrees, maxSamples, contamination, seed } = checkIsolationOptions(options);
    if (x.rows < 1) throw new RangeError('IsolationForest.fit: no rows');
    if (x.cols < 1) throw new RangeError('IsolationForest.fit: no features');
    assertFinite(x, 'IsolationForest.fit');
    const rng = new Random(seed);
    const psi = Math.min(maxSamples, x.rows);
    const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
    const builder = new TreeBuilder(x, rng, maxDepth);
    const roots = new Int32Array(nTrees);
    for (let t = 0; t < nTrees; t++) {
      roots[t] = builder.size;
      builder.grow(rng.sampleWithoutReplacement(x.rows, psi));
    }
    const forest = new IsolationForest(x.cols, psi, contamination, seed, 0, roots, ...builder.finish());
    const scores = forest.scoreMatrix(x);
    const threshold = quantile(Float64Array.from(scores).sort(), 1 - contamination);
    return new IsolationForest(x.cols, psi, contamination, seed, threshold, roots, forest.feature, forest.value, forest.right);
  }

  /** Mean path length E[h(x)] of one row (values[offset..offset+nFeatures)). */
  pathLength(values: Float64Array, offset = 0): number {
    return this.flat.mean(values, offset);
  }

  /** Anomaly score 2^(-E[h(x)]/c(psi)) of one row; 0.5 when psi = 1 (as scikit-learn). */
  score(values: Float64Array, offset = 0): number {
    return this.scoreOf(this.pathLength(values, offset));
  }

  private scoreOf(meanPath: number): number {
    return this.cPsi === 0 ? 0.5 : 2 ** (-meanPath / this.cPsi);
  }

  /** out[r] = score of row r of the first `rows` rows of x (rows of nFeatures): the same as score(), faster. */
  scoreRows(x: Float64Array, rows: number, out: Float64Array): void {
    this.flat.meanRows(x, 0, rows, this.nFeatures, out);
    for (let r = 0; r < rows; r++) out[r] = this.scoreOf(out[r]);
  }

  /** Scores of every row of x. */
  scoreMatrix(x: Matrix): Float64Array {
    if (x.cols !== this.nFeatures) throw new RangeError(`IsolationForest: expected ${this.nFeatures} features, got ${x.cols}`);
    const out = new Float64Array(x.rows);
    this.scoreRows(x.data, x.rows, out);
    return out;
  }

  /** Whether a score is at or above the contamination threshold. */
  isAnomaly(score: number): boolean {
    return score >= this.threshold;
  }

  toJSON(): IsolationForestJSON {
    return {
      name: 'IsolationForest',
      nFeatures: this.nFeatures,
      nTrees: this.nTrees,
      psi: this.psi,
      contamination: this.contamination,
      seed: this.seed,
      threshold: this.threshold,
      ...encodeTrees(this),
    };
  }

  /** @param nFeatures when given, a different feature count is an error */
  static fromJSON(json: unknown, nFeatures?: number): IsolationForest {
    const obj = checkName(json, 'IsolationForest');
    const n = featureCount(obj, 'IsolationForest', nFeatures);
    const { roots, feature, value, right } = decodeTrees(obj, 'IsolationForest', numberField(obj, 'nTrees', 'IsolationForest'), n);
    return new IsolationForest(
      n,
      numberField(obj, 'psi', 'IsolationForest'),
      numberField(obj, 'contamination', 'IsolationForest'),
      numberField(obj, 'seed', 'IsolationForest'),
      numberField(obj, 'threshold', 'IsolationForest'),
      roots,
      feature,
      value,
      right,
    );
  }
}

/** Grows isolation trees into shared growable arrays. */
class TreeBuilder {
  private feature: number[] = [];
  private value: number[] = [];
  private right: number[] = [];
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly candidates: Int32Array;

  constructor(
    private readonly x: Matrix,
    private readonly rng: Random,
    private readonly maxDepth: number,
  ) {
    this.min = new Float64Array(x.cols);
    this.max = new Float64Array(x.cols);
    this.candidates = new Int32Array(x.cols);
  }

  get size(): number {
    return this.feature.length;
  }

  grow(sample: Int32Array): void {
    this.node(sample, 0, sample.length, 0);
  }

  finish(): [Int32Array, Float64Array, Int32Array] {
    return [Int32Array.from(this.feature), Float64Array.from(this.value), Int32Array.from(this.right)];
  }

  private leaf(size: number, depth: number): void {
    this.feature.push(-1);
    this.value.push(depth + averagePathLength(size));
    this.right.push(-1);
  }

  private node(idx: Int32Array, start: number, end: number, depth: number): void {
    const n = end - start;
    if (depth >= this.maxDepth || n <= 1) return this.leaf(n, depth);
    const { x, min, max, candidates } = this;
    const cols = x.cols;
    min.fill(Infinity);
    max.fill(-Infinity);
    for (let k = start; k < end; k++) {
      const base = idx[k] * cols;
      for (let j = 0; j < cols; j++) {
        const v = x.data[base + j];
        if (v < min[j]) min[j] = v;
        if (v > max[j]) max[j] = v;
      }
    }
    let nc = 0;
    for (let j = 0; j < cols; j++) if (max[j] > min[j]) candidates[nc++] = j;
    if (nc === 0) return this.leaf(n, depth); // all rows identical: cannot be isolated further
    const f = candidates[this.rng.nextInt(nc)];
    let t = this.rng.uniform(min[f], max[f]);
    if (t >= max[f]) t = min[f]; // float rounding can reach max; keep both sides non-empty
    // Partition idx[start..end) so rows with x[f] <= t come first.
    let mid = start;
    for (let k = start; k < end; k++) {
      if (x.data[idx[k] * cols + f] <= t) {
        const tmp = idx[k];
        idx[k] = idx[mid];
        idx[mid++] = tmp;
      }
    }
    const self = this.feature.length;
    this.feature.push(f);
    this.value.push(t);
    this.right.push(-1);
    this.node(idx, start, mid, depth + 1);
    this.right[self] = this.feature.length;
    this.node(idx, mid, end, depth + 1);
  }
}
