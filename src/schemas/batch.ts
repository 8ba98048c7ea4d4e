import { Type } from 'typebox';

export const RECOMMENDATION_RULE =
  'What to do about each source, most severe first (at most 20). block: a critical session, or 3+ suspicious sessions that are at least a quarter ' +
  "of its sessions, or a suspicious session from a source carrying half or more of the batch's bytes; investigate: otherwise any suspicious or " +
  "high-risk session; monitor: otherwise a medium-risk session, or a fifth or more of the batch's bytes. Other sources are not listed.";

const Count = Type.Integer({ minimum: 0 });

/** The summary of a scored batch (also a job's, and a streamed /batch's last line). */
export const BatchSummarySchema = Type.Object({
  count: Count,
  suspicious: Count,
  anomaly_rate: Type.Number({ description: 'share of records with is_anomaly' }),
  top_sources: Type.Array(Type.Object({ src_ip: Type.String(), suspicious: Count, count: Count, bytes_in: Count }), { description: 'up to 10 sources by suspicious records, then bytes_in' }),
  by_country: Type.Array(Type.Object({ country: Type.String({ description: "'unknown' when absent" }), count: Count, suspicious: Count }), {
    description: 'records per source country, most first',
  }),
  by_hour: Type.Array(Type.Object({ hour: Type.Integer({ minimum: 0, maximum: 23, description: 'UTC hour of creation_time' }), count: Count, suspicious: Count }), {
    description: 'records per UTC hour of day, hours with records only',
  }),
  recommendations: Type.Array(
    Type.Object({
      src_ip: Type.String(),
      action: Type.Union([Type.Literal('block'), Type.Literal('investigate'), Type.Literal('monitor')]),
      reasons: Type.Array(Type.String(), { description: 'suspicious sessions, highest risk, share of the batch bytes' }),
    }),
    { description: RECOMMENDATION_RULE },
  ),
  training_note: Type.Optional(
    Type.String({
      description:
        'present when the batch is unlike the traffic the model was trained on (most records carry a protocol or port never seen in training; another input format than the training one is named beside it): ' +
        'one sentence naming what the model was trained on and the command that trains it on your own logs. The per-record alerts of such a batch mostly say "unlike the training data".',
    }),
  ),
});

export const BatchResponseSchema = Type.Object(
  {
    results: Type.Array(Type.Ref('ScoreResult'), { description: 'results[i] answers records[i] (or CSV data row i)' }),
    summary: BatchSummarySchema,
    skipped: Type.Optional(
      Type.Array(Type.Object({ line: Type.Integer({ minimum: 1 }), field: Type.String(), value: Type.String() }), {
        description: 'skip mode (on_error=skip): the records left out, with the CSV line (or the record index + 1), the field and the value shortened to 64 characters',
      }),
    ),
  },
  { $id: 'BatchResponse', title: 'BatchResponse' },
);
