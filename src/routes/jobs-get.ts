/** GET /jobs/{id}: a job's state and progress, from disk (any worker or replica answers about any job). */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ServiceError } from '../errors.js';
import { PUBLIC, responses } from '../schemas/common.js';
import { type JobParams, JobParamsSchema } from '../schemas/jobs.js';

export default async function jobsGetRoute(app: FastifyInstance): Promise<void> {
  const { store, runner } = app.jobs;
  app.get(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'getJob',
        summary: "A scoring job's state, progress and, once done, its summary",
        description:
          'state: queued, running, succeeded, failed (error names the line and field of the bad record, or says the server running it stopped) ' +
          'or canceled. While running: records read and scored, records per second and an estimate of the seconds left.',
        security: PUBLIC,
        params: JobParamsSchema,
        response: responses(Type.Ref('Job'), 'The job', 500, 503),
      },
    },
    async (request, reply) => {
      const { id } = request.params as JobParams;
      const job = await store.get(id, runner.mine);
      if (job === null) throw new ServiceError('NOT_FOUND', `job ${id.slice(0, 64)} does not exist (ids come from POST /jobs; finished jobs are removed after JOBS_TTL)`);
      reply.header('cache-control', 'no-store');
      return job;
    },
  );
}
