/**
 * How offline scoring writes a result: CSV (the input columns, then these) or
 * NDJSON (the result object of /batch, one a line).
 */
import type { ScoreResult } from '../ml/bundle/bundle.js';

export const RESULT_COLUMNS = [
  'verdict',
  'risk_level',
  'anomaly_score',
  'risk_probability',
  'baseline_outlier',
  'is_anomaly',
  'novel_fields',
  'missing_fields',
  'reasons',
  'model_version',
] as const;

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV cell, quoted (RFC 4180) only when it has to be. */
export function csvCell(v: string): string {
  return NEEDS_QUOTES.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The result columns of one record, as CSV cells joined by commas. Lists are joined with "; ". */
export function resultCells(r: ScoreResult): string {
  return [
    r.verdict,
    r.risk_level,
    String(r.anomaly_score),
    String(r.risk_probability),
    String(r.baseline_outlier),
    String(r.is_anomaly),
    csvCell(r.novel_fields.join('; ')),
    csvCell(r.missing_fields.join('; ')),
    csvCell(r.reasons.join('; ')),
    r.model_version,
  ].join(',');
}
