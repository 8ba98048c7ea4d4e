import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';
import { previousServed, readCurrent, restorePrevious, setCurrent } from '../ml/bundle/current.js';
import { listVersions, loadVersion } from '../ml/bundle/store.js';
import { ADMIN, responses } from '../schemas/common.js';
import type { RollbackBody } from '../schemas/train.js';

export default async function rollbackRoute(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { modelDir } = opts.config;
  app.post(
    '/model/rollback',
    {
      config: { optionalBody: true },
      schema: {
        tags: ['model'],
        operationId: 'rollbackModel',
        summary: 'Serve an earlier model version again',
        description:
          'With no body: undoes the last change of the served version, serving again the version served before it (MODEL_DIR/HISTORY, ' +
          'not the order of version ids); repeated rollbacks walk back through what was served, and 409 means nothing earlier is kept. ' +
          'With {"version": "<id>"}: serves that kept version (GET /model lists them); 404 when it is not kept. Either way the version is ' +
          'loaded and checked before it is switched to.',
        security: ADMIN,
        body: Type.Ref('RollbackRequest'),
        response: responses(Type.Ref('RollbackResponse'), 'The version now served and the one served before', 400, 401, 403, 409, 415, 500, 503),
      },
      onRequest: app.requireAdmin,
    },
    async (request) =>
      // Under MODEL_DIR's lock: a rollback never interleaves with a training run's commit.
      app.models.exclusive('rollback', async () => {
        const current = await readCurrent(modelDir);
        const kept = await listVersions(modelDir);
        const wanted = (request.body as RollbackBody | undefined)?.version;
        if (wanted !== undefined) {
          if (!kept.includes(wanted)) throw new ServiceError('UNKNOWN_VERSION', `version ${wanted.slice(0, 80)} is not kept in MODEL_DIR (GET /model lists the kept versions)`);
          const bundle = await loadVersion(modelDir, wanted); // check it loads before switching to it
          await setCurrent(modelDir, wanted);
          app.models.swap(bundle);
          await app.cluster.announce(wanted);
          return { model_version: wanted, previous_version: current };
        }
        const previous = await previousServed(modelDir, kept);
        if (previous === null) throw new ServiceError('NO_PREVIOUS_VERSION', `no version served before ${current} is kept in MODEL_DIR`);
        const bundle = await loadVersion(modelDir, previous.version);
        await restorePrevious(modelDir, previous);
        app.models.swap(bundle);
        await app.cluster.announce(previous.version);
        return { model_version: previous.version, previous_version: current };
      }),
  );
}
