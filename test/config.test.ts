import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has the contract defaults', () => {
    expect(loadConfig({})).toMatchObject({ host: '0.0.0.0', port: 3000, modelDir: './models', batchLimit: 10_000, adminToken: null, logLevel: 'info' });
  });

  it('reads every variable', () => {
    const c = loadConfig({ HOST: '127.0.0.1', PORT: '8080', MODEL_DIR: '/m', LOG_LEVEL: 'warn', ADMIN_TOKEN: 'x'.repeat(16), BATCH_LIMIT: '5', BODY_LIMIT: '2048' });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, modelDir: '/m', logLevel: 'warn', adminToken: 'x'.repeat(16), batchLimit: 5, bodyLimit: 2048 });
  });

  it.each([
    [{ PORT: 'http' }, /PORT="http" is invalid: set it to an integer from 0 to 65535/],
    [{ PORT: '70000' }, /PORT/],
    [{ BATCH_LIMIT: '0' }, /BATCH_LIMIT/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud" is invalid: use one of/],
    [{ ADMIN_TOKEN: 'short' }, /ADMIN_TOKEN is too short/],
    [{ MODEL_DIR: ' ' }, /MODEL_DIR is empty/],
  ])('fails fast on %o with a message saying how to fix it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
