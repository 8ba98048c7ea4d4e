import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import consolePages, { CONSOLE_CSP } from '../../src/plugins/console.js';

const dir = mkdtempSync(join(tmpdir(), 'web-'));
mkdirSync(join(dir, 'js'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(dir, 'js', 'main.js'), 'export const x = 1;\n');
writeFileSync(join(dir, 'js', 'main.js.gz'), gzipSync('export const x = 1;\n'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function app(webDir: string) {
  const a = Fastify({ logger: false });
  await a.register(consolePages, { dir: webDir });
  await a.ready();
  return a;
}

describe('the console files', () => {
  it('serves / and its assets with a same-origin CSP, gzip when accepted, 304 on a matching ETag', async () => {
    const a = await app(dir);
    const page = await a.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const js = await a.inject({ method: 'GET', url: '/console/js/main.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const again = await a.inject({ method: 'GET', url: '/console/js/main.js', headers: { 'if-none-match': String(js.headers.etag) } });
    expect(again.statusCode).toBe(304);
    const plain = await a.inject({ method: 'GET', url: '/console/js/main.js' });
    expect(plain.body).toBe('export const x = 1;\n');
    expect(plain.headers['content-encoding']).toBeUndefined();
    // only files it loaded: no path outside the directory, nothing unknown
    expect((await a.inject({ method: 'GET', url: '/console/%2e%2e/%2e%2e/etc/passwd' })).statusCode).toBe(404);
    expect((await a.inject({ method: 'GET', url: '/console/nope.js' })).json()).toMatchObject({ statusCode: 404, message: 'no console file /nope.js' });
    await a.close();
  });

  it('says how to build it when it is not built', async () => {
    const a = await app(join(dir, 'missing'));
    const res = await a.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(404);
    expect(res.json().message).toBe('the console is not built: run npm run build');
    await a.close();
  });
});
