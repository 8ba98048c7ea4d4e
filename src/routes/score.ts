import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../schemas/common.js';
import { parseOne } from './records.js';

export default async function scoreRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/score',
    {
      // The body is validated by parseRecord (the schema's rules, checked once); TrafficRecord documents it.
      config: { documentedBody: 'TrafficRecord' },
      schema: {
        tags: ['scoring'],
        summary: 'Score one traffic record',
        description: 'Returns the verdict of the three detectors (Isolation Forest, Random Forest, IQR baseline), a risk level and the reasons.',
        response: { 200: Type.Ref('ScoreResult'), ...errorResponses(400, 413, 415, 500, 503) },
      },
    },
    async (request) => {
      const bundle = app.models.current; // read once: the whole request uses this version
      const result = bundle.score(parseOne(request.body));
      app.metrics.recordsScored('score', [result]);
      return result;
    },
  );
}
