/**
 * Clients that send their whole body before they read the answer, as browsers' fetch over HTTP/1.1,
 * Python's urllib and requests, and Java's HttpURLConnection do: a raw socket that writes the request
 * and only then starts reading, and Node's http with the body written before the response is listened for.
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** how writing ended: null when the whole body was written, else the socket error (EPIPE, ECONNRESET) */
  writeError: string | null;
}

/** Parses one HTTP/1.1 response (Content-Length or chunked) from the bytes a socket gave. */
export function parseResponse(raw: Buffer): (Omit<RawAnswer, 'writeError'> & { complete: boolean }) | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let rest = raw.subarray(end + 4);
  let body: Buffer;
  let complete = false;
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const nl = rest.indexOf('\r\n');
      if (nl < 0) break;
      const size = Number.parseInt(rest.subarray(0, nl).toString(), 16);
      if (size === 0) {
        complete = true;
        break;
      }
      if (rest.length < nl + 2 + size + 2) break;
      parts.push(rest.subarray(nl + 2, nl + 2 + size));
      rest = rest.subarray(nl + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  } else {
    const length = Number(headers['content-length'] ?? Number.NaN);
    complete = rest.length >= length;
    body = rest.subarray(0, Number.isNaN(length) ? rest.length : length);
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8'), complete };
}

/**
 * Writes `head` and `body` on a raw socket, all of it, and reads nothing until the last byte is
 * written (or writing fails); then reads until the server closes or `timeoutMs` passes.
 */
export async function sendThenRead(url: string, head: string, body: Buffer | string, timeoutMs = 60_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.pause(); // read nothing while sending
  let writeError: string | null = null;
  const written = new Promise<void>((resolve) => {
    socket.once('error', (err) => {
      writeError = (err as NodeJS.ErrnoException).code ?? err.message;
      resolve();
    });
    socket.write(head);
    socket.write(body, (err) => {
      if (err) writeError ??= (err as NodeJS.ErrnoException).code ?? err.message;
      resolve();
    });
  });
  const timer = setTimeout(() => socket.destroy(new Error('timeout')), timeoutMs);
  await written;
  const chunks: Buffer[] = [];
  // Until the response is whole (a kept-alive connection stays open after it) or the server closes.
  let parsedHead: ReturnType<typeof parseResponse> = null;
  await new Promise<void>((resolve) => {
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // The head once; then a chunked body ends with its last chunk, a sized one at its length.
      parsedHead ??= parseResponse(Buffer.concat(chunks));
      if (parsedHead === null) return;
      if (parsedHead.headers['transfer-encoding'] === 'chunked' ? c.subarray(-5).toString() === '0\r\n\r\n' : parseResponse(Buffer.concat(chunks))?.complete) resolve();
    });
    socket.once('close', () => resolve());
    socket.once('end', () => resolve());
    socket.resume();
  });
  clearTimeout(timer);
  socket.destroy();
  const parsed = parseResponse(Buffer.concat(chunks));
  return { status: parsed?.status ?? 0, headers: parsed?.headers ?? {}, body: parsed?.body ?? '', writeError };
}

/** Node's http client, the whole body written and ended before a response listener is attached. */
export async function nodeSendThenRead(url: string, method: string, headers: Record<string, string>, body: Buffer | string): Promise<{ status: number; body: string }> {
  const req = httpRequest(url, { method, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } });
  const failed = once(req, 'error').then(([err]) => {
    throw err;
  });
  // Node emits 'response' as soon as the head arrives, listened to or not: it is caught here but not
  // read until the whole body is written.
  const response = once(req, 'response');
  req.write(body);
  req.end();
  await Promise.race([once(req, 'finish'), failed]);
  const [res] = (await Promise.race([response, failed])) as [import('node:http').IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') };
}
