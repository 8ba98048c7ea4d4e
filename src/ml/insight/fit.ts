/**
 * Whether the traffic being scored is like the traffic the model learned from. The committed models
 * learned from one Kaggle file (HTTPS, port 443 and status 200 on every row), so a first VPC flow log
 * is mostly never-seen protocols and ports: every record would then be flagged for not being that
 * file. Instead of leaving the user to infer that from per-record alerts, the batch summary, GET
 * /model/drift and the console say it once, in one sentence naming what the model was trained on
 * and the command that trains it on the user's own logs.
 *
 * Signals, any one of which is enough; each is a measure of the traffic itself:
 * - more than half of the records carry a protocol or destination port the model never saw in
 *   training (share 0 in the encoder's table of a field it uses);
 * - (drift only) more than half of the features with a PSI are drifted (drift.ts bands).
 * Another input format than the training one is said beside them, never alone: the same sessions
 * as an ALB log score as they do in the dataset's layout (test/fixtures/recast.ts), so a different
 * format is a reason to look, not evidence that the traffic is unlike.
 */
import type { FeatureEncoder } from '../detectors/features.js';
import type { TrafficRecord } from '../data/record.js';

/** What a model was trained on, as the manifest keeps it (training_data). */
export interface TrainingData {
  /** the input format (cloudwatch, vpc-flow, alb, waf, cloudfront, ocsf); "unknown" for a bundle that did not record it */
  format: string;
  rows: number;
  /** earliest creation_time of the records (ISO 8601), null when unknown */
  first_record: string | null;
  /** latest end_time of the records (ISO 8601), null when unknown */
  last_record: string | null;
  /** the training file's base name when trained from a file (npm run train), else null */
  file: string | null;
}

/** More than this share of records with a never-seen protocol or port makes the traffic unlike the training traffic. */
export const UNSEEN_MAJORITY = 0.5;

/** The training_data of a manifest; a bundle trained before it was recorded reads as format "unknown". */
export function trainingDataOf(manifest: { training_data?: TrainingData; data: { rows: number } }): TrainingData {
  return manifest.training_data ?? { format: 'unknown', rows: manifest.data.rows, first_record: null, last_record: null, file: null };
}

/** Describes the records a model is trained on. */
export function describeTrainingData(records: readonly TrafficRecord[], format: string, file: string | null = null): TrainingData {
  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    if (r.creationMs < first) first = r.creationMs;
    if (r.endMs > last) last = r.endMs;
  }
  const iso = (ms: number): string | null => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  return { format, rows: records.length, first_record: iso(first), last_record: iso(last), file };
}

/** "the cloudwatch file CloudWatch_Traffic_Web_Attack.csv (282 records, 2024-04-25 to 2024-04-26)" */
export function trainedOnText(t: TrainingData): string {
  if (t.format === 'unknown') return `${t.rows} records of a format the model did not record (it predates training_data)`;
  const span = t.first_record && t.last_record ? `, ${t.first_record.slice(0, 10)} to ${t.last_record.slice(0, 10)}` : '';
  return `${t.file ? `the ${t.format} file ${t.file}` : `a ${t.format} upload`} (${t.rows} records${span})`;
}

/** The one command that trains on the user's own logs (scripts/train.ts's flags). */
export function trainCommand(format: string | null): string {
  const f = format === null || format === 'unknown' ? '<vpc-flow|alb|waf|cloudfront|ocsf>' : format;
  return f === 'cloudwatch' ? 'npm run train -- --data your.csv' : `npm run train -- --format ${f} --data your.log`;
}

/** The columns of the encoder's feature row that read 0 for a never-seen protocol or port (fields the model uses only). */
export function unseenColumns(encoder: FeatureEncoder): number[] {
  const out: number[] = [];
  if (encoder.uses('protocol')) out.push(encoder.featureNames.indexOf('protocol_freq'));
  if (encoder.uses('dstPort')) out.push(encoder.featureNames.indexOf('dst_port_freq'));
  return out;
}

/** Whether a record carries a protocol or port the encoder never saw (absent fields are unknown, never unseen). */
export function hasUnseenProtocolOrPort(encoder: FeatureEncoder, r: TrafficRecord): boolean {
  return (
    (r.protocol !== null && encoder.uses('protocol') && encoder.share('protocol', r.protocol) === 0) || (r.dstPort !== null && encoder.uses('dstPort') && encoder.share('dstPort', r.dstPort) === 0)
  );
}

export interface FitSignals {
  trained: TrainingData;
  /** the format of the traffic scored, when known */
  format: string | null;
  records: number;
  /** records with a never-seen protocol or port */
  unseen: number;
  /** drifted features and features with a PSI (drift only) */
  drifted?: { count: number; of: number };
}

/** One sentence saying the traffic is unlike the training traffic, or null when it is not (or nothing was scored). */
export function unlikeTrainingNote(s: FitSignals): string | null {
  if (s.records === 0) return null;
  const why: string[] = [];
  const share = s.unseen / s.records;
  if (share > UNSEEN_MAJORITY) why.push(`${Math.round(share * 100)}% of the records carry a protocol or port never seen in training`);
  if (s.drifted && s.drifted.of > 0 && s.drifted.count / s.drifted.of > 0.5) why.push(`${s.drifted.count} of ${s.drifted.of} features drifted`);
  if (why.length === 0) return null;
  if (s.format !== null && s.trained.format !== 'unknown' && s.format !== s.trained.format) why.unshift(`it is ${s.format}, the model learned from ${s.trained.format}`);
  return (
    `This traffic is not like what the model was trained on, ${trainedOnText(s.trained)}: ${why.join('; ')}; so its alerts mostly say "unlike that data": ` +
    `train on your own logs with \`${trainCommand(s.format)}\` (or POST /train).`
  );
}
