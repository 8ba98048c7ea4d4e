/**
 * The decision: a detector that does not help gets no weight, the bands sit where the stated precision
 * holds, the fitted part survives a round trip, and training with labels reports it.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/ml/core/random.js';
import { trainModels } from '../../../src/ml/bundle/train.js';
import { parseRecord } from '../../../src/ml/data/record.js';
import { chooseBands, lowestEdge } from '../../../src/ml/decision/bands.js';
import { Decision, EVIDENCE } from '../../../src/ml/decision/decision.js';
import { Stacker } from '../../../src/ml/decision/stacker.js';
import { chooseSourceEdges, reportSourceRule, sourceAction, sourceEvidence } from '../../../src/ml/decision/sources.js';
import { syntheticRecords } from '../../fixtures/synthetic.js';

describe('the stacker', () => {
  it('weighs the informative input, and gives 0 to noise and to an input that points the wrong way', () => {
    const rng = new Random(3);
    const n = 2000;
    const y = Uint8Array.from({ length: n }, () => (rng.nextFloat() < 0.2 ? 1 : 0));
    const x = new Float64Array(n * 3);
    for (let i = 0; i < n; i++) {
      x[i * 3] = y[i] + rng.nextFloat(); // informative
      x[i * 3 + 1] = rng.nextFloat(); // noise
      x[i * 3 + 2] = -y[i] + rng.nextFloat(); // anti-informative: would need a negative weight
    }
    const s = Stacker.fit(x, y, 3);
    expect(s.json.weights[0]).toBeGreaterThan(0);
    expect(s.json.weights[1]).toBe(0);
    expect(s.json.weights[2]).toBe(0);
    // calibrated: the mean probability is the base rate
    let mean = 0;
    for (let i = 0; i < n; i++) mean += s.probability(x, i * 3) / n;
    expect(mean).toBeCloseTo(y.reduce((a, b) => a + b, 0) / n, 2);
  });
});

describe('bands', () => {
  it('puts an edge on the lowest attack score keeping the precision, never below the lowest attack', () => {
    // scores desc: 0.9 A, 0.8 A, 0.7 B, 0.6 A, 0.5 B, 0.4 B: precision at 0.6 is 3/4, at 0.8 is 1
    const truth = [1, 1, 0, 1, 0, 0];
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    expect(lowestEdge(truth, scores, 0.75)).toBe(0.6);
    expect(lowestEdge(truth, scores, 0.9)).toBe(0.8);
    expect(lowestEdge(truth, scores, 0.5)).toBe(0.6); // 0.5 would keep precision 3/5 but adds no attack
    expect(lowestEdge([0, 0], [0.9, 0.1], 0.5)).toBeNull();
    const b = chooseBands(truth, scores);
    expect(b.suspicious).toBe(0.5); // even odds is lower than the 0.8-precision edge (0.8)
    expect(b.high).toBe(0.8);
    expect(b.critical).toBe(0.8);
    expect(b.medium).toBe(0.5); // no attack below even odds where no benign record scores
  });

  it('starts medium where at most 2% of benign records score, below the verdict when that is lower', () => {
    // 60 benign at 0.1 and one at 0.6; attacks at 0.9, 0.85 and 0.2: 1 benign of 61 (1.6%) is within 2%
    const truth = [...Array<number>(60).fill(0), 0, 1, 1, 1];
    const scores = [...Array<number>(60).fill(0.1), 0.6, 0.9, 0.85, 0.2];
    const b = chooseBands(truth, scores);
    expect(b.suspicious).toBe(0.5);
    expect(b.medium).toBe(0.2);
  });
});

describe('the per-source rule', () => {
  // Sources A (4 sessions, mean 0.9, attacks), B (5, mean 0.7, attacks), C (6, mean 0.6: a benign heavy
  // hitter with borderline sessions), D (1 session, 0.95, attack), E (3, mean 0.1, benign), F (2, 0.3, attack),
  // and 60 benign sources of one session at 0.05.
  const quiet = Array.from({ length: 60 }, (_, k) => `G${k}`);
  const ips = [...'AAAA', ...'BBBBB', ...'CCCCCC', 'D', ...'EEE', ...'FF', ...quiet];
  const prob = [0.9, 0.9, 0.9, 0.9, 0.7, 0.7, 0.7, 0.7, 0.7, 0.9, 0.3, 0.9, 0.3, 0.9, 0.3, 0.95, 0.1, 0.1, 0.1, 0.3, 0.3, ...quiet.map(() => 0.05)];
  const y = [1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, ...quiet.map(() => 0)];
  const e = sourceEvidence(
    ips,
    prob,
    y,
    prob.map((p) => (p >= 0.5 ? 1 : 0)),
  );

  it("reads each source's mean probability and its majority label", () => {
    expect(Array.from(e.sessions.subarray(0, 6))).toEqual([4, 5, 6, 1, 3, 2]);
    expect(Array.from(e.mean.subarray(0, 6), (m) => Number(m.toFixed(3)))).toEqual([0.9, 0.7, 0.6, 0.95, 0.1, 0.3]);
    expect(Array.from(e.truth.subarray(0, 6))).toEqual([1, 1, 0, 1, 0, 1]); // C: 1 of 6 labelled attacks is not a majority
  });

  it('blocks from the lowest mean keeping 90% precision among sources of 3 or more sessions, investigates from 50% within 2% of benign sources', () => {
    // 3+ sessions, by mean: A 0.9 (1), B 0.7 (1), C 0.6 (0), E 0.1 (0): at 0.7 precision 2/2, at 0.6 2/3
    // all sources: D 0.95, A, B (3/3), C 0.6 (3/4), F 0.3 (4/5: C is 1 of 62 benign sources, 1.6%), E 0.1 (4/6):
    // the lowest attack edge with precision >= 0.5 and at most 2% of benign sources is F's 0.3
    const edges = chooseSourceEdges(e);
    expect(edges).toEqual({ block: 0.7, investigate: 0.3 });
    expect(sourceAction(edges, 5, 0.7)).toBe('block');
    expect(sourceAction(edges, 2, 0.95)).toBe('investigate'); // one or two sessions never block
    expect(sourceAction(edges, 6, 0.6)).toBe('investigate');
    expect(sourceAction(edges, 6, 0.2)).toBeNull();
    const [block, investigate] = reportSourceRule(edges, e, e);
    expect(block.out_of_fold).toEqual({ sources: 2, precision: 1, recall: 0.5 });
    // block or investigate: A, B, C, D, F (every flagged source and F's mean): 4 of 5 malicious, all 4 found
    expect(investigate.holdout).toEqual({ sources: 5, precision: 0.8, recall: 1 });
  });

  it('keeps the investigate edge above nearly every benign source where most sources are malicious', () => {
    // 10 attack sources at 0.9, 5 benign at 0.1 and one attack at 0.08 (a noisy label): precision alone
    // would take the edge down to 0.08 and every benign source with it; 1 benign of 5 is over 2%
    const ips = [...Array.from({ length: 10 }, (_, k) => `A${k}`), ...Array.from({ length: 5 }, (_, k) => `B${k}`), 'N'];
    const p = [...Array<number>(10).fill(0.9), ...Array<number>(5).fill(0.1), 0.08];
    const truth = [...Array<number>(10).fill(1), ...Array<number>(5).fill(0), 1];
    expect(chooseSourceEdges(sourceEvidence(ips, p, truth, p)).investigate).toBe(0.9);
  });

  it('never blocks below even odds, and not at all where no edge keeps the precision', () => {
    const low = sourceEvidence(['A', 'A', 'A', 'B', 'B', 'B'], [0.3, 0.3, 0.3, 0.2, 0.2, 0.2], [1, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]);
    expect(chooseSourceEdges(low).block).toBe(0.5);
    const mixed = sourceEvidence(['A', 'A', 'A', 'B', 'B', 'B'], [0.8, 0.8, 0.8, 0.9, 0.9, 0.9], [1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]);
    expect(chooseSourceEdges(mixed).block).toBeNull();
  });
});

describe('trained with labels', () => {
  const records = syntheticRecords(3000, 8).map(parseRecord);
  const out = trainModels(records, { trees: 40, seed: 3 });
  const d = out.metrics.decision;

  it('reports the combination: weights, bands with out-of-fold and hold-out precision, and the verdict on the hold-out', () => {
    expect(d.mode).toBe('labelled');
    expect(d.detectors!.map((x) => x.detector)).toEqual([...EVIDENCE, 'combined']);
    const combined = d.detectors!.at(-1)!.roc_auc!;
    const best = Math.max(...d.detectors!.slice(0, -1).map((x) => x.roc_auc ?? 0));
    expect(combined).toBeGreaterThanOrEqual(best - 0.002);
    expect(d.bands!.map((b) => b.band)).toEqual(['medium', 'suspicious', 'high', 'critical']);
    expect(d.bands![1].edge).toBeGreaterThan(0);
    // medium sits at or below suspicious, where at most 2% of the out-of-fold benign records score
    expect(d.bands![0].edge).toBeLessThanOrEqual(d.bands![1].edge!);
    expect(d.bands![0].max_false_positive_rate).toBe(0.02);
    for (const b of d.bands!) if (b.edge !== null && b.out_of_fold.precision !== null && b.band !== 'suspicious') expect(b.out_of_fold.precision).toBeGreaterThanOrEqual(b.target_precision);
    expect(d.verdict!.false_positive_rate).toBeLessThanOrEqual(0.02);
    expect(d.verdict!.recall).toBeGreaterThanOrEqual(0.95);
    // only detectors with a weight count
    expect(d.counted).toEqual(EVIDENCE.filter((_, j) => d.detectors![j].weight! > 0));
  });

  it('fits the per-source rule and reports it with its out-of-fold and hold-out precision', () => {
    const [block, investigate] = d.sources!;
    expect(block.action).toBe('block');
    expect(block.min_sessions).toBe(3);
    // every synthetic source has one session: no source can be blocked, and the report says so
    expect(block.edge).toBeNull();
    expect(block.holdout).toEqual({ sources: 0, precision: null, recall: 0 });
    expect(investigate.action).toBe('investigate');
    expect(investigate.edge).toBeGreaterThan(0);
    expect(investigate.out_of_fold.precision).toBeGreaterThanOrEqual(0.5);
    expect(investigate.holdout.recall).toBeGreaterThan(0.9);
    expect(JSON.parse(out.artifacts.decision).sources).toEqual({ block: null, investigate: investigate.edge });
  });

  it('round-trips through decision.json, and refuses a malformed one', () => {
    const json = JSON.parse(out.artifacts.decision);
    const again = Decision.fromJSON(json);
    expect(again.toJSON()).toEqual(json);
    expect(() => Decision.fromJSON({ ...json, stacker: { ...json.stacker, weights: [-1, 0, 0, 0, 0] } })).toThrow(/malformed/);
    expect(() => Decision.fromJSON({ ...json, evidence: ['isolation_forest'] })).toThrow(/retrain/);
    expect(() => Decision.fromJSON({ ...json, sources: undefined })).toThrow(/sources: malformed/);
    expect(() => Decision.fromJSON({ ...json, sources: { block: 2, investigate: 0.1 } })).toThrow(/sources: malformed/);
  });
});
