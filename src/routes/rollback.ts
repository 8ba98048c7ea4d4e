import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';
import { LockBusyError, TrainingLock } from '../ml/bundle/lock.js';
import { CommitError, listVersions, NoPreviousVersionError, rollback } from '../ml/bundle/store.js';
import { ADMIN, responses } from '../schemas/common.js';
import type { RollbackBody } from '../schemas/train.js';

export default async function rollbackRoute(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { modelDir, keepVersions } = opts.config;
  app.post(
    '/model/rollback',
    {
      config: { optionalBody: true },
      schema: {
        tags: ['model'],
        operationId: 'rollbackModel',
        summary: 'Serve an earlier model version again',
        description:
          'With no body: undoes the last change of the served version, serving again the version served before it (the history in MODEL_DIR/CURRENT, ' +
          'not the order of version ids); repeated rollbacks walk back through what was served, and 409 means nothing earlier is kept (never a skip past a pruned version). ' +
          'With {"version": "<id>"}: serves that kept version (GET /model lists them); 404 when it is not kept. Either way the version is ' +
          'loaded and checked before it is switched to.',
        security: ADMIN,
        body: Type.Ref('RollbackRequest'),
        response: responses(Type.Ref('RollbackResponse'), 'The version now served and the one served before', 400, 401, 403, 409, 415, 500, 503),
      },
      onRequest: app.requireAdmin,
    },
    async (request) =>
      // Under MODEL_DIR's lock: a rollback never interleaves with a training run's commit, and checks it
      // still holds the lock right before it switches (a takeover cannot let two owners commit).
      app.models.exclusive('rollback', async (lock) => {
        const wanted = (request.body as RollbackBody | undefined)?.version;
        if (wanted !== undefined && !(await listVersions(modelDir)).includes(wanted)) {
          throw new ServiceError('UNKNOWN_VERSION', `version ${wanted.slice(0, 80)} is not kept in MODEL_DIR (GET /model lists the kept versions)`);
        }
        let result: Awaited<ReturnType<typeof rollback>>;
        try {
          result = await rollback(modelDir, { version: wanted, keep: keepVersions, beforeCommit: () => TrainingLock.assertHeld(modelDir, lock.info.token) });
        } catch (err) {
          if (err instanceof NoPreviousVersionError) throw new ServiceError('NO_PREVIOUS_VERSION', err.message);
          if (err instanceof LockBusyError) throw new ServiceError('TRAINING_IN_PROGRESS', err.message);
          if (err instanceof CommitError) throw new ServiceError('MODEL_WRITE_FAILED', `could not switch MODEL_DIR/CURRENT: ${err.message}`);
          throw err;
        }
        app.models.swap(result.bundle);
        await app.cluster.announce(result.bundle.version);
        return { model_version: result.bundle.version, previous_version: result.previous };
      }),
  );
}
