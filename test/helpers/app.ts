/** Builds the app for tests on a given MODEL_DIR (the committed models by default), without logs. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export const COMMITTED_MODELS = new URL('../../models', import.meta.url).pathname;
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/**
 * Event-loop-delay shedding is off unless a test sets MAX_EVENT_LOOP_DELAY_MS: on a shared 2-core machine
 * a stalled loop sheds load (503 OVERLOADED), which is the plugin doing its job, not the route under test
 * failing. The tests of shedding itself set the variable.
 */
export async function testApp(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp(loadConfig({ MODEL_DIR: COMMITTED_MODELS, RELOAD_INTERVAL_MS: '0', MAX_EVENT_LOOP_DELAY_MS: '0', ...env }), { logger: false });
  await app.ready();
  return app;
}

/** A private copy of the committed models, for tests that train or roll back. */
export async function modelDirCopy(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'models-'));
  await cp(COMMITTED_MODELS, dir, { recursive: true });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
