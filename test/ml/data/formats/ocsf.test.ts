import { describe, expect, it } from 'vitest';
import { ABSENT_BYTES_OUT } from '../../../../src/ml/data/record.js';
import { readAll } from './read.js';

// Network Activity (4001) as Amazon Security Lake writes a VPC flow record, after the OCSF schema's example.
const flow = (src: string, srcPort: number, dst: string, dstPort: number, bytes: number) =>
  JSON.stringify({
    class_uid: 4001,
    category_uid: 4,
    activity_id: 6,
    type_uid: 400106,
    severity_id: 1,
    time: 1714086600000,
    start_time: 1714086000000,
    end_time: 1714086600000,
    metadata: { product: { name: 'Amazon VPC', vendor_name: 'AWS' }, version: '1.1.0' },
    src_endpoint: { ip: src, port: srcPort, interface_uid: 'eni-1' },
    dst_endpoint: { ip: dst, port: dstPort },
    connection_info: { protocol_num: 6, direction_id: 1 },
    traffic: { bytes, packets: 10 },
    action: 'Allowed',
    disposition: 'Allowed',
  });

const HTTP_ACTIVITY = JSON.stringify({
  class_uid: 4002,
  time: 1714086000000,
  src_endpoint: { ip: '203.0.113.5', location: { country: 'de' } },
  dst_endpoint: { ip: '10.0.0.1', port: 443 },
  http_request: { http_method: 'GET', url: { scheme: 'https', hostname: 'example.com', path: '/' } },
  http_response: { code: 404 },
  traffic: { bytes_out: 512, bytes_in: 2048 },
});

describe('ocsf', () => {
  it('stitches the two 4001 directions of a connection as vpc-flow does, and keeps a lone one one-way', () => {
    const text = [flow('203.0.113.12', 49152, '10.0.0.1', 443, 5602), flow('10.0.0.1', 443, '203.0.113.12', 49152, 12990), flow('198.51.100.7', 50000, '10.0.0.1', 443, 300)].join('\n');
    const { records, reader } = readAll('ocsf', text);
    expect(records.find((r) => r.srcIp === '203.0.113.12')).toMatchObject({ bytesIn: 5602, bytesOut: 12990, protocol: 'TCP', dstPort: 443, action: 'Allowed', absent: 0 });
    expect(records.find((r) => r.srcIp === '198.51.100.7')).toMatchObject({ bytesIn: 300, absent: ABSENT_BYTES_OUT });
    expect(reader.notes).toEqual({ stitched_sessions: 1, one_way_flows: 1 });
  });

  it('reads a 4002 HTTP Activity event: OCSF bytes_out (source to destination) is our bytes_in', () => {
    const { records } = readAll('ocsf', HTTP_ACTIVITY);
    expect(records[0]).toMatchObject({ srcIp: '203.0.113.5', country: 'DE', bytesIn: 512, bytesOut: 2048, responseCode: 404, protocol: 'HTTPS', dstPort: 443, absent: 0, id: 1 });
  });

  it('names the line, the field, what was expected and the value of a bad line', () => {
    expect(() => readAll('ocsf', `${HTTP_ACTIVITY}\n${HTTP_ACTIVITY.replace('4002', '3001')}`)).toThrow('ocsf line 2: class_uid must be 4001 (Network Activity) or 4002 (HTTP Activity), got "3001"');
    expect(() => readAll('ocsf', HTTP_ACTIVITY.replace('"bytes_out":512', '"bytes_out":-5'))).toThrow('ocsf line 1: traffic.bytes_out must be a non-negative integer, got "-5"');
    expect(() => readAll('ocsf', HTTP_ACTIVITY.replace('1714086000000', '"2024-04-25"'))).toThrow('ocsf line 1: time must be a non-negative integer, got "2024-04-25"');
  });
});
