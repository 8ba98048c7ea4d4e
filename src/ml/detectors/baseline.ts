/**
 * The IQR baseline, the minimum bar the forests must beat: a record is an
 * outlier when a traffic-volume feature (bytes_in, bytes_out) lies outside
 * [Q1 - k IQR, Q3 + k IQR] of the training data, k = 1.5 (Tukey's fences), on
 * raw values as the original analyses did.
 *
 * It also keeps a percentile table of each raw traffic measure, so that
 * explanations can say "bytes_in 4.8 MB, above 99.9% of training traffic" in the
 * units people read, without keeping the training data.
 */
import { checkName, decodeArray, encodeArray } from '../core/codec.js';
import { avgPacketSize, durationSeconds } from './features.js';
import type { TrafficRecord } from '../data/record.js';
import { countAtMost, quantile } from '../core/stats.js';

/** Raw measures described in explanations, in the order of the tables. */
export const PROFILE_MEASURES = ['bytes_in', 'bytes_out', 'session_duration_s', 'avg_packet_size'] as const;
export type ProfileMeasure = (typeof PROFILE_MEASURES)[number];

/** The traffic-volume measures the IQR fences apply to. */
export const VOLUME_MEASURES = ['bytes_in', 'bytes_out'] as const;

/** Quantiles kept per measure: q = k / (PROFILE_POINTS - 1). */
const PROFILE_POINTS = 1001;
/** Profile indices bounding the ordinary band: ranks above 0.1% and below 99% (see explain.ts). */
const ORDINARY_LOW = 2;
const ORDINARY_HIGH = 990;

const IN_RANGE: readonly ProfileMeasure[] = Object.freeze([]);

export function measure(r: TrafficRecord, m: ProfileMeasure): number {
  switch (m) {
    case 'bytes_in':
      return r.bytesIn;
    case 'bytes_out':
      return r.bytesOut;
    case 'session_duration_s':
      return durationSeconds(r);
    case 'avg_packet_size':
      return avgPacketSize(r);
  }
}

export interface Fence {
  measure: (typeof VOLUME_MEASURES)[number];
  q1: number;
  q3: number;
  low: number;
  high: number;
}

export interface IqrBaselineJSON {
  name: 'IqrBaseline';
  nFeatures: number;
  k: number;
  fences: Fence[];
  profiles: Record<ProfileMeasure, string>;
}

export class IqrBaseline {
  private constructor(
    readonly k: number,
    readonly fences: readonly Fence[],
    private readonly profiles: Record<ProfileMeasure, Float64Array>,
  ) {}

  /**
   * @param k fence width in IQRs; default 1.5
   */
  static fit(records: readonly TrafficRecord[], k = 1.5): IqrBaseline {
    if (records.length === 0) throw new RangeError('IqrBaseline.fit: no records');
    if (!(k > 0 && Number.isFinite(k))) throw new RangeError(`IqrBaseline k must be positive, got ${k}`);
    const profiles = {} as Record<ProfileMeasure, Float64Array>;
    for (const m of PROFILE_MEASURES) {
      const sorted = Float64Array.from(records, (r) => measure(r, m)).sort();
      profiles[m] = Float64Array.from({ length: PROFILE_POINTS }, (_, i) => quantile(sorted, i / (PROFILE_POINTS - 1)));
    }
    const fences = VOLUME_MEASURES.map((m) => {
      const p = profiles[m];
      const q1 = p[(PROFILE_POINTS - 1) / 4];
      const q3 = p[((PROFILE_POINTS - 1) * 3) / 4];
      const iqr = q3 - q1;
      return { measure: m, q1, q3, low: q1 - k * iqr, high: q3 + k * iqr };
    });
    return new IqrBaseline(k, fences, profiles);
  }

  /** The fences this record falls outside of (empty when it is not an outlier). */
  violations(r: TrafficRecord): Fence[] {
    return this.fences.filter((f) => {
      const v = measure(r, f.measure);
      return v < f.low || v > f.high;
    });
  }

  /**
   * How far beyond its fences the record lies, in log units (log1p of the value against log1p of
   * the fence, the larger over bytes_in and bytes_out); 0 inside the fences. The stacking model reads
   * this instead of the yes/no outlier flag, so "just past the fence" and "1000x past it" differ.
   */
  fenceDistance(r: TrafficRecord): number {
    let d = 0;
    for (const f of this.fences) {
      const v = measure(r, f.measure);
      if (v > f.high) d = Math.max(d, Math.log1p(v) - Math.log1p(Math.max(f.high, 0)));
      else if (v < f.low) d = Math.max(d, Math.log1p(Math.max(f.low, 0)) - Math.log1p(Math.max(v, 0)));
    }
    return d;
  }

  /**
   * The measures whose value lies outside everything seen in training (below the minimum or above the
   * maximum; any other value when training held one value only): the numeric counterpart of a
   * never-seen category. The forests cannot see these where the training column was constant (every
   * shipped session lasts 600 s). An absent value is never out of range.
   */
  outOfRange(r: TrafficRecord): readonly ProfileMeasure[] {
    let out: ProfileMeasure[] | null = null; // no allocation for the common record inside the range
    for (const m of PROFILE_MEASURES) {
      const v = measure(r, m);
      if (v === null || Number.isNaN(v)) continue;
      const p = this.profiles[m];
      if (v < p[0] || v > p[PROFILE_POINTS - 1]) (out ??= []).push(m);
    }
    return out ?? IN_RANGE;
  }

  /** The median of a measure in training: the value an absent one reads as (impute.ts). */
  typical(m: ProfileMeasure): number {
    return this.profiles[m][(PROFILE_POINTS - 1) / 2];
  }

  isOutlier(r: TrafficRecord): boolean {
    for (const f of this.fences) {
      const v = measure(r, f.measure);
      if (v < f.low || v > f.high) return true;
    }
    return false;
  }

  /**
   * True when v lies in the ordinary band of training traffic for this measure
   * (ranks 0.2% to 99%), where no explanation applies: lets explain() skip the
   * rank search for the great majority of records.
   */
  isOrdinary(m: ProfileMeasure, v: number): boolean {
    const p = this.profiles[m];
    return p[0] < p[PROFILE_POINTS - 1] && v >= p[ORDINARY_LOW] && v < p[ORDINARY_HIGH];
  }

  /** Share of training traffic at or below v for this measure, in [0, 1]. */
  percentileRank(m: ProfileMeasure, v: number): number {
    const p = this.profiles[m];
    if (v < p[0]) return 0;
    if (v >= p[PROFILE_POINTS - 1]) return 1;
    return (countAtMost(p, v) - 1) / (PROFILE_POINTS - 1);
  }

  /** The q-quantile of training traffic for this measure. */
  quantile(m: ProfileMeasure, q: number): number {
    return quantile(this.profiles[m], q);
  }

  toJSON(): IqrBaselineJSON {
    const profiles = {} as Record<ProfileMeasure, string>;
    for (const m of PROFILE_MEASURES) profiles[m] = encodeArray(this.profiles[m]);
    return { name: 'IqrBaseline', nFeatures: VOLUME_MEASURES.length, k: this.k, fences: this.fences.map((f) => ({ ...f })), profiles };
  }

  static fromJSON(json: unknown): IqrBaseline {
    const obj = checkName(json, 'IqrBaseline');
    if (obj.nFeatures !== VOLUME_MEASURES.length) throw new RangeError(`IqrBaseline: artifact has ${String(obj.nFeatures)} volume features, expected ${VOLUME_MEASURES.length}`);
    const fences = obj.fences;
    if (
      !Array.isArray(fences) ||
      fences.length !== VOLUME_MEASURES.length ||
      !fences.every((f, i) => f?.measure === VOLUME_MEASURES[i] && ['q1', 'q3', 'low', 'high'].every((k) => Number.isFinite(f[k])))
    ) {
      throw new TypeError('IqrBaseline.fences: malformed');
    }
    const raw = (obj.profiles ?? {}) as Record<string, unknown>;
    const profiles = {} as Record<ProfileMeasure, Float64Array>;
    for (const m of PROFILE_MEASURES) profiles[m] = decodeArray(Float64Array, raw[m], `IqrBaseline.profiles.${m}`, PROFILE_POINTS);
    return new IqrBaseline(Number(obj.k), fences as Fence[], profiles);
  }
}
