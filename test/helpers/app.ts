/** Builds the app for tests on a given MODEL_DIR (the committed models by default), without logs. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export const COMMITTED_MODELS = new URL('../../models', import.meta.url).pathname;
export const ADMIN_TOKEN = 'test-admin-token-0123456789';
/** Scoring jobs of tests that do not choose their own JOBS_DIR: outside the repository, one per test process. */
export const TEST_JOBS_DIR = join(tmpdir(), `tts-test-jobs-${process.pid}`);

/**
 * Event-loop-delay shedding is off unless a test sets MAX_EVENT_LOOP_DELAY_MS: on a shared 2-core machine
 * a stalled loop sheds load (503 OVERLOADED), which is the plugin doing its job, not the route under test
 * failing. The tests of shedding itself set the variable.
 */
export async function testApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = loadConfig({ MODEL_DIR: COMMITTED_MODELS, RELOAD_INTERVAL_MS: '0', MAX_EVENT_LOOP_DELAY_MS: '0', JOBS_DIR: TEST_JOBS_DIR, ...env });
  const app = await buildApp(config, { logger: false });
  await app.ready();
  return app;
}

/** A private copy of the committed models, for tests that train or roll back. */
export async function modelDirCopy(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'models-'));
  await cp(COMMITTED_MODELS, dir, { recursive: true });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
