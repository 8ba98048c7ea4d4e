import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';
import { loadVersion } from '../ml/bundle/store.js';
import type { TrainQuery } from '../schemas/train.js';
import { TrainQuerySchema } from '../schemas/train.js';
import { ADMIN, responses } from '../schemas/common.js';
import { Trainer } from '../training/trainer.js';
import { FormatQuerySchema, requestFormat } from './format.js';

/**
 * POST /train. Its body (up to TRAIN_BODY_LIMIT, 64 MiB by default) is kept as
 * bytes and handed to the training thread, which parses and validates it with
 * the same rules as the TrafficRecord schema (parseRecord): parsing 100,000
 * records and validating them here would stall /score for a noticeable time.
 * The documented body is RecordsBody or the dataset CSV (see plugins/docs.ts).
 */
export default async function trainRoute(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { modelDir, keepVersions, trainBodyLimit, trainRowLimit } = opts.config;
  const trainer = new Trainer();
  app.addHook('onClose', () => trainer.close());

  // This plugin's own parsers (encapsulated: /score and /batch keep theirs): raw bytes, size-limited by Fastify.
  app.removeAllContentTypeParsers();
  // text/plain: a log in a format of the registry (?format=); gzip bodies are expanded in the training thread.
  app.addContentTypeParser(['application/json', 'text/csv', 'application/csv', 'text/plain'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/train',
    {
      bodyLimit: trainBodyLimit,
      config: { takesCsv: true, takesLogs: true, documentedBody: 'RecordsBody' },
      schema: {
        tags: ['model'],
        operationId: 'trainModels',
        summary: 'Train new models online, compare them with the served ones, and serve them when not worse',
        description:
          'Body: the dataset CSV (text/csv, optional label column) or {"records": [...]}, or a log as AWS delivers it (text/plain with ?format=; ' +
          'gzip with Content-Encoding: gzip): a model trained on one format scores any other, as the records are the same. Every record labelled: the Random Forest learns the labels ' +
          '(label_source "provided"); none labelled: labels are derived from the unsupervised detectors ("derived"). Parsing, validation and ' +
          'training run in a worker thread; /score and /batch keep answering with the old models. The new and the served models are measured ' +
          'on the same hold-out (the 30% of the new data) and reported side by side in `comparison`; with promote=auto (the default) the new ' +
          'version is served from the next request on only when not worse there (the rule is in `comparison.rule`, docs/models.md), otherwise it ' +
          'is kept as a candidate (POST /model/rollback {"version": ...} serves it); promote=always serves it, promote=never keeps it. A second /train while one runs, on this or any process sharing MODEL_DIR (a lock in MODEL_DIR), is a 409; data that cannot make a model is a 422; a failed run leaves the served models ' +
          'and MODEL_DIR as they were.',
        security: ADMIN,
        querystring: Type.Intersect([TrainQuerySchema, FormatQuerySchema]),
        response: responses(Type.Ref('TrainResponse'), 'The new version, persisted; served from the next request on when `promoted`', 400, 401, 403, 409, 413, 415, 422, 500, 503),
      },
      // Auth and the busy check come before the body is read.
      onRequest: [
        app.requireAdmin,
        async () => {
          if (trainer.running) throw new ServiceError('TRAINING_IN_PROGRESS', 'a training run is already in progress; retry when it ends');
          await app.models.assertUnlocked(); // another worker or replica on this MODEL_DIR
        },
      ],
      onResponse: async (_request, reply) => {
        const outcome = reply.statusCode === 200 ? 'success' : reply.statusCode >= 500 ? 'failure' : 'rejected';
        app.metrics.trainingRuns.inc({ outcome });
      },
    },
    async (request) => {
      const started = performance.now();
      const query = request.query as TrainQuery;
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new ServiceError('INVALID_REQUEST', 'body is required: the dataset CSV (text/csv) or {"records": [...]} (application/json)');
      const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip') throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', `content-encoding ${encoding.slice(0, 40)} is not supported: send gzip or none`);
      const input = requestFormat(request);
      const contentType = request.headers['content-type'] ?? '';
      const isText = /^text\/plain/i.test(contentType);
      if (isText !== (input.name !== 'cloudwatch')) {
        throw new ServiceError(
          'UNSUPPORTED_MEDIA_TYPE',
          isText ? 'content-type text/plain is a log: name its format with ?format= (vpc-flow, alb, waf, cloudfront, ocsf)' : `a ${input.name} log is sent as text/plain`,
        );
      }
      const { done, bundle } = await app.models.exclusive('train', async (lock) => {
        const done = await trainer.run({
          modelDir,
          lockToken: lock.info.token,
          keep: keepVersions,
          body,
          format: isText && input.name !== 'cloudwatch' ? input.name : /csv/i.test(contentType) ? 'csv' : 'json',
          formatOptions: input.options,
          gzip: encoding === 'gzip',
          maxBytes: trainBodyLimit,
          maxRows: trainRowLimit,
          options: { contamination: query.contamination, trees: query.trees, maxDepth: query.max_depth, seed: query.seed },
          promote: query.promote ?? 'auto',
        });
        // Load what was written (checksums and all): a candidate too, so a version that does not load is an error now, not at rollback.
        const bundle = await loadVersion(modelDir, done.version);
        if (done.promotion.promoted) {
          app.models.swap(bundle);
          await app.cluster.announce(done.version); // every other worker serves it before this answers
        }
        return { done, bundle };
      });
      const durationMs = performance.now() - started;
      app.metrics.trainingDuration.observe(durationMs / 1000);
      request.log.info({ version: done.version, rows: done.rows, promoted: done.promotion.promoted, ms: Math.round(durationMs) }, 'trained a new model version');
      return {
        model_version: done.version,
        served_version: app.models.current.version,
        promoted: done.promotion.promoted,
        promotion: done.promotion,
        comparison: done.comparison,
        trained_rows: done.rows,
        label_source: bundle.manifest.label_source,
        metrics: bundle.manifest.metrics,
        duration_ms: durationMs,
      };
    },
  );
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** shared schema id documented as this route's JSON body (validated by parseRecord, not by a route schema) */
    documentedBody?: string;
  }
}
