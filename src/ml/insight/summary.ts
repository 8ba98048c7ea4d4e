/**
 * The summary of a scored batch: totals, the sources with the most suspicious
 * records, and the geographic and temporal views the original dashboards
 * showed (records by country and by UTC hour). Every list is bounded: at most
 * 10 sources, one entry per country code seen, 24 hours, 20 recommendations.
 */
import type { ScoreResult } from '../bundle/bundle.js';
import type { TrafficRecord } from '../data/record.js';
import type { FeatureEncoder } from '../detectors/features.js';
import { hasUnseenProtocolOrPort, type TrainingData, trainingDataOf, unlikeTrainingNote } from './fit.js';
import { DEFAULT_FLAG_RATE, higherRisk, recommend, type Recommendation, type SourceActivity, type SourceRule } from './recommend.js';

export interface BatchSummary {
  count: number;
  suspicious: number;
  anomaly_rate: number;
  top_sources: { src_ip: string; suspicious: number; count: number; bytes_in: number }[];
  by_country: { country: string; count: number; suspicious: number }[];
  by_hour: { hour: number; count: number; suspicious: number }[];
  recommendations: Recommendation[];
  /** present when the batch is unlike the model's training traffic: one sentence saying so (insight/fit.ts) */
  training_note?: string;
}

/** What the summary needs to tell whether the batch is like the training traffic. */
export interface SummaryFit {
  training: TrainingData;
  /** null where the records are counted elsewhere (scoring threads) and only merged and built here */
  encoder: FeatureEncoder | null;
  /** the batch's input format, when known */
  format: string | null;
}

/** The SummaryFit of a scoring bundle and the format its records arrived in. */
export function summaryFit(bundle: { manifest: { training_data?: TrainingData; data: { rows: number } }; encoder: FeatureEncoder }, format: string | null): SummaryFit {
  return { training: trainingDataOf(bundle.manifest), encoder: bundle.encoder, format };
}

/**
 * The starting value of a byte sum: zero, as a double (-0 is never a small integer, and adds up and
 * prints as 0). A field V8 first sees holding a small integer changes its hidden class when it
 * outgrows one, as a source's byte sum does past 2^30; each source doing so on its own cost ~300
 * thrown-away optimizing compilations per million records, ~25% of the CPU of `npm run score`
 * (measured with --trace-opt and perf).
 */
const BYTES_ZERO = -0;

/** Sources listed in top_sources. */
export const TOP_SOURCES = 10;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface SummaryState {
  /** the scoring bundle's source rule (recommend.ts); a number: the binomial rule's flag rate */
  rule: SourceRule | number;
  count: number;
  suspicious: number;
  anomalies: number;
  /** records with a protocol or port never seen in training (counted with a SummaryFit only) */
  unseen: number;
  totalBytes: number;
  sources: SourceTally[];
  countries: { country: string; count: number; suspicious: number }[];
  hours: { hour: number; count: number; suspicious: number }[];
}

interface SourceTally {
  src_ip: string;
  suspicious: number;
  count: number;
  bytes_in: number;
  activity: SourceActivity;
}

/**
 * Builds a summary record by record, so a stream of any length is summarised without holding it:
 * what it keeps grows with the distinct sources and countries, not with the records.
 */
export class SummaryBuilder {
  private readonly sources = new Map<string, SourceTally>();
  private readonly countries = new Map<string, { country: string; count: number; suspicious: number }>();
  private readonly hours = Array.from({ length: 24 }, (_, hour) => ({ hour, count: 0, suspicious: 0 }));
  private count = 0;
  private suspicious = 0;
  private anomalies = 0;
  private unseen = 0;
  private totalBytes = 0;

  /**
   * @param rule the scoring bundle's ModelBundle.sourceRule (recommend.ts)
   * @param fit the scoring bundle's training data and encoder (summaryFit): with it the summary says
   *   when the batch is unlike the training traffic (training_note); without, it never does
   */
  constructor(
    private rule: SourceRule | number = DEFAULT_FLAG_RATE,
    private readonly fit: SummaryFit | null = null,
  ) {}

  add(r: TrafficRecord, res: ScoreResult): void {
    const bad = res.verdict === 'suspicious' ? 1 : 0;
    this.count++;
    this.suspicious += bad;
    this.anomalies += res.is_anomaly ? 1 : 0;
    // novel_fields is empty for the usual record: the exact never-seen test runs on the rare ones only
    if (this.fit?.encoder && res.novel_fields.length > 0 && hasUnseenProtocolOrPort(this.fit.encoder, r)) this.unseen++;
    let s = this.sources.get(r.srcIp);
    if (!s) {
      const activity: SourceActivity = { src_ip: r.srcIp, sessions: 0, suspicious: 0, highest: 'low', strong: 0, bytes: BYTES_ZERO, probability: 0 };
      this.sources.set(r.srcIp, (s = { src_ip: r.srcIp, suspicious: 0, count: 0, bytes_in: BYTES_ZERO, activity }));
    }
    s.suspicious += bad;
    s.count++;
    s.bytes_in += r.bytesIn;
    const a = s.activity;
    a.sessions++;
    a.suspicious += bad;
    a.strong += bad === 1 && (res.risk_level === 'high' || res.risk_level === 'critical') ? 1 : 0;
    a.highest = higherRisk(a.highest, res.risk_level);
    a.bytes += r.bytesIn + r.bytesOut;
    a.probability += res.risk_probability;
    this.totalBytes += r.bytesIn + r.bytesOut;
    const key = r.country ?? 'unknown';
    let c = this.countries.get(key);
    if (!c) this.countries.set(key, (c = { country: key, count: 0, suspicious: 0 }));
    c.count++;
    c.suspicious += bad;
    const h = this.hours[Math.floor((((r.creationMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS)]; // UTC hour, no Date per record
    h.count++;
    h.suspicious += bad;
  }

  /** Adds another builder's tallies (a part of the same batch scored elsewhere, e.g. a worker thread). */
  merge(other: SummaryState): void {
    this.rule = other.rule; // every part was scored by the same bundle
    this.count += other.count;
    this.suspicious += other.suspicious;
    this.anomalies += other.anomalies;
    this.unseen += other.unseen;
    this.totalBytes += other.totalBytes;
    for (const o of other.sources) {
      const s = this.sources.get(o.src_ip);
      if (!s) {
        this.sources.set(o.src_ip, { ...o, activity: { ...o.activity } });
        continue;
      }
      s.suspicious += o.suspicious;
      s.count += o.count;
      s.bytes_in += o.bytes_in;
      s.activity.sessions += o.activity.sessions;
      s.activity.suspicious += o.activity.suspicious;
      s.activity.strong += o.activity.strong;
      s.activity.bytes += o.activity.bytes;
      s.activity.probability += o.activity.probability;
      s.activity.highest = higherRisk(s.activity.highest, o.activity.highest);
    }
    for (const o of other.countries) {
      const c = this.countries.get(o.country);
      if (c) {
        c.count += o.count;
        c.suspicious += o.suspicious;
      } else this.countries.set(o.country, { ...o });
    }
    other.hours.forEach((h, i) => {
      this.hours[i].count += h.count;
      this.hours[i].suspicious += h.suspicious;
    });
  }

  /** The tallies as plain data (to send to another thread and merge there). */
  state(): SummaryState {
    return {
      rule: this.rule,
      count: this.count,
      suspicious: this.suspicious,
      anomalies: this.anomalies,
      unseen: this.unseen,
      totalBytes: this.totalBytes,
      sources: [...this.sources.values()],
      countries: [...this.countries.values()],
      hours: this.hours,
    };
  }

  build(): BatchSummary {
    const note = this.fit === null ? null : unlikeTrainingNote({ trained: this.fit.training, format: this.fit.format, records: this.count, unseen: this.unseen });
    const summary: BatchSummary = {
      count: this.count,
      suspicious: this.suspicious,
      anomaly_rate: this.count > 0 ? this.anomalies / this.count : 0,
      top_sources: [...this.sources.values()]
        .filter((s) => s.suspicious > 0)
        .sort((a, b) => b.suspicious - a.suspicious || b.bytes_in - a.bytes_in || (a.src_ip < b.src_ip ? -1 : 1))
        .slice(0, TOP_SOURCES)
        .map(({ src_ip, suspicious: n, count, bytes_in }) => ({ src_ip, suspicious: n, count, bytes_in })),
      by_country: [...this.countries.values()].sort((a, b) => b.count - a.count || (a.country < b.country ? -1 : 1)),
      by_hour: this.hours.filter((h) => h.count > 0).map((h) => ({ ...h })),
      recommendations: recommend(
        Array.from(this.sources.values(), (s) => s.activity),
        this.rule,
      ),
    };
    if (note !== null) summary.training_note = note;
    return summary;
  }
}

/**
 * @param records records[i] is the record results[i] answers
 * @param rule the scoring bundle's ModelBundle.sourceRule
 * @param fit see SummaryBuilder
 */
export function summarize(records: readonly TrafficRecord[], results: readonly ScoreResult[], rule: SourceRule | number = DEFAULT_FLAG_RATE, fit: SummaryFit | null = null): BatchSummary {
  const builder = new SummaryBuilder(rule, fit);
  for (let i = 0; i < results.length; i++) builder.add(records[i], results[i]);
  return builder.build();
}
