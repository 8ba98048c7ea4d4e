import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

const Status = Type.Object({ status: Type.String(), model_version: Type.Optional(Type.String()) });

/**
 * The models load before the server listens (a bundle that cannot load stops the
 * start), so from outside /readyz is unreachable until they are loaded, then 200.
 * The 503 branch covers a registry without a bundle. On shutdown Fastify stops
 * accepting and closes idle connections at once, which probes see as not ready.
 */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness: 200 while the process lives', response: { 200: Status } } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 once models are loaded, 503 before',
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      if (!app.models.loaded) return reply.code(503).send({ status: 'loading models' });
      return { status: 'ready', model_version: app.models.current.version };
    },
  );
}
