import { Type } from 'typebox';

const Count = Type.Integer({ minimum: 0 });

export const BatchResponseSchema = Type.Object(
  {
    results: Type.Array(Type.Ref('ScoreResult'), { description: 'results[i] answers records[i] (or CSV data row i)' }),
    summary: Type.Object({
      count: Count,
      suspicious: Count,
      anomaly_rate: Type.Number({ description: 'share of records with is_anomaly' }),
      top_sources: Type.Array(
        Type.Object({ src_ip: Type.String(), suspicious: Count, count: Count, bytes_in: Count }),
        { description: 'up to 10 sources by suspicious records, then bytes_in' },
      ),
      by_country: Type.Array(Type.Object({ country: Type.String({ description: "'unknown' when absent" }), count: Count, suspicious: Count }), {
        description: 'records per source country, most first',
      }),
      by_hour: Type.Array(Type.Object({ hour: Type.Integer({ minimum: 0, maximum: 23, description: 'UTC hour of creation_time' }), count: Count, suspicious: Count }), {
        description: 'records per UTC hour of day, hours with records only',
      }),
    }),
  },
  { $id: 'BatchResponse', title: 'BatchResponse' },
);
