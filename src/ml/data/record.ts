/**
 * The traffic record as the models see it, and the one function that turns an
 * outside record (JSON body, CSV row) into it. Training and scoring both go
 * through parseRecord, so a value accepted at training time means the same thing
 * at scoring time. Keys are the CloudWatch CSV header names, dots included.
 */
import { isIP } from 'node:net';

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
}

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

  /** The same error, placed in a file or batch. */
  at(location: string): RecordError {
    return new RecordError(this.field, this.detail, location);
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

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The n-digit decimal at s[i..i+n), or -1 when any of them is not a digit. */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(i + k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Epoch ms of an RFC 3339 date-time (YYYY-MM-DD, then T, t or a space,
 * hh:mm:ss, an optional fraction, then Z or +hh:mm), or NaN. Calendar fields
 * are checked here: Date.parse would roll 2024-02-30 over to March 1st and read
 * hour 24 as the next day, which the schema's date-time format refuses. A scan
 * over character codes: three of these run for every record scored.
 */
function rfc3339(s: string): number {
  const sep = s.charCodeAt(10);
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  if (sep !== 84 && sep !== 116 && sep !== 32) return NaN; // T, t, space
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1])) return NaN;
  let i = 19;
  let millis = 0;
  if (s.charCodeAt(i) === 46) {
    // A fraction of 1 to 9 digits; milliseconds keep the first three (truncated).
    let j = i + 1;
    let scale = 1;
    for (; j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57; j++) {
      if (j - i <= 3) {
        millis = millis * 10 + (s.charCodeAt(j) - 48);
        scale *= 10;
      }
    }
    if (j === i + 1 || j - i - 1 > 9) return NaN;
    millis = Math.floor((millis * 1000) / scale);
    i = j;
  }
  let offset = 0;
  const zone = s.charCodeAt(i);
  if (zone === 90 || zone === 122) {
    if (i + 1 !== s.length) return NaN; // Z, z
  } else if ((zone === 43 || zone === 45) && s.length === i + 6 && s.charCodeAt(i + 3) === 58) {
    const oh = digits(s, i + 1, 2);
    const om = digits(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offset = (zone === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
  } else {
    return NaN;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset;
}

const COUNTRY = /^[A-Za-z]{2}$/;
/** label values accepted as strings (CSV cells, CSV-to-JSON tools); the schema lists the same. */
export const TRUE_LABELS = ['1', 'true', 'TRUE', 'True'];
export const FALSE_LABELS = ['0', 'false', 'FALSE', 'False'];

/**
 * Validates and normalises one record. Numbers may arrive as numeric strings
 * (CSV, CSV-to-JSON tools); empty strings count as absent for optional fields.
 * Unknown keys are ignored.
 * @throws RecordError naming the first offending field
 */
export function parseRecord(raw: unknown): TrafficRecord {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new RecordError('record', 'must be an object');
  }
  const r = raw as Record<string, unknown>;
  const bytesIn = integer(r, 'bytes_in', 0, MAX_BYTES, true)!;
  const bytesOut = integer(r, 'bytes_out', 0, MAX_BYTES, true)!;
  const creationMs = dateTime(r, 'creation_time', true)!;
  const endMs = dateTime(r, 'end_time', true)!;
  if (endMs < creationMs) throw new RecordError('end_time', 'is earlier than creation_time');
  const srcIp = ip(r, 'src_ip', true)!;
  ip(r, 'dst_ip', false);
  dateTime(r, 'time', false);
  const countryRaw = string(r, 'src_ip_country_code', false);
  if (countryRaw !== null && !COUNTRY.test(countryRaw)) {
    throw new RecordError('src_ip_country_code', 'must be a 2-letter country code');
  }
  for (const key of TEXT_FIELDS) string(r, key, false);
  return {
    bytesIn,
    bytesOut,
    creationMs,
    endMs,
    srcIp,
    country: countryRaw === null ? null : countryRaw.toUpperCase(),
    protocol: string(r, 'protocol', false)?.toUpperCase() ?? null,
    responseCode: integer(r, 'response.code', 100, 599, false),
    dstPort: integer(r, 'dst_port', 0, 65535, false),
    label: label(r),
    id: clientId(r),
  };
}

function present(r: Record<string, unknown>, key: string): unknown {
  const v = Object.prototype.hasOwnProperty.call(r, key) ? r[key] : undefined;
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
function integer(r: Record<string, unknown>, key: string, min: number, max: number, required: boolean): number | null {
  const v = present(r, key);
  if (v === undefined) return missing(key, required);
  const n = typeof v === 'number' ? v : typeof v === 'string' && isDigits(v, String(max).length) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new RecordError(key, 'must be an integer');
  if (n < min || n > max) throw new RecordError(key, `must be between ${min} and ${max}`);
  return n;
}

function isDigits(s: string, maxLength: number): boolean {
  if (s.length === 0 || s.length > maxLength) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function string(r: Record<string, unknown>, key: string, required: boolean): string | null {
  const v = present(r, key);
  if (v === undefined) return missing(key, required);
  if (typeof v !== 'string') throw new RecordError(key, 'must be a string');
  if (v.length > MAX_STRING_LENGTH) throw new RecordError(key, `must be at most ${MAX_STRING_LENGTH} characters`);
  return v;
}

function dateTime(r: Record<string, unknown>, key: string, required: boolean): number | null {
  const v = string(r, key, required);
  if (v === null) return null;
  const ms = rfc3339(v);
  if (!Number.isFinite(ms)) throw new RecordError(key, 'must be an RFC 3339 date-time');
  return ms;
}

function ip(r: Record<string, unknown>, key: string, required: boolean): string | null {
  const v = string(r, key, required);
  if (v === null) return null;
  // A zone index (fe80::1%eth0) is not part of the ipv6 format the schema documents, and means nothing
  // off the host that saw it.
  if (isIP(v) === 0 || v.includes('%')) throw new RecordError(key, 'must be an IPv4 or IPv6 address');
  return v;
}

function clientId(r: Record<string, unknown>): string | number | null {
  const v = present(r, 'id');
  if (v === undefined) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && v.length <= MAX_ID_LENGTH) return v;
  throw new RecordError('id', `must be an integer or a string of at most ${MAX_ID_LENGTH} characters`);
}

function label(r: Record<string, unknown>): 0 | 1 | null {
  const v = present(r, 'label');
  if (v === undefined) return null;
  if (v === true || v === 1 || (typeof v === 'string' && TRUE_LABELS.includes(v))) return 1;
  if (v === false || v === 0 || (typeof v === 'string' && FALSE_LABELS.includes(v))) return 0;
  throw new RecordError('label', 'must be 0/1 or a boolean');
}
