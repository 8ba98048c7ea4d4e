/**
 * VPC Flow Logs as delivered to S3 or CloudWatch Logs: space-separated fields, `-` for a value the
 * record does not have. The fields are the default version-2 format, or the custom format (versions
 * 3 to 5) named by the file's header line or by a `fields` option in the AWS format-string syntax
 * (`${version} ${srcaddr} ...`). NODATA and SKIPDATA records carry no traffic: skipped and counted.
 * Records are stitched into sessions by vpc-stitch.ts.
 */
import { RecordError, type TrafficRecord } from '../record.js';
import { address, bytes, epochSeconds, fail, isAbsent, port, uint } from './build.js';
import { LineSplitter } from './lines.js';
import { protocolName } from './protocols.js';
import type { FormatOptions, FormatReader, RecordFormat } from './types.js';
import { type Flow, Stitcher } from './vpc-stitch.js';
import { SNIFF } from './sniff.js';

/** The default format (version 2), the order AWS writes it in. */
export const VPC_DEFAULT_FIELDS = ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status'];

/** Every field of versions 2 to 8 (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html). */
const KNOWN = new Set([
  ...VPC_DEFAULT_FIELDS,
  'vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr',
  'region', 'az-id', 'sublocation-type', 'sublocation-id',
  'pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path',
  'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id', 'ecs-container-id',
  'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn', 'ecs-task-arn', 'ecs-task-id',
  'reject-reason',
]); // biome-ignore format: one line per version reads better

/** Fields a session cannot be made without. */
const REQUIRED = ['srcaddr', 'dstaddr', 'start', 'end'];

/** The field names of an AWS format string, "${srcaddr} ${dstaddr}": checked against the documented fields. */
export function parseFormatString(format: string): string[] {
  const names: string[] = [];
  for (const token of format.trim().split(/\s+/)) {
    const m = /^\$\{([a-z0-9-]+)\}$/.exec(token);
    if (m === null) throw new RecordError('fields', `must be AWS format-string fields such as \${srcaddr} \${dstaddr}, got ${JSON.stringify(token.slice(0, 40))}`);
    names.push(m[1]);
  }
  checkFields(names, 'fields');
  return names;
}

function checkFields(names: readonly string[], what: string): void {
  const unknown = names.filter((n) => !KNOWN.has(n));
  if (unknown.length > 0) throw new RecordError(what, `names fields VPC flow logs do not have: ${unknown.slice(0, 5).join(', ')}; expected names such as ${VPC_DEFAULT_FIELDS.join(' ')}`);
  const missing = REQUIRED.filter((n) => !names.includes(n));
  if (missing.length > 0) throw new RecordError(what, `is missing the columns ${missing.join(', ')} (expected at least ${REQUIRED.join(' ')}, and bytes)`);
}

function looksLikeHeader(line: string): boolean {
  const c = line.charCodeAt(0);
  return !(c >= 48 && c <= 57) && line.split(' ').some((n) => KNOWN.has(n));
}

class VpcFlowReader implements FormatReader {
  private readonly lines: LineSplitter;
  private readonly stitcher = new Stitcher();
  private columns: number[] | null = null;
  /** for each column of a line, the place of its value in `values` (-1: a field this reader does not use) */
  private slots = new Int8Array(0);
  /** the used fields of the line being read, in the order of `columns` (undefined: the format lacks it) */
  private readonly values: (string | undefined)[] = new Array(15).fill(undefined);
  private width = 0;
  readonly skipped: Record<string, number> = {};

  constructor(private readonly options: FormatOptions) {
    this.lines = new LineSplitter('vpc-flow', options.maxLineSize, options.onBad);
    if (options.fields !== undefined) this.setColumns(parseFormatString(options.fields));
  }

  get notes(): Record<string, number> {
    return { stitched_sessions: this.stitcher.stitched, one_way_flows: this.stitcher.oneWay };
  }

  // Column of each field this reader uses; -1 when the format lacks it.
  private setColumns(names: readonly string[]): void {
    const at = (n: string): number => names.indexOf(n);
    this.columns = [
      at('srcaddr'),
      at('dstaddr'),
      at('srcport'),
      at('dstport'),
      at('protocol'),
      at('bytes'),
      at('start'),
      at('end'),
      at('action'),
      at('log-status'),
      at('interface-id'),
      at('tcp-flags'),
      at('flow-direction'),
      at('pkt-srcaddr'),
      at('pkt-dstaddr'),
    ];
    this.width = names.length;
    this.slots = new Int8Array(names.length).fill(-1);
    this.columns.forEach((column, slot) => {
      if (column >= 0) this.slots[column] = slot;
    });
    this.values.fill(undefined);
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
    this.lines.push(text, final, (line, n) => {
      if (this.columns === null || looksLikeHeader(line)) {
        if (looksLikeHeader(line)) {
          const names = line.trim().split(/\s+/);
          this.lines.at(n, () => checkFields(names, 'header'));
          if (this.options.fields === undefined) this.setColumns(names);
          return;
        }
        this.setColumns(VPC_DEFAULT_FIELDS);
      }
      const flow = this.lines.record(n, line, () => this.flow(line, n));
      if (flow !== null) this.stitcher.add(flow, out);
    });
    return out;
  }

  private flow(line: string, n: number): Flow | null {
    // The fields split at single spaces (as line.split(' ') would), only the used ones kept: no array
    // and no strings of unused fields for every line.
    const f = this.values;
    const slots = this.slots;
    let count = 0;
    for (let pos = 0; ; pos++) {
      const space = line.indexOf(' ', pos);
      const slot = count < slots.length ? slots[count] : -1;
      count++;
      if (slot >= 0) f[slot] = line.slice(pos, space < 0 ? line.length : space);
      if (space < 0) break;
      pos = space;
    }
    if (count !== this.width) {
      throw new RecordError('record', `must have ${this.width} space-separated fields (${this.width === 14 ? 'the default version-2 format' : 'as its header names'}), got ${count}`);
    }
    const src = f[0];
    const dst = f[1];
    const sp = f[2];
    const dp = f[3];
    const proto = f[4];
    const by = f[5];
    const start = f[6];
    const end = f[7];
    const action = f[8];
    const status = f[9];
    const iface = f[10];
    const flags = f[11];
    const direction = f[12];
    const pktSrc = f[13];
    const pktDst = f[14];
    if (status === 'NODATA' || status === 'SKIPDATA') {
      this.skipped[status] = (this.skipped[status] ?? 0) + 1;
      return null;
    }
    if (isAbsent(src)) fail('srcaddr', 'an IPv4 or IPv6 address', src ?? '-');
    if (isAbsent(dst)) fail('dstaddr', 'an IPv4 or IPv6 address', dst ?? '-');
    // pkt-srcaddr/pkt-dstaddr are the packet's own addresses behind a NAT gateway or a middlebox: the client and server.
    const source = address(isAbsent(pktSrc) ? 'srcaddr' : 'pkt-srcaddr', isAbsent(pktSrc) ? src : pktSrc);
    const destination = address(isAbsent(pktDst) ? 'dstaddr' : 'pkt-dstaddr', isAbsent(pktDst) ? dst : pktDst);
    const startMs = epochSeconds('start', start);
    const endMs = epochSeconds('end', end);
    if (endMs < startMs) throw new RecordError('end', `must not be earlier than start, got ${end}`);
    if (!isAbsent(action) && action !== 'ACCEPT' && action !== 'REJECT') fail('action', 'ACCEPT, REJECT or -', action);
    if (!isAbsent(direction) && direction !== 'ingress' && direction !== 'egress') fail('flow-direction', 'ingress, egress or -', direction);
    return {
      line: n,
      iface: isAbsent(iface) ? '' : iface!,
      src: source,
      dst: destination,
      srcPort: isAbsent(sp) ? null : port('srcport', sp),
      dstPort: isAbsent(dp) ? null : port('dstport', dp),
      protocol: isAbsent(proto) ? null : protocolName(uint('protocol', proto, 255)),
      bytes: isAbsent(by) ? null : bytes('bytes', by),
      startMs,
      endMs,
      action: isAbsent(action) ? null : action!,
      tcpFlags: isAbsent(flags) ? null : uint('tcp-flags', flags, 255),
      direction: isAbsent(direction) ? null : direction!,
    };
  }
}

export const vpcFlow: RecordFormat = {
  name: 'vpc-flow',
  description: 'VPC Flow Logs (default version 2, or custom versions 3-5 by header line or fields parameter); both directions of a connection stitched into one session',
  mediaTypes: ['text/plain'],
  fields: {
    native: ['src_ip (srcaddr or pkt-srcaddr of the initiator)', 'dst_port', 'creation_time (start)', 'end_time (end)', 'action'],
    derived: ['bytes_in (initiator record bytes)', 'bytes_out (reverse record bytes)', 'protocol (IANA name of the number)', 'src_ip_country_code (offline table)'],
    absent: ['bytes_out or bytes_in of a connection seen one way', 'response.code'],
  },
  sniff: SNIFF['vpc-flow'],
  reader: (options = {}) => new VpcFlowReader(options),
};
