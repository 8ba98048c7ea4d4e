/**
 * One interface for every input format: text in (as it arrives, any chunking), records out, or an
 * error naming the line, the field, what was expected and the offending value. Routes, the CLI and
 * the console reach a format only through the registry (index.ts), so a format means the same
 * everywhere.
 */
import type { TrafficRecord } from '../record.js';

export const FORMAT_NAMES = ['cloudwatch', 'vpc-flow', 'alb', 'waf', 'cloudfront', 'ocsf'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export interface FormatOptions {
  /** vpc-flow: the log's fields in the AWS format-string syntax ("${srcaddr} ${dstaddr} ..."), when the file has no header line */
  fields?: string;
  /** cloudwatch: the body is NDJSON rather than the dataset CSV */
  ndjson?: boolean;
  /** characters one line may take; default 64 KiB */
  maxLineSize?: number;
  /** skip mode: bad records (a log's bad lines) handed here and left out; without it a reader stops at the first */
  onBad?: BadRecordHandler;
}

/**
 * Skip mode: a bad record or line is handed here (its error, line, and a
 * lookup of the raw value of a field) and left out, instead of thrown. The handler throws to stop.
 */
export type BadRecordHandler = (err: Error, line: number, fieldValue: (field: string) => unknown) => void;

export interface FormatReader {
  /** Adds text; returns the records it completed (a stitching format may hold some back). */
  push(text: string): TrafficRecord[];
  /** Ends the input; returns the records still held. */
  end(): TrafficRecord[];
  /** Lines skipped by design, by reason (vpc-flow NODATA/SKIPDATA, W3C comments): counted, never errors. */
  readonly skipped: Readonly<Record<string, number>>;
  /** What the reader did beyond one record per line (vpc-flow: flows stitched into sessions). */
  readonly notes: Readonly<Record<string, number>>;
}

/** How a format gives each field of the record: for the docs' table and the /model answer. */
export interface FieldSources {
  native: readonly string[];
  derived: readonly string[];
  absent: readonly string[];
}

export interface RecordFormat {
  readonly name: FormatName;
  readonly description: string;
  /** media types a body in this format is sent as */
  readonly mediaTypes: readonly string[];
  readonly fields: FieldSources;
  /** Whether the first lines of a file look like this format (the console's detection). */
  sniff(firstLines: readonly string[]): boolean;
  reader(options?: FormatOptions): FormatReader;
}
