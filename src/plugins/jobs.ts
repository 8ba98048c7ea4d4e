/**
 * Scoring jobs: the store on disk (JOBS_DIR) and this process's runner, shared
 * by the /jobs routes; retention (JOBS_TTL) swept every minute; the jobs'
 * metrics. At start, jobs left queued or running by a process that is gone are
 * reported failed; on close, this process's jobs are stopped and reported failed.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { mkdir } from 'node:fs/promises';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Config } from '../config.js';
import { JobRunner } from '../jobs/runner.js';
import { type JobState, JobStore } from '../jobs/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    jobs: { store: JobStore; runner: JobRunner; config: Config };
  }
}

const SWEEP_MS = 60_000;
const STATES: JobState[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];

async function jobsPlugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { config } = opts;
  const store = new JobStore(config.jobsDir);
  const registers = [app.metrics.registry];
  new Gauge({
    name: 'scoring_jobs',
    help: 'Scoring jobs in JOBS_DIR by state (every worker sees the same directory)',
    labelNames: ['state'],
    registers,
    aggregator: 'max',
    async collect() {
      const counts = new Map<JobState, number>(STATES.map((s) => [s, 0]));
      for (const id of await store.ids()) {
        const job = await store.get(id, runner.mine).catch(() => null);
        if (job) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
      }
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  const records = new Counter({ name: 'scoring_jobs_records_total', help: 'Records scored by jobs that succeeded', registers });
  const duration = new Histogram({
    name: 'scoring_job_duration_seconds',
    help: 'Run time of finished jobs (start of scoring to end), by final state',
    labelNames: ['state'],
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers,
  });
  records.inc(0);

  const runner = new JobRunner(store, {
    modelDir: config.modelDir,
    threads: config.jobsThreads,
    log: app.log,
    onFinished: (job, seconds) => {
      duration.observe({ state: job.state }, seconds);
      if (job.state === 'succeeded') records.inc(job.records_scored);
    },
  });
  app.decorate('jobs', { store, runner, config });

  let sweeper: NodeJS.Timeout | null = null;
  app.addHook('onReady', async () => {
    await mkdir(config.jobsDir, { recursive: true });
    // Jobs a dead process left queued or running are reported failed now, not at their first GET.
    await store.unfinished(runner.mine);
    await store.sweep(config.jobsTtlSeconds, runner.mine);
    sweeper = setInterval(() => {
      store.sweep(config.jobsTtlSeconds, runner.mine).catch((err: unknown) => app.log.warn({ err }, 'job retention sweep failed'));
    }, SWEEP_MS);
    sweeper.unref();
  });
  app.addHook('onClose', async () => {
    if (sweeper) clearInterval(sweeper);
    await runner.close();
  });
}

export default fp(jobsPlugin, { name: 'jobs', fastify: '5.x', dependencies: ['metrics'] });
