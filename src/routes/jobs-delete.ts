/**
 * DELETE /jobs/{id}: cancels a queued or running job (whichever process runs it
 * stops within a heartbeat) and removes its body and results; its state stays,
 * saying canceled, until JOBS_TTL or a second DELETE. A finished job is removed
 * whole.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ServiceError } from '../errors.js';
import { UNFINISHED } from '../jobs/store.js';
import { PUBLIC, responses } from '../schemas/common.js';
import { type JobParams, JobParamsSchema } from '../schemas/jobs.js';

export default async function jobsDeleteRoute(app: FastifyInstance): Promise<void> {
  const { store, runner } = app.jobs;
  const { 200: _ok, ...errors } = responses(Type.Null(), '', 500, 503);
  app.delete(
    '/jobs/:id',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'deleteJob',
        summary: 'Cancel a job, or remove a finished one',
        description:
          'A queued or running job is canceled: scoring stops, its body and results are removed, and GET /jobs/{id} says canceled until ' +
          'JOBS_TTL passes or it is deleted again. A finished (or canceled) job is removed: GET /jobs/{id} is then a 404.',
        security: PUBLIC,
        params: JobParamsSchema,
        response: { 204: Type.Null({ description: 'Canceled or removed' }), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params as JobParams;
      const job = await store.get(id, runner.mine);
      if (job === null) throw new ServiceError('NOT_FOUND', `job ${id.slice(0, 64)} does not exist`);
      runner.cancel(id);
      if (UNFINISHED.has(job.state)) await store.cancel(id);
      else await store.remove(id);
      request.log.info({ job: id, state: job.state }, UNFINISHED.has(job.state) ? 'job canceled' : 'job removed');
      return reply.code(204).send();
    },
  );
}
