/**
 * Promotion: the new and the served models on the same hold-out, and the rule that decides. A weak
 * labelled training (one depth-1 tree) is worse than the served models on precision and AP and stays
 * a candidate under auto; the same data and seed retrained is not worse; with nothing served, the new
 * version is served; always and never override the figures.
 */
import { describe, expect, it } from 'vitest';
import { candidateBundle, decidePromotion, LABELLED_TOLERANCE, weigh } from '../../../src/ml/bundle/promote.js';
import { trainModels } from '../../../src/ml/bundle/train.js';
import { parseRecord } from '../../../src/ml/data/record.js';
import { syntheticRecords } from '../../fixtures/synthetic.js';

const served = candidateBundle(trainModels(syntheticRecords(2000, 3).map(parseRecord), { trees: 30, seed: 1 }));

describe('promotion', () => {
  it('keeps a weaker labelled training as a candidate, naming the figures it is worse on, unless told always', () => {
    const records = syntheticRecords(300, 8, 0.3).map(parseRecord);
    const out = trainModels(records, { trees: 1, maxDepth: 1, seed: 2 });
    const { comparison, promotion } = weigh(out, records, served, 'auto');
    expect(comparison).toMatchObject({ label_source: 'provided', outcome: 'worse', holdout_rows: out.holdout.length });
    expect(comparison.candidate.precision!).toBeLessThan(comparison.served!.precision! - LABELLED_TOLERANCE);
    expect(comparison.worse_on).toContainEqual(expect.stringMatching(/^precision 0\.\d{3} against 1\.000 served$/));
    expect(promotion).toMatchObject({ mode: 'auto', promoted: false });
    expect(promotion.reason).toMatch(/^kept as a candidate: worse than \S+ on the hold-out \(.*precision .*\); serve it anyway with promote=always/);
    expect(decidePromotion('always', comparison).promoted).toBe(true);
    expect(decidePromotion('never', comparison).promoted).toBe(false);
  });

  it('finds the same data and seed retrained not worse: the same figures on both sides', () => {
    const records = syntheticRecords(2000, 3).map(parseRecord);
    const out = trainModels(records, { trees: 30, seed: 1 });
    const { comparison, promotion } = weigh(out, records, served, 'auto');
    expect(comparison.outcome).toBe('not_worse');
    expect(comparison.served).toEqual(comparison.candidate);
    expect(comparison.drift!.max_psi).toBeLessThan(0.01);
    expect(promotion.promoted).toBe(true);
    expect(decidePromotion('never', comparison).promoted).toBe(false);
  });

  it('serves the first model when nothing is served, and says when the hold-out is too small to compare', () => {
    const records = syntheticRecords(60, 5).map(parseRecord);
    const out = trainModels(records, { trees: 10, seed: 3 });
    expect(weigh(out, records, null, 'auto')).toMatchObject({ comparison: { outcome: 'no_served_model', served: null }, promotion: { promoted: true } });
    const small = weigh(out, records, served, 'auto');
    expect(small.comparison).toMatchObject({ outcome: 'too_little_data', holdout_rows: 18, min_holdout_rows: 30 });
    expect(small.promotion.reason).toContain('the hold-out has 18 rows, a comparison needs at least 30 (about 100 training rows)');
    expect(small.promotion.promoted).toBe(false);
  });
});
