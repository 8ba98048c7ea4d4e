/**
 * Faults and overload: the service refuses clearly and keeps serving.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT, type ModelBundle } from '../src/ml/bundle/bundle.js';
import { EXAMPLE_RECORD } from '../src/schemas/record.js';
import { modelDirCopy, testApp } from './helpers/app.js';
import { failedStart } from './helpers/process.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});
async function app(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const a = await testApp(env);
  apps.push(a);
  return a;
}

describe('overload', () => {
  it('answers 503 with Retry-After past a pressure bound, while /healthz and /metrics still answer', async () => {
    const a = await app({ MAX_HEAP_USED_BYTES: '1000', RETRY_AFTER_SECONDS: '7' });
    await new Promise((r) => setTimeout(r, 2200)); // under-pressure samples every second
    const score = await a.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD });
    expect(score.statusCode, score.body).toBe(503);
    expect(score.headers['retry-after']).toBe('7');
    expect(score.json()).toMatchObject({ code: 'OVERLOADED', message: expect.stringMatching(/overloaded \(heapUsedBytes \d+\); retry after 7 s/) });
    expect((await a.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect((await a.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });

  it('serves normally under the default bounds', async () => {
    const a = await app();
    await new Promise((r) => setTimeout(r, 300));
    expect((await a.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).statusCode).toBe(200);
  });
});

describe('an exception while scoring', () => {
  it('fails that request only, with a 500 that hides the details', async () => {
    const a = await app();
    const real = a.models.current;
    // A bundle that throws on one record, standing in for a bug hit by unusual input.
    const faulty = Object.create(real, {
      scoreMany: {
        value: (records: Parameters<ModelBundle['scoreMany']>[0]) => {
          if (records.some((r) => r.bytesIn === 666)) throw new Error('secret internal detail');
          return real.scoreMany(records);
        },
      },
    }) as ModelBundle;
    a.models.swap(faulty);
    const bad = await a.inject({ method: 'POST', url: '/batch', payload: { records: [EXAMPLE_RECORD, { ...EXAMPLE_RECORD, bytes_in: 666 }] } });
    expect(bad.statusCode).toBe(500);
    expect(bad.json()).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^internal error \(request id [\w-]+\)/) });
    expect(bad.body).not.toContain('secret');
    const good = await a.inject({ method: 'POST', url: '/batch', payload: { records: [EXAMPLE_RECORD] } });
    expect(good.statusCode).toBe(200);
    expect((await a.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).statusCode).toBe(200);
  });
});

describe('hostile bodies', () => {
  it('refuses deeply nested JSON with a 400, not a crash', async () => {
    const a = await app();
    const depth = 200_000;
    const res = await a.inject({ method: 'POST', url: '/score', headers: { 'content-type': 'application/json' }, payload: `{"x":${'['.repeat(depth)}${']'.repeat(depth)}}` });
    expect(res.statusCode).toBeLessThan(500);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect((await a.inject({ method: 'POST', url: '/score', payload: EXAMPLE_RECORD })).statusCode).toBe(200);
  });

  it('drops a client that sends its request too slowly (REQUEST_TIMEOUT_MS)', async () => {
    const a = await app({ REQUEST_TIMEOUT_MS: '1000', CONNECTION_TIMEOUT_MS: '1000' });
    await a.listen({ host: '127.0.0.1', port: 0 });
    const { port } = a.server.address() as { port: number };
    const started = Date.now();
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('POST /score HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"bytes_in":'));
      let data = '';
      socket.on('data', (d) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
      setTimeout(() => {
        socket.destroy();
        resolve('still open');
      }, 8000);
    });
    expect(outcome).not.toBe('still open');
    expect(Date.now() - started).toBeLessThan(6000);
  });
});

describe('model files broken at start', () => {
  async function brokenStart(breakIt: (versionDir: string) => void): Promise<string> {
    const { dir, cleanup } = await modelDirCopy();
    const [version] = readdirSync(join(dir, 'versions'));
    breakIt(join(dir, 'versions', version));
    const { code, output } = await failedStart({ MODEL_DIR: dir });
    await cleanup();
    expect(code).toBe(1);
    return output;
  }

  /** Rewrites a model file and its checksum in the manifest, so only the content check can catch it. */
  function rewrite(versionDir: string, file: string, text: string): void {
    writeFileSync(join(versionDir, file), text);
    const manifest = JSON.parse(readFileSync(join(versionDir, 'manifest.json'), 'utf8'));
    manifest.files[file].sha256 = createHash('sha256').update(text).digest('hex');
    writeFileSync(join(versionDir, 'manifest.json'), JSON.stringify(manifest));
  }

  it('a corrupt model file with a matching checksum: names the file', async () => {
    const out = await brokenStart((v) => rewrite(v, 'random-forest.json', '{"name":"RandomForestClassifier","nFeatures":11'));
    expect(out).toMatch(/random-forest\.json: invalid JSON/);
  });

  it('a model of another feature count: says which and how many', async () => {
    const out = await brokenStart((v) => {
      const scaler = JSON.parse(readFileSync(join(v, 'scaler.json'), 'utf8'));
      const three = Buffer.from(new Float64Array([0, 0, 0]).buffer).toString('base64');
      const ones = Buffer.from(new Float64Array([1, 1, 1]).buffer).toString('base64');
      rewrite(v, 'scaler.json', JSON.stringify({ ...scaler, nFeatures: 3, mean: three, scale: ones }));
    });
    expect(out).toMatch(/StandardScaler: artifact has 3 features, expected 11/);
  });

  it('a model of the wrong kind: names the tag', async () => {
    const out = await brokenStart((v) => rewrite(v, 'isolation-forest.json', readFileSync(join(v, 'random-forest.json'), 'utf8')));
    expect(out).toMatch(/expected a IsolationForest model, found "RandomForestClassifier"/);
  });

  it('a manifest from another format version', async () => {
    const out = await brokenStart((v) => {
      const manifest = JSON.parse(readFileSync(join(v, 'manifest.json'), 'utf8'));
      writeFileSync(join(v, 'manifest.json'), JSON.stringify({ ...manifest, format: 99 }));
    });
    expect(out).toContain(`manifest.json: format 99 is not ${BUNDLE_FORMAT}`);
  });
});
