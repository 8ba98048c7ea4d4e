/**
 * How the detectors' outputs become a verdict and a risk level: the one place that decides, fitted
 * with the bundle (decision.json) and measured at training time.
 *
 * With labels ("labelled"): the evidence of each record (Isolation Forest score, Random Forest
 * probability, distance past the IQR fences, rare values, measures outside the training range) goes
 * through a logistic stacker fitted on out-of-fold predictions (stacker.ts) to one calibrated
 * probability; the verdict and the risk levels are bands of it, chosen for stated precisions
 * (bands.ts). A detector the stacker gave weight 0 raises nothing and is named in no reason.
 *
 * Without labels ("unlabelled"): nothing can say how likely an attack is, only how unusual a record
 * is, so the budget the user set holds: `suspicious` is the Isolation Forest's anomaly (the top
 * `contamination` share of the training rows, by its threshold), or two or more facts no training
 * row had (a never-seen category, a measure outside the training range), which by definition no
 * training row can have, so the share on the training data stays the contamination. The IQR baseline
 * and rare values only rank inside that: `high` is a suspicious record that they or an unseen value
 * corroborate; `medium` any other suspicious record, or a normal one with a rare, never-seen or
 * out-of-range value; `critical` needs labels, and an unlabelled model never answers it.
 *
 * In both modes a fact no training row had is evidence the hold-out cannot measure (it held none), so
 * a stated rule covers it: one makes a record at least `medium`, two make it `suspicious` and at
 * least `high` (as the previous release did for two novel fields).
 */
import { checkName } from '../core/codec.js';
import type { Bands } from './bands.js';
import type { SourceEdges } from './sources.js';
import { Stacker, type StackerJSON } from './stacker.js';

/** The stacker's inputs, in order. */
export const EVIDENCE = ['isolation_forest', 'random_forest', 'iqr_baseline', 'rare_values', 'out_of_range'] as const;
export type Evidence = (typeof EVIDENCE)[number];
export const N_EVIDENCE = EVIDENCE.length;

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';
export type Verdict = 'suspicious' | 'normal';

/** What the detectors say of one record. */
export interface Detections {
  anomalyScore: number;
  isAnomaly: boolean;
  /** the Random Forest's probability */
  forestProbability: number;
  baselineOutlier: boolean;
  /** log units past the IQR fences, 0 inside */
  fenceDistance: number;
  /** fields with a rare or never-seen value */
  novel: number;
  /** fields whose value was never seen in training */
  unseen: number;
  /** measures outside everything seen in training */
  outOfRange: number;
}

export interface Decided {
  verdict: Verdict;
  risk: RiskLevel;
  /** the combined probability (labelled), or the Random Forest's (unlabelled) */
  probability: number;
}

/** Probabilities of exactly 0 or 1 (a forest whose trees all agree) held off infinity on the logit scale. */
const LOGIT_CLAMP = 0.005;

/** Writes the stacker's inputs for one record into out[offset..offset + N_EVIDENCE). */
export function evidenceRow(d: Detections, out: Float64Array, offset = 0): void {
  const p = Math.min(1 - LOGIT_CLAMP, Math.max(LOGIT_CLAMP, d.forestProbability));
  out[offset] = d.anomalyScore;
  out[offset + 1] = Math.log(p / (1 - p));
  out[offset + 2] = d.fenceDistance;
  out[offset + 3] = d.novel;
  out[offset + 4] = d.outOfRange;
}

export interface DecisionJSON {
  name: 'Decision';
  mode: 'labelled' | 'unlabelled';
  evidence: string[];
  stacker: StackerJSON | null;
  bands: Bands | null;
  /** with labels, the per-source rule's edges (sources.ts); null without labels (the binomial rule, recommend.ts) */
  sources: SourceEdges | null;
}

const LEVELS: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical'];

export class Decision {
  private readonly stacker: Stacker | null;
  private readonly row = new Float64Array(N_EVIDENCE);

  private constructor(readonly json: DecisionJSON) {
    this.stacker = json.stacker ? new Stacker(json.stacker) : null;
  }

  get mode(): 'labelled' | 'unlabelled' {
    return this.json.mode;
  }

  /** The evidence the decision reads: with labels, the detectors the stacker gave a weight; without, all. */
  counts(e: Evidence): boolean {
    if (this.stacker === null) return e !== 'random_forest';
    return this.stacker.json.weights[EVIDENCE.indexOf(e)] > 0;
  }

  static unlabelled(): Decision {
    return new Decision({ name: 'Decision', mode: 'unlabelled', evidence: [...EVIDENCE], stacker: null, bands: null, sources: null });
  }

  /** The labelled decision: a fitted stacker and the bands chosen on its out-of-fold probabilities. */
  static labelled(stacker: Stacker, bands: Bands, sources: SourceEdges): Decision {
    return new Decision({ name: 'Decision', mode: 'labelled', evidence: [...EVIDENCE], stacker: stacker.json, bands, sources });
  }

  /** The combined probability of one record (labelled); the Random Forest's without labels. */
  probability(d: Detections): number {
    if (this.stacker === null) return d.forestProbability;
    evidenceRow(d, this.row);
    return this.stacker.probability(this.row);
  }

  decide(d: Detections): Decided {
    const unseen = d.unseen + d.outOfRange;
    const probability = this.probability(d);
    let verdict: Verdict;
    let level: number;
    const bands = this.json.bands;
    if (bands !== null) {
      const at = (edge: number | null): boolean => edge !== null && probability >= edge;
      verdict = at(bands.suspicious) || unseen >= 2 ? 'suspicious' : 'normal';
      level = at(bands.critical) ? 3 : at(bands.high) ? 2 : verdict === 'suspicious' || at(bands.medium) ? 1 : 0;
    } else {
      verdict = d.isAnomaly || unseen >= 2 ? 'suspicious' : 'normal';
      const corroborated = unseen > 0 || d.novel > 0 || d.baselineOutlier;
      level = verdict === 'suspicious' ? (corroborated ? 2 : 1) : d.novel > 0 ? 1 : 0;
    }
    level = Math.max(level, unseen >= 2 ? 2 : unseen === 1 ? 1 : 0);
    return { verdict, risk: LEVELS[level], probability };
  }

  toJSON(): DecisionJSON {
    return structuredClone(this.json);
  }

  static fromJSON(json: unknown): Decision {
    const obj = checkName(json, 'Decision') as unknown as DecisionJSON;
    if (obj.mode !== 'labelled' && obj.mode !== 'unlabelled') throw new TypeError('Decision.mode: expected "labelled" or "unlabelled"');
    if (!Array.isArray(obj.evidence) || obj.evidence.join() !== EVIDENCE.join()) {
      throw new RangeError(`Decision: artifact reads evidence [${String(obj.evidence)}], this build computes [${EVIDENCE.join()}]; retrain the models`);
    }
    if (obj.mode === 'unlabelled') return Decision.unlabelled();
    const s = obj.stacker;
    const vec = (v: unknown): boolean => Array.isArray(v) && v.length === N_EVIDENCE && v.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (!s || !vec(s.mean) || !vec(s.scale) || !vec(s.weights) || !Number.isFinite(s.intercept) || s.weights.some((w) => w < 0)) {
      throw new TypeError('Decision.stacker: malformed');
    }
    const b = obj.bands;
    const edge = (v: unknown): boolean => v === null || (typeof v === 'number' && v >= 0 && v <= 1);
    if (!b || typeof b.suspicious !== 'number' || typeof b.medium !== 'number' || !edge(b.medium) || !edge(b.suspicious) || !edge(b.high) || !edge(b.critical)) {
      throw new TypeError('Decision.bands: malformed');
    }
    const src = obj.sources;
    if (!src || !edge(src.block) || !edge(src.investigate)) throw new TypeError('Decision.sources: malformed');
    return new Decision({
      name: 'Decision',
      mode: 'labelled',
      evidence: [...EVIDENCE],
      stacker: s,
      bands: { medium: b.medium, suspicious: b.suspicious, high: b.high, critical: b.critical },
      sources: { block: src.block, investigate: src.investigate },
    });
  }
}
