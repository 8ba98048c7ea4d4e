import { describe, expect, it } from 'vitest';
import { avgPacketSize, FEATURE_NAMES, FeatureEncoder, N_FEATURES } from '../../../src/ml/detectors/features.js';
import { parseRecord } from '../../../src/ml/data/record.js';

const rec = (patch: Record<string, unknown> = {}) =>
  parseRecord({
    bytes_in: 999,
    bytes_out: 9999,
    creation_time: '2024-04-25T06:00:00Z',
    end_time: '2024-04-25T06:10:00Z',
    src_ip: '1.2.3.4',
    src_ip_country_code: 'US',
    protocol: 'HTTPS',
    dst_port: 443,
    'response.code': 200,
    ...patch,
  });

describe('FeatureEncoder', () => {
  const training = [rec(), rec(), rec({ src_ip_country_code: 'CA' }), rec({ src_ip_country_code: 'ca' })];
  const enc = FeatureEncoder.fit(training);

  it('computes the named features with log transforms and cyclic hour', () => {
    const out = new Float64Array(N_FEATURES);
    enc.transform(rec(), out);
    const f = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, out[i]]));
    expect(f.log_bytes_in).toBeCloseTo(Math.log(1000), 12);
    expect(f.log_bytes_out).toBeCloseTo(Math.log(10000), 12);
    expect(f.log_session_duration_s).toBeCloseTo(Math.log1p(600), 12);
    expect(f.log_avg_packet_size).toBeCloseTo(Math.log1p(10998 / 600), 12);
    expect(f.log_transfer_ratio).toBeCloseTo(Math.log(10), 12);
    expect(f.hour_sin).toBeCloseTo(1, 12); // 06:00 is a quarter of the day
    expect(f.hour_cos).toBeCloseTo(0, 12);
    expect(f.country_freq).toBe(0.5);
    expect(f.protocol_freq).toBe(1);
  });

  it('gives 0 for a zero-length session and an unseen category, never NaN', () => {
    const r = rec({ end_time: '2024-04-25T06:00:00Z', bytes_in: 0, bytes_out: 0, src_ip_country_code: 'KP', dst_port: 22 });
    expect(avgPacketSize(r)).toBe(0);
    const out = new Float64Array(N_FEATURES);
    enc.transform(r, out);
    expect([...out].every(Number.isFinite)).toBe(true);
    expect(out[FEATURE_NAMES.indexOf('country_freq')]).toBe(0);
    expect(out[FEATURE_NAMES.indexOf('dst_port_freq')]).toBe(0);
  });

  it('encodes an absent field as the typical training value, never as unseen', () => {
    const out = new Float64Array(N_FEATURES);
    enc.transform(rec({ src_ip_country_code: undefined, protocol: null, dst_port: '' }), out);
    // training countries US, US, CA, CA: every row's value has share 0.5, so a typical row encodes 0.5
    expect(out[FEATURE_NAMES.indexOf('country_freq')]).toBe(0.5);
    expect(out[FEATURE_NAMES.indexOf('protocol_freq')]).toBe(1);
    expect(out[FEATURE_NAMES.indexOf('dst_port_freq')]).toBe(1);
    // shares are among the rows that gave the field: absent training rows neither count nor form a category
    const partial = FeatureEncoder.fit([rec(), rec({ src_ip_country_code: undefined }), rec({ src_ip_country_code: 'CA' }), rec({ src_ip_country_code: 'CA' })]);
    expect(partial.share('country', 'CA')).toBeCloseTo(2 / 3, 12);
    expect(partial.share('country', 'US')).toBeCloseTo(1 / 3, 12);
    partial.transform(rec({ src_ip_country_code: undefined }), out);
    expect(out[FEATURE_NAMES.indexOf('country_freq')]).toBeCloseTo(2 / 3, 12); // the median row is a CA row
    // a field no training row gave is not used
    const none = FeatureEncoder.fit([rec({ protocol: undefined }), rec({ protocol: undefined })]);
    expect(none.uses('protocol')).toBe(false);
    expect(none.uses('country')).toBe(true);
  });

  it('round-trips and refuses an artifact with other features', () => {
    const back = FeatureEncoder.fromJSON(JSON.parse(JSON.stringify(enc)));
    expect(back.transformMany(training).data).toEqual(enc.transformMany(training).data);
    expect(() => FeatureEncoder.fromJSON({ ...enc.toJSON(), featureNames: ['a'], nFeatures: 1 })).toThrow(/retrain/);
    expect(() => FeatureEncoder.fromJSON({ ...enc.toJSON(), name: 'X' })).toThrow(/FeatureEncoder/);
    expect(() => FeatureEncoder.fit([])).toThrow(/no records/);
  });
});
