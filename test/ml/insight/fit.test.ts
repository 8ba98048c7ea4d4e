import { describe, expect, it } from 'vitest';
import { loadCurrent } from '../../../src/ml/bundle/store.js';
import { readDataset } from '../../../src/ml/data/dataset.js';
import { readLogText } from '../../../src/ml/data/formats/read-text.js';
import { parseRecord } from '../../../src/ml/data/record.js';
import { SummaryBuilder, summaryFit } from '../../../src/ml/insight/summary.js';
import { DATASET_PATH } from '../../../src/paths.js';
import { asVpcFlow } from '../../fixtures/recast.js';
import { COMMITTED_MODELS } from '../../helpers/app.js';
import { describeTrainingData, trainCommand, trainedOnText, trainingDataOf, unlikeTrainingNote, type TrainingData } from '../../../src/ml/insight/fit.js';

const VPC: TrainingData = { format: 'vpc-flow', rows: 500, first_record: '2026-01-01T00:00:00.000Z', last_record: '2026-01-02T12:00:00.000Z', file: 'flows.log.gz' };

describe('training data', () => {
  it('describes the records: format, rows, earliest creation and latest end, file', () => {
    const rec = (c: string, e: string) => parseRecord({ bytes_in: 1, bytes_out: 1, creation_time: c, end_time: e, src_ip: '10.0.0.1' });
    const t = describeTrainingData([rec('2026-01-02T00:00:00Z', '2026-01-02T00:10:00Z'), rec('2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z')], 'alb', 'a.log');
    expect(t).toEqual({ format: 'alb', rows: 2, first_record: '2026-01-01T00:00:00.000Z', last_record: '2026-01-03T00:00:00.000Z', file: 'a.log' });
  });

  it('reads a manifest without it as unknown, keeping the rows', () => {
    expect(trainingDataOf({ data: { rows: 282 } })).toEqual({ format: 'unknown', rows: 282, first_record: null, last_record: null, file: null });
    expect(trainingDataOf({ data: { rows: 500 }, training_data: VPC })).toBe(VPC);
  });

  it('names it in words, and the command for the format scored', () => {
    expect(trainedOnText(VPC)).toBe('the vpc-flow file flows.log.gz (500 records, 2026-01-01 to 2026-01-02)');
    expect(trainCommand('alb')).toBe('npm run train -- --format alb --data your.log');
    expect(trainCommand('cloudwatch')).toBe('npm run train -- --data your.csv');
    expect(trainCommand(null)).toBe('npm run train -- --format <vpc-flow|alb|waf|cloudfront|ocsf> --data your.log');
  });
});

describe('the note on unlike traffic', () => {
  it('is absent for like traffic and for an empty batch', () => {
    expect(unlikeTrainingNote({ trained: VPC, format: 'vpc-flow', records: 100, unseen: 50 })).toBeNull();
    expect(unlikeTrainingNote({ trained: VPC, format: 'alb', records: 0, unseen: 0 })).toBeNull();
    expect(unlikeTrainingNote({ trained: VPC, format: null, records: 100, unseen: 0, drifted: { count: 5, of: 11 } })).toBeNull();
    // another format alone is no evidence: the same sessions read from another log score alike
    expect(unlikeTrainingNote({ trained: VPC, format: 'alb', records: 10, unseen: 0 })).toBeNull();
  });

  it('is one sentence on mostly never-seen values or mostly drifted features, naming another format beside them', () => {
    const other = unlikeTrainingNote({ trained: VPC, format: 'alb', records: 10, unseen: 6 })!;
    expect(other).toMatch(/it is alb, the model learned from vpc-flow; 60% of the records carry a protocol or port never seen/);
    expect(other).toContain('`npm run train -- --format alb --data your.log`');
    expect(other.split('. ')).toHaveLength(1);
    expect(unlikeTrainingNote({ trained: VPC, format: 'vpc-flow', records: 100, unseen: 51 })).toMatch(/51% of the records carry a protocol or port never seen/);
    expect(unlikeTrainingNote({ trained: VPC, format: null, records: 100, unseen: 0, drifted: { count: 6, of: 11 } })).toMatch(/6 of 11 features drifted/);
  });

  it('does not guess a format difference when the training format is unknown', () => {
    expect(unlikeTrainingNote({ trained: trainingDataOf({ data: { rows: 1 } }), format: 'alb', records: 10, unseen: 0 })).toBeNull();
  });
});

describe('the batch summary', () => {
  it('counts never-seen protocols and ports across parts scored apart (merge) as in one pass, and says so only with a SummaryFit', async () => {
    const bundle = await loadCurrent(COMMITTED_MODELS);
    const sessions = (await readDataset(DATASET_PATH)).slice(0, 40);
    const flows = readLogText('vpc-flow', asVpcFlow(sessions), {}).records;
    const results = bundle.scoreMany(flows);
    const fit = summaryFit(bundle, 'vpc-flow');
    const whole = new SummaryBuilder(bundle.flagRate, fit);
    const parts = [new SummaryBuilder(bundle.flagRate, fit), new SummaryBuilder(bundle.flagRate, fit)];
    flows.forEach((r, i) => {
      whole.add(r, results[i]);
      parts[i % 2].add(r, results[i]);
    });
    const merged = new SummaryBuilder(bundle.flagRate, fit);
    for (const p of parts) merged.merge(p.state());
    expect(whole.state().unseen).toBe(flows.length); // TCP: never seen by a model that learned from HTTPS rows
    expect(merged.build().training_note).toBe(whole.build().training_note);
    expect(whole.build().training_note).toContain('100% of the records');
    // no fit (a caller that does not pass one): no note, whatever the records
    const blind = new SummaryBuilder(bundle.flagRate);
    flows.forEach((r, i) => blind.add(r, results[i]));
    expect(blind.build()).not.toHaveProperty('training_note');
    // the dataset's own records: nothing never-seen
    const own = new SummaryBuilder(bundle.flagRate, summaryFit(bundle, 'cloudwatch'));
    bundle.scoreMany(sessions).forEach((res, i) => own.add(sessions[i], res));
    expect(own.state().unseen).toBe(0);
    expect(own.build()).not.toHaveProperty('training_note');
  });
});
