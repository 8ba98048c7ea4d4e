import { describe, expect, it } from 'vitest';
import { parseFormatString } from '../../../../src/ml/data/formats/vpc-flow.js';
import { ABSENT_BYTES_IN, ABSENT_BYTES_OUT } from '../../../../src/ml/data/record.js';
import { readAll } from './read.js';

// Records from the AWS documentation's flow log record examples (flow-logs-records-examples).
const ACCEPTED = '2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK';
const REJECTED = '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK';
const NODATA = '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA';
const SKIPDATA = '2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA';
const IPV6 = '2 123456789010 eni-f41c42bf 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK';

describe('vpc-flow', () => {
  it('reads the default version-2 format: one-way flows keep the other direction absent, never zero', () => {
    const { records, reader } = readAll('vpc-flow', [ACCEPTED, REJECTED, NODATA, SKIPDATA, IPV6].join('\n'));
    expect(records).toHaveLength(3);
    const [ssh] = records.filter((r) => r.srcIp === '172.31.16.139');
    expect(ssh).toMatchObject({ bytesIn: 4249, dstPort: 22, protocol: 'TCP', action: 'ACCEPT', creationMs: 1418530010_000, endMs: 1418530070_000, id: 1 });
    expect(ssh.absent).toBe(ABSENT_BYTES_OUT);
    expect(records.find((r) => r.dstPort === 3389)).toMatchObject({ action: 'REJECT' });
    expect(records.find((r) => r.srcIp.startsWith('2001:db8'))).toMatchObject({ srcIp: '2001:db8:1234:a100:8d6e:3477:df66:f105', bytesIn: 8855 });
    expect(reader.skipped).toEqual({ NODATA: 1, SKIPDATA: 1 });
  });

  it('stitches the two directions of one connection into one session: the initiator gives bytes_in, the reverse bytes_out', () => {
    const text = [
      '2 123456789010 eni-1 203.0.113.12 172.31.16.139 49152 443 6 10 5602 1714086000 1714086600 ACCEPT OK',
      '2 123456789010 eni-1 198.51.100.7 172.31.16.139 50000 443 6 10 300 1714086000 1714086600 ACCEPT OK',
      '2 123456789010 eni-1 172.31.16.139 203.0.113.12 443 49152 6 12 12990 1714086000 1714086600 ACCEPT OK',
    ].join('\n');
    for (const chunk of [Infinity, 7]) {
      const { records, reader } = readAll('vpc-flow', text, {}, chunk);
      expect(records).toHaveLength(2);
      const session = records.find((r) => r.srcIp === '203.0.113.12')!;
      expect(session).toMatchObject({ bytesIn: 5602, bytesOut: 12990, dstPort: 443, absent: 0, id: '1+3' });
      const oneWay = records.find((r) => r.srcIp === '198.51.100.7')!;
      expect(oneWay.absent).toBe(ABSENT_BYTES_OUT);
      expect(reader.notes).toEqual({ stitched_sessions: 1, one_way_flows: 1 });
    }
  });

  it('makes a response seen alone the client session with bytes_in absent', () => {
    const { records } = readAll('vpc-flow', '2 1 eni-1 172.31.16.139 203.0.113.12 443 49152 6 12 12990 1714086000 1714086600 ACCEPT OK');
    expect(records[0]).toMatchObject({ srcIp: '203.0.113.12', bytesOut: 12990, dstPort: 443, absent: ABSENT_BYTES_IN });
  });

  it('does not stitch records of different interfaces or windows that do not overlap', () => {
    const text = [
      '2 1 eni-1 203.0.113.12 172.31.16.139 49152 443 6 10 5602 1714086000 1714086060 ACCEPT OK',
      '2 1 eni-2 172.31.16.139 203.0.113.12 443 49152 6 12 12990 1714086000 1714086060 ACCEPT OK',
      '2 1 eni-1 172.31.16.139 203.0.113.12 443 49152 6 12 12990 1714087000 1714087060 ACCEPT OK',
    ].join('\n');
    expect(readAll('vpc-flow', text).reader.notes).toEqual({ stitched_sessions: 0, one_way_flows: 3 });
  });

  it('reads custom formats (versions 3 to 5) by their header line, using tcp-flags, flow-direction and pkt addresses', () => {
    const header =
      'version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status flow-direction';
    const text = [
      header,
      // A NAT gateway's records: pkt-srcaddr is the real client. The server port is the higher one here, so only tcp-flags tells who started.
      '5 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 - eni-1 123456789012 IPv4 10.0.0.5 10.0.1.9 8443 50000 - - 6 900 4 1714086000 1714086060 ACCEPT 18 OK egress',
      '5 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 - eni-1 123456789012 IPv4 10.0.1.9 10.0.0.5 50000 8443 203.0.113.99 10.0.0.5 6 300 3 1714086000 1714086060 ACCEPT 2 OK ingress',
    ].join('\n');
    const { records } = readAll('vpc-flow', text);
    // pkt-srcaddr 203.0.113.99 differs from srcaddr, so the reversed tuples do not match: two one-way sessions.
    expect(records.map((r) => r.srcIp).sort()).toEqual(['10.0.1.9', '203.0.113.99']);
    expect(records.find((r) => r.srcIp === '203.0.113.99')).toMatchObject({ bytesIn: 300, dstPort: 8443, absent: ABSENT_BYTES_OUT });
    // SYN-ACK (18) marks the responder: its destination is the client.
    expect(records.find((r) => r.srcIp === '10.0.1.9')).toMatchObject({ bytesOut: 900, dstPort: 8443, absent: ABSENT_BYTES_IN });
  });

  it('stitches by tcp-flags when the server port is the higher one', () => {
    const text = [
      'version interface-id srcaddr dstaddr srcport dstport protocol bytes start end action tcp-flags log-status',
      '3 eni-1 10.0.0.5 10.0.1.9 8443 50000 6 900 1714086000 1714086060 ACCEPT 18 OK',
      '3 eni-1 10.0.1.9 10.0.0.5 50000 8443 6 300 1714086000 1714086060 ACCEPT 2 OK',
    ].join('\n');
    expect(readAll('vpc-flow', text).records).toEqual([expect.objectContaining({ srcIp: '10.0.1.9', bytesIn: 300, bytesOut: 900, dstPort: 8443, id: '2+3' })]);
  });

  it('stitches the tcp-flags example of the AWS documentation (version 3): SYN marks the initiator, SYN-ACK the responder', () => {
    const text = [
      'version interface-id account-id vpc-id subnet-id instance-id srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status',
      '3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 10.0.0.62 52.213.180.42 5001 43416 10.0.0.62 52.213.180.42 6 376 7 1566848875 1566848933 ACCEPT 18 OK',
      '3 eni-33333333333333333 123456789010 vpc-abcdefab012345678 subnet-22222222bbbbbbbbb i-01234567890123456 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK',
    ].join('\n');
    expect(readAll('vpc-flow', text).records).toEqual([expect.objectContaining({ srcIp: '52.213.180.42', bytesIn: 568, bytesOut: 376, dstPort: 5001, absent: 0, id: '2+3' })]);
  });

  it('pairs an ingress record with an egress one only, when flow-direction is logged (version 5)', () => {
    const header = 'version interface-id srcaddr dstaddr srcport dstport protocol bytes start end action log-status flow-direction';
    const pair = (second: string) =>
      readAll(
        'vpc-flow',
        [
          header,
          '5 eni-1 203.0.113.12 10.0.0.5 49152 443 6 5602 1714086000 1714086060 ACCEPT OK ingress',
          `5 eni-1 10.0.0.5 203.0.113.12 443 49152 6 12990 1714086000 1714086060 ACCEPT OK ${second}`,
        ].join('\n'),
      );
    expect(pair('egress').records).toEqual([expect.objectContaining({ srcIp: '203.0.113.12', bytesIn: 5602, bytesOut: 12990, dstPort: 443, absent: 0 })]);
    // two records running the same way on one interface are not one connection's two directions
    expect(pair('ingress').reader.notes).toEqual({ stitched_sessions: 0, one_way_flows: 2 });
    expect(pair('-').reader.notes).toEqual({ stitched_sessions: 1, one_way_flows: 0 }); // unknown direction: matched as before
  });

  it("takes a refused record as its source's attempt, even from a low source port (a scan from port 53)", () => {
    const text = [
      'version interface-id srcaddr dstaddr srcport dstport protocol bytes start end action log-status flow-direction',
      '5 eni-1 198.51.100.9 10.0.0.5 53 8080 6 40 1714086000 1714086060 REJECT OK ingress',
      '5 eni-1 10.0.0.5 198.51.100.9 8080 53 6 40 1714086000 1714086060 ACCEPT OK egress',
    ].join('\n');
    // the lower port alone would have made 10.0.0.5 the client of a DNS server
    expect(readAll('vpc-flow', text.split('\n').slice(0, 2).join('\n')).records[0]).toMatchObject({ srcIp: '198.51.100.9', dstPort: 8080, bytesIn: 40, absent: ABSENT_BYTES_OUT, action: 'REJECT' });
    expect(readAll('vpc-flow', text).records).toEqual([expect.objectContaining({ srcIp: '198.51.100.9', dstPort: 8080, action: 'REJECT', absent: 0 })]);
  });

  it('takes the format from a fields parameter in the AWS format-string syntax', () => {
    const fields = '${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes} ${start} ${end} ${action}';
    const { records } = readAll('vpc-flow', '198.51.100.1 10.0.0.1 40000 22 6 - 1714086000 1714086060 REJECT', { fields });
    expect(records[0]).toMatchObject({ srcIp: '198.51.100.1', dstPort: 22, action: 'REJECT', absent: ABSENT_BYTES_IN | ABSENT_BYTES_OUT });
    expect(() => parseFormatString('${srcaddr} ${nonsense}')).toThrow('fields names fields VPC flow logs do not have: nonsense');
    expect(() => parseFormatString('srcaddr dstaddr')).toThrow('must be AWS format-string fields such as ${srcaddr} ${dstaddr}, got "srcaddr"');
  });

  it('names the line, the field, what was expected and the value of a bad line', () => {
    const bad = (line: string) => () => readAll('vpc-flow', `${ACCEPTED}\n${line}`);
    expect(bad(ACCEPTED.replace(' 4249 ', ' 42x9 '))).toThrow('vpc-flow line 2: bytes must be a non-negative integer, got "42x9"');
    expect(bad(ACCEPTED.replace(' 4249 ', ' 99999999999999999999 '))).toThrow('vpc-flow line 2: bytes is too large: at most 999999999999999, got "99999999999999999999"');
    expect(bad(ACCEPTED.replace('172.31.16.139', '172.31.16.999'))).toThrow('vpc-flow line 2: srcaddr must be an IPv4 or IPv6 address, got "172.31.16.999"');
    expect(bad(ACCEPTED.replace(' OK', ''))).toThrow('vpc-flow line 2: record must have 14 space-separated fields (the default version-2 format), got 13');
    expect(bad(ACCEPTED.replace('ACCEPT', 'MAYBE'))).toThrow('vpc-flow line 2: action must be ACCEPT, REJECT or -, got "MAYBE"');
  });

  it('reports a header that lacks what a session needs as the header problem', () => {
    expect(() => readAll('vpc-flow', 'version interface-id srcaddr bytes\n')).toThrow('vpc-flow line 1: header is missing the columns dstaddr, start, end');
  });
});
