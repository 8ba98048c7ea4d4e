/**
 * The first run with one's own logs is honest: a VPC flow log scored by the committed model (which
 * learned from the dataset's layout only) gets one plain sentence in the batch summary and in
 * /model/drift saying the traffic is unlike the training data and how to train on it; after training
 * on that log the sentence is gone, and /model says what the model was trained on.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/ml/data/dataset.js';
import type { TrafficRecord } from '../../src/ml/data/record.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';
import { asVpcFlow } from '../fixtures/recast.js';
import { ADMIN_TOKEN, modelDirCopy, testApp } from '../helpers/app.js';

const TEXT = { 'content-type': 'text/plain' };
let app: FastifyInstance;
let cleanup: () => Promise<void>;
let records: TrafficRecord[];
let vpc: string;

beforeAll(async () => {
  const copy = await modelDirCopy();
  cleanup = copy.cleanup;
  app = await testApp({ MODEL_DIR: copy.dir, ADMIN_TOKEN, DRIFT_WINDOW: '1000' });
  records = await readDataset(REAL_DATASET);
  vpc = asVpcFlow(records);
});
afterAll(async () => {
  await app.close();
  await cleanup();
});

const batch = async (url: string, headers: Record<string, string>, payload: string) => {
  const res = await app.inject({ method: 'POST', url, headers, payload });
  expect(res.statusCode).toBe(200);
  return res.json().summary;
};

describe('training data and the note on unlike traffic', () => {
  it('says nothing when the dataset itself is scored', async () => {
    const summary = await batch('/batch', { 'content-type': 'text/csv' }, readFileSync(REAL_DATASET, 'utf8'));
    expect(summary.count).toBe(records.length);
    expect(summary).not.toHaveProperty('training_note');
  });

  it('names what the model learned from and the command, for a VPC flow log scored by the committed model', async () => {
    const model = (await app.inject('/model')).json();
    // the committed bundle may predate training_data: it then reads as unknown and still loads
    expect(model.training_data.rows).toBe(model.data.rows);
    expect(['unknown', 'cloudwatch']).toContain(model.training_data.format);

    const summary = await batch('/batch?format=vpc-flow', TEXT, vpc);
    expect(summary.count).toBe(records.length);
    expect(summary.training_note).toMatch(/^This traffic is not like what the model was trained on/);
    expect(summary.training_note).toMatch(/100% of the records carry a protocol or port never seen in training/);
    expect(summary.training_note).toContain('`npm run train -- --format vpc-flow --data your.log`');
    // streamed, the summary line says the same
    const streamed = await app.inject({ method: 'POST', url: '/batch?format=vpc-flow', headers: { ...TEXT, accept: 'application/x-ndjson' }, payload: vpc });
    expect(JSON.parse(streamed.body.trim().split('\n').at(-1)!).summary.training_note).toBe(summary.training_note);

    const drift = (await app.inject('/model/drift')).json();
    expect(drift.unseen_share).toBeGreaterThan(0.5);
    expect(drift.note).toMatch(/never seen in training/);
    expect(drift.note).toContain('npm run train -- --format');
    expect(drift.training_data).toEqual(model.training_data);
  });

  it('after training on the VPC flow log: /model records it, and the same log gets no note', async () => {
    const trained = await app.inject({
      method: 'POST',
      url: '/train?format=vpc-flow&promote=always&trees=20',
      headers: { ...TEXT, authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: vpc,
    });
    expect(trained.statusCode).toBe(200);
    const model = (await app.inject('/model')).json();
    const first = Math.min(...records.map((r) => r.creationMs));
    const last = Math.max(...records.map((r) => r.endMs));
    // the flow log keeps whole seconds
    expect(model.training_data).toEqual({
      format: 'vpc-flow',
      rows: records.length,
      first_record: new Date(Math.floor(first / 1000) * 1000).toISOString(),
      last_record: new Date(Math.floor(last / 1000) * 1000).toISOString(),
      file: null,
    });

    const summary = await batch('/batch?format=vpc-flow', TEXT, vpc);
    expect(summary).not.toHaveProperty('training_note');
    const drift = (await app.inject('/model/drift')).json();
    expect(drift.window.filled).toBe(records.length);
    expect(drift.unseen_share).toBe(0);
    expect(drift.note).toBeNull();

    // and now the dataset's own layout is the other format
    const csv = await batch('/batch', { 'content-type': 'text/csv' }, readFileSync(REAL_DATASET, 'utf8'));
    expect(csv.training_note).toMatch(/it is cloudwatch, the model learned from vpc-flow/);
    expect(csv.training_note).toContain('a vpc-flow upload (282 records');
  });
});
