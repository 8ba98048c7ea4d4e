import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { summarize } from '../ml/insight/summary.js';
import { PUBLIC, responses } from '../schemas/common.js';
import { parseRecords } from './records.js';

export default async function batchRoute(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { batchLimit, batchBodyLimit } = opts.config;
  app.post(
    '/batch',
    {
      bodyLimit: batchBodyLimit,
      // Records are validated by parseRecord (the schema's rules, checked once: checking them twice was
      // ~9% of /batch throughput); RecordsBody documents the body.
      config: { maxRows: batchLimit, takesCsv: true, documentedBody: 'RecordsBody' },
      schema: {
        tags: ['scoring'],
        operationId: 'scoreBatch',
        summary: 'Score many records (JSON or the dataset CSV)',
        description:
          `Body: {"records": [...]} as application/json, or the dataset CSV with its header row as text/csv. ` +
          `results[i] answers records[i]. A bad record rejects the whole batch with a 400 naming its index (or CSV line) and field; ` +
          `more than BATCH_LIMIT (default 10000) records is a 413.`,
        security: PUBLIC,
        response: responses(Type.Ref('BatchResponse'), 'One result per record, in input order, and the batch summary', 400, 413, 415, 500, 503),
      },
    },
    async (request) => {
      const bundle = app.models.current; // read once: the whole batch uses this version
      const records = parseRecords(request, batchLimit);
      const observer = app.drift.observer(bundle);
      const results = records.map((r) => bundle.score(r, observer));
      app.metrics.recordsScored('batch', results);
      return { results, summary: summarize(records, results) };
    },
  );
}
