/**
 * Every refusal reaches a client that sends its whole body before it reads the answer: the rest of the
 * body is read and thrown away (up to a bound) before the connection closes, so such a client gets the
 * status and the JSON error instead of a broken pipe.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, testApp } from '../helpers/app.js';
import { nodeSendThenRead, sendThenRead } from '../helpers/send-first.js';

const FOUR_MB = Buffer.alloc(4 * 1024 * 1024, 'a');
let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  app = await testApp({ ADMIN_TOKEN, BATCH_BODY_LIMIT: '1048576', JOBS_BODY_LIMIT: '1048576' });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

const head = (path: string, headers: Record<string, string>, length: number): string =>
  `POST ${path} HTTP/1.1\r\nhost: localhost\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}content-length: ${length}\r\n\r\n`;

describe('refusals reach clients that send before they read', () => {
  it('/train with a wrong token and a 4 MB body: raw socket gets its 401 JSON', async () => {
    const answer = await sendThenRead(url, head('/train', { authorization: 'Bearer wrong-token-0123456789', 'content-type': 'text/csv' }, FOUR_MB.length), FOUR_MB);
    expect(answer.writeError).toBeNull();
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
  });

  it('/batch over BATCH_BODY_LIMIT: raw socket gets its 413 JSON', async () => {
    const answer = await sendThenRead(url, head('/batch', { 'content-type': 'text/csv' }, FOUR_MB.length), FOUR_MB);
    expect(answer.writeError).toBeNull();
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('/score with a content type it does not take: raw socket gets its 415 JSON', async () => {
    const answer = await sendThenRead(url, head('/score', { 'content-type': 'text/plain' }, 900_000), Buffer.alloc(900_000, 'a'));
    expect(answer.writeError).toBeNull();
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body).code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('/jobs with a declared length over JOBS_BODY_LIMIT: raw socket gets its 413 JSON', async () => {
    const declared = await sendThenRead(url, head('/jobs', { 'content-type': 'text/csv' }, FOUR_MB.length), FOUR_MB);
    expect(declared.writeError).toBeNull();
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('/jobs with a chunked body found over JOBS_BODY_LIMIT while it is stored: raw socket gets its 413 JSON', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const chunks = Buffer.concat([...Array.from({ length: 64 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])), Buffer.from('0\r\n\r\n')]);
    const chunked = await sendThenRead(url, 'POST /jobs HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/csv\r\ntransfer-encoding: chunked\r\n\r\n', chunks);
    expect(chunked.writeError).toBeNull();
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).message).toMatch(/larger than 1048576 bytes/);
  });

  it("Node's http with the body written first gets the 401 and the 413", async () => {
    const unauthorized = await nodeSendThenRead(`${url}/train`, 'POST', { authorization: 'Bearer wrong-token-0123456789', 'content-type': 'text/csv' }, FOUR_MB);
    expect(unauthorized.status).toBe(401);
    expect(JSON.parse(unauthorized.body).code).toBe('UNAUTHORIZED');
    const tooLarge = await nodeSendThenRead(`${url}/batch`, 'POST', { 'content-type': 'text/csv' }, FOUR_MB);
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body).code).toBe('PAYLOAD_TOO_LARGE');
  });
});
