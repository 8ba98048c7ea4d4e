import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ServiceError } from '../errors.js';
import { EXEMPT_FROM_PRESSURE } from '../plugins/pressure.js';
import { PUBLIC, responses } from '../schemas/common.js';

const Status = Type.Object({ status: Type.String(), model_version: Type.Optional(Type.String()) });

/**
 * The models load before the server listens (a bundle that cannot load stops the
 * start), so from outside /readyz is unreachable until they are loaded, then 200.
 * The 503 (an Error body, as every 5xx) covers a registry without a bundle, overload, and (WORKERS > 1)
 * a cluster in which not every worker serves. On shutdown Fastify stops
 * accepting and closes idle connections at once, which probes see as not ready.
 */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/healthz',
    {
      config: EXEMPT_FROM_PRESSURE,
      schema: {
        tags: ['operations'],
        operationId: 'liveness',
        summary: 'Liveness: 200 while the process lives, overloaded or not',
        security: PUBLIC,
        response: responses(Status, 'The process is alive'),
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'readiness',
        summary: 'Readiness: 200 once models are loaded (in every worker); 503 before, and while overloaded',
        security: PUBLIC,
        response: responses(Status, 'Models are loaded and the service takes traffic', 503),
      },
    },
    async () => {
      if (!app.models.loaded) throw new ServiceError('NOT_READY', 'models are not loaded yet');
      // WORKERS > 1: ready only while every worker serves (one restarting would otherwise answer for all).
      if (!app.cluster.serving) throw new ServiceError('NOT_READY', `not every worker serves yet (${app.cluster.state})`);
      return { status: 'ready', model_version: app.models.current.version };
    },
  );
}
