/**
 * Figures in reasons are quoted in tickets: read back as a person would (number times unit), the two
 * figures of a comparison must stand in the same relation as the true values, over the whole range of
 * each measure (0 to 10^15 - 1, every unit boundary), whichever is larger and by however much.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROFILE_MEASURES, type ProfileMeasure } from '../../../src/ml/detectors/baseline.js';
import { format } from '../../../src/ml/insight/figures.js';

const PREFIX: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const UNIT: Record<ProfileMeasure, string> = { bytes_in: 'B', bytes_out: 'B', session_duration_s: 's', avg_packet_size: 'B/s' };

/** What a reader takes a shown figure to mean; fails on any other shape. */
function read(m: ProfileMeasure, shown: string): number {
  const match = /^(\d{1,3}(?:,\d{3})*(?:\.\d+)?) ([KMGT]?)(B\/s|B|s)$/.exec(shown);
  if (!match) throw new Error(`unreadable figure "${shown}"`);
  expect(match[3]).toBe(UNIT[m]);
  if (m === 'session_duration_s') expect(match[2]).toBe('');
  return Number(match[1].replaceAll(',', '')) * PREFIX[match[2]];
}

const MAX = 1e15 - 1;
const BOUNDARIES = [0, 1, 999, 1000, 1001, 999_999, 1e6, 1e6 + 1, 1e9 - 1, 1e9, 1e9 + 1, 1e12 - 1, 1e12, 1e12 + 1, MAX - 1, MAX];
const integer = fc.oneof(fc.constantFrom(...BOUNDARIES), fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: 10_000 }));
const real = fc.oneof(integer, fc.double({ min: 0, max: MAX, noNaN: true }), fc.double({ min: 0, max: 1000, noNaN: true }));
/** Pairs near each other (a few units apart, or a tiny relative step) and far apart (orders of magnitude). */
const pair = (value: fc.Arbitrary<number>) =>
  fc.oneof(
    fc.tuple(value, value),
    fc.tuple(value, fc.integer({ min: -3, max: 3 })).map(([a, d]) => [a, Math.min(MAX, Math.max(0, a + d))] as const),
    fc.tuple(value, fc.integer({ min: -15, max: 15 })).map(([a, k]) => [a, Math.min(MAX, a * 10 ** k)] as const),
    fc.tuple(value, fc.double({ min: -1e-9, max: 1e-9, noNaN: true })).map(([a, r]) => [a, Math.min(MAX, Math.max(0, a * (1 + r)))] as const),
  );

function sameRelation(m: ProfileMeasure, a: number, b: number): void {
  const shownA = format(m, a, b);
  const shownB = format(m, b, a);
  expect(Math.sign(read(m, shownA) - read(m, shownB)), `${a} vs ${b} shown as ${shownA} vs ${shownB}`).toBe(Math.sign(a - b));
}

describe('figures in reasons', () => {
  for (const m of PROFILE_MEASURES) {
    const values = m === 'bytes_in' || m === 'bytes_out' ? integer : real;
    it(`${m}: the shown comparison states the true relation, over 0 to 10^15 - 1 and both orders`, () => {
      fc.assert(
        fc.property(pair(values), ([a, b]) => sameRelation(m, a, b)),
        { numRuns: 2000 },
      );
      for (const a of BOUNDARIES) for (const b of BOUNDARIES) sameRelation(m, a, b);
    });

    it(`${m}: a figure alone reads within 0.5% of the value, in its own unit`, () => {
      fc.assert(
        fc.property(values, (v) => {
          const shown = read(m, format(m, v));
          expect(Math.abs(shown - v)).toBeLessThanOrEqual(v * 0.005 + 0.005);
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('shows the issue examples right: each figure in its own unit, rates as rates', () => {
    expect(format('bytes_in', 999_999_999_999_999, 25_207_794)).toBe('1,000 TB');
    expect(format('bytes_in', 25_207_794, 999_999_999_999_999)).toBe('25.2 MB');
    expect(format('avg_packet_size', 1_666_666_666_666.7, 44_600)).toBe('1.67 TB/s');
    expect(format('avg_packet_size', 44_600, 1_666_666_666_666.7)).toBe('44.6 KB/s');
    expect(format('bytes_out', 49_000, 1_100_000)).toBe('49 KB');
    expect(format('bytes_in', 999_960)).toBe('1 MB');
    expect(format('session_duration_s', 600.123, 600)).toBe('600.1 s');
    expect(format('session_duration_s', 86_400)).toBe('86,400 s');
    expect(format('bytes_in', 1e15 - 1, 1e15 - 2)).toBe('999.999999999999 TB');
  });
});
