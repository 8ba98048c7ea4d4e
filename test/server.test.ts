import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { COMMITTED_MODELS } from './helpers/app.js';
import { failedStart, startServer } from './helpers/process.js';
import { REAL_DATASET } from './fixtures/synthetic.js';

/** POSTs a CSV body with node:http: `sent` resolves once the body is written, `answer` with the response. */
function postCsv(url: string, body: string): { sent: Promise<void>; answer: Promise<{ status: number; body: string }> } {
  let sent!: () => void;
  const sentP = new Promise<void>((r) => (sent = r));
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'text/csv' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body, () => sent());
  });
  return { sent: sentP, answer };
}

describe('server process', () => {
  it('serves, then on SIGTERM finishes the request in flight and exits 0', async () => {
    const server = await startServer({ MODEL_DIR: COMMITTED_MODELS });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const csv = readFileSync(REAL_DATASET, 'utf8');
    const body = [csv.trim(), ...Array.from({ length: 30 }, () => csv.trim().split('\n').slice(1).join('\n'))].join('\n');
    // The signal comes once the whole body has left the client (and a moment for the server to take it),
    // so the request is in flight however slowly a loaded machine schedules the two processes.
    const { sent, answer } = postCsv(`${server.url}/batch`, body);
    await sent;
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill('SIGTERM');
    const res = await answer;
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as { summary: { count: number } }).summary.count).toBe(282 * 31);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs.some((l) => l.includes('shutting down'))).toBe(true);
    // one JSON log line per request, never with the Authorization header
    expect(server.logs.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(1);
  });

  it('logs no Authorization header', async () => {
    const server = await startServer({ MODEL_DIR: COMMITTED_MODELS, LOG_LEVEL: 'trace' });
    await fetch(`${server.url}/model`, { headers: { authorization: 'Bearer super-secret-token-value' } });
    server.child.kill('SIGTERM');
    await server.exited;
    expect(server.logs.join('\n')).not.toContain('super-secret-token-value');
  });

  it('refuses to start on a bad configuration, saying how to fix it', async () => {
    const { code, output } = await failedStart({ MODEL_DIR: COMMITTED_MODELS, PORT: 'eighty' });
    expect(code).toBe(1);
    expect(output).toContain('PORT="eighty" is invalid: set it to an integer from 0 to 65535');
  });

  it.each(['1', '2'])('with WORKERS=%s, a port already in use ends the start in one line naming the port, not a stack trace', async (workers) => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const { port } = holder.address() as { port: number };
    try {
      const { code, output } = await failedStart({ MODEL_DIR: COMMITTED_MODELS, PORT: String(port), WORKERS: workers });
      expect(code).toBe(1);
      expect(output).toContain(`cannot start: port ${port} on 127.0.0.1 is already in use (another instance, or another program): stop it, or set PORT to a free port`);
      expect(output).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('refuses to start without a model bundle, naming the file', async () => {
    const { code, output } = await failedStart({ MODEL_DIR: '/nonexistent/models' });
    expect(code).toBe(1);
    expect(output).toContain('/nonexistent/models/CURRENT: ENOENT');
  });

  it('refuses to start on a truncated model file, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'models-'));
    await cp(COMMITTED_MODELS, dir, { recursive: true });
    const [version] = await readdir(join(dir, 'versions'));
    await writeFile(join(dir, 'versions', version, 'isolation-forest.json'), '{"name":"IsolationF');
    const { code, output } = await failedStart({ MODEL_DIR: dir });
    await rm(dir, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(output).toMatch(/isolation-forest\.json: sha256 differs from the manifest/);
  });
});
