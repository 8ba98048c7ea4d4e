import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';
import { loadVersion, previousVersion, readCurrent, setCurrent } from '../ml/store.js';
import { errorResponses } from '../schemas/common.js';

export default async function rollbackRoute(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { modelDir } = opts.config;
  app.post(
    '/model/rollback',
    {
      schema: {
        tags: ['model'],
        summary: 'Serve the previous model version again',
        description: 'Switches MODEL_DIR/CURRENT to the version before the current one (GET /model lists them) and serves it. 409 when there is none.',
        security: [{ adminToken: [] }],
        response: { 200: Type.Ref('RollbackResponse'), ...errorResponses(401, 403, 409, 500, 503) },
      },
      onRequest: app.requireAdmin,
    },
    async () => {
      const current = await readCurrent(modelDir);
      const previous = await previousVersion(modelDir);
      if (previous === null) throw new ServiceError('NO_PREVIOUS_VERSION', `no version older than ${current} is kept in MODEL_DIR`);
      const bundle = await loadVersion(modelDir, previous); // check it loads before switching to it
      await setCurrent(modelDir, previous);
      app.models.swap(bundle);
      return { model_version: previous, previous_version: current };
    },
  );
}
