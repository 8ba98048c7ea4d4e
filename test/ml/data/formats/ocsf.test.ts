import { describe, expect, it } from 'vitest';
import { ABSENT_BYTES_OUT } from '../../../../src/ml/data/record.js';
import { LOG_EXAMPLES } from '../../../../src/schemas/log-examples.js';
import { readAll } from './read.js';

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
    // the API's documented example (openapi.yaml), written from the OCSF schema's 4001 example
    const { records, reader } = readAll('ocsf', LOG_EXAMPLES.ocsf.value);
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
