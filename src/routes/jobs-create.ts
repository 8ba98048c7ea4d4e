/**
 * POST /jobs: a scoring job for a body of any size. The body (CSV, NDJSON or
 * {"records": [...]}, gzip allowed) is written to disk as it arrives, and the
 * 202 goes out once it is stored; scoring runs in the background (src/jobs/).
 * Caps are checked before the body is read: unfinished jobs (JOBS_MAX_CONCURRENT,
 * 429) and the disk budget (JOBS_MAX_DISK_BYTES, 507).
 */
import type { FastifyInstance } from 'fastify';
import { mkdir, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Type, type TSchema } from 'typebox';
import { ServiceError } from '../errors.js';
import { type Job, newJobId, ownerHere } from '../jobs/store.js';
import { DEFAULT_MAX_ERRORS } from '../offline/score-file.js';
import { type JobBodyFormat, formatOf as layoutOf, receiveBody } from '../jobs/upload.js';
import { requestFormat } from './format.js';
import { PUBLIC, responses } from '../schemas/common.js';
import { type JobQuery, JobQuerySchema } from '../schemas/jobs.js';

/** The responses with a 202 (the stored job) where responses() puts a 200. */
function accepted(all: Record<number, TSchema>): Record<number, TSchema> {
  const { 200: _ok, ...errors } = all;
  const location = { location: Type.String({ description: 'the job: /jobs/{id}' }) };
  return { 202: Type.Ref('Job', { description: 'The body is stored and the job queued', headers: location }), ...errors };
}

/**
 * How the body is stored: a log (any format but cloudwatch) as its text, whatever text type it came as;
 * the dataset's layout by its content type. A type the format cannot be is a 415 saying what to send.
 */
function bodyFormat(contentType: string | undefined, logFormat: string): JobBodyFormat {
  const layout = layoutOf(contentType);
  if (logFormat !== 'cloudwatch') {
    if (layout === 'text' || layout === 'csv' || layout === 'ndjson') return 'text';
    throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', `content-type ${contentType ?? '(none)'} is not supported for format=${logFormat}: send the log as text/plain`);
  }
  if (layout === null || layout === 'text') {
    throw new ServiceError(
      'UNSUPPORTED_MEDIA_TYPE',
      `content-type ${contentType ?? '(none)'} is not supported by POST /jobs: send text/csv, application/x-ndjson or application/json, or a log as text/plain with ?format=vpc-flow, alb, waf, cloudfront or ocsf`,
    );
  }
  return layout;
}

export default async function jobsCreateRoute(app: FastifyInstance): Promise<void> {
  const { config, store, runner } = app.jobs;
  // This plugin's own parser (encapsulated): the raw body, read by the handler as it arrives.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.post(
    '/jobs',
    {
      config: { jobBody: true },
      schema: {
        tags: ['jobs'],
        operationId: 'createJob',
        summary: 'Start a scoring job for a file of any size',
        description:
          'Body: the dataset CSV (text/csv), NDJSON (application/x-ndjson, one record a line) or {"records": [...]} (application/json, up to ' +
          'BATCH_BODY_LIMIT bytes); or, with ?format=vpc-flow, alb, waf, cloudfront or ocsf, a log as AWS delivers it (text/plain; vpc-flow ' +
          'records stitched into sessions across the whole file; lines the format skips counted in lines_skipped; a bad line fails the job (or, with on_error=skip, is reported in skipped) ' +
          'naming the line and field). Content-Encoding: gzip is accepted. The body is stored as it arrives (up to JOBS_BODY_LIMIT bytes after gunzip) ' +
          'and the 202 is sent once it is on disk, with Location: /jobs/{id}. Scoring runs in the background; poll GET /jobs/{id}, then fetch ' +
          'GET /jobs/{id}/results. More than JOBS_MAX_CONCURRENT unfinished jobs is a 429; the jobs disk budget (JOBS_MAX_DISK_BYTES) used up is a 507.',
        security: PUBLIC,
        querystring: JobQuerySchema,
        response: accepted(responses(Type.Ref('Job'), '', 400, 413, 415, 429, 500, 503, 507)),
      },
      onRequest: async (request) => {
        bodyFormat(request.headers['content-type'], requestFormat(request).name);
        const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
        if (encoding !== 'identity' && encoding !== 'gzip') throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', `content-encoding ${encoding} is not supported: send gzip or none`);
        const declared = Number(request.headers['content-length']);
        if (encoding === 'identity' && declared > config.jobsBodyLimit) throw new ServiceError('PAYLOAD_TOO_LARGE', `request body is larger than ${config.jobsBodyLimit} bytes (JOBS_BODY_LIMIT)`);
        if ((await store.unfinished(runner.mine)) >= config.jobsMaxConcurrent) {
          throw new ServiceError('TOO_MANY_JOBS', `${config.jobsMaxConcurrent} jobs are queued or running (JOBS_MAX_CONCURRENT): retry when one finishes`);
        }
        if ((await store.diskUsage()) >= config.jobsMaxDiskBytes) {
          throw new ServiceError('INSUFFICIENT_STORAGE', 'the jobs disk budget (JOBS_MAX_DISK_BYTES) is used up: retry when older jobs are removed, or delete finished ones');
        }
      },
    },
    async (request, reply) => {
      const query = request.query as JobQuery;
      const log = requestFormat(request);
      const format = bodyFormat(request.headers['content-type'], log.name);
      const body = request.body as Readable | undefined;
      if (body === undefined || typeof (body as Readable).iterator !== 'function') throw new ServiceError('INVALID_REQUEST', 'body is required: the dataset CSV, NDJSON or {"records": [...]}');
      const id = newJobId();
      runner.reserve(id);
      let bytes: number;
      try {
        await mkdir(store.path(id), { recursive: true });
        const diskLeft = config.jobsMaxDiskBytes - (await store.diskUsage());
        const gzip = (request.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
        bytes = await receiveBody(body, store.path(id, 'input'), format, gzip, { bodyLimit: config.jobsBodyLimit, jsonLimit: config.batchBodyLimit, diskLeft });
      } catch (err) {
        runner.release(id);
        await rm(store.path(id), { recursive: true, force: true });
        throw err;
      }
      const now = new Date().toISOString();
      const job: Job = {
        id,
        state: 'queued',
        created_at: now,
        started_at: null,
        finished_at: null,
        format,
        log_format: log.name,
        fields: log.options.fields ?? null,
        lines_skipped: {},
        notes: {},
        on_error: query.on_error ?? 'stop',
        max_errors: query.max_errors ?? DEFAULT_MAX_ERRORS,
        bytes_received: bytes,
        records_read: 0,
        records_scored: 0,
        records_skipped: 0,
        records_per_second: 0,
        eta_seconds: null,
        model_version: null,
        summary: null,
        skipped: [],
        error: null,
        owner: ownerHere(),
        heartbeat_at: now,
      };
      try {
        await store.write(job);
      } catch (err) {
        runner.release(id);
        await rm(store.path(id), { recursive: true, force: true });
        throw err;
      }
      runner.enqueue(id);
      request.log.info({ job: id, bytes, format, logFormat: log.name }, 'job queued');
      return reply.code(202).header('location', `/jobs/${id}`).send(job);
    },
  );
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the route reads its body itself (POST /jobs) */
    jobBody?: boolean;
  }
}
