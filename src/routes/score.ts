import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PUBLIC, responses } from '../schemas/common.js';
import { FormatQuerySchema } from './format.js';
import { parseOne } from './records.js';

export default async function scoreRoute(app: FastifyInstance): Promise<void> {
  app.post(
    '/score',
    {
      // The body is validated by parseRecord (the schema's rules, checked once); TrafficRecord documents it.
      config: { documentedBody: 'TrafficRecord', takesLogs: true },
      schema: {
        tags: ['scoring'],
        operationId: 'scoreRecord',
        summary: 'Score one traffic record',
        description:
          'Returns the verdict of the three detectors (Isolation Forest, Random Forest, IQR baseline), a risk level and the reasons. ' +
          'Body: one TrafficRecord as application/json, or one log line (a vpc-flow connection: its one or two records) as text/plain with ?format=.',
        security: PUBLIC,
        querystring: FormatQuerySchema,
        response: responses(Type.Ref('ScoreResult'), 'The verdict, scores, risk level and reasons', 400, 413, 415, 500, 503),
      },
    },
    async (request) => {
      const bundle = app.models.current; // read once: the whole request uses this version
      const result = bundle.score(parseOne(request.body), app.drift.observer(bundle));
      app.metrics.recordsScored('score', [result]);
      return result;
    },
  );
}
