/**
 * The runner's heartbeat never writes a state older than the job's final one: a heartbeat whose read
 * of the state was still in flight when the job finished once wrote "running" over "succeeded", and
 * the job, its runner idle, was then reported failed.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../src/jobs/runner.js';
import { HEARTBEAT_MS, type Job, JobStore, newJobId, ownerHere } from '../../src/jobs/store.js';
import { COMMITTED_MODELS } from '../helpers/app.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runner-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const silent = { warn: () => {}, error: () => {}, info: () => {} } as unknown as FastifyBaseLogger;

function queued(id: string): Job {
  const now = new Date().toISOString();
  return {
    id,
    state: 'queued',
    created_at: now,
    started_at: null,
    finished_at: null,
    format: 'csv',
    log_format: 'cloudwatch',
    fields: null,
    on_error: 'stop',
    max_errors: 1000,
    bytes_received: 0,
    records_read: 0,
    records_scored: 0,
    records_skipped: 0,
    records_per_second: 0,
    eta_seconds: null,
    model_version: null,
    summary: null,
    skipped: [],
    error: null,
    owner: ownerHere(),
    heartbeat_at: now,
  };
}

describe('JobRunner heartbeat', () => {
  it('leaves a finished job succeeded when its read of the state returns after the job ended', async () => {
    const store = new JobStore(dir);
    // Reads of the state take longer than a heartbeat: a heartbeat started while the job runs
    // finishes reading after the job has written its final state.
    const read = store.read.bind(store);
    store.read = async (id: string) => {
      const job = await read(id);
      await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 1.5));
      return job;
    };
    const id = newJobId();
    mkdirSync(store.path(id), { recursive: true });
    writeFileSync(store.path(id, 'input'), readFileSync(REAL_DATASET));
    await store.write(queued(id));
    const runner = new JobRunner(store, { modelDir: COMMITTED_MODELS, threads: 1, log: silent });
    runner.enqueue(id);
    const onDisk = (): Job => JSON.parse(readFileSync(store.path(id, 'state.json'), 'utf8')) as Job;
    try {
      for (let i = 0; i < 600 && onDisk().state !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(onDisk().state).toBe('succeeded');
      // Every heartbeat in flight has landed by now.
      await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 3));
      expect(onDisk().state).toBe('succeeded');
      expect(onDisk().records_scored).toBe(282);
      expect(await store.get(id, runner.mine)).toMatchObject({ state: 'succeeded' });
    } finally {
      await runner.close();
    }
  });
});

describe('JobStore: whose running job is dead', () => {
  it("keeps this process's own running job alive whatever its runner says, and takes one of an earlier life of the same pid for dead", async () => {
    const store = new JobStore(dir);
    const running = async (owner: Job['owner']): Promise<string> => {
      const id = newJobId();
      mkdirSync(store.path(id), { recursive: true });
      await store.write({ ...queued(id), state: 'running', owner });
      return id;
    };
    const nobodys = () => false; // as a request sees a job between two steps of its runner
    const ours = await running(ownerHere());
    expect((await store.get(ours, nobodys))?.state).toBe('running');
    const earlier = await running({ ...ownerHere(), life: 'an-earlier-life' });
    expect(await store.get(earlier, nobodys)).toMatchObject({ state: 'failed', error: { message: expect.stringMatching(/stopped before it finished/) } });
    const unrecorded = await running({ host: ownerHere().host, pid: process.pid }); // written before lives were recorded
    expect((await store.get(unrecorded, nobodys))?.state).toBe('failed');
  });
});
