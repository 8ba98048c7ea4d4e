/**
 * Refusals reach clients that send before they read. Browsers' fetch over
 * HTTP/1.1, Python's urllib and requests, Java's HttpURLConnection and most
 * clients send the whole body before they read the answer; a refusal (401, 413,
 * 415, ...) answered while the body is still arriving, followed by closing the
 * connection (as Fastify asks after a body parser's error), makes the kernel
 * reset the connection under the client's feet: it sees a broken pipe, never the
 * status or the JSON error.
 *
 * So for an error answer to a request whose body is not all in, the rest of the
 * body is read and thrown away, and the connection is closed (when it was to be)
 * only once the body is in. Past DRAIN_LIMIT bytes the connection is closed
 * anyway, so a client cannot make the server read without bound (REQUEST_TIMEOUT_MS
 * bounds the time).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { IncomingMessage } from 'node:http';

/**
 * Bytes of a refused body read and thrown away before the connection is closed: room for the files
 * people send (a day of logs is tens of MB), cheap to read (nothing is kept).
 */
export const DRAIN_LIMIT = 256 * 1024 * 1024;

/** Reads and discards the rest of `raw`; `done` runs when it is all in, or never if the connection goes. */
export function discardBody(raw: IncomingMessage, limit: number, done: () => void): void {
  let discarded = 0;
  // A 'readable' listener left by an abandoned reader (an async iterator) keeps the stream paused.
  raw.removeAllListeners('readable');
  raw.on('error', () => {}); // the client went away: nothing is left to answer
  raw.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limit) raw.socket?.destroy();
  });
  raw.once('end', done);
  raw.resume();
}

async function refusalsPlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onSend', (request, reply, payload, done) => {
    const raw = request.raw;
    if (reply.statusCode >= 400 && !raw.complete && !raw.destroyed && !raw.readableEnded) {
      const close = String(reply.getHeader('connection') ?? '').toLowerCase() === 'close';
      // Closing now would reset the connection while the client still sends: close once the body is in.
      if (close) reply.removeHeader('connection');
      discardBody(raw, DRAIN_LIMIT, () => {
        if (!close) return;
        const socket = raw.socket;
        if (reply.raw.writableFinished) socket?.end();
        else reply.raw.once('finish', () => socket?.end());
      });
    }
    done(null, payload);
  });
}

export default fp(refusalsPlugin, { name: 'refusals', fastify: '5.x' });
