import { describe, expect, it } from 'vitest';
import { splitEntry } from '../../../../src/ml/data/formats/alb.js';
import { ABSENT_BYTES_IN, ABSENT_BYTES_OUT } from '../../../../src/ml/data/record.js';
import { readAll } from './read.js';

// Entries from the ALB access log documentation's examples (HTTP, HTTPS, HTTP/2 entries).
const HTTP =
  'http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90';
const HTTPS =
  'https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90';
const H2_DASHES =
  'h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 - -1 -1 -1 400 - - - "GET https://10.0.2.105:773/ HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 - "-" "-" "-" - 2018-07-02T22:22:48.364000Z "-" "-" "-" "-" "-" "-" "-" -';

describe('alb', () => {
  it('reads the documented entries: quoted fields, the request URL port, the request creation time', () => {
    const { records } = readAll('alb', [HTTP, HTTPS].join('\n'));
    expect(records[0]).toMatchObject({ srcIp: '192.168.131.39', bytesIn: 34, bytesOut: 366, responseCode: 200, dstPort: 80, protocol: 'HTTP', absent: 0 });
    expect(records[0].creationMs).toBe(Date.parse('2018-07-02T22:22:48.364Z'));
    expect(records[0].endMs).toBe(Date.parse('2018-07-02T22:23:00.186Z'));
    expect(records[1]).toMatchObject({ protocol: 'HTTPS', dstPort: 443, bytesIn: 0, bytesOut: 57 });
  });

  it('keeps byte counts logged as - absent', () => {
    const { records } = readAll('alb', H2_DASHES);
    expect(records[0]).toMatchObject({ srcIp: '10.0.1.252', responseCode: 400, dstPort: 773, protocol: 'HTTPS', absent: ABSENT_BYTES_IN | ABSENT_BYTES_OUT });
  });

  it('splits quoted fields with spaces and escaped quotes', () => {
    expect(splitEntry('a "b c" "d \\"e\\"" -')).toEqual(['a', 'b c', 'd "e"', '-']);
  });

  it('names the line, the field, what was expected and the value of a bad line', () => {
    expect(() => readAll('alb', `${HTTP}\n${HTTP.replace(' 34 366 ', ' 34 lots ')}`)).toThrow('alb line 2: sent_bytes must be a non-negative integer, got "lots"');
    expect(() => readAll('alb', HTTP.replace('2018-07-02T22:23:00.186641Z', '1530570180'))).toThrow(
      'alb line 1: time must be an ISO 8601 date-time such as 2024-04-25T23:00:00.123456Z, not an epoch timestamp, got "1530570180"',
    );
    expect(() => readAll('alb', HTTP.replace('192.168.131.39:2817', 'nobody'))).toThrow('alb line 1: client:port must be an address and port such as 192.0.2.1:54321, got "nobody"');
    expect(() => readAll('alb', 'http 2018-07-02T22:23:00Z lb')).toThrow('alb line 1: record must have at least 13 fields (type through "request"), got 3');
    expect(() => readAll('alb', HTTP.replace('"GET', '"GET\\"'))).not.toThrow();
    expect(() => readAll('alb', `${HTTP.slice(0, HTTP.indexOf('"curl'))}"curl`)).toThrow('alb line 1: record has an unterminated quote');
  });
});
