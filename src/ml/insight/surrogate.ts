/**
 * Rules a person can read, distilled from the served verdict with ml-cart: a
 * shallow CART DecisionTreeClassifier (depth <= 4) fitted at training time to
 * "suspicious or normal, as the service answers" on the training rows, over the
 * record's own measures (bytes, duration, rate, ratio, hour). Each leaf becomes a
 * rule: its conditions in human units, its verdict, its support (training
 * records reaching it) and precision (the share of them with that verdict); the
 * tree's fidelity is its agreement with the served verdict on held-out rows.
 *
 * Keeping it cheap on 200,000 rows: ml-cart tries a split between every pair of
 * neighbouring sorted rows whose labels differ, and re-splits the rows for each
 * candidate, so it is quadratic in rows (0.4 s for 1,000 rows, 39 s for
 * 10,000). So it sees (1) a stratified sample of at most 4,000 rows, (2) each
 * measure as its quantile bin (at most 32 bins, edges at observed values, so
 * every threshold is a value a person can read), and (3) the rows ordered by
 * label: its sort is stable, so within a bin the labels come grouped and each
 * bin boundary yields at most two candidates instead of one per label change.
 */
import { DecisionTreeClassifier, type CartNodeJSON } from 'ml-cart';
import { checkName, numberField } from '../core/codec.js';
import { Random } from '../core/random.js';
import { countAtMost } from '../core/stats.js';
import type { TrafficRecord } from '../data/record.js';
import { avgPacketSize, durationSeconds, transferRatio } from '../detectors/features.js';
import { checkTreeArrays } from '../detectors/flat-forest.js';
import { stratifiedSplit } from './evaluate.js';
import { format, type Verdict } from './explain.js';

export const SURROGATE_FEATURES = ['bytes_in', 'bytes_out', 'session_duration_s', 'avg_packet_size', 'transfer_ratio', 'creation_hour_utc'] as const;
const N = SURROGATE_FEATURES.length;
export const SURROGATE_MAX_DEPTH = 4;
const BINS = 32;
const MAX_TRAIN_ROWS = 4000;
const MAX_FIDELITY_ROWS = 20_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface SurrogateRule {
  conditions: string[];
  verdict: Verdict;
  support: number;
  precision: number;
}

export interface SurrogateRules {
  /** agreement with the served verdict on held-out training rows */
  fidelity: number;
  max_depth: number;
  /** rows the tree was fitted on (a stratified sample) and rows its fidelity was measured on */
  rows_used: number;
  fidelity_rows: number;
  rules: SurrogateRule[];
}

export interface SurrogateTreeJSON extends SurrogateRules {
  name: 'SurrogateTree';
  nFeatures: number;
  featureNames: string[];
  /** pre-order nodes: split feature (-1 at a leaf), raw threshold (left when value < threshold), right child, leaf verdict (1 suspicious) */
  feature: number[];
  threshold: number[];
  right: number[];
  leafVerdict: number[];
}

function measures(r: TrafficRecord, out: Float64Array, off: number): void {
  out[off] = r.bytesIn;
  out[off + 1] = r.bytesOut;
  out[off + 2] = durationSeconds(r);
  out[off + 3] = avgPacketSize(r);
  out[off + 4] = transferRatio(r);
  out[off + 5] = Math.floor((((r.creationMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

/**
 * Quantile bin edges at observed values: sorted[floor(k (n-1) / BINS)], distinct, above the minimum,
 * read from at most 20,000 of the rows (every k-th).
 */
function binEdges(x: Float64Array, rows: number, j: number): Float64Array {
  const stride = Math.max(1, Math.ceil(rows / 20_000));
  const sorted = Float64Array.from({ length: Math.ceil(rows / stride) }, (_, k) => x[k * stride * N + j]).sort();
  const edges: number[] = [];
  for (let k = 1; k < BINS; k++) {
    const v = sorted[Math.floor((k * (sorted.length - 1)) / BINS)];
    if (v > sorted[0] && v !== edges[edges.length - 1]) edges.push(v);
  }
  return Float64Array.from(edges);
}

export class SurrogateTree {
  private constructor(
    private readonly feature: Int32Array,
    private readonly threshold: Float64Array,
    private readonly right: Int32Array,
    private readonly leafVerdict: Uint8Array,
    readonly summary: SurrogateRules,
  ) {}

  /**
   * Fits the tree to the served verdicts of the training records.
   * @param suspicious suspicious[i] is 1 when records[i] is served as suspicious
   */
  static fit(records: readonly TrafficRecord[], suspicious: Uint8Array, seed: number): SurrogateTree {
    const n = records.length;
    const x = new Float64Array(n * N);
    records.forEach((r, i) => measures(r, x, i * N));
    const edges = Array.from({ length: N }, (_, j) => binEdges(x, n, j));
    const rng = new Random(seed);
    const split = stratifiedSplit(suspicious, rng, 0.3);
    const train = sample(split.train, suspicious, MAX_TRAIN_ROWS, rng);
    const held = split.test.length > 0 ? split.test : split.train;
    const fidelityRows = held.length > MAX_FIDELITY_ROWS ? rng.sampleWithoutReplacement(held.length, MAX_FIDELITY_ROWS).map((k) => held[k]) : held;

    // Label 0 rows first: ml-cart's stable sort then keeps each bin's labels grouped (see above).
    const ordered = [...train].sort((a, b) => suspicious[a] - suspicious[b] || a - b);
    const cart = new DecisionTreeClassifier({ gainFunction: 'gini', maxDepth: SURROGATE_MAX_DEPTH, minNumSamples: 3 });
    cart.train(
      ordered.map((i) => Array.from({ length: N }, (_, j) => countAtMost(edges[j], x[i * N + j]))),
      ordered.map((i) => suspicious[i]),
    );

    const feature: number[] = [];
    const threshold: number[] = [];
    const right: number[] = [];
    const leafVerdict: number[] = [];
    const walk = (node: CartNodeJSON): void => {
      const self = feature.length;
      if (node.left && node.right && node.splitColumn !== undefined && node.splitValue !== undefined) {
        // bin < t  <=>  bin <= ceil(t) - 1  <=>  value < edges[ceil(t) - 1]
        feature.push(node.splitColumn);
        threshold.push(edges[node.splitColumn][Math.ceil(node.splitValue) - 1]);
        right.push(-1);
        leafVerdict.push(0);
        walk(node.left);
        right[self] = feature.length;
        walk(node.right);
      } else {
        const dist = node.distribution;
        const shares = (Array.isArray(dist) ? dist : (dist?.to2DArray?.() ?? [[1]]))[0];
        feature.push(-1);
        threshold.push(0);
        right.push(-1);
        leafVerdict.push(shares.length > 1 && shares[1] > shares[0] ? 1 : 0);
      }
    };
    walk(cart.root);

    const tree = new SurrogateTree(Int32Array.from(feature), Float64Array.from(threshold), Int32Array.from(right), Uint8Array.from(leafVerdict), {
      fidelity: 0,
      max_depth: SURROGATE_MAX_DEPTH,
      rows_used: train.length,
      fidelity_rows: fidelityRows.length,
      rules: [],
    });
    let agree = 0;
    for (const i of fidelityRows) agree += tree.leafVerdict[tree.leafOf(x, i * N)] === suspicious[i] ? 1 : 0;
    const reached = new Int32Array(feature.length);
    const matching = new Int32Array(feature.length);
    for (let i = 0; i < n; i++) {
      const leaf = tree.leafOf(x, i * N);
      reached[leaf]++;
      if (tree.leafVerdict[leaf] === suspicious[i]) matching[leaf]++;
    }
    return new SurrogateTree(tree.feature, tree.threshold, tree.right, tree.leafVerdict, {
      ...tree.summary,
      fidelity: fidelityRows.length > 0 ? agree / fidelityRows.length : 1,
      rules: tree.rules(reached, matching),
    });
  }

  /** The leaf a row of measures reaches. */
  private leafOf(x: Float64Array, off: number): number {
    let i = 0;
    while (this.feature[i] >= 0) i = x[off + this.feature[i]] < this.threshold[i] ? i + 1 : this.right[i];
    return i;
  }

  /** One rule per leaf, suspicious first, then by support. */
  private rules(reached: Int32Array, matching: Int32Array): SurrogateRule[] {
    const out: SurrogateRule[] = [];
    const lower = new Float64Array(N).fill(-Infinity);
    const upper = new Float64Array(N).fill(Infinity);
    const walk = (i: number): void => {
      const f = this.feature[i];
      if (f < 0) {
        const conditions: string[] = [];
        for (let j = 0; j < N; j++) {
          if (lower[j] > -Infinity) conditions.push(`${SURROGATE_FEATURES[j]} >= ${human(j, lower[j])}`);
          if (upper[j] < Infinity) conditions.push(`${SURROGATE_FEATURES[j]} < ${human(j, upper[j])}`);
        }
        const support = reached[i];
        out.push({ conditions, verdict: this.leafVerdict[i] === 1 ? 'suspicious' : 'normal', support, precision: support > 0 ? matching[i] / support : 0 });
        return;
      }
      const [lo, hi] = [lower[f], upper[f]];
      upper[f] = Math.min(hi, this.threshold[i]);
      walk(i + 1);
      upper[f] = hi;
      lower[f] = Math.max(lo, this.threshold[i]);
      walk(this.right[i]);
      lower[f] = lo;
    };
    walk(0);
    return out.sort((a, b) => Number(b.verdict === 'suspicious') - Number(a.verdict === 'suspicious') || b.support - a.support);
  }

  toJSON(): SurrogateTreeJSON {
    return {
      name: 'SurrogateTree',
      nFeatures: N,
      featureNames: [...SURROGATE_FEATURES],
      ...this.summary,
      feature: Array.from(this.feature),
      threshold: Array.from(this.threshold),
      right: Array.from(this.right),
      leafVerdict: Array.from(this.leafVerdict),
    };
  }

  static fromJSON(json: unknown): SurrogateTree {
    const obj = checkName(json, 'SurrogateTree');
    if (obj.nFeatures !== N || (obj.featureNames as unknown[])?.join() !== SURROGATE_FEATURES.join()) {
      throw new RangeError(`SurrogateTree: artifact has features [${String(obj.featureNames)}], expected [${SURROGATE_FEATURES.join()}]`);
    }
    const ints = (k: string): Int32Array => {
      const a = obj[k];
      if (!Array.isArray(a) || !a.every(Number.isInteger)) throw new TypeError(`SurrogateTree.${k}: expected integers`);
      return Int32Array.from(a as number[]);
    };
    const feature = ints('feature');
    const right = ints('right');
    const leafVerdict = ints('leafVerdict');
    const threshold = obj.threshold;
    if (!Array.isArray(threshold) || threshold.length !== feature.length || !threshold.every(Number.isFinite) || right.length !== feature.length || leafVerdict.length !== feature.length) {
      throw new TypeError('SurrogateTree: node arrays differ in length or hold non-finite thresholds');
    }
    checkTreeArrays('SurrogateTree', N, Int32Array.of(0), feature, right);
    const rules = obj.rules;
    const ruleOk = (r: SurrogateRule): boolean =>
      Array.isArray(r?.conditions) &&
      r.conditions.every((c) => typeof c === 'string') &&
      (r.verdict === 'suspicious' || r.verdict === 'normal') &&
      Number.isInteger(r.support) &&
      Number.isFinite(r.precision);
    if (!Array.isArray(rules) || !rules.every(ruleOk)) throw new TypeError('SurrogateTree.rules: malformed');
    return new SurrogateTree(feature, Float64Array.from(threshold as number[]), right, Uint8Array.from(leafVerdict), {
      fidelity: numberField(obj, 'fidelity', 'SurrogateTree'),
      max_depth: numberField(obj, 'max_depth', 'SurrogateTree'),
      rows_used: numberField(obj, 'rows_used', 'SurrogateTree'),
      fidelity_rows: numberField(obj, 'fidelity_rows', 'SurrogateTree'),
      rules: rules as SurrogateRule[],
    });
  }
}

/** At most `max` of the given rows, each class keeping its share (and at least min(its size, 100) rows). */
function sample(rows: Int32Array, y: Uint8Array, max: number, rng: Random): number[] {
  if (rows.length <= max) return Array.from(rows);
  const out: number[] = [];
  for (const cls of [0, 1]) {
    const members = Array.from(rows).filter((i) => y[i] === cls);
    const take = Math.min(members.length, Math.max(100, Math.round((max * members.length) / rows.length)));
    rng.shuffle(members);
    for (let i = 0; i < take; i++) out.push(members[i]);
  }
  return out.sort((a, b) => a - b);
}

/** A threshold in the units people read. */
function human(j: number, v: number): string {
  const name = SURROGATE_FEATURES[j];
  if (name === 'transfer_ratio') return String(Number(v.toPrecision(3)));
  if (name === 'creation_hour_utc') return String(v);
  return format(name, v);
}
