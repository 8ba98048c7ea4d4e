import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadEnvFile } from '../src/config.js';

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

describe('loadEnvFile', () => {
  it('reads .env into the environment, where the environment does not already set a variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-'));
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nTTS_TEST_FROM_FILE=3100\nTTS_TEST_BOTH=from-file\n');
    process.env.TTS_TEST_BOTH = 'from-env';
    try {
      expect(loadEnvFile(file)).toBe(true);
      expect(process.env.TTS_TEST_FROM_FILE).toBe('3100');
      expect(process.env.TTS_TEST_BOTH).toBe('from-env');
      expect(loadEnvFile(join(dir, 'absent.env'))).toBe(false);
    } finally {
      delete process.env.TTS_TEST_FROM_FILE;
      delete process.env.TTS_TEST_BOTH;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('.env.example', () => {
  it('lists every variable the service reads', () => {
    const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/env(?:\.|, ')([A-Z_]{3,})/g)].map((m) => m[1]));
    const listed = new Set([...readFileSync(new URL('../.env.example', import.meta.url), 'utf8').matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    expect([...read].filter((v) => !listed.has(v))).toEqual([]);
    expect(read.size).toBeGreaterThan(15);
  });
});
