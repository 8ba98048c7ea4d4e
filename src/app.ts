/**
 * buildApp(config): the whole service as a Fastify instance that never listens
 * (src/server.ts does). Tests build it and use inject() or supertest.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import admin from './plugins/admin.js';
import clusterLink from './plugins/cluster.js';
import consolePages from './plugins/console.js';
import csv from './plugins/csv.js';
import docs from './plugins/docs.js';
import drift from './plugins/drift.js';
import errors from './plugins/errors.js';
import jobs from './plugins/jobs.js';
import metrics from './plugins/metrics.js';
import models from './plugins/models.js';
import pressure from './plugins/pressure.js';
import refusals from './plugins/refusals.js';
import batchRoute from './routes/batch.js';
import driftRoute from './routes/drift.js';
import healthRoutes from './routes/health.js';
import jobsCreateRoute from './routes/jobs-create.js';
import jobsDeleteRoute from './routes/jobs-delete.js';
import jobsGetRoute from './routes/jobs-get.js';
import jobsResultsRoute from './routes/jobs-results.js';
import metricsRoute from './routes/metrics.js';
import modelRoute from './routes/model.js';
import rollbackRoute from './routes/rollback.js';
import scoreRoute from './routes/score.js';
import trainRoute from './routes/train.js';
import { BatchResponseSchema } from './schemas/batch.js';
import { ErrorSchema } from './schemas/common.js';
import { JobSchema } from './schemas/jobs.js';
import { DriftReportSchema } from './schemas/drift.js';
import { ModelInfoSchema, TrainingMetricsSchema } from './schemas/model.js';
import { RecordsBodySchema, TrafficRecordSchema } from './schemas/record.js';
import { ScoreResultSchema } from './schemas/score.js';
import { RollbackRequestSchema, RollbackResponseSchema, TrainResponseSchema } from './schemas/train.js';

export const SHARED_SCHEMAS = [
  TrafficRecordSchema,
  RecordsBodySchema,
  ScoreResultSchema,
  BatchResponseSchema,
  TrainingMetricsSchema,
  ModelInfoSchema,
  DriftReportSchema,
  TrainResponseSchema,
  RollbackRequestSchema,
  RollbackResponseSchema,
  JobSchema,
  ErrorSchema,
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Routes probed or scraped every few seconds: logged at debug, not info. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export interface BuildOptions {
  /** pino options or false; default JSON logs at config.logLevel */
  logger?: FastifyServerOptions['logger'];
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? {
      level: config.logLevel,
      // Fastify's request serializer logs no headers; redact anyway in case a log line carries them.
      redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization'], censor: '[redacted]' },
    },
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node checks these timeouts only every connectionsCheckingInterval (30 s by default): check every
    // second. They must be given at construction: set afterwards (as Fastify's requestTimeout is), a
    // headersTimeout above requestTimeout leaves a slow body unbounded (measured).
    http: { connectionsCheckingInterval: 1000, requestTimeout: config.requestTimeoutMs, headersTimeout: Math.min(config.requestTimeoutMs, 60_000) },
    logController: new LogController({ disableRequestLogging: true }), // one line per request, written in onResponse below
    // Honour a caller's x-request-id when it is a sane token, else make one.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: {
      // Ajv validates query parameters only: record bodies go through parseRecord (records-body.ts). The
      // documented formats (date-time, ip) are parseRecord's to check.
      customOptions: { allErrors: false, validateFormats: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Only JSON and CSV bodies: Fastify's built-in text/plain parser would turn a wrong content type into a 400.
  app.removeContentTypeParser('text/plain');

  // Hooks run on every request, so they are callback-style (no promise per call) and few.
  // Draining: Fastify closes connections idle when close() starts, but one busy then would stay open
  // after its response and hold close() forever. Once closing, every response ends its connection.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 };
    if (QUIET_ROUTES.has(request.routeOptions.url ?? '')) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
    done();
  });

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(errors);
  await app.register(refusals);
  await app.register(pressure, { config });
  await app.register(csv);
  await app.register(models, { config });
  await app.register(metrics);
  await app.register(drift, { config });
  await app.register(clusterLink);
  await app.register(admin, { config });
  await app.register(jobs, { config });
  await app.register(docs);

  await app.register(scoreRoute);
  await app.register(batchRoute, { config });
  await app.register(modelRoute);
  await app.register(driftRoute);
  await app.register(trainRoute, { config });
  await app.register(rollbackRoute, { config });
  await app.register(jobsCreateRoute);
  await app.register(jobsGetRoute);
  await app.register(jobsResultsRoute);
  await app.register(jobsDeleteRoute);
  await app.register(healthRoutes);
  await app.register(metricsRoute);
  await app.register(consolePages);
  return app;
}
