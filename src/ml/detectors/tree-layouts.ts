/**
 * The two memory layouts FlatForest evaluates trees in. Both walk the trees in
 * the same order (by depth, in groups of four stepped together so their
 * dependent load chains overlap), take every tree exactly its group's depth in
 * steps with no exit test, choose a child by indexing with the comparison's 0 or
 * 1 instead of branching, and add the leaves in the same order: so they give
 * bit-identical sums, and training and serving agree whichever is used.
 *
 * - CompleteTrees: each tree padded to a complete binary tree of its group's
 *   depth, node i's children at 2i + 1 and 2i + 2. A step is one feature load,
 *   one value load and one threshold load: no child pointer sits in the chain.
 *   Measured on the committed Isolation Forest: 2.5-3.0 us a row against
 *   3.4-3.8 us for LinkedTrees in the same runs. Padding costs 2^depth nodes a
 *   tree, so it is used only while the padded forest stays small.
 * - LinkedTrees: the pre-order nodes, each with its two children side by side
 *   (one load a step, where separate left and right arrays and a mask took two
 *   loads and took 13-17% longer); a leaf is its own child with threshold
 *   +Infinity, so it stays put. Any depth.
 *
 * FlatForest walks the complete layout in WebAssembly by default (wasm-trees.ts, trees.wat: the same
 * steps and sums, about twice as fast); CompleteTrees.sumRows stays as its reference.
 */

/**
 * Trees in pre-order as the models store them: `roots[t]` is tree t's first
 * node, a node's left child is the next node, `right` holds the right child,
 * `feature` is -1 at a leaf, and `value` is the threshold of a split or the
 * value of a leaf.
 */
export interface PreorderTrees {
  roots: Int32Array;
  feature: Int32Array;
  value: Float64Array;
  right: Int32Array;
}

/** The depth of each tree (a lone leaf is depth 0). */
export function treeDepths(t: PreorderTrees): Int32Array {
  const n = t.feature.length;
  const nodeDepth = new Int32Array(n);
  const depths = new Int32Array(t.roots.length);
  for (let k = 0; k < t.roots.length; k++) {
    const end = k + 1 < t.roots.length ? t.roots[k + 1] : n;
    for (let i = t.roots[k]; i < end; i++) {
      if (t.feature[i] >= 0) nodeDepth[i + 1] = nodeDepth[t.right[i]] = nodeDepth[i] + 1;
      else if (nodeDepth[i] > depths[k]) depths[k] = nodeDepth[i];
    }
  }
  return depths;
}

/**
 * The walk order: trees by depth, then in groups of four (the last trees alone), each group stepped
 * as deep as its deepest tree.
 */
export function walkOrder(depths: Int32Array): { order: Int32Array; groupDepth: Int32Array; groups: number } {
  const order = Int32Array.from(Array.from(depths.keys()).sort((a, b) => depths[a] - depths[b] || a - b));
  const full = Math.floor(order.length / 4);
  const groupDepth = new Int32Array(full + (order.length % 4));
  for (let g = 0; g < full; g++) groupDepth[g] = depths[order[4 * g + 3]]; // sorted: the last is deepest
  for (let k = full * 4; k < order.length; k++) groupDepth[full + k - full * 4] = depths[order[k]];
  return { order, groupDepth, groups: full };
}

/** Internal nodes of the padded layout: what CompleteTrees would allocate. */
export function paddedNodes(groupDepth: Int32Array, groups: number): number {
  let n = 0;
  for (let g = 0; g < groupDepth.length; g++) n += (g < groups ? 4 : 1) * (2 ** groupDepth[g] - 1);
  return n;
}

export class CompleteTrees {
  // Read by WasmTrees, which walks the same arrays.
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly leaf: Float64Array;
  /** per group: first internal node, first leaf, depth */
  readonly nodeBase: Int32Array;
  readonly leafBase: Int32Array;
  readonly depth: Int32Array;
  /** groups of four trees; the groups after them are single trees */
  readonly groups: number;
  /** sum()'s result, through sumRows */
  private readonly one = new Float64Array(1);

  constructor(t: PreorderTrees, walk: ReturnType<typeof walkOrder>) {
    const { order, groupDepth, groups } = walk;
    this.groups = groups;
    this.depth = groupDepth;
    this.nodeBase = new Int32Array(groupDepth.length);
    this.leafBase = new Int32Array(groupDepth.length);
    let nodes = 0;
    let leaves = 0;
    for (let g = 0; g < groupDepth.length; g++) {
      const size = g < groups ? 4 : 1;
      this.nodeBase[g] = nodes;
      this.leafBase[g] = leaves;
      nodes += size * (2 ** groupDepth[g] - 1);
      leaves += size * 2 ** groupDepth[g];
    }
    this.feature = new Int32Array(nodes);
    this.threshold = new Float64Array(nodes).fill(Infinity); // padding: x > Infinity never holds, go left
    this.leaf = new Float64Array(leaves);
    for (let k = 0; k < order.length; k++) {
      const g = k < groups * 4 ? Math.floor(k / 4) : groups + k - groups * 4;
      const j = k < groups * 4 ? k % 4 : 0;
      const d = groupDepth[g];
      this.place(t, t.roots[order[k]], 0, 0, d, this.nodeBase[g] + j * (2 ** d - 1), this.leafBase[g] + j * 2 ** d);
    }
  }

  /** Copies the subtree at pre-order node `src` to complete-tree position `pos` at `level`. */
  private place(t: PreorderTrees, src: number, pos: number, level: number, depth: number, nodeBase: number, leafBase: number): void {
    if (level === depth) {
      this.leaf[leafBase + pos - (2 ** depth - 1)] = t.value[src];
      return;
    }
    const split = t.feature[src] >= 0;
    if (split) {
      this.feature[nodeBase + pos] = t.feature[src];
      this.threshold[nodeBase + pos] = t.value[src];
    }
    // A leaf above the group's depth fills its subtree's left edge, the only path a walk can take.
    this.place(t, split ? src + 1 : src, 2 * pos + 1, level + 1, depth, nodeBase, leafBase);
    if (split) this.place(t, t.right[src], 2 * pos + 2, level + 1, depth, nodeBase, leafBase);
  }

  sum(x: Float64Array, off: number): number {
    this.sumRows(x, off, 1, 0, this.one);
    return this.one[0];
  }

  /**
   * out[r] = the sum for the row at x[off + r * stride], for r < rows. Tree by tree, row by row: a
   * tree's nodes are fetched once for all the rows (measured on the committed Isolation Forest:
   * 1.9-2.8 us a row in 128-row lots against 2.7-3.3 us one row at a time). Each row's leaves are
   * added in the same order as alone, so the sums are the same bits.
   */
  sumRows(x: Float64Array, off: number, rows: number, stride: number, out: Float64Array): void {
    const { feature: F, threshold: T, leaf: V, nodeBase, leafBase, depth, groups } = this;
    // Decided before the loop: on a first call the hot loop is optimized mid-way (on-stack replacement),
    // and any comparison or property read first met after it has no type feedback, which deoptimized
    // the function over and over (21-33 times a million records, seen with --trace-deopt).
    const singles = depth.length > groups;
    out.fill(0, 0, rows);
    for (let g = 0; g < groups; g++) {
      const steps = depth[g];
      const size = (1 << steps) - 1; // internal nodes a tree; also the first leaf's position
      const ba = nodeBase[g];
      const bb = ba + size;
      const bc = bb + size;
      const bd = bc + size;
      const lb = leafBase[g] - size;
      for (let r = 0, o = off; r < rows; r++, o += stride) {
        let a = 0;
        let b = 0;
        let c = 0;
        let d = 0;
        for (let k = 0; k < steps; k++) {
          a = 2 * a + 1 + +(x[o + F[ba + a]] > T[ba + a]);
          b = 2 * b + 1 + +(x[o + F[bb + b]] > T[bb + b]);
          c = 2 * c + 1 + +(x[o + F[bc + c]] > T[bc + c]);
          d = 2 * d + 1 + +(x[o + F[bd + d]] > T[bd + d]);
        }
        out[r] += V[lb + a] + V[lb + size + 1 + b] + V[lb + 2 * (size + 1) + c] + V[lb + 3 * (size + 1) + d];
      }
    }
    if (singles) this.addSingles(x, off, rows, stride, out);
  }

  /** The trees after the last group of four, one at a time. */
  private addSingles(x: Float64Array, off: number, rows: number, stride: number, out: Float64Array): void {
    const { feature: F, threshold: T, leaf: V, nodeBase, leafBase, depth, groups } = this;
    for (let g = groups; g < depth.length; g++) {
      const ba = nodeBase[g];
      const lb = leafBase[g] - ((1 << depth[g]) - 1);
      for (let r = 0, o = off; r < rows; r++, o += stride) {
        let a = 0;
        for (let k = 0; k < depth[g]; k++) a = 2 * a + 1 + +(x[o + F[ba + a]] > T[ba + a]);
        out[r] += V[lb + a];
      }
    }
  }
}

export class LinkedTrees {
  /** tree roots in walk order */
  private readonly roots: Int32Array;
  private readonly depth: Int32Array;
  private readonly groups: number;
  /** children of node i at 2i (left) and 2i + 1 (right) */
  private readonly child: Int32Array;
  private readonly feature: Int32Array;
  private readonly threshold: Float64Array;
  private readonly leafValue: Float64Array;

  constructor(t: PreorderTrees, walk: ReturnType<typeof walkOrder>) {
    const n = t.feature.length;
    this.child = new Int32Array(2 * n);
    this.feature = new Int32Array(n);
    this.threshold = new Float64Array(n);
    this.leafValue = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (t.feature[i] >= 0) {
        this.child[2 * i] = i + 1;
        this.child[2 * i + 1] = t.right[i];
        this.feature[i] = t.feature[i];
        this.threshold[i] = t.value[i];
      } else {
        this.child[2 * i] = this.child[2 * i + 1] = i;
        this.threshold[i] = Infinity; // x > Infinity is never true: stay
        this.leafValue[i] = t.value[i];
      }
    }
    this.roots = Int32Array.from(walk.order, (k) => t.roots[k]);
    this.depth = walk.groupDepth;
    this.groups = walk.groups;
  }

  sum(x: Float64Array, off: number): number {
    const { roots, depth, groups, feature: F, threshold: T, child: C, leafValue: V } = this;
    let s = 0;
    let g = 0;
    for (; g < groups; g++) {
      let a = roots[4 * g];
      let b = roots[4 * g + 1];
      let c = roots[4 * g + 2];
      let d = roots[4 * g + 3];
      for (let k = 0; k < depth[g]; k++) {
        a = C[2 * a + +(x[off + F[a]] > T[a])];
        b = C[2 * b + +(x[off + F[b]] > T[b])];
        c = C[2 * c + +(x[off + F[c]] > T[c])];
        d = C[2 * d + +(x[off + F[d]] > T[d])];
      }
      s += V[a] + V[b] + V[c] + V[d];
    }
    for (; g < depth.length; g++) {
      let a = roots[groups * 4 + g - groups];
      for (let k = 0; k < depth[g]; k++) a = C[2 * a + +(x[off + F[a]] > T[a])];
      s += V[a];
    }
    return s;
  }

  /** out[r] = sum(x, off + r * stride), for r < rows. */
  sumRows(x: Float64Array, off: number, rows: number, stride: number, out: Float64Array): void {
    for (let r = 0; r < rows; r++) out[r] = this.sum(x, off + r * stride);
  }
}
