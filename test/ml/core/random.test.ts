import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/ml/core/random.js';

describe('Random', () => {
  it('repeats its stream for a seed, and differs between nearby seeds', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const sa = Array.from({ length: 100 }, () => a.nextUint32());
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(sa);
    const sc = Array.from({ length: 100 }, () => c.nextUint32());
    expect(sc.filter((v, i) => v === sa[i]).length).toBeLessThan(3);
  });

  it('draws floats in [0, 1) and integers in [0, n) roughly uniformly', () => {
    const r = new Random(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      counts[r.nextInt(10)]++;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500); // ~5 standard deviations
    const u = r.uniform(-3, 5);
    expect(u >= -3 && u < 5).toBe(true);
  });

  it('samples without replacement and shuffles to a permutation', () => {
    const r = new Random(7);
    const s = r.sampleWithoutReplacement(1000, 256);
    expect(new Set(s).size).toBe(256);
    expect([...s].every((v) => v >= 0 && v < 1000)).toBe(true);
    expect(() => r.sampleWithoutReplacement(3, 4)).toThrow(/cannot draw 4 of 3/);
    const p = r.shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('refuses a non-integer seed', () => {
    expect(() => new Random(1.5)).toThrow(/seed must be an integer/);
  });
});
