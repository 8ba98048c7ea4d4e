import { describe, expect, it } from 'vitest';
import type { TrafficRecord } from '../../src/ml/data/record.js';
import { packRecords, unpackRecords } from '../../src/offline/record-pack.js';

const base = {
  bytesIn: 1200,
  bytesOut: 0,
  creationMs: 1_700_000_000_000,
  endMs: 1_700_000_600_000,
  srcIp: '203.0.113.9',
  country: 'US',
  protocol: 'TCP',
  responseCode: 200,
  dstPort: 443,
  label: 1 as const,
};

describe('packRecords / unpackRecords', () => {
  it('gives back every field, null and absent properties as they were, numeric and text ids with their type', () => {
    const records: TrafficRecord[] = [
      // from a log format: absent and action set
      { ...base, id: '7+8', absent: 2, action: 'REJECT' },
      { ...base, country: null, protocol: null, responseCode: null, dstPort: null, label: null, id: 12, absent: 0, action: null },
      // from the dataset's layout: no absent, no action property at all
      { ...base, srcIp: '2001:db8::1', id: null },
      { ...base, bytesIn: 0, bytesOut: 987_654_321_012, id: 'line é 😀', absent: 3 },
    ];
    const packed = packRecords(records);
    // as a thread receives it: a structured clone
    const back = unpackRecords(structuredClone(packed));
    expect(back).toEqual(records);
    back.forEach((r, i) => expect(Object.keys(r)).toEqual(Object.keys(records[i])));
    expect(typeof back[1].id).toBe('number');
    expect('action' in back[2]).toBe(false);
    expect('absent' in back[2]).toBe(false);
  });

  it('packs into memory it is given back when it is large enough, else into new memory', () => {
    const records: TrafficRecord[] = Array.from({ length: 10 }, (_, i) => ({ ...base, id: i }));
    const big = new ArrayBuffer(8 * 1000);
    expect(packRecords(records, big).nums.buffer).toBe(big);
    const small = new ArrayBuffer(8);
    const packed = packRecords(records, small);
    expect(packed.nums.buffer).not.toBe(small);
    expect(unpackRecords(packed)).toEqual(records);
  });
});
