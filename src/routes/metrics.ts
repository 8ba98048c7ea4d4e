import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { EXEMPT_FROM_PRESSURE } from '../plugins/pressure.js';
import { PUBLIC, responses } from '../schemas/common.js';

export default async function metricsRoute(app: FastifyInstance): Promise<void> {
  app.get(
    '/metrics',
    {
      config: EXEMPT_FROM_PRESSURE,
      schema: {
        tags: ['operations'],
        operationId: 'getMetrics',
        security: PUBLIC,
        summary: 'Prometheus metrics (text exposition format)',
        produces: ['text/plain'],
        response: responses(Type.String(), 'Prometheus text exposition format 0.0.4'),
      },
    },
    async (_request, reply) => {
      // Every worker's metrics when WORKERS > 1 (aggregated by the primary), else this process's.
      const { contentType, text } = await app.cluster.metrics();
      reply.type(contentType);
      return text;
    },
  );
}
