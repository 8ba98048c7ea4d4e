/**
 * Application Load Balancer access logs: one request a line, space-separated, some fields quoted
 * ("GET https://host:443/ HTTP/1.1"), `-` for a value the entry does not have
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html).
 * The session is the request: from request_creation_time to time, the client's received_bytes in and
 * sent_bytes out.
 */
import { RecordError, type TrafficRecord } from '../record.js';
import { address, bytes, fail, isAbsent, isoTime, makeRecord, port, uint } from './build.js';
import { LineReader } from './lines.js';
import type { BadRecordHandler, RecordFormat } from './types.js';
import { SNIFF } from './sniff.js';

/** The documented fields, in order; entries written before a field existed stop short of it. */
export const ALB_FIELDS = [
  'type', 'time', 'elb', 'client:port', 'target:port', 'request_processing_time', 'target_processing_time', 'response_processing_time',
  'elb_status_code', 'target_status_code', 'received_bytes', 'sent_bytes', 'request', 'user_agent', 'ssl_cipher', 'ssl_protocol',
  'target_group_arn', 'trace_id', 'domain_name', 'chosen_cert_arn', 'matched_rule_priority', 'request_creation_time', 'actions_executed',
  'redirect_url', 'error_reason', 'target:port_list', 'target_status_code_list', 'classification', 'classification_reason', 'conn_trace_id',
]; // biome-ignore format: the documented order

/** Fields up to and including the request line: an entry with fewer is not an ALB entry. */
const MIN_FIELDS = 13;
const TYPES = new Set(['http', 'https', 'h2', 'grpcs', 'ws', 'wss']);
const SECURE = new Set(['https', 'h2', 'grpcs', 'wss']);

/** Splits an entry on spaces, a double-quoted field kept whole (a backslash escapes a quote inside it). */
export function splitEntry(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line.charCodeAt(i) === 32) {
      i++;
      continue;
    }
    if (line.charCodeAt(i) === 34) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) throw new RecordError('record', `has an unterminated quote after ${JSON.stringify(line.slice(i, i + 30))}`);
        if (line.charCodeAt(q - 1) === 92) {
          value += `${line.slice(j, q - 1)}"`;
          j = q + 1;
          continue;
        }
        value += line.slice(j, q);
        i = q + 1;
        break;
      }
      out.push(value);
      continue;
    }
    let j = line.indexOf(' ', i);
    if (j < 0) j = line.length;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}

/** "1.2.3.4:5678" or "[2001:db8::1]:443" (IPv6 clients are logged as the address, a colon and the port). */
function hostPort(field: string, v: string): { ip: string; port: number | null } {
  const colon = v.lastIndexOf(':');
  if (colon < 0) fail(field, 'an address and port such as 192.0.2.1:54321', v);
  const host = v.slice(0, colon).replace(/^\[|\]$/g, '');
  return { ip: address(field, host), port: port(field, v.slice(colon + 1)) };
}

/** The destination port of the request line "GET https://example.com:443/path HTTP/1.1". */
function requestPort(request: string, secure: boolean): number | null {
  const url = request.split(' ')[1];
  if (url === undefined) return null;
  const m = /^[a-z]+:\/\/(?:\[[^\]]*\]|[^/:]*)(?::(\d{1,5}))?/i.exec(url);
  if (m === null) return null;
  if (m[1] !== undefined) return port('request', m[1]);
  return url.toLowerCase().startsWith('https') || secure ? 443 : 80;
}

class AlbReader extends LineReader {
  constructor(maxLine?: number, onBad?: BadRecordHandler) {
    super('alb', maxLine, onBad);
  }

  protected parseLine(line: string, n: number): TrafficRecord {
    const f = splitEntry(line);
    if (f.length < MIN_FIELDS) throw new RecordError('record', `must have at least ${MIN_FIELDS} fields (type through "request"), got ${f.length}`);
    const type = f[0];
    if (!TYPES.has(type)) fail('type', `one of ${[...TYPES].join(', ')}`, type);
    const endMs = isoTime('time', f[1]);
    const client = hostPort('client:port', f[3]);
    const status = isAbsent(f[8]) ? null : uint('elb_status_code', f[8], 999);
    const secure = SECURE.has(type);
    let creationMs = endMs;
    if (f.length > 21 && !isAbsent(f[21])) creationMs = isoTime('request_creation_time', f[21]);
    if (creationMs > endMs) throw new RecordError('request_creation_time', `must not be later than time, got ${f[21]}`);
    return makeRecord({
      bytesIn: isAbsent(f[10]) ? null : bytes('received_bytes', f[10]),
      bytesOut: isAbsent(f[11]) ? null : bytes('sent_bytes', f[11]),
      creationMs,
      endMs,
      srcIp: client.ip,
      protocol: secure ? 'HTTPS' : 'HTTP',
      responseCode: status,
      dstPort: requestPort(f[12], secure),
      id: n,
    });
  }
}

export const alb: RecordFormat = {
  name: 'alb',
  description: 'Application Load Balancer access logs, one request a line, quoted fields as documented',
  mediaTypes: ['text/plain'],
  fields: {
    native: ['src_ip (client:port)', 'bytes_in (received_bytes)', 'bytes_out (sent_bytes)', 'response.code (elb_status_code)', 'creation_time (request_creation_time)', 'end_time (time)'],
    derived: ['protocol (HTTPS for https, h2, grpcs, wss entries; else HTTP)', 'dst_port (the request URL port)', 'src_ip_country_code (offline table)'],
    absent: ['bytes_in/bytes_out logged as -'],
  },
  sniff: SNIFF.alb,
  reader: (options = {}) => new AlbReader(options.maxLineSize, options.onBad),
};
