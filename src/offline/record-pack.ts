/**
 * Records as they cross to a scoring thread: numbers in one Float64Array (transferred, not copied)
 * and the text fields in one flat array of strings. Posting the record objects themselves cost about
 * three times as much to clone as this (measured: 2,000 records, ~5 ms against ~1.5 ms), on the
 * reading thread that is already the log path's bottleneck.
 *
 * A field's absence survives the trip: null stays null, a property the record does not have (absent,
 * action of a record from the dataset's layout) is not added, and a numeric id stays a number, so the
 * results written from unpacked records are the same bytes as from the originals.
 */
import type { TrafficRecord } from '../ml/data/record.js';

/** Numbers per record: bytesIn, bytesOut, creationMs, endMs, responseCode, dstPort, label, absent, numeric id. */
const NUMS = 9;
/** Strings per record: srcIp, country, protocol, action, string id. */
const STRS = 5;

export interface PackedRecords {
  count: number;
  nums: Float64Array;
  strs: (string | null | undefined)[];
}

/** NaN stands for null; -Infinity for a property the record does not have (absent). */
const num = (v: number | null | undefined): number => (v === null ? Number.NaN : v === undefined ? Number.NEGATIVE_INFINITY : v);

/** Packs `records`, into `reuse` when it is large enough. */
export function packRecords(records: readonly TrafficRecord[], reuse?: ArrayBuffer): PackedRecords {
  const need = records.length * NUMS;
  const nums = reuse !== undefined && reuse.byteLength >= need * 8 ? new Float64Array(reuse, 0, need) : new Float64Array(need);
  const strs: (string | null | undefined)[] = new Array(records.length * STRS);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const n = i * NUMS;
    nums[n] = r.bytesIn;
    nums[n + 1] = r.bytesOut;
    nums[n + 2] = r.creationMs;
    nums[n + 3] = r.endMs;
    nums[n + 4] = num(r.responseCode);
    nums[n + 5] = num(r.dstPort);
    nums[n + 6] = num(r.label);
    nums[n + 7] = num(r.absent);
    nums[n + 8] = typeof r.id === 'number' ? r.id : Number.NaN;
    const s = i * STRS;
    strs[s] = r.srcIp;
    strs[s + 1] = r.country;
    strs[s + 2] = r.protocol;
    strs[s + 3] = r.action;
    strs[s + 4] = typeof r.id === 'number' ? undefined : r.id;
  }
  return { count: records.length, nums, strs };
}

const nullable = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** The records packRecords packed, with the properties (and their order) the originals had. */
export function unpackRecords(p: PackedRecords): TrafficRecord[] {
  const out: TrafficRecord[] = new Array(p.count);
  const { nums, strs } = p;
  for (let i = 0; i < p.count; i++) {
    const n = i * NUMS;
    const s = i * STRS;
    const record: { -readonly [K in keyof TrafficRecord]: TrafficRecord[K] } = {
      bytesIn: nums[n],
      bytesOut: nums[n + 1],
      creationMs: nums[n + 2],
      endMs: nums[n + 3],
      srcIp: strs[s] as string,
      country: strs[s + 1] as string | null,
      protocol: strs[s + 2] as string | null,
      responseCode: nullable(nums[n + 4]),
      dstPort: nullable(nums[n + 5]),
      label: nullable(nums[n + 6]) as 0 | 1 | null,
      id: Number.isNaN(nums[n + 8]) ? (strs[s + 4] as string | null) : nums[n + 8],
    };
    if (nums[n + 7] !== Number.NEGATIVE_INFINITY) record.absent = nums[n + 7];
    if (strs[s + 3] !== undefined) record.action = strs[s + 3];
    out[i] = record;
  }
  return out;
}
