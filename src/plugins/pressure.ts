/**
 * Overload protection with @fastify/under-pressure: past an event-loop delay, a
 * heap or an RSS bound, requests get 503 OVERLOADED with Retry-After instead of
 * queueing until latency grows without bound. /healthz and /metrics are exempt
 * (the process is alive, and operators need to see why it is shedding load);
 * /readyz answers 503 like the rest, so load balancers take the instance out.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';

/** Route config of a route that answers under pressure too. */
export const EXEMPT_FROM_PRESSURE = { pressureHandler: (): undefined => undefined };

async function pressurePlugin(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { maxEventLoopDelayMs, maxHeapUsedBytes, maxRssBytes, retryAfterSeconds } = opts.config;
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    maxHeapUsedBytes,
    maxRssBytes,
    // under-pressure reads a sample window with no event-loop samples (the loop was blocked for most
    // of it) as an infinite delay: with 250 ms windows one 240 ms pause shed load. 1 s windows average.
    sampleInterval: 1000,
    // A rejected promise reaches the error handler (a synchronous throw here would not, as a 503).
    pressureHandler: (_request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
      reply.header('retry-after', String(retryAfterSeconds));
      const why = `${type}${value === undefined ? '' : ` ${Math.round(value)}`}`;
      return Promise.reject(new ServiceError('OVERLOADED', `the service is overloaded (${why}); retry after ${retryAfterSeconds} s`));
    },
  });
}

export default fp(pressurePlugin, { name: 'pressure', fastify: '5.x' });
