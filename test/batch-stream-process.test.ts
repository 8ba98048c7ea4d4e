/**
 * A 200,000-record CSV streamed through a real server process: every result comes back in input
 * order and /healthz keeps answering meanwhile. (How fast /healthz answers is measured by
 * `npm run bench:scale`, not asserted here: this machine is shared.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMITTED_MODELS } from './helpers/app.js';
import { startServer } from './helpers/process.js';
import { REAL_DATASET } from './fixtures/synthetic.js';

const N = 200_000;

/** The dataset's rows with an id column, repeated to n records, 1,000 lines a chunk. */
async function* csvBody(n: number): AsyncGenerator<Uint8Array> {
  const [header, ...rows] = readFileSync(REAL_DATASET, 'utf8').trim().split('\n');
  yield Buffer.from(`id,${header}\n`);
  for (let i = 0; i < n; i += 1000) {
    let chunk = '';
    for (let k = i; k < Math.min(n, i + 1000); k++) chunk += `${k},${rows[k % rows.length]}\n`;
    yield Buffer.from(chunk);
  }
}

describe('a streamed /batch of 200,000 records', () => {
  it('returns every result in order, then the summary, while /healthz answers', async () => {
    const server = await startServer({ MODEL_DIR: COMMITTED_MODELS });
    let streaming = true;
    const health: number[] = [];
    const poll = (async () => {
      while (streaming) {
        health.push((await fetch(`${server.url}/healthz`)).status);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const res = await fetch(`${server.url}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', accept: 'application/x-ndjson' },
      body: ReadableStream.from(csvBody(N)),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
    let next = 0;
    let summary: { count: number } | null = null;
    let rest = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const text = rest + decoder.decode(chunk, { stream: true });
      const parts = text.split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        const obj = JSON.parse(line) as { id?: string; summary?: { count: number }; error?: unknown };
        if (obj.error) throw new Error(`error line: ${line}`);
        if (obj.summary) summary = obj.summary;
        else expect(obj.id).toBe(String(next++));
      }
    }
    streaming = false;
    await poll;
    expect(next).toBe(N);
    expect(summary?.count).toBe(N);
    expect(health.length).toBeGreaterThan(5);
    expect(health.every((s) => s === 200)).toBe(true);
    server.child.kill('SIGTERM');
    await server.exited;
  });
});
