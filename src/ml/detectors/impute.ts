/**
 * Absent byte counts (a WAF request, a flow seen one way) are unknown, not zero: every detector reads
 * the record with them replaced by the typical training value (the median), as an absent categorical
 * field reads as its typical share (features.ts). So an absent value can make a record look ordinary,
 * never unusual, and it is listed in missing_fields instead of being evidence.
 */
import { quantile } from '../core/stats.js';
import { ABSENT_BYTES_IN, ABSENT_BYTES_OUT, type TrafficRecord } from '../data/record.js';

export interface TypicalBytes {
  bytesIn: number;
  bytesOut: number;
}

/** The record as the detectors read it: absent byte counts replaced by the typical ones. */
export function withTypicalBytes(r: TrafficRecord, typical: TypicalBytes): TrafficRecord {
  const absent = r.absent ?? 0;
  if (absent === 0) return r;
  return {
    ...r,
    bytesIn: absent & ABSENT_BYTES_IN ? typical.bytesIn : r.bytesIn,
    bytesOut: absent & ABSENT_BYTES_OUT ? typical.bytesOut : r.bytesOut,
  };
}

/** The median byte counts of the records that gave them (0 when none did: the column is then constant). */
export function typicalBytes(records: readonly TrafficRecord[]): TypicalBytes {
  const given = (bit: number, get: (r: TrafficRecord) => number): number => {
    const values = records.filter((r) => ((r.absent ?? 0) & bit) === 0).map(get);
    return values.length === 0 ? 0 : quantile(Float64Array.from(values).sort(), 0.5);
  };
  return { bytesIn: given(ABSENT_BYTES_IN, (r) => r.bytesIn), bytesOut: given(ABSENT_BYTES_OUT, (r) => r.bytesOut) };
}

/** Training records as the detectors read them. */
export function imputeBytes(records: readonly TrafficRecord[]): readonly TrafficRecord[] {
  if (!records.some((r) => (r.absent ?? 0) !== 0)) return records;
  const typical = typicalBytes(records);
  return records.map((r) => withTypicalBytes(r, typical));
}

/** The client keys of the absent byte counts, bytes_in first. */
export function absentBytes(r: TrafficRecord): readonly string[] {
  const absent = r.absent ?? 0;
  if (absent === 0) return [];
  const out: string[] = [];
  if (absent & ABSENT_BYTES_IN) out.push('bytes_in');
  if (absent & ABSENT_BYTES_OUT) out.push('bytes_out');
  return out;
}
