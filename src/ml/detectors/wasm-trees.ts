/**
 * The complete layout's walk run in WebAssembly (trees.wat): CompleteTrees' arrays copied into the
 * module's memory once, rows copied in a slice at a time. Same walk, same order of additions, same
 * bits as CompleteTrees.sumRows (a property test holds them to it); about twice as fast (trees.wat
 * says why and the measured figures).
 */
import type { CompleteTrees } from './tree-layouts.js';
import { TREES_WASM } from './trees-wasm.js';

type SumRows = (rows: number, x: number, stride: number, out: number, nodes: number, leaves: number, groups: number, nGroups: number, nAll: number) => void;

/** Compiled once a process (or thread); each forest gets its own instance and memory. */
let compiled: WebAssembly.Module | null = null;
function treesModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(TREES_WASM, 'base64'));
  return compiled;
}

/** Row values the module's memory holds a call: at least 64 rows (93 of the bundle's 11 features). */
const MIN_ROW_VALUES = 1024;
const PAGE = 65536;

export class WasmTrees {
  private readonly run: SumRows;
  /** features a row needs (the highest feature split on, plus one) */
  private readonly width: number;
  private readonly capacity: number;
  private readonly rowsView: Float64Array;
  private readonly outView: Float64Array;
  private readonly outAt: number;
  private readonly nodesAt: number;
  private readonly leavesAt: number;
  private readonly groupsAt: number;
  private readonly nGroups: number;
  private readonly nAll: number;
  private readonly one = new Float64Array(1);

  constructor(trees: CompleteTrees) {
    const nNodes = trees.feature.length;
    let highest = 0;
    for (let n = 0; n < nNodes; n++) if (trees.feature[n] > highest) highest = trees.feature[n];
    this.width = highest + 1;
    this.capacity = Math.max(MIN_ROW_VALUES, 64 * this.width);
    // Layout (bytes): rows, out, nodes (16 bytes each: f64 threshold, i32 feature offset), leaves, groups.
    this.outAt = 8 * this.capacity;
    this.nodesAt = this.outAt + 8 * this.capacity;
    this.leavesAt = this.nodesAt + 16 * nNodes;
    this.groupsAt = this.leavesAt + 8 * trees.leaf.length;
    const pages = Math.ceil((this.groupsAt + 12 * trees.depth.length) / PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const instance = new WebAssembly.Instance(treesModule(), { env: { memory } });
    this.run = instance.exports.sumRows as SumRows;

    const f64 = new Float64Array(memory.buffer);
    const i32 = new Int32Array(memory.buffer);
    for (let n = 0; n < nNodes; n++) {
      f64[this.nodesAt / 8 + 2 * n] = trees.threshold[n];
      i32[this.nodesAt / 4 + 4 * n + 2] = 8 * trees.feature[n];
    }
    f64.set(trees.leaf, this.leavesAt / 8);
    for (let g = 0; g < trees.depth.length; g++) {
      i32.set([trees.nodeBase[g], trees.leafBase[g], trees.depth[g]], this.groupsAt / 4 + 3 * g);
    }
    this.nGroups = trees.groups;
    this.nAll = trees.depth.length;
    this.rowsView = new Float64Array(memory.buffer, 0, this.capacity);
    this.outView = new Float64Array(memory.buffer, this.outAt, this.capacity);
  }

  sum(x: Float64Array, off: number): number {
    this.sumRows(x, off, 1, this.width, this.one);
    return this.one[0];
  }

  /** out[r] = the sum for the row at x[off + r * stride], for r < rows. */
  sumRows(x: Float64Array, off: number, rows: number, stride: number, out: Float64Array): void {
    // Rows go in as they lie in x (stride apart), as many a call as the memory holds.
    const perCall = stride >= this.width ? 1 + Math.floor((this.capacity - this.width) / stride) : 1;
    for (let done = 0; done < rows; done += perCall) {
      const n = Math.min(perCall, rows - done);
      const from = off + done * stride;
      this.rowsView.set(x.subarray(from, from + (n - 1) * stride + this.width));
      this.run(n, 0, 8 * stride, this.outAt, this.nodesAt, this.leavesAt, this.groupsAt, this.nGroups, this.nAll);
      out.set(this.outView.subarray(0, n), done);
    }
  }
}
