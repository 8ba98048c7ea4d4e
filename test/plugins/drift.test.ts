import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { testApp } from '../helpers/app.js';
import { caught } from '../helpers/errors.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('DRIFT_WINDOW', () => {
  it('refuses a window that would not always hold the 100 records a PSI needs (0 turns drift off)', async () => {
    for (const size of ['5', '119']) {
      const err = await caught(ConfigError, () => loadConfig({ DRIFT_WINDOW: size }));
      expect(err.message).toMatch(new RegExp(`^DRIFT_WINDOW="${size}" is invalid: a window under 120 records does not always hold the 100 a PSI needs`));
    }
    expect(loadConfig({ DRIFT_WINDOW: '0' }).driftWindow).toBe(0);
    expect(loadConfig({ DRIFT_WINDOW: '120' }).driftWindow).toBe(120);
  });

  it('never reports more records filled than its size, and always a PSI once warmed up', async () => {
    app = await testApp({ DRIFT_WINDOW: '125' });
    const csv = readFileSync(REAL_DATASET, 'utf8');
    const res = await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(200);
    const report = (await app.inject({ method: 'GET', url: '/model/drift' })).json();
    expect(report.window.size).toBe(125);
    expect(report.window.filled).toBeLessThanOrEqual(125);
    expect(report.window.filled).toBeGreaterThanOrEqual(100);
    expect(report.features.every((f: { psi: number | null }) => typeof f.psi === 'number')).toBe(true);
  });
});
