/**
 * From a record to a fixed, named numeric vector. Training and scoring share
 * this module, so the vector means the same thing in both.
 *
 * Transforms, and why:
 * - Byte counts span 40 B to 25 MB in the CloudWatch data. On raw values a
 *   scaler's mean and variance are dominated by the one or two largest sessions
 *   and every ordinary session collapses into a sliver near zero, so neither the
 *   Isolation Forest's uniform split points nor the Random Forest's bins resolve
 *   it. log1p makes the scale multiplicative (10 KB vs 100 KB is as far apart as
 *   1 MB vs 10 MB), which is how traffic volumes differ, and keeps 0 finite.
 * - transfer ratio is taken as log((bytes_out + 1) / (bytes_in + 1)): symmetric
 *   for upload- and download-heavy sessions and finite when either side is 0.
 * - hour of day is cyclic, so it is encoded as sin/cos: 23:00 is next to 00:00.
 * - Categorical fields (country, protocol, port, response code) are frequency
 *   encoded: one column each holding the share of training rows with that value.
 *   One column per field however many values exist, and a value unseen at
 *   training time maps to 0, "never seen", which is itself a signal of rarity.
 */
import { checkName } from '../core/codec.js';
import { createMatrix, type Matrix } from '../core/matrix.js';
import type { TrafficRecord } from '../data/record.js';

export const FEATURE_NAMES = [
  'log_bytes_in',
  'log_bytes_out',
  'log_session_duration_s',
  'log_avg_packet_size',
  'log_transfer_ratio',
  'hour_sin',
  'hour_cos',
  'country_freq',
  'protocol_freq',
  'dst_port_freq',
  'response_code_freq',
] as const;

export const N_FEATURES = FEATURE_NAMES.length;

/** Values kept per categorical field; rarer values encode as unseen (0). */
const MAX_CATEGORIES = 1000;

const CATEGORICAL = ['country', 'protocol', 'dstPort', 'responseCode'] as const;
type Categorical = (typeof CATEGORICAL)[number];
/** A categorical value as the record holds it (absent is null, a category of its own). */
type Category = string | number | null;
const DAY_MS = 86_400_000;

/** Session duration in seconds (never negative: parseRecord rejects end < start). */
export function durationSeconds(r: TrafficRecord): number {
  return (r.endMs - r.creationMs) / 1000;
}

/** (bytes_in + bytes_out) / duration in bytes per second; 0 for a zero-length session. */
export function avgPacketSize(r: TrafficRecord): number {
  const d = durationSeconds(r);
  return d > 0 ? (r.bytesIn + r.bytesOut) / d : 0;
}

/** bytes_out / bytes_in as shown to people; 0 when nothing came in. */
export function transferRatio(r: TrafficRecord): number {
  return r.bytesIn > 0 ? r.bytesOut / r.bytesIn : 0;
}

export interface FeatureEncoderJSON {
  name: 'FeatureEncoder';
  nFeatures: number;
  featureNames: string[];
  frequencies: Record<Categorical, [Category, number][]>;
}

/** Fitted feature extraction: holds the categorical frequency tables. */
export class FeatureEncoder {
  readonly featureNames: readonly string[] = FEATURE_NAMES;
  // Keyed by the record's own value (no String() per lookup: this is the scoring hot path).
  private constructor(private readonly frequencies: Record<Categorical, Map<Category, number>>) {}

  /** Learns the categorical frequency tables from training records. */
  static fit(records: readonly TrafficRecord[]): FeatureEncoder {
    if (records.length === 0) throw new RangeError('FeatureEncoder.fit: no records');
    const frequencies = {} as Record<Categorical, Map<Category, number>>;
    for (const field of CATEGORICAL) {
      const counts = new Map<Category, number>();
      for (const r of records) counts.set(r[field], (counts.get(r[field]) ?? 0) + 1);
      // Keep the most frequent values; ties broken by value so the table is deterministic.
      const top = [...counts]
        .sort((a, b) => b[1] - a[1] || (String(a[0]) < String(b[0]) ? -1 : 1))
        .slice(0, MAX_CATEGORIES)
        .map(([k, c]) => [k, c / records.length] as [Category, number]);
      frequencies[field] = new Map(top);
    }
    return new FeatureEncoder(frequencies);
  }

  /** Share of training rows whose `field` had this record's value (0 if unseen). */
  frequency(field: Categorical, r: TrafficRecord): number {
    return this.frequencies[field].get(r[field]) ?? 0;
  }

  /** Writes the feature vector of one record into out[offset..offset+N_FEATURES). */
  transform(r: TrafficRecord, out: Float64Array, offset = 0): void {
    const duration = durationSeconds(r);
    const dayFraction = (((r.creationMs % DAY_MS) + DAY_MS) % DAY_MS) / DAY_MS; // UTC time of day, in [0, 1)
    out[offset] = Math.log1p(r.bytesIn);
    out[offset + 1] = Math.log1p(r.bytesOut);
    out[offset + 2] = Math.log1p(duration);
    out[offset + 3] = Math.log1p(avgPacketSize(r));
    out[offset + 4] = Math.log1p(r.bytesOut) - Math.log1p(r.bytesIn);
    out[offset + 5] = Math.sin(2 * Math.PI * dayFraction);
    out[offset + 6] = Math.cos(2 * Math.PI * dayFraction);
    out[offset + 7] = this.frequency('country', r);
    out[offset + 8] = this.frequency('protocol', r);
    out[offset + 9] = this.frequency('dstPort', r);
    out[offset + 10] = this.frequency('responseCode', r);
  }

  /** The feature matrix of many records, one row each. */
  transformMany(records: readonly TrafficRecord[]): Matrix {
    const m = createMatrix(records.length, N_FEATURES);
    records.forEach((r, i) => this.transform(r, m.data, i * N_FEATURES));
    return m;
  }

  toJSON(): FeatureEncoderJSON {
    const frequencies = {} as Record<Categorical, [Category, number][]>;
    for (const field of CATEGORICAL) frequencies[field] = [...this.frequencies[field]];
    return { name: 'FeatureEncoder', nFeatures: N_FEATURES, featureNames: [...FEATURE_NAMES], frequencies };
  }

  static fromJSON(json: unknown): FeatureEncoder {
    const obj = checkName(json, 'FeatureEncoder');
    const names = obj.featureNames;
    if (obj.nFeatures !== N_FEATURES || !Array.isArray(names) || names.join() !== FEATURE_NAMES.join()) {
      throw new RangeError(
        `FeatureEncoder: artifact has features [${String(names)}], this build computes [${FEATURE_NAMES.join()}]; retrain the models`,
      );
    }
    const raw = obj.frequencies as Record<string, unknown> | undefined;
    const frequencies = {} as Record<Categorical, Map<Category, number>>;
    const keyType = { country: 'string', protocol: 'string', dstPort: 'number', responseCode: 'number' } as const;
    for (const field of CATEGORICAL) {
      const entries = raw?.[field];
      const ok = (e: unknown): boolean =>
        Array.isArray(e) && e.length === 2 && (e[0] === null || typeof e[0] === keyType[field]) && typeof e[1] === 'number' && e[1] >= 0 && e[1] <= 1;
      if (!Array.isArray(entries) || !entries.every(ok)) {
        throw new TypeError(`FeatureEncoder.frequencies.${field}: expected [value, share] pairs`);
      }
      frequencies[field] = new Map(entries as [Category, number][]);
    }
    return new FeatureEncoder(frequencies);
  }
}
