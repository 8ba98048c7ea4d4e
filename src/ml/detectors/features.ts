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
 *   encoded: one column each holding the share of training rows, among those
 *   that gave the field, with that value. One column per field however many
 *   values exist, and a value unseen at training time maps to 0, "never seen".
 * - An absent field is unknown, not unseen: it takes the typical training value
 *   of its column (the median encoded value of the rows that gave the field), in
 *   training and scoring alike, so leaving a field out never makes a record look
 *   rarer than a typical one would. A field no training row gave is not used by
 *   the model at all (its column is constant). The Random Forest does not read
 *   the imputed value of an absent category: it answers its lower bound over the
 *   column (absentColumns, RandomForestClassifier.lowerBound).
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

/**
 * The columns the Isolation Forest isolates on: the traffic volume and shape. Hour of day and the
 * frequency-encoded categories are left to the Random Forest and the rare-value detector: frequency
 * encoding makes an attack on the busiest port look typical, and the hour isolates the night's few
 * ordinary sessions. Chosen by measurement on the scenarios of bench/detection.ts (see docs/models.md).
 */
export const ISOLATION_FEATURES: readonly (typeof FEATURE_NAMES)[number][] = ['log_bytes_in', 'log_bytes_out', 'log_session_duration_s', 'log_avg_packet_size', 'log_transfer_ratio'];

/** The column each categorical field encodes into. */
const CATEGORY_COLUMN: Readonly<Record<Categorical, number>> = {
  country: FEATURE_NAMES.indexOf('country_freq'),
  protocol: FEATURE_NAMES.indexOf('protocol_freq'),
  dstPort: FEATURE_NAMES.indexOf('dst_port_freq'),
  responseCode: FEATURE_NAMES.indexOf('response_code_freq'),
};

/**
 * Sets unknown[j] for each column (N_FEATURES of them) whose categorical field the record left out,
 * clears the others; true when any is unknown. The Random Forest bounds its probability over the
 * unknown columns (RandomForestClassifier.lowerBound): an absent field is never evidence.
 */
export function absentColumns(r: TrafficRecord, unknown: boolean[]): boolean {
  let any = false;
  for (const field of CATEGORICAL) {
    const absent = r[field] === null;
    unknown[CATEGORY_COLUMN[field]] = absent;
    any ||= absent;
  }
  return any;
}

/** Values kept per categorical field; rarer values encode as unseen (0). */
const MAX_CATEGORIES = 1000;

export const CATEGORICAL = ['country', 'protocol', 'dstPort', 'responseCode'] as const;
export type Categorical = (typeof CATEGORICAL)[number];
/** The key clients know each categorical field by. */
export const CATEGORICAL_KEYS: Readonly<Record<Categorical, string>> = {
  country: 'src_ip_country_code',
  protocol: 'protocol',
  dstPort: 'dst_port',
  responseCode: 'response.code',
};
/** A categorical value as the record holds it (absent values are never looked up). */
type Category = string | number;
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
  /** the value an absent field encodes as: the median encoded value of the training rows that gave it */
  imputed: Record<Categorical, number>;
  /** training rows that gave each field; 0: the model does not use the field */
  present: Record<Categorical, number>;
}

/** Fitted feature extraction: holds the categorical frequency tables. */
export class FeatureEncoder {
  readonly featureNames: readonly string[] = FEATURE_NAMES;
  // Keyed by the record's own value (no String() per lookup: this is the scoring hot path).
  private constructor(
    private readonly frequencies: Record<Categorical, Map<Category, number>>,
    private readonly imputed: Readonly<Record<Categorical, number>>,
    private readonly present: Readonly<Record<Categorical, number>>,
  ) {}

  /** Learns the categorical frequency tables from training records. */
  static fit(records: readonly TrafficRecord[]): FeatureEncoder {
    if (records.length === 0) throw new RangeError('FeatureEncoder.fit: no records');
    const frequencies = {} as Record<Categorical, Map<Category, number>>;
    const imputed = {} as Record<Categorical, number>;
    const present = {} as Record<Categorical, number>;
    for (const field of CATEGORICAL) {
      const counts = new Map<Category, number>();
      let given = 0;
      for (const r of records) {
        const v = r[field];
        if (v === null) continue;
        given++;
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      // Keep the most frequent values; ties broken by value so the table is deterministic.
      const top = [...counts]
        .sort((a, b) => b[1] - a[1] || (String(a[0]) < String(b[0]) ? -1 : 1))
        .slice(0, MAX_CATEGORIES)
        .map(([k, c]) => [k, c / given] as [Category, number]);
      frequencies[field] = new Map(top);
      present[field] = given;
      imputed[field] = medianShare(counts, given);
    }
    return new FeatureEncoder(frequencies, imputed, present);
  }

  /**
   * Share of the training rows that gave `field` whose value was this record's (0 if unseen); the
   * imputed typical value when the record does not give the field.
   */
  frequency(field: Categorical, r: TrafficRecord): number {
    const v = r[field];
    return v === null ? this.imputed[field] : (this.frequencies[field].get(v) ?? 0);
  }

  /** Share of the training rows that gave `field` whose value was `value` (0 if unseen). */
  share(field: Categorical, value: Category): number {
    return this.frequencies[field].get(value) ?? 0;
  }

  /** Whether the model uses the field: some training row gave it. */
  uses(field: Categorical): boolean {
    return this.present[field] > 0;
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
    return { name: 'FeatureEncoder', nFeatures: N_FEATURES, featureNames: [...FEATURE_NAMES], frequencies, imputed: { ...this.imputed }, present: { ...this.present } };
  }

  static fromJSON(json: unknown): FeatureEncoder {
    const obj = checkName(json, 'FeatureEncoder');
    const names = obj.featureNames;
    if (obj.nFeatures !== N_FEATURES || !Array.isArray(names) || names.join() !== FEATURE_NAMES.join()) {
      throw new RangeError(`FeatureEncoder: artifact has features [${String(names)}], this build computes [${FEATURE_NAMES.join()}]; retrain the models`);
    }
    const raw = obj.frequencies as Record<string, unknown> | undefined;
    const rawImputed = obj.imputed as Record<string, unknown> | undefined;
    const rawPresent = obj.present as Record<string, unknown> | undefined;
    const frequencies = {} as Record<Categorical, Map<Category, number>>;
    const imputed = {} as Record<Categorical, number>;
    const present = {} as Record<Categorical, number>;
    const keyType = { country: 'string', protocol: 'string', dstPort: 'number', responseCode: 'number' } as const;
    const isShare = (v: unknown): v is number => typeof v === 'number' && v >= 0 && v <= 1;
    for (const field of CATEGORICAL) {
      const entries = raw?.[field];
      const ok = (e: unknown): boolean => Array.isArray(e) && e.length === 2 && typeof e[0] === keyType[field] && isShare(e[1]);
      if (!Array.isArray(entries) || !entries.every(ok)) {
        throw new TypeError(`FeatureEncoder.frequencies.${field}: expected [value, share] pairs`);
      }
      frequencies[field] = new Map(entries as [Category, number][]);
      const imp = rawImputed?.[field];
      const given = rawPresent?.[field];
      if (!isShare(imp)) throw new TypeError(`FeatureEncoder.imputed.${field}: expected a share in [0, 1]`);
      if (typeof given !== 'number' || !Number.isSafeInteger(given) || given < 0) throw new TypeError(`FeatureEncoder.present.${field}: expected a row count`);
      imputed[field] = imp;
      present[field] = given;
    }
    return new FeatureEncoder(frequencies, imputed, present);
  }
}

/** The median, over the rows that gave a field, of their value's share: the encoded value of a typical row. */
function medianShare(counts: Map<Category, number>, given: number): number {
  if (given === 0) return 0;
  // Rows sorted by their value's share, ascending; the median row is at (given - 1) / 2 (lower middle).
  const byShare = [...counts.values()].sort((a, b) => a - b);
  let seen = 0;
  const middle = Math.floor((given - 1) / 2);
  for (const c of byShare) {
    seen += c;
    if (seen > middle) return c / given;
  }
  return byShare[byShare.length - 1] / given;
}
