/**
 * CloudFront standard logs: W3C extended log format, tab-separated, with a `#Fields:` header naming the
 * columns (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html).
 * The session is the request: from date and time (UTC) for time-taken seconds, the viewer's cs-bytes in
 * and sc-bytes out.
 */
import { RecordError, type TrafficRecord } from '../record.js';
import { address, bytes, fail, isAbsent, isoTime, makeRecord, uint } from './build.js';
import { LineReader } from './lines.js';
import type { BadRecordHandler, RecordFormat } from './types.js';
import { SNIFF } from './sniff.js';

const REQUIRED = ['date', 'time', 'c-ip'];
/** The columns read, when the header has them. */
const USED = ['date', 'time', 'c-ip', 'cs-bytes', 'sc-bytes', 'sc-status', 'cs-protocol', 'time-taken', 'c-port'] as const;

class CloudFrontReader extends LineReader {
  private columns: Int32Array | null = null;
  private width = 0;

  constructor(maxLine?: number, onBad?: BadRecordHandler) {
    super('cloudfront', maxLine, onBad);
  }

  protected parseLine(line: string, n: number): TrafficRecord | null {
    if (line.startsWith('#')) {
      if (line.startsWith('#Fields:')) {
        const names = line.slice(8).trim().split(/\s+/);
        const missing = REQUIRED.filter((n) => !names.includes(n));
        if (missing.length > 0)
          throw new RecordError('#Fields', `is missing the columns ${missing.join(', ')}; expected at least ${REQUIRED.join(' ')} (and cs-bytes sc-bytes sc-status cs-protocol time-taken)`);
        this.columns = Int32Array.from(USED, (n) => names.indexOf(n));
        this.width = names.length;
      }
      return this.skip('comment');
    }
    if (this.columns === null) throw new RecordError('#Fields', 'must come before the first entry: a CloudFront standard log starts with #Version and #Fields lines');
    const f = line.split('\t');
    if (f.length !== this.width) throw new RecordError('record', `must have ${this.width} tab-separated fields as #Fields names, got ${f.length}`);
    const [date, time, ip, csBytes, scBytes, status, protocol, taken] = Array.from(this.columns, (c) => (c < 0 ? undefined : f[c]));
    const creationMs = isoTime('date time', `${date}T${time}Z`);
    let seconds = 0;
    if (!isAbsent(taken)) {
      seconds = Number(taken);
      if (!/^\d+(\.\d+)?$/.test(taken!) || !Number.isFinite(seconds)) fail('time-taken', 'seconds such as 0.002', taken);
    }
    const scheme = isAbsent(protocol) ? null : protocol!.toLowerCase();
    if (scheme !== null && !['http', 'https', 'ws', 'wss'].includes(scheme)) fail('cs-protocol', 'http, https, ws or wss', protocol);
    const secure = scheme === 'https' || scheme === 'wss';
    return makeRecord({
      bytesIn: isAbsent(csBytes) ? null : bytes('cs-bytes', csBytes),
      bytesOut: isAbsent(scBytes) ? null : bytes('sc-bytes', scBytes),
      creationMs,
      endMs: creationMs + Math.round(seconds * 1000),
      srcIp: address('c-ip', ip),
      protocol: scheme === null ? null : secure ? 'HTTPS' : 'HTTP',
      // sc-status 000 is a viewer that went away before the answer: no response code.
      responseCode: isAbsent(status) ? null : uint('sc-status', status, 999),
      dstPort: scheme === null ? null : secure ? 443 : 80,
      id: n,
    });
  }
}

export const cloudfront: RecordFormat = {
  name: 'cloudfront',
  description: 'CloudFront standard logs (W3C, tab-separated, with a #Fields: header)',
  mediaTypes: ['text/plain'],
  fields: {
    native: ['src_ip (c-ip)', 'bytes_in (cs-bytes)', 'bytes_out (sc-bytes)', 'response.code (sc-status)', 'creation_time (date and time)'],
    derived: ['end_time (time + time-taken)', 'protocol and dst_port (cs-protocol: https 443, http 80)', 'src_ip_country_code (offline table)'],
    absent: ['a column the #Fields header does not list'],
  },
  sniff: SNIFF.cloudfront,
  reader: (options = {}) => new CloudFrontReader(options.maxLineSize, options.onBad),
};
