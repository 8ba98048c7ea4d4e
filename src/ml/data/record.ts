/**
 * The traffic record as the models see it, and the one function that turns an
 * outside record (JSON body, CSV row) into it. Training and scoring both go
 * through parseRecord, so a value accepted at training time means the same thing
 * at scoring time. Keys are the CloudWatch CSV header names, dots included.
 */
import { isIP } from 'node:net';
import { rfc3339 } from './datetime.js';

export interface TrafficRecord {
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** epoch milliseconds */
  readonly creationMs: number;
  /** epoch milliseconds */
  readonly endMs: number;
  readonly srcIp: string;
  /** upper-cased two-letter code, or null when absent */
  readonly country: string | null;
  readonly protocol: string | null;
  readonly responseCode: number | null;
  readonly dstPort: number | null;
  /** ground truth when given (1 = malicious), else null */
  readonly label: 0 | 1 | null;
  /** the client's own id for the record, echoed on its result; null when not given */
  readonly id: string | number | null;
  /**
   * Fields the record's format could not give (ABSENT_* bits): their number above is a placeholder (0),
   * never evidence. The model scores them as a typical training value and lists them in missing_fields
   * (see ModelBundle). Absent from hand-made records: none absent.
   */
  readonly absent?: number;
  /** the firewall or flow-log action when the format gives one (ACCEPT, REJECT, ALLOW, BLOCK, ...) */
  readonly action?: string | null;
  /**
   * What the log's own source decided about the record, as sentences (a WAF rule that blocked it, the
   * labels WAF added): stated first in the result's reasons, never read by a detector, never a
   * probability and never a raise of the risk level (docs/models.md says why). Absent: nothing stated.
   */
  readonly evidence?: readonly string[];
}

/** bytes_in is unknown: e.g. a WAF request, which logs no byte counts. */
export const ABSENT_BYTES_IN = 1;
/** bytes_out is unknown: e.g. a flow seen one way only. */
export const ABSENT_BYTES_OUT = 2;

/** Longest accepted client id. */
export const MAX_ID_LENGTH = 128;

/** A record that cannot be used; `field` names the offending key. */
export class RecordError extends Error {
  constructor(
    readonly field: string,
    /** what is wrong with it, e.g. "must be an integer" */
    readonly detail: string,
    /** where the record is, e.g. "CSV line 5", when it is one of many */
    readonly location?: string,
  ) {
    super(location ? `${location}: ${field} ${detail}` : `${field} ${detail}`);
    this.name = 'RecordError';
  }

  /** the offending value, when the check that failed had it (a skip report shows it) */
  value?: unknown;

  /** The same error, placed in a file or batch. */
  at(location: string): RecordError {
    const placed = new RecordError(this.field, this.detail, location);
    placed.value = this.value;
    return placed;
  }
}

/** parseRecord for a record that is one of many: a RecordError comes back placed at `where` (e.g. "CSV line 5"). */
export function parseRecordAt(raw: unknown, where: string): TrafficRecord {
  try {
    return parseRecord(raw);
  } catch (err) {
    throw err instanceof RecordError ? err.at(where) : err;
  }
}

/** Longest accepted string field; longer values are refused, not truncated. */
export const MAX_STRING_LENGTH = 256;

/**
 * Largest byte count accepted: 10^15 - 1 (a petabyte in one session). As a numeric string it is at most
 * 15 digits, which a schema pattern can state exactly (MAX_SAFE_INTEGER has 16 digits, and a pattern
 * cannot bound those).
 */
export const MAX_BYTES = 999_999_999_999_999;

/** Optional free-text fields: checked for type and length only. */
const TEXT_FIELDS = ['rule_names', 'observation_name', 'source.meta', 'source.name', 'detection_types'] as const;

const COUNTRY = /^[A-Za-z]{2}$/;
/** label values accepted as strings (CSV cells, CSV-to-JSON tools); the schema lists the same. */
export const TRUE_LABELS = ['1', 'true', 'TRUE', 'True'];
export const FALSE_LABELS = ['0', 'false', 'FALSE', 'False'];

/**
 * The keys parseRecord reads, in the order it checks them (so the first offending field is named).
 * Both ways in (an object, a CSV row) gather these values into one array for parseValues, the one
 * validator.
 */
export const RECORD_KEYS = [
  'bytes_in',
  'bytes_out',
  'creation_time',
  'end_time',
  'src_ip',
  'dst_ip',
  'time',
  'src_ip_country_code',
  ...TEXT_FIELDS,
  'protocol',
  'response.code',
  'dst_port',
  'label',
  'id',
] as const;

const hasOwn = Object.prototype.hasOwnProperty;
/** Reused for every record: parsing is synchronous, so one array per thread serves all. */
const gathered: unknown[] = new Array<unknown>(RECORD_KEYS.length).fill(undefined);

/**
 * Validates and normalises one record. Numbers may arrive as numeric strings
 * (CSV, CSV-to-JSON tools); empty strings count as absent for optional fields.
 * Unknown keys are ignored, and only own properties are read.
 * @throws RecordError naming the first offending field
 */
export function parseRecord(raw: unknown): TrafficRecord {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RecordError('record', 'must be an object');
  }
  const r = raw as Record<string, unknown>;
  for (let i = 0; i < RECORD_KEYS.length; i++) gathered[i] = hasOwn.call(r, RECORD_KEYS[i]) ? r[RECORD_KEYS[i]] : undefined;
  return parseValues(gathered);
}

/**
 * Parses the CSV rows of one header straight into records: the cells go to parseValues by column,
 * with no row object keyed by name in between (the offline scorer and streamed /batch read millions).
 * The header must have passed checkHeader (no duplicate or empty names).
 */
export class RowParser {
  /** for each of RECORD_KEYS, its column in the header, or -1 */
  private readonly columns: Int32Array;
  readonly width: number;

  constructor(header: readonly string[]) {
    this.width = header.length;
    this.columns = Int32Array.from(RECORD_KEYS, (key) => header.indexOf(key));
  }

  /** @throws RecordError naming the first offending field */
  parse(fields: readonly string[]): TrafficRecord {
    const { columns } = this;
    for (let i = 0; i < columns.length; i++) gathered[i] = columns[i] < 0 ? undefined : fields[columns[i]];
    return parseValues(gathered);
  }

  /** parse(), with a RecordError placed at its CSV line ("CSV line 5: ..."). */
  parseAt(fields: readonly string[], line: number): TrafficRecord {
    try {
      return this.parse(fields);
    } catch (err) {
      throw err instanceof RecordError ? err.at(`CSV line ${line}`) : err;
    }
  }
}

// Positions in RECORD_KEYS.
const BYTES_IN = 0;
const BYTES_OUT = 1;
const CREATION_TIME = 2;
const END_TIME = 3;
const SRC_IP = 4;
const DST_IP = 5;
const TIME = 6;
const COUNTRY_CODE = 7;
const FIRST_TEXT = 8;
const PROTOCOL = FIRST_TEXT + TEXT_FIELDS.length;
const RESPONSE_CODE = PROTOCOL + 1;
const DST_PORT = PROTOCOL + 2;
const LABEL = PROTOCOL + 3;
const ID = PROTOCOL + 4;

/** The record from its values in RECORD_KEYS order (undefined where absent). */
function parseValues(v: readonly unknown[]): TrafficRecord {
  const bytesIn = integer(v, BYTES_IN, 0, MAX_BYTES, true)!;
  const bytesOut = integer(v, BYTES_OUT, 0, MAX_BYTES, true)!;
  const creationMs = dateTime(v, CREATION_TIME, true)!;
  const endMs = dateTime(v, END_TIME, true)!;
  if (endMs < creationMs) throw new RecordError('end_time', 'is earlier than creation_time');
  const srcIp = ip(v, SRC_IP, true)!;
  ip(v, DST_IP, false);
  dateTime(v, TIME, false);
  const countryRaw = string(v, COUNTRY_CODE, false);
  if (countryRaw !== null && !COUNTRY.test(countryRaw)) {
    throw new RecordError('src_ip_country_code', `must be a 2-letter country code, got ${shorten(countryRaw)}`);
  }
  for (let i = FIRST_TEXT; i < PROTOCOL; i++) string(v, i, false);
  return {
    bytesIn,
    bytesOut,
    creationMs,
    endMs,
    srcIp,
    country: countryRaw === null ? null : countryRaw.toUpperCase(),
    protocol: string(v, PROTOCOL, false)?.toUpperCase() ?? null,
    responseCode: integer(v, RESPONSE_CODE, 100, 599, false),
    dstPort: integer(v, DST_PORT, 0, 65535, false),
    label: label(v),
    id: clientId(v),
    absent: 0,
    action: null,
  };
}

/** The value at i, or undefined when absent, null or "". */
function present(values: readonly unknown[], i: number): unknown {
  const v = values[i];
  return v === '' || v === null ? undefined : v;
}

function missing(key: string, required: boolean): null {
  if (required) throw new RecordError(key, 'is required');
  return null;
}

/**
 * An integer, or a numeric string of decimal digits only (no sign, space, exponent or fraction: what
 * CSV-to-JSON tools send), at most as many digits as `max` has: exactly what the documented schema's
 * patterns admit.
 */
function integer(values: readonly unknown[], i: number, min: number, max: number, required: boolean): number | null {
  const key = RECORD_KEYS[i];
  const v = present(values, i);
  if (v === undefined) return missing(key, required);
  const n = typeof v === 'number' ? v : typeof v === 'string' && isDigits(v, String(max).length) ? Number(v) : NaN;
  if (!Number.isInteger(n)) {
    // Digits too many to be in range are a number too large, not a malformed one.
    if (typeof v === 'string' && isDigits(v, Infinity)) throw new RecordError(key, `is too large: at most ${max}, got ${shorten(v)}`);
    throw new RecordError(key, `must be an integer, got ${shorten(v)}`);
  }
  if (n < min || n > max) throw new RecordError(key, `must be between ${min} and ${max}`);
  return n;
}

/** A value for an error message: quoted, at most 40 characters. */
export function shorten(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}

function isDigits(s: string, maxLength: number): boolean {
  if (s.length === 0 || s.length > maxLength) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function string(values: readonly unknown[], i: number, required: boolean): string | null {
  const key = RECORD_KEYS[i];
  const v = present(values, i);
  if (v === undefined) return missing(key, required);
  if (typeof v !== 'string') throw new RecordError(key, 'must be a string');
  if (v.length > MAX_STRING_LENGTH) throw new RecordError(key, `must be at most ${MAX_STRING_LENGTH} characters`);
  return v;
}

function dateTime(values: readonly unknown[], i: number, required: boolean): number | null {
  const v = string(values, i, required);
  if (v === null) return null;
  const ms = rfc3339(v);
  if (!Number.isFinite(ms)) {
    const epoch = isDigits(v, 16) ? ' (an epoch timestamp, which this format does not accept: send e.g. 2024-04-25T23:00:00Z)' : '';
    throw new RecordError(RECORD_KEYS[i], `must be an RFC 3339 date-time, got ${shorten(v)}${epoch}`);
  }
  return ms;
}

function ip(values: readonly unknown[], i: number, required: boolean): string | null {
  const v = string(values, i, required);
  if (v === null) return null;
  // A zone index (fe80::1%eth0) is not part of the ipv6 format the schema documents, and means nothing
  // off the host that saw it.
  if (isIP(v) === 0 || v.includes('%')) throw new RecordError(RECORD_KEYS[i], `must be an IPv4 or IPv6 address, got ${shorten(v)}`);
  return v;
}

function clientId(values: readonly unknown[]): string | number | null {
  const v = present(values, ID);
  if (v === undefined) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && v.length <= MAX_ID_LENGTH) return v;
  throw new RecordError('id', `must be an integer or a string of at most ${MAX_ID_LENGTH} characters`);
}

function label(values: readonly unknown[]): 0 | 1 | null {
  const v = present(values, LABEL);
  if (v === undefined) return null;
  if (v === true || v === 1 || (typeof v === 'string' && TRUE_LABELS.includes(v))) return 1;
  if (v === false || v === 0 || (typeof v === 'string' && FALSE_LABELS.includes(v))) return 0;
  throw new RecordError('label', 'must be 0/1 or a boolean');
}
