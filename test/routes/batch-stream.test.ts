/**
 * POST /batch streamed (Accept: application/x-ndjson): CSV and NDJSON bodies read as they arrive,
 * one result a line in input order, then the summary; a bad record mid-stream ends it with an error
 * line. The 200,000-record run with /healthz answering meanwhile is in test/batch-stream-process.test.ts.
 */
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_RECORD } from '../../src/schemas/record.js';
import { testApp } from '../helpers/app.js';
import { REAL_DATASET } from '../fixtures/synthetic.js';

const CSV = readFileSync(REAL_DATASET, 'utf8');
const STREAM = { accept: 'application/x-ndjson' };
let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp({ BATCH_LIMIT: '100', STREAM_BODY_LIMIT: '200000' });
});
afterAll(() => app.close());

const lines = (body: string): Record<string, unknown>[] =>
  body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('POST /batch, streamed', () => {
  it('answers the dataset CSV with one result a line in input order, then the summary, as the whole /batch does', async () => {
    const streamed = await app.inject({ method: 'POST', url: '/batch', headers: { ...STREAM, 'content-type': 'text/csv' }, payload: Readable.from([CSV.slice(0, 9000), CSV.slice(9000)]) });
    expect(streamed.statusCode).toBe(200);
    expect(streamed.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const out = lines(streamed.body);
    expect(out).toHaveLength(283); // BATCH_LIMIT (100) does not apply to a stream
    const whole = await testApp();
    const reference = (await whole.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'text/csv' }, payload: CSV })).json();
    await whole.close();
    expect(out.slice(0, 282)).toEqual(reference.results);
    expect(out[282]).toEqual({ summary: reference.summary });
  });

  it('reads NDJSON records, echoing their ids', async () => {
    const body = `${[1, 2, 3].map((id) => JSON.stringify({ ...EXAMPLE_RECORD, id })).join('\n')}\n`;
    const res = await app.inject({ method: 'POST', url: '/batch', headers: { ...STREAM, 'content-type': 'application/x-ndjson' }, payload: body });
    const out = lines(res.body);
    expect(out.slice(0, 3).map((r) => r.id)).toEqual([1, 2, 3]);
    expect((out[3] as { summary: { count: number } }).summary.count).toBe(3);
  });

  it('streams the answer to a JSON body too', async () => {
    const res = await app.inject({ method: 'POST', url: '/batch', headers: STREAM, payload: { records: [EXAMPLE_RECORD, EXAMPLE_RECORD] } });
    expect(lines(res.body).map((l) => Object.keys(l)[0])).toEqual(['src_ip', 'src_ip', 'summary']);
  });

  it('ends with an error line naming the line and field when a record goes wrong mid-stream', async () => {
    const rows = CSV.trim().split('\n');
    rows[150] = rows[150].replace(/^\d+,/, 'lots,');
    const res = await app.inject({ method: 'POST', url: '/batch', headers: { ...STREAM, 'content-type': 'text/csv' }, payload: rows.join('\n') });
    expect(res.statusCode).toBe(200); // sent before the bad record was read
    const out = lines(res.body);
    expect(out.at(-1)).toEqual({ error: { statusCode: 400, error: 'Bad Request', code: 'INVALID_RECORD', message: 'CSV line 151: bytes_in must be an integer, got "lots"' } });
    expect(out.some((l) => 'summary' in l)).toBe(false);
    const ndjson = await app.inject({ method: 'POST', url: '/batch', headers: { ...STREAM, 'content-type': 'application/x-ndjson' }, payload: `${JSON.stringify(EXAMPLE_RECORD)}\n{"bytes_in":\n` });
    expect(lines(ndjson.body).at(-1)).toMatchObject({ error: { code: 'INVALID_JSON', message: expect.stringMatching(/^NDJSON line 2: is not valid JSON/) } });
    const notObject = await app.inject({ method: 'POST', url: '/batch', headers: { ...STREAM, 'content-type': 'application/x-ndjson' }, payload: `${JSON.stringify(EXAMPLE_RECORD)}\n[1]\n` });
    expect(lines(notObject.body).at(-1)).toMatchObject({ error: { code: 'INVALID_RECORD', message: 'NDJSON line 2: must be a JSON object' } });
  });

  it('stops at STREAM_BODY_LIMIT bytes with an error line', async () => {
    const big = [CSV.trim(), ...Array.from({ length: 5 }, () => CSV.trim().split('\n').slice(1).join('\n'))].join('\n'); // ~360 KB
    const res = await app.inject({ method: 'POST', url: '/batch', headers: { ...STREAM, 'content-type': 'text/csv' }, payload: Readable.from([big.slice(0, 150_000), big.slice(150_000)]) });
    expect(lines(res.body).at(-1)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'the stream is larger than 200000 bytes' } });
  });

  describe('over a real connection, where the client is still sending when the error line goes out', () => {
    let port: number;
    beforeAll(async () => {
      await app.listen({ host: '127.0.0.1', port: 0 });
      port = (app.server.address() as AddressInfo).port;
    });

    /** Sends the head and the first bytes of a body, then waits for the complete streamed answer. */
    async function startUpload(body: Buffer, first: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('error', () => {}); // a reset is what the limit case expects
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.write(`POST /batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nAccept: application/x-ndjson\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body.subarray(0, first));
      await expect.poll(() => text, { timeout: 10_000 }).toMatch(/\r\n0\r\n\r\n$/); // the chunked answer's end
      return { socket, received: () => text, closed };
    }

    const badBody = (copies: number): Buffer => {
      const rows = CSV.trim().split('\n');
      return Buffer.from(`${rows[0]}\nlots${rows[1].slice(rows[1].indexOf(','))}\n${rows.slice(1).join('\n').concat('\n').repeat(copies)}`);
    };

    it('reads the rest of the body and answers the next request on the same connection', async () => {
      const body = badBody(2); // ~120 KB, under the 200,000 bytes discarded at most
      const { socket, received, closed } = await startUpload(body, 1000);
      try {
        expect(received()).toContain('CSV line 2: bytes_in must be an integer');
        // The rest of the body arrives after the answer; before, it stalled the connection for good.
        socket.write(body.subarray(1000));
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        await expect.poll(() => received(), { timeout: 10_000 }).toMatch(/HTTP\/1\.1 200 OK[\s\S]*"status":"ok"/);
      } finally {
        socket.destroy();
        await closed;
      }
    });

    it('closes the connection when the rest passes STREAM_BODY_LIMIT more bytes', async () => {
      const body = badBody(8); // ~480 KB: the 200,000-byte limit, then 200,000 more discarded, is passed
      const { socket, received, closed } = await startUpload(body, 1000);
      try {
        expect(received()).toContain('CSV line 2: bytes_in must be an integer'); // the answer came first
        socket.write(body.subarray(1000));
        const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(r, 10_000, 'still open'))]);
        expect(outcome).toBe('closed');
      } finally {
        socket.destroy();
      }
    });
  });

  it('takes NDJSON bodies only when streaming (415 otherwise)', async () => {
    const res = await app.inject({ method: 'POST', url: '/batch', headers: { 'content-type': 'application/x-ndjson' }, payload: JSON.stringify(EXAMPLE_RECORD) });
    expect(res.statusCode).toBe(415);
    expect(res.json().message).toMatch(/send it with Accept: application\/x-ndjson/);
  });
});
