import { Type, type Static } from 'typebox';
import { FORMAT_NAMES } from '../ml/data/formats/index.js';
import { FormatQueryProperties } from '../routes/format.js';
import { BatchSummarySchema } from './batch.js';

const Count = Type.Integer({ minimum: 0 });
const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

export const JobQuerySchema = Type.Object({
  ...FormatQueryProperties,
  on_error: Type.Optional(
    Type.Union([Type.Literal('stop'), Type.Literal('skip')], {
      default: 'stop',
      description: 'stop: the first bad record fails the job, naming its line and field; skip: bad records are left out and reported in `skipped`',
    }),
  ),
  max_errors: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 1000, description: 'skip mode: more bad records than this fails the job' })),
});
export type JobQuery = Static<typeof JobQuerySchema>;

export const JobParamsSchema = Type.Object({ id: Type.String({ description: 'the job id from POST /jobs (128 random bits, base64url)' }) });
export type JobParams = Static<typeof JobParamsSchema>;

export const JobSchema = Type.Object(
  {
    id: Type.String(),
    state: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('canceled')]),
    created_at: Type.String({ format: 'date-time' }),
    started_at: Time,
    finished_at: Time,
    format: Type.Union([Type.Literal('csv'), Type.Literal('ndjson'), Type.Literal('records'), Type.Literal('text')], {
      description: 'the body as sent: CSV, NDJSON, or JSON {"records": [...]} in the dataset\'s layout; text: a log (text/plain) read as log_format',
    }),
    log_format: Type.Optional(
      Type.Union(
        FORMAT_NAMES.map((n) => Type.Literal(n)),
        { description: "the ?format= the job was created with: cloudwatch (the dataset's layout) or the AWS log format the body is read as" },
      ),
    ),
    fields: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'vpc-flow: the ?fields= given for a log without its header line' })),
    lines_skipped: Type.Optional(
      Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: 'lines the log format skips by design, by kind (vpc-flow: NODATA, SKIPDATA), once succeeded' }),
    ),
    notes: Type.Optional(
      Type.Record(Type.String(), Type.Integer({ minimum: 0 }), { description: "what the format's reader did (vpc-flow: sessions stitched from two records, one-way flows), once succeeded" }),
    ),
    on_error: Type.Union([Type.Literal('stop'), Type.Literal('skip')]),
    max_errors: Count,
    bytes_received: Type.Integer({ minimum: 0, description: 'bytes of the body stored (after gunzip)' }),
    records_read: Type.Integer({ minimum: 0, description: 'records scored plus records skipped so far' }),
    records_scored: Count,
    records_skipped: Count,
    records_per_second: Type.Number({ minimum: 0 }),
    eta_seconds: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'estimated seconds left, from the share of the body read; null when unknown' }),
    model_version: Type.Union([Type.String(), Type.Null()]),
    summary: Type.Union([BatchSummarySchema, Type.Null()], { description: "the batch summary (as /batch's) once succeeded" }),
    skipped: Type.Array(Type.Object({ line: Type.Integer({ minimum: 1 }), field: Type.String(), value: Type.String({ description: 'the offending value, shortened to 64 characters' }) }), {
      description: 'skip mode: the records left out, in input order (line: the CSV or NDJSON line; for a JSON body, the record index + 1)',
    }),
    error: Type.Union([Type.Object({ message: Type.String(), line: Type.Union([Type.Integer(), Type.Null()]), field: Type.Union([Type.String(), Type.Null()]) }), Type.Null()], {
      description: 'why a failed job failed: the message, and the line and field of the bad record when there is one',
    }),
  },
  { $id: 'Job', title: 'Job' },
);
