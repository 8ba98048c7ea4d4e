import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PUBLIC, responses } from '../schemas/common.js';

export default async function driftRoute(app: FastifyInstance): Promise<void> {
  app.get(
    '/model/drift',
    {
      schema: {
        tags: ['model'],
        operationId: 'getDrift',
        summary: 'Drift of live traffic against the training data',
        description:
          'Per model feature, the Population Stability Index of the last DRIFT_WINDOW records scored by /score and /batch against the ' +
          "training data, with its status; and the window's anomaly and suspicious ratios beside the training ones. A new model version " +
          "starts an empty window. training_data says what the model learned from; unseen_share is the window's share of never-seen protocols or " +
          'ports, and note one sentence, with the command that trains on your own logs, when the window is unlike the training traffic.',
        security: PUBLIC,
        response: responses(Type.Ref('DriftReport'), 'The drift report of the served version', 500, 503),
      },
    },
    async () => app.drift.report(),
  );
}
