import { describe, expect, it } from 'vitest';
import { readAll } from './read.js';

// The standard log example of the CloudFront developer guide (standard-logs-reference), tab-separated.
const HEADER = [
  '#Version: 1.0',
  '#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end',
].join('\n');
const ENTRY = [
  '2019-12-04', '21:02:31', 'LAX1', '392', '192.0.2.100', 'GET', 'd111111abcdef8.cloudfront.net', '/index.html', '200', '-',
  'Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)', '-', '-', 'Hit', 'SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==',
  'd111111abcdef8.cloudfront.net', 'https', '23', '0.001', '-', 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 'Hit', 'HTTP/2.0', '-', '-',
  '11040', '0.001', 'Hit', 'text/html', '78', '-', '-',
].join('\t'); // biome-ignore format: one value a column

describe('cloudfront', () => {
  it('reads entries by the #Fields header: viewer bytes in and out, status, https as 443, time-taken as the duration', () => {
    const { records, reader } = readAll('cloudfront', `${HEADER}\n${ENTRY}\n${ENTRY.replace('192.0.2.100', '2001:db8::1')}`);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ srcIp: '192.0.2.100', bytesIn: 23, bytesOut: 392, responseCode: 200, protocol: 'HTTPS', dstPort: 443, absent: 0 });
    expect(records[0].creationMs).toBe(Date.parse('2019-12-04T21:02:31Z'));
    expect(records[0].endMs - records[0].creationMs).toBe(1);
    expect(records[1].srcIp).toBe('2001:db8::1');
    expect(reader.skipped).toEqual({ comment: 2 });
  });

  it('refuses entries before a #Fields header, and a header without the columns a session needs', () => {
    expect(() => readAll('cloudfront', ENTRY)).toThrow('cloudfront line 1: #Fields must come before the first entry');
    expect(() => readAll('cloudfront', '#Fields: date time sc-bytes')).toThrow('cloudfront line 1: #Fields is missing the columns c-ip');
  });

  it('names the line, the field, what was expected and the value of a bad line', () => {
    expect(() => readAll('cloudfront', `${HEADER}\n${ENTRY.replace('\t392\t', '\t3x2\t')}`)).toThrow('cloudfront line 3: sc-bytes must be a non-negative integer, got "3x2"');
    expect(() => readAll('cloudfront', `${HEADER}\n${ENTRY.replace('\t0.001\t', '\tslow\t')}`)).toThrow('cloudfront line 3: time-taken must be seconds such as 0.002, got "slow"');
    expect(() => readAll('cloudfront', `${HEADER}\n${ENTRY.split('\t').slice(0, 5).join('\t')}`)).toThrow('cloudfront line 3: record must have 33 tab-separated fields as #Fields names, got 5');
  });
});
