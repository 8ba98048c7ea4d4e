import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

const Status = Type.Object({ status: Type.String(), model_version: Type.Optional(Type.String()) });

export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true; // drain: load balancers stop sending before the sockets close
  });

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
        summary: 'Readiness: 200 once models are loaded, 503 before and while shutting down',
        response: { 200: Status, 503: Status },
      },
    },
    async (_request, reply) => {
      if (closing || !app.models.loaded) return reply.code(503).send({ status: closing ? 'shutting down' : 'loading models' });
      return { status: 'ready', model_version: app.models.current.version };
    },
  );
}
