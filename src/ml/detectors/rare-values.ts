/**
 * The rare-value detector (the idea of Elastic ML's `rare` and `freq_rare`): a
 * categorical value (src_ip_country_code, protocol, dst_port, response.code)
 * seen in under 1% of the training rows that gave the field, never-seen values
 * included, is evidence of its own. Tree models cannot see it when the training
 * data held one value only (this dataset: HTTPS, 443 and 200 on every row): no
 * split is ever made on a constant column.
 *
 * It reads the encoder's frequency tables (the shares are the same numbers), so
 * it adds no artifact. An absent field is never rare: it is unknown, and is
 * listed by missingFields instead. A field no training row gave is used by
 * neither.
 */
import type { TrafficRecord } from '../data/record.js';
import { CATEGORICAL, CATEGORICAL_KEYS, type FeatureEncoder } from './features.js';

/** A value seen in fewer than this share of the training rows that gave its field is rare. */
export const RARE_SHARE = 0.01;

const NONE: readonly string[] = Object.freeze([]);

/** The client keys of the fields whose value is rare or never seen in training, in a fixed order. */
export function novelFields(encoder: FeatureEncoder, r: TrafficRecord): readonly string[] {
  let out: string[] | null = null; // no allocation for the common record with nothing rare
  for (const field of CATEGORICAL) {
    const v = r[field];
    if (v === null || !encoder.uses(field) || encoder.share(field, v) >= RARE_SHARE) continue;
    (out ??= []).push(CATEGORICAL_KEYS[field]);
  }
  return out ?? NONE;
}

/** The client keys of the fields the model uses that this record does not give. */
export function missingFields(encoder: FeatureEncoder, r: TrafficRecord): readonly string[] {
  let out: string[] | null = null;
  for (const field of CATEGORICAL) {
    if (r[field] === null && encoder.uses(field)) (out ??= []).push(CATEGORICAL_KEYS[field]);
  }
  return out ?? NONE;
}

/** Fields whose value was never seen in training (share 0): the part of novelFields no training row can have had. */
export function unseenCount(encoder: FeatureEncoder, r: TrafficRecord): number {
  let n = 0;
  for (const field of CATEGORICAL) {
    const v = r[field];
    if (v !== null && encoder.uses(field) && encoder.share(field, v) === 0) n++;
  }
  return n;
}
