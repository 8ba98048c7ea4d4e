/** Runs in every test file (vitest setupFiles): no child process outlives the file that started it. */
import { afterAll } from 'vitest';
import { stopAllChildren } from './helpers/process.js';

afterAll(() => stopAllChildren());

// Scoring jobs of this test process (test/helpers/app.ts TEST_JOBS_DIR) go with it.
afterAll(async () => {
  const { rm } = await import('node:fs/promises');
  const { TEST_JOBS_DIR } = await import('./helpers/app.js');
  await rm(TEST_JOBS_DIR, { recursive: true, force: true });
});
