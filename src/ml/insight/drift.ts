/**
 * Drift of live traffic against the training data, per feature, by the
 * Population Stability Index:
 *
 *   PSI = sum over bins of (live share - training share) * ln(live share / training share)
 *
 * with the usual bands (Siddiqi, "Credit Risk Scorecards", Wiley 2006, ch. 8;
 * the common rule of thumb in model monitoring): under 0.1 stable, 0.1 to 0.25
 * watch, over 0.25 drifted. A share under 0.0001 counts as 0.0001 on both sides,
 * so an empty bin gives a large but finite term instead of an infinite one.
 *
 * The training profile holds, per feature (the 11 model features, before
 * scaling), quantile bin edges at the training deciles, plus an edge at the
 * training minimum and one just above the maximum: so values below or above
 * everything seen in training fall in bins of their own (training share 0) and
 * a column that was constant in training (protocol, port) still shows a change.
 * It also keeps the training anomaly and suspicious ratios.
 *
 * The live window holds the last `size` records as bin counts, never records:
 * ten blocks of size/10 records each, the oldest block dropped whole when a new
 * one starts. So it covers the newest 90% to 100% of `size` records, costs
 * O(features x log bins) per record, and its memory is fixed by `size` alone.
 *
 * Told of its model's training data (WindowFit), the window also counts records whose protocol or
 * port the model never saw (their frequency column reads 0) and its report carries the one-sentence
 * note of insight/fit.ts when the window is unlike the training traffic.
 */
import { checkName, numberField } from '../core/codec.js';
import { countAtMost } from '../core/stats.js';
import type { Matrix } from '../core/matrix.js';
import { type TrainingData, unlikeTrainingNote } from './fit.js';

export type DriftStatus = 'stable' | 'watch' | 'drifted' | 'insufficient_data';

/** Training deciles: 10 interior bins, plus below-minimum and above-maximum bins. */
const QUANTILE_BINS = 10;
/** Share floor of the PSI. */
export const PSI_FLOOR = 1e-4;
export const PSI_WATCH = 0.1;
export const PSI_DRIFTED = 0.25;
/** Fewest window records before PSI is reported: on fewer, sampling noise alone passes 0.1. */
export const MIN_DRIFT_RECORDS = 100;
const BLOCKS = 10;
/** Edge slots per feature in the window's search table (more than any profile has). */
const EDGE_SLOTS = 16;
/** Rows the training deciles are read from, at most. */
const EDGE_SAMPLE = 20_000;

export interface TrainingProfileJSON {
  name: 'TrainingProfile';
  nFeatures: number;
  featureNames: string[];
  edges: number[][];
  shares: number[][];
  anomalyRatio: number;
  suspiciousRatio: number;
}

export function psiStatus(psi: number | null): DriftStatus {
  if (psi === null) return 'insufficient_data';
  return psi > PSI_DRIFTED ? 'drifted' : psi >= PSI_WATCH ? 'watch' : 'stable';
}

export class TrainingProfile {
  private constructor(
    readonly featureNames: readonly string[],
    /** per feature: ascending edges; bin(x) = number of edges <= x */
    readonly edges: readonly Float64Array[],
    /** per feature: the share of training rows in each bin (edges.length + 1 bins) */
    readonly shares: readonly Float64Array[],
    readonly anomalyRatio: number,
    readonly suspiciousRatio: number,
  ) {}

  get nFeatures(): number {
    return this.featureNames.length;
  }

  /**
   * @param raw the unscaled feature matrix of the training rows
   * @param anomalyRatio share of training rows the Isolation Forest flags
   * @param suspiciousRatio share of training rows served as suspicious
   */
  static fit(raw: Matrix, featureNames: readonly string[], anomalyRatio: number, suspiciousRatio: number): TrainingProfile {
    if (raw.rows === 0) throw new RangeError('TrainingProfile.fit: no rows');
    const edges: Float64Array[] = [];
    const shares: Float64Array[] = [];
    // Deciles from at most EDGE_SAMPLE rows (every k-th: a 20,000-row sample puts a decile within
    // about 0.3 percentile points), the minimum, maximum and shares from every row.
    const stride = Math.max(1, Math.ceil(raw.rows / EDGE_SAMPLE));
    for (let j = 0; j < raw.cols; j++) {
      const column = new Float64Array(raw.rows);
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < raw.rows; i++) {
        const v = raw.data[i * raw.cols + j];
        column[i] = v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const sorted = Float64Array.from({ length: Math.ceil(raw.rows / stride) }, (_, k) => column[k * stride]).sort();
      const e: number[] = [min];
      for (let k = 1; k < QUANTILE_BINS; k++) {
        const v = sorted[Math.floor((k * (sorted.length - 1)) / QUANTILE_BINS)];
        if (v > e[e.length - 1] && v < max) e.push(v);
      }
      e.push(above(max));
      const col = Float64Array.from(e);
      const counts = new Float64Array(col.length + 1);
      for (let i = 0; i < column.length; i++) counts[countAtMost(col, column[i])]++;
      edges.push(col);
      shares.push(counts.map((c) => c / raw.rows));
    }
    return new TrainingProfile([...featureNames], edges, shares, anomalyRatio, suspiciousRatio);
  }

  /** PSI of live bin counts against the training shares of feature j (total live records given). */
  psi(j: number, counts: Uint32Array, total: number): number {
    const expected = this.shares[j];
    let sum = 0;
    for (let b = 0; b < expected.length; b++) {
      const a = Math.max(counts[b] / total, PSI_FLOOR);
      const e = Math.max(expected[b], PSI_FLOOR);
      sum += (a - e) * Math.log(a / e);
    }
    return sum;
  }

  toJSON(): TrainingProfileJSON {
    return {
      name: 'TrainingProfile',
      nFeatures: this.nFeatures,
      featureNames: [...this.featureNames],
      edges: this.edges.map((e) => Array.from(e)),
      shares: this.shares.map((s) => Array.from(s)),
      anomalyRatio: this.anomalyRatio,
      suspiciousRatio: this.suspiciousRatio,
    };
  }

  static fromJSON(json: unknown, featureNames: readonly string[]): TrainingProfile {
    const obj = checkName(json, 'TrainingProfile');
    if (obj.nFeatures !== featureNames.length || (obj.featureNames as unknown[])?.join() !== featureNames.join()) {
      throw new RangeError(`TrainingProfile: artifact has features [${String(obj.featureNames)}], expected [${featureNames.join()}]`);
    }
    const table = (k: string, ok: (a: number[], j: number) => boolean): Float64Array[] => {
      const t = obj[k];
      if (!Array.isArray(t) || t.length !== featureNames.length || !t.every((a, j) => Array.isArray(a) && a.every(Number.isFinite) && ok(a, j))) {
        throw new TypeError(`TrainingProfile.${k}: malformed`);
      }
      return t.map((a: number[]) => Float64Array.from(a));
    };
    const edges = table('edges', (a) => a.length >= 1 && a.length < EDGE_SLOTS && a.every((v, i) => i === 0 || v > a[i - 1]));
    const shares = table('shares', (a, j) => a.length === edges[j].length + 1 && a.every((v) => v >= 0 && v <= 1));
    return new TrainingProfile(featureNames, edges, shares, numberField(obj, 'anomalyRatio', 'TrainingProfile'), numberField(obj, 'suspiciousRatio', 'TrainingProfile'));
  }
}

/** The smallest float above v: the edge that puts v in the last training bin and anything larger beyond it. */
function above(v: number): number {
  const step = Math.max(Math.abs(v) * Number.EPSILON, Number.MIN_VALUE);
  let next = v + step;
  while (next <= v) next += step;
  return next;
}

export interface FeatureDrift {
  feature: string;
  psi: number | null;
  status: DriftStatus;
}

export interface DriftReport {
  model_version: string;
  window: { size: number; filled: number };
  features: FeatureDrift[];
  anomaly_ratio: number | null;
  suspicious_ratio: number | null;
  expected_anomaly_ratio: number;
  expected_suspicious_ratio: number;
  /** what the model was trained on (the manifest's training_data); null when the window was not told */
  training_data: TrainingData | null;
  /** share of the window with a protocol or port never seen in training; null when empty */
  unseen_share: number | null;
  /** one sentence when the window's traffic is unlike the training traffic (insight/fit.ts), else null */
  note: string | null;
}

/** What a window knows of its model beyond the profile, to say whether the traffic is like its training data. */
export interface WindowFit {
  training: TrainingData;
  /** feature columns that read 0 for a never-seen value (protocol_freq, dst_port_freq: fit.ts unseenColumns) */
  unseenColumns: readonly number[];
}

/** The live window of one model version: bin counts of the last `size` scored records. */
export class DriftWindow {
  private readonly blockSize: number;
  /** [block][feature][bin] counts, flattened per block */
  private readonly counts: Uint32Array[];
  /** feature j's bins are counts[block][offsets[j] .. offsets[j+1]) */
  private readonly offsets: Int32Array;
  /**
   * Every feature's edges in one array, 16 slots a feature padded with +Infinity (a profile has at
   * most 11 edges), so the bin is found by a fixed four-step search with no branch to mispredict.
   */
  private readonly flatEdges: Float64Array;
  private readonly records = new Uint32Array(BLOCKS);
  private readonly anomalies = new Uint32Array(BLOCKS);
  private readonly suspicious = new Uint32Array(BLOCKS);
  private readonly unseen = new Uint32Array(BLOCKS);
  private readonly unseenColumns: readonly number[];
  private block = 0;
  /** records observed since the window started (a report of the same count is the same report) */
  observed = 0;

  constructor(
    readonly profile: TrainingProfile,
    readonly size: number,
    readonly modelVersion: string,
    readonly fit: WindowFit | null = null,
  ) {
    this.unseenColumns = fit?.unseenColumns ?? [];
    // Rounded down: ten whole blocks never hold more than `size` records.
    this.blockSize = Math.max(1, Math.floor(size / BLOCKS));
    this.offsets = new Int32Array(profile.nFeatures + 1);
    for (let j = 0; j < profile.nFeatures; j++) this.offsets[j + 1] = this.offsets[j] + profile.edges[j].length + 1;
    this.counts = Array.from({ length: BLOCKS }, () => new Uint32Array(this.offsets[profile.nFeatures]));
    this.flatEdges = new Float64Array(profile.nFeatures * EDGE_SLOTS).fill(Infinity);
    profile.edges.forEach((e, j) => this.flatEdges.set(e, j * EDGE_SLOTS));
  }

  /** Counts one scored record: its unscaled feature row and what was decided. O(features x log bins). */
  observe(raw: Float64Array, offset: number, isAnomaly: boolean, suspicious: boolean): void {
    if (this.records[this.block] >= this.blockSize) {
      this.block = (this.block + 1) % BLOCKS;
      this.counts[this.block].fill(0);
      this.records[this.block] = this.anomalies[this.block] = this.suspicious[this.block] = this.unseen[this.block] = 0;
    }
    const c = this.counts[this.block];
    const { flatEdges: E, offsets } = this;
    const nFeatures = offsets.length - 1;
    for (let j = 0; j < nFeatures; j++) {
      // bin = number of feature j's edges <= v: a branchless search over its 16 sorted slots
      const v = raw[offset + j];
      const b = j * EDGE_SLOTS;
      let pos = 8 * +(E[b + 7] <= v);
      pos += 4 * +(E[b + pos + 3] <= v);
      pos += 2 * +(E[b + pos + 1] <= v);
      pos += +(E[b + pos] <= v);
      c[offsets[j] + pos]++;
    }
    this.records[this.block]++;
    this.observed++;
    if (isAnomaly) this.anomalies[this.block]++;
    if (suspicious) this.suspicious[this.block]++;
    for (const j of this.unseenColumns) {
      if (raw[offset + j] === 0) {
        this.unseen[this.block]++;
        break;
      }
    }
  }

  get filled(): number {
    let n = 0;
    for (let b = 0; b < BLOCKS; b++) n += this.records[b];
    return n;
  }

  report(): DriftReport {
    const filled = this.filled;
    const enough = filled >= MIN_DRIFT_RECORDS;
    const features = this.profile.featureNames.map((feature, j) => {
      const bins = new Uint32Array(this.offsets[j + 1] - this.offsets[j]);
      for (const block of this.counts) for (let b = 0; b < bins.length; b++) bins[b] += block[this.offsets[j] + b];
      const psi = enough ? this.profile.psi(j, bins, filled) : null;
      return { feature, psi, status: psiStatus(psi) };
    });
    const sum = (a: Uint32Array): number => a.reduce((s, v) => s + v, 0);
    const withPsi = features.filter((f) => f.psi !== null);
    const note =
      this.fit === null || !enough
        ? null
        : unlikeTrainingNote({
            trained: this.fit.training,
            format: null,
            records: filled,
            unseen: sum(this.unseen),
            drifted: { count: withPsi.filter((f) => f.status === 'drifted').length, of: withPsi.length },
          });
    return {
      model_version: this.modelVersion,
      window: { size: this.size, filled },
      features,
      anomaly_ratio: filled > 0 ? sum(this.anomalies) / filled : null,
      suspicious_ratio: filled > 0 ? sum(this.suspicious) / filled : null,
      expected_anomaly_ratio: this.profile.anomalyRatio,
      expected_suspicious_ratio: this.profile.suspiciousRatio,
      training_data: this.fit?.training ?? null,
      unseen_share: filled > 0 && this.fit !== null ? sum(this.unseen) / filled : null,
      note,
    };
  }
}
