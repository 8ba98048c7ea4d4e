import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Type } from 'typebox';
import type { Config } from '../config.js';
import { ServiceError } from '../errors.js';
import type { ScoreResult } from '../ml/bundle/bundle.js';
import { summarize, summaryFit } from '../ml/insight/summary.js';
import { PUBLIC, responses } from '../schemas/common.js';
import { CHUNK, chunksOf, NDJSON, ndjsonLines, spooled, wantsStream } from './batch-stream.js';
import { decodedBody } from '../plugins/csv.js';
import { FormatQuerySchema, requestFormat } from './format.js';
import { parseRecords } from './records.js';
import { type JobQuery, JobQuerySchema } from '../schemas/jobs.js';
import type { SkippedRecord } from '../ml/data/record-stream.js';
import { DEFAULT_MAX_ERRORS } from '../offline/score-file.js';

export default async function batchRoute(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const { batchLimit, batchBodyLimit, streamBodyLimit } = opts.config;

  // NDJSON bodies are streamed only: their records are read in the handler as they arrive.
  app.addContentTypeParser(NDJSON, (request, payload, done) => {
    if (wantsStream(request)) {
      try {
        return done(null, decodedBody(request, payload, streamBodyLimit));
      } catch (err) {
        return done(err as Error, undefined);
      }
    }
    done(new ServiceError('UNSUPPORTED_MEDIA_TYPE', `content-type ${NDJSON} is streamed: send it with Accept: ${NDJSON}, or send application/json or text/csv`), undefined);
  });

  app.post(
    '/batch',
    {
      bodyLimit: batchBodyLimit,
      // Records are validated by parseRecord (the schema's rules, checked once: checking them twice was
      // ~9% of /batch throughput); RecordsBody documents the body.
      config: { maxRows: batchLimit, takesCsv: true, takesLogs: true, streams: true, skips: true, documentedBody: 'RecordsBody' },
      schema: {
        querystring: Type.Intersect([JobQuerySchema, FormatQuerySchema]),
        tags: ['scoring'],
        operationId: 'scoreBatch',
        summary: 'Score many records (JSON or the dataset CSV), whole or streamed',
        description:
          `Body: {"records": [...]} as application/json, or the dataset CSV with its header row as text/csv, or a log as AWS delivers it ` +
          `(?format=vpc-flow, alb, waf, cloudfront or ocsf) as text/plain; any of them gzipped with Content-Encoding: gzip. ` +
          `A log's results carry the line(s) each record came from as their id (a stitched vpc-flow session: "3+4"). ` +
          `results[i] answers records[i]. A bad record rejects the whole batch with a 400 naming its index (or CSV line) and field; ` +
          `more than BATCH_LIMIT (default 10000) records is a 413.\n\n` +
          `Streamed, for files of any size: send Accept: ${NDJSON} with a text/csv or ${NDJSON} body (one record a line). The body is ` +
          `read as it arrives, BATCH_LIMIT does not apply (STREAM_BODY_LIMIT bytes do), and the answer is ${NDJSON}: one result a line in ` +
          `input order, then {"summary": {...}}. The 200 is sent before the records are read, so a bad record or body mid-stream ends it ` +
          `with a line {"error": {statusCode, error, message, code}} naming the line and field; the rest of the body is still read ` +
          `and discarded (up to STREAM_BODY_LIMIT bytes more, then the connection is closed), so the client can finish sending.\n\n` +
          `Skip mode (on_error=skip): bad records are left out and reported with their line, field and value (shortened): in skipped ` +
          `(results then answer the good records in order), or streamed as {"skipped": {...}} lines and records_skipped on the summary line.`,
        security: PUBLIC,
        response: responses(Type.Ref('BatchResponse'), 'One result per record, in input order, and the batch summary', 400, 413, 415, 500, 503),
      },
    },
    async (request, reply) => {
      const bundle = app.models.current; // read once: the whole batch uses this version
      const observer = app.drift.observer(bundle);
      const query = request.query as JobQuery;
      const maxErrors = query.max_errors ?? DEFAULT_MAX_ERRORS;
      // Skip mode: bad records are reported (line, field, value) and left out instead of failing the batch.
      const skipped: SkippedRecord[] | undefined = query.on_error === 'skip' ? [] : undefined;
      if (wantsStream(request)) {
        const body = request.body as Readable | { records: unknown };
        const { name, options } = requestFormat(request);
        const format = name !== 'cloudwatch' ? name : /csv/i.test(request.headers['content-type'] ?? '') ? 'csv' : 'ndjson';
        const source = 'pipe' in body ? (body as Readable) : parseRecords(request, batchLimit, skipped, maxErrors);
        const skip = skipped ? { onSkip: (s: SkippedRecord) => void skipped.push(s), maxErrors } : {};
        reply.type(NDJSON);
        return reply.send(spooled(ndjsonLines(app, request, chunksOf(source, format, streamBodyLimit, skip, options), bundle, observer, skipped ?? null)));
      }
      const records = parseRecords(request, batchLimit, skipped, maxErrors);
      // Scored a chunk at a time with a yield in between, so a 10,000-record batch does not hold up /healthz.
      const results: ScoreResult[] = [];
      for (let i = 0; i < records.length; i += CHUNK) {
        if (i > 0) await yieldToEventLoop();
        for (const r of bundle.scoreMany(records.slice(i, i + CHUNK), observer)) results.push(r);
      }
      app.metrics.recordsScored('batch', results);
      const summary = summarize(records, results, bundle.sourceRule, summaryFit(bundle, requestFormat(request).name));
      return skipped ? { results, summary, skipped: skipped.map(({ line, field, value }) => ({ line, field, value })) } : { results, summary };
    },
  );
}
