/**
 * The admin guard of POST /train and POST /model/rollback: `Authorization:
 * Bearer <ADMIN_TOKEN>`, compared in constant time (sha256 of both, then
 * timingSafeEqual, so neither the content nor the length leaks through timing).
 * No ADMIN_TOKEN configured: 403, training disabled. Wrong or missing token: 401.
 * It runs in onRequest, before the body is read, so an unauthenticated client
 * cannot make the server parse a large body.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

async function adminPlugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const expected = opts.config.adminToken === null ? null : digest(opts.config.adminToken);
  app.decorate('requireAdmin', async (request: FastifyRequest, reply: FastifyReply) => {
    if (expected === null) throw new ServiceError('TRAINING_DISABLED', 'training is disabled: set ADMIN_TOKEN to enable /train and /model/rollback');
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (match === null || !timingSafeEqual(digest(match[1]), expected)) {
      reply.header('www-authenticate', 'Bearer realm="admin"');
      throw new ServiceError('UNAUTHORIZED', 'authorization is missing or wrong: send "Authorization: Bearer <ADMIN_TOKEN>"');
    }
  });
}

export default fp(adminPlugin, { name: 'admin', fastify: '5.x' });
