/**
 * GET /jobs/{id}/results: a succeeded job's results in input order, streamed from
 * disk: NDJSON (one /batch result a line; the default) or CSV (Accept: text/csv;
 * the columns of `npm run score`: the input's, then the verdict's). One byte
 * range (Range: bytes=a-b, a-, -n) is served as a 206, so a download can resume.
 */
import type { FastifyInstance } from 'fastify';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type } from 'typebox';
import { ServiceError } from '../errors.js';
import { NDJSON } from '../plugins/csv.js';
import { PUBLIC, responses } from '../schemas/common.js';
import { type JobParams, JobParamsSchema } from '../schemas/jobs.js';
import { csvResults } from '../jobs/results-csv.js';
import type { Job, JobStore } from '../jobs/store.js';

/** The one range of a Range header over `size` bytes: null to serve it all, 'unsatisfiable' for a 416. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null; // several ranges, or another unit: the whole (RFC 9110 lets a server ignore Range)
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/**
 * The CSV results' file: written by a log format's job, made from the NDJSON results and the body for
 * a job in the dataset's layout (on the first request; then kept). A job deleted meanwhile is a 404.
 */
async function csvFile(store: JobStore, job: Job, maxDiskBytes: number): Promise<string> {
  const paths = { input: store.path(job.id, 'input'), results: store.path(job.id, 'results.ndjson'), output: store.path(job.id, 'results.csv') };
  // The CSV holds the body's records and their results' cells: at most about the body and the NDJSON
  // together. Made on request, it counts against the jobs' disk budget as an upload does.
  const made = await stat(paths.output).then(
    () => true,
    () => false,
  );
  const size = (path: string): Promise<number> =>
    stat(path).then(
      (s) => s.size,
      () => 0,
    );
  if (!made && (await store.diskUsage()) + (await size(paths.input)) + (await size(paths.results)) > maxDiskBytes) {
    throw new ServiceError('INSUFFICIENT_STORAGE', 'the jobs disk budget (JOBS_MAX_DISK_BYTES) is used up, so the CSV cannot be made: fetch the NDJSON results, or delete finished jobs and retry');
  }
  try {
    return await csvResults(paths, job.format === 'text' ? 'csv' : job.format, job.records_skipped, job.log_format === undefined || job.log_format === 'cloudwatch');
  } catch (err) {
    if ((await store.read(job.id).catch(() => null)) === null) throw new ServiceError('NOT_FOUND', `job ${job.id} does not exist`);
    throw err;
  }
}

export default async function jobsResultsRoute(app: FastifyInstance): Promise<void> {
  const { config, store, runner } = app.jobs;
  app.get(
    '/jobs/:id/results',
    {
      config: { jobResults: true },
      schema: {
        tags: ['jobs'],
        operationId: 'getJobResults',
        summary: "A succeeded job's results (NDJSON or CSV), resumable with Range",
        description:
          `The results in input order: ${NDJSON} (one /batch result a line; the default) or text/csv with Accept: text/csv (the input's columns, ` +
          'then verdict, risk_level, anomaly_score, risk_probability, baseline_outlier, is_anomaly, novel_fields, missing_fields, reasons, model_version; ' +
          "a JSON body's records are written under the dataset's column names; made from the body and the NDJSON results on the first CSV request, then kept). " +
          'Range: bytes=... gives a 206 with that part. A job that has not ' +
          'succeeded is a 409 (its state says why).',
        security: PUBLIC,
        params: JobParamsSchema,
        response: {
          ...responses(Type.String({ description: 'NDJSON or CSV' }), 'The whole results', 409, 416, 500, 503, 507),
          206: Type.String({ description: 'The requested byte range of the results (Content-Range)' }),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as JobParams;
      const job = await store.get(id, runner.mine);
      if (job === null) throw new ServiceError('NOT_FOUND', `job ${id.slice(0, 64)} does not exist`);
      if (job.state !== 'succeeded') throw new ServiceError('JOB_NOT_DONE', `job ${id} is ${job.state}: results are served once it has succeeded`);
      const csv = /\btext\/csv\b/i.test(request.headers.accept ?? '');
      const file = csv ? await csvFile(store, job, config.jobsMaxDiskBytes) : store.path(id, 'results.ndjson');
      const size = await stat(file).then((s) => s.size);
      const range = parseRange(request.headers.range, size);
      reply.header('accept-ranges', 'bytes').header('cache-control', 'no-store');
      reply.header('content-disposition', `attachment; filename="job-${id}-results.${csv ? 'csv' : 'ndjson'}"`);
      reply.type(csv ? 'text/csv; charset=utf-8' : NDJSON);
      if (range === 'unsatisfiable') {
        reply.header('content-range', `bytes */${size}`);
        throw new ServiceError('RANGE_NOT_SATISFIABLE', `the range ${request.headers.range} is outside the results' ${size} bytes`);
      }
      if (range === null) return reply.header('content-length', size).send(createReadStream(file));
      return reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
        .header('content-length', range.end - range.start + 1)
        .send(createReadStream(file, { start: range.start, end: range.end }));
    },
  );
}
