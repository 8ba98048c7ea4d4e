/**
 * A streamed /batch to a client that sends its whole body before it reads (a raw socket that reads
 * nothing until the last byte is written): every result and the summary arrive after the upload; the
 * server neither stops reading the body nor holds the unread results in memory.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { sendThenRead } from '../helpers/send-first.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';

const CSV = readFileSync(REAL_DATASET, 'utf8');
const [HEADER, ...ROWS] = CSV.trim().split(/\r?\n/);

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  app = await testApp();
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

describe('streamed /batch to a client that sends before it reads', () => {
  it('200,000 records: every result in order, then the summary', async () => {
    const times = Math.ceil(200_000 / ROWS.length);
    const rows: string[] = [];
    for (let i = 0; i < times; i++) for (const r of ROWS) if (rows.length < 200_000) rows.push(r);
    const body = Buffer.from(`${HEADER}\n${rows.join('\n')}\n`);
    expect(body.length).toBeGreaterThan(40 * 1024 * 1024);
    const head = `POST /batch HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/csv\r\naccept: application/x-ndjson\r\ncontent-length: ${body.length}\r\n\r\n`;
    const answer = await sendThenRead(url, head, body, 240_000);
    expect(answer.writeError).toBeNull();
    expect(answer.status).toBe(200);
    const lines = answer.body.trim().split('\n');
    expect(lines).toHaveLength(200_001);
    const last = JSON.parse(lines[200_000]) as { summary?: { count: number }; error?: unknown };
    expect(last.error).toBeUndefined();
    expect(last.summary?.count).toBe(200_000);
    // input order: the dataset's results repeat with its rows
    const first = lines.slice(0, ROWS.length).map((l) => (JSON.parse(l) as { anomaly_score: number }).anomaly_score);
    const again = lines.slice(ROWS.length, 2 * ROWS.length).map((l) => (JSON.parse(l) as { anomaly_score: number }).anomaly_score);
    expect(again).toEqual(first);
  }, 300_000);
});
