/**
 * OCSF events as JSON lines: Network Activity (class_uid 4001, the schema Amazon Security Lake
 * normalizes VPC flow logs into) and HTTP Activity (4002). OCSF's traffic.bytes_out is source to
 * destination (the client's bytes: our bytes_in) and traffic.bytes_in the reverse. An event with only
 * traffic.bytes is one direction of a flow, stitched with its reverse as vpc-flow does.
 */
import { RecordError, type TrafficRecord } from '../record.js';
import { address, bytes, country, epochMillis, fail, makeRecord, port, uint } from './build.js';
import { LineSplitter } from './lines.js';
import { protocolName } from './protocols.js';
import type { BadRecordHandler, FormatReader, RecordFormat } from './types.js';
import { Stitcher } from './vpc-stitch.js';
import { parseJsonLine } from './waf.js';
import { SNIFF } from './sniff.js';

const CLASSES = [4001, 4002];

function obj(v: unknown, field: string): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) fail(field, 'an object', v);
  return v as Record<string, unknown>;
}

function opt<T>(v: unknown, read: (v: unknown) => T): T | null {
  return v === undefined || v === null ? null : read(v);
}

class OcsfReader implements FormatReader {
  private readonly lines: LineSplitter;
  private readonly stitcher = new Stitcher();
  readonly skipped: Record<string, number> = {};

  constructor(maxLine?: number, onBad?: BadRecordHandler) {
    this.lines = new LineSplitter('ocsf', maxLine, onBad);
  }

  get notes(): Record<string, number> {
    return { stitched_sessions: this.stitcher.stitched, one_way_flows: this.stitcher.oneWay };
  }

  push(text: string): TrafficRecord[] {
    return this.take(text, false);
  }

  end(): TrafficRecord[] {
    const out = this.take('', true);
    this.stitcher.end(out);
    return out;
  }

  private take(text: string, final: boolean): TrafficRecord[] {
    const out: TrafficRecord[] = [];
    this.lines.push(text, final, (line, n) => this.lines.record(n, line, () => this.event(line, n, out)));
    return out;
  }

  private event(line: string, n: number, out: TrafficRecord[]): void {
    const e = parseJsonLine(line);
    if (!CLASSES.includes(e.class_uid as number)) fail('class_uid', '4001 (Network Activity) or 4002 (HTTP Activity)', e.class_uid);
    const src = obj(e.src_endpoint, 'src_endpoint');
    const dst = obj(e.dst_endpoint, 'dst_endpoint');
    if (src === null || src.ip === undefined) throw new RecordError('src_endpoint.ip', 'is required');
    const srcIp = address('src_endpoint.ip', src.ip);
    const time = epochMillis('time', e.time);
    const startMs = opt(e.start_time, (v) => epochMillis('start_time', v)) ?? time;
    const endMs = opt(e.end_time, (v) => epochMillis('end_time', v)) ?? time;
    const traffic = obj(e.traffic, 'traffic');
    const conn = obj(e.connection_info, 'connection_info');
    const protocol =
      opt(conn?.protocol_num, (v) => protocolName(uint('connection_info.protocol_num', v, 255))) ??
      opt(conn?.protocol_name, (v) => (typeof v === 'string' ? v.toUpperCase() : fail('connection_info.protocol_name', 'a string', v)));
    const request = obj(e.http_request, 'http_request');
    const url = obj(request?.url, 'http_request.url');
    const response = obj(e.http_response, 'http_response');
    const dstPort = opt(dst?.port, (v) => port('dst_endpoint.port', v)) ?? opt(url?.port, (v) => port('http_request.url.port', v));
    const scheme = typeof url?.scheme === 'string' ? url.scheme.toUpperCase() : null;
    const action = typeof e.action === 'string' ? e.action : typeof e.disposition === 'string' ? e.disposition : null;
    const out_ = opt(traffic?.bytes_out, (v) => bytes('traffic.bytes_out', v));
    const in_ = opt(traffic?.bytes_in, (v) => bytes('traffic.bytes_in', v));
    if (e.class_uid === 4001 && out_ === null && in_ === null && traffic?.bytes !== undefined) {
      // One direction of a flow: its reverse, if logged, completes the session.
      this.stitcher.add(
        {
          line: n,
          iface: '',
          src: srcIp,
          dst: dst?.ip === undefined ? '' : address('dst_endpoint.ip', dst.ip),
          srcPort: opt(src.port, (v) => port('src_endpoint.port', v)),
          dstPort,
          protocol,
          bytes: bytes('traffic.bytes', traffic.bytes),
          startMs,
          endMs,
          action,
          tcpFlags: opt(conn?.tcp_flags, (v) => uint('connection_info.tcp_flags', v, 511)),
          direction: null,
        },
        out,
      );
      return;
    }
    const location = obj(src.location, 'src_endpoint.location');
    out.push(
      makeRecord(
        {
          bytesIn: out_,
          bytesOut: in_,
          creationMs: startMs,
          endMs,
          srcIp,
          country: country('src_endpoint.location.country', location?.country),
          protocol: scheme ?? protocol,
          responseCode: opt(response?.code, (v) => uint('http_response.code', v, 999)),
          dstPort,
          action,
          id: n,
        },
        'end_time',
      ),
    );
  }
}

export const ocsf: RecordFormat = {
  name: 'ocsf',
  description: 'OCSF Network Activity (4001) and HTTP Activity (4002) events, one JSON object a line',
  mediaTypes: ['text/plain', 'application/x-ndjson'],
  fields: {
    native: [
      'src_ip (src_endpoint.ip)',
      'dst_port (dst_endpoint.port)',
      'bytes_in (traffic.bytes_out)',
      'bytes_out (traffic.bytes_in)',
      'creation_time/end_time (start_time/end_time, epoch ms)',
      'src_ip_country_code (src_endpoint.location.country)',
      'response.code (http_response.code)',
    ],
    derived: ['protocol (connection_info.protocol_num as its IANA name, or the URL scheme)', 'a one-direction 4001 event (traffic.bytes only) stitched with its reverse'],
    absent: ['the direction OCSF did not give'],
  },
  sniff: SNIFF.ocsf,
  reader: (options = {}) => new OcsfReader(options.maxLineSize, options.onBad),
};
