import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { listVersions } from '../ml/bundle/store.js';
import { COUNTRY_TABLE } from '../ml/data/geo/country.js';
import { trainingDataOf } from '../ml/insight/fit.js';
import { PUBLIC, responses } from '../schemas/common.js';

export default async function modelRoute(app: FastifyInstance): Promise<void> {
  app.get(
    '/model',
    {
      schema: {
        tags: ['model'],
        operationId: 'getModel',
        summary: 'The loaded model manifest',
        description:
          'Version, training time, data digest and rows, what it was trained on (training_data: format, rows, time span, file), feature names, parameters, evaluation metrics, label source, the surrogate rules, and the versions kept in MODEL_DIR.',
        security: PUBLIC,
        response: responses(Type.Ref('ModelInfo'), 'The manifest of the served models and the versions kept', 500, 503),
      },
    },
    async () => {
      const { manifest, surrogate } = app.models.current;
      return { ...manifest, training_data: trainingDataOf(manifest), surrogate_rules: surrogate.summary, versions: await listVersions(app.models.modelDir), country_table: COUNTRY_TABLE };
    },
  );
}
