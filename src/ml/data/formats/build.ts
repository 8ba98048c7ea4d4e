/**
 * Shared checks for the log formats: each value is read with the field named as the format names it
 * and, when it is wrong, the error says what was expected and shows the value (shortened). Records
 * come out in the same shape parseRecord gives, so the models see one record whatever the format.
 */
import { isIP } from 'node:net';
import { rfc3339 } from '../datetime.js';
import { countryOf } from '../geo/country.js';
import { MAX_BYTES, RecordError, shorten, type TrafficRecord } from '../record.js';

export function fail(field: string, expected: string, value: unknown): never {
  const err = new RecordError(field, `must be ${expected}, got ${shorten(value)}`);
  err.value = value;
  throw err;
}

function tooLarge(field: string, max: number, value: unknown): never {
  const err = new RecordError(field, `is too large: at most ${max}, got ${shorten(String(value))}`);
  err.value = value;
  throw err;
}

/** "-" and "" are absent in every AWS log. */
export function isAbsent(v: string | undefined | null): boolean {
  return v === undefined || v === null || v === '-' || v === '';
}

function digitsOnly(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** The digits of each limit uint() is called with, counted once: String(max) on every call cost more than the check. */
const DIGITS = new Map<number, number>();
function digits(max: number): number {
  let d = DIGITS.get(max);
  if (d === undefined) DIGITS.set(max, (d = String(max).length));
  return d;
}

/** A non-negative integer up to max, from a string or JSON number. */
export function uint(field: string, v: unknown, max: number): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) fail(field, 'a non-negative integer', v);
    if (v > max) tooLarge(field, max, v);
    return v;
  }
  if (typeof v !== 'string' || v.length === 0) fail(field, 'a non-negative integer', v);
  // The value read with the digits (no Number(v) after): exact, as every limit here has at most 15 digits
  // and a longer value is too large before its value is looked at.
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) fail(field, 'a non-negative integer', v);
    n = n * 10 + (c - 48);
  }
  if (v.length > digits(max) || n > max) tooLarge(field, max, v);
  return n;
}

export function bytes(field: string, v: unknown): number {
  return uint(field, v, MAX_BYTES);
}

export function port(field: string, v: unknown): number {
  return uint(field, v, 65535);
}

export function address(field: string, v: unknown): string {
  if (typeof v !== 'string' || isIP(v) === 0 || v.includes('%')) fail(field, 'an IPv4 or IPv6 address', v);
  return v;
}

/** Epoch seconds (VPC flow logs' start/end, CloudFront's none): 10 digits or fewer. */
export function epochSeconds(field: string, v: unknown): number {
  const n = uint(field, v, 99_999_999_999);
  return n * 1000;
}

/** Epoch milliseconds (WAF's timestamp, OCSF's time). */
export function epochMillis(field: string, v: unknown): number {
  return uint(field, v, 99_999_999_999_999);
}

/** An ISO 8601 / RFC 3339 date-time (ALB's time); an epoch number is named as such. */
export function isoTime(field: string, v: unknown): number {
  const ms = typeof v === 'string' ? rfc3339(v) : NaN;
  if (!Number.isFinite(ms)) {
    if (typeof v === 'string' && digitsOnly(v)) fail(field, 'an ISO 8601 date-time such as 2024-04-25T23:00:00.123456Z, not an epoch timestamp', v);
    fail(field, 'an ISO 8601 date-time such as 2024-04-25T23:00:00.123456Z', v);
  }
  return ms;
}

const COUNTRY = /^[A-Za-z]{2}$/;

export function country(field: string, v: unknown): string | null {
  if (v === undefined || v === null || v === '' || v === '-') return null;
  if (typeof v !== 'string' || !COUNTRY.test(v)) fail(field, 'a 2-letter country code', v);
  return v.toUpperCase();
}

export interface RecordParts {
  /** what the log's own source decided about the record (TrafficRecord.evidence); empty or absent: nothing */
  evidence?: readonly string[];
  bytesIn: number | null;
  bytesOut: number | null;
  creationMs: number;
  endMs: number;
  srcIp: string;
  country?: string | null;
  protocol?: string | null;
  responseCode?: number | null;
  dstPort?: number | null;
  action?: string | null;
  /** where the record came from (its log line), echoed on its result */
  id?: string | number | null;
}

/** The record, its absent byte counts marked (stored as 0, never read as a value: see TrafficRecord.absent). */
export function makeRecord(p: RecordParts, endField = 'end'): TrafficRecord {
  if (p.endMs < p.creationMs) throw new RecordError(endField, 'is earlier than the start');
  const responseCode = p.responseCode ?? null;
  return {
    bytesIn: p.bytesIn ?? 0,
    bytesOut: p.bytesOut ?? 0,
    creationMs: p.creationMs,
    endMs: p.endMs,
    srcIp: p.srcIp,
    // A format without a country (vpc-flow, alb, cloudfront; WAF when it gave none) gets the offline table's.
    country: p.country ?? countryOf(p.srcIp),
    protocol: p.protocol ?? null,
    responseCode: responseCode !== null && responseCode >= 100 && responseCode <= 599 ? responseCode : null,
    dstPort: p.dstPort ?? null,
    label: null,
    id: p.id ?? null,
    absent: (p.bytesIn === null ? 1 : 0) | (p.bytesOut === null ? 2 : 0),
    action: p.action ?? null,
    // only where there is some: the dataset's records and most log lines keep the one shape
    ...(p.evidence !== undefined && p.evidence.length > 0 ? { evidence: p.evidence } : {}),
  };
}
