/**
 * AWS WAF logs: one JSON object a line, as WAF delivers them to S3, CloudWatch Logs or Firehose
 * (https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html). A WAF log has no byte
 * counts: both are absent, never zero. The request is an instant: creation_time = end_time = timestamp.
 */
import { RecordError, type TrafficRecord } from '../record.js';
import { address, country, epochMillis, fail, makeRecord, port, uint } from './build.js';
import { LineReader } from './lines.js';
import { wafEvidence } from './waf-evidence.js';
import type { BadRecordHandler, RecordFormat } from './types.js';
import { SNIFF } from './sniff.js';

export function parseJsonLine(line: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (err) {
    throw new RecordError('record', `must be valid JSON (${(err as Error).message.slice(0, 80)})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('record', 'a JSON object', line);
  return v as Record<string, unknown>;
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(field, 'an object', v);
  return v as Record<string, unknown>;
}

/** The port of the Host header ("example.com:8443"), when it names one. */
function hostPort(headers: unknown): number | null {
  if (!Array.isArray(headers)) return null;
  for (const h of headers) {
    if (h !== null && typeof h === 'object' && typeof h.name === 'string' && h.name.toLowerCase() === 'host' && typeof h.value === 'string') {
      const m = /:(\d{1,5})$/.exec(h.value);
      return m === null ? null : port('httpRequest.headers.Host', m[1]);
    }
  }
  return null;
}

class WafReader extends LineReader {
  constructor(maxLine?: number, onBad?: BadRecordHandler) {
    super('waf', maxLine, onBad);
  }

  protected parseLine(line: string, n: number): TrafficRecord {
    const o = parseJsonLine(line);
    if (o.timestamp === undefined) throw new RecordError('timestamp', 'is required (epoch milliseconds)');
    const at = epochMillis('timestamp', o.timestamp);
    const req = object(o.httpRequest, 'httpRequest');
    if (req.clientIp === undefined) throw new RecordError('httpRequest.clientIp', 'is required');
    const action = o.action;
    if (action !== undefined && typeof action !== 'string') fail('action', 'a string such as ALLOW or BLOCK', action);
    const code = o.responseCodeSent === undefined || o.responseCodeSent === null ? null : uint('responseCodeSent', o.responseCodeSent, 599);
    return makeRecord({
      bytesIn: null,
      bytesOut: null,
      creationMs: at,
      endMs: at,
      srcIp: address('httpRequest.clientIp', req.clientIp),
      country: country('httpRequest.country', req.country),
      protocol: typeof req.scheme === 'string' ? req.scheme.toUpperCase() : null,
      responseCode: code,
      dstPort: hostPort(req.headers),
      action: action ?? null,
      evidence: wafEvidence(o, action ?? null),
      id: n,
    });
  }
}

export const waf: RecordFormat = {
  name: 'waf',
  description: 'AWS WAF logs, one JSON object a line',
  mediaTypes: ['text/plain', 'application/x-ndjson'],
  fields: {
    native: [
      'src_ip (httpRequest.clientIp)',
      'src_ip_country_code (httpRequest.country)',
      'creation_time and end_time (timestamp, epoch ms)',
      'response.code (responseCodeSent)',
      'action',
      'terminatingRuleId, nonTerminatingMatchingRules and labels (stated in reasons)',
    ],
    derived: ['dst_port (the Host header port)', 'src_ip_country_code (offline table, when WAF gave none)'],
    absent: ['bytes_in', 'bytes_out', 'protocol (WAF logs no scheme)'],
  },
  sniff: SNIFF.waf,
  reader: (options = {}) => new WafReader(options.maxLineSize, options.onBad),
};
