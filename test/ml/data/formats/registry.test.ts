import { describe, expect, it } from 'vitest';
import { detectFormat, FORMAT_NAMES, FORMATS, formatByName } from '../../../../src/ml/data/formats/index.js';
import { readAll } from './read.js';

describe('the format registry', () => {
  it('holds every format under its own name, cloudwatch the default', () => {
    expect(Object.keys(FORMATS)).toEqual([...FORMAT_NAMES]);
    for (const name of FORMAT_NAMES) expect(FORMATS[name].name).toBe(name);
    expect(formatByName(undefined).name).toBe('cloudwatch');
    expect(() => formatByName('syslog')).toThrow('format must be one of cloudwatch, vpc-flow, alb, waf, cloudfront, ocsf, got "syslog"');
  });

  it('detects each format from the first lines of a file', () => {
    expect(detectFormat(['bytes_in,bytes_out,creation_time,end_time,src_ip'])).toBe('cloudwatch');
    expect(detectFormat(['2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK'])).toBe('vpc-flow');
    expect(detectFormat(['version vpc-id srcaddr dstaddr bytes start end'])).toBe('vpc-flow');
    expect(detectFormat(['http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000'])).toBe('alb');
    expect(detectFormat(['{"timestamp":1576280412771,"webaclId":"arn","httpRequest":{"clientIp":"1.1.1.1"}}'])).toBe('waf');
    expect(detectFormat(['#Version: 1.0', '#Fields: date time c-ip sc-bytes'])).toBe('cloudfront');
    expect(detectFormat(['{"class_uid":4001,"time":1}'])).toBe('ocsf');
    expect(detectFormat(['hello world'])).toBeNull();
    expect(detectFormat([])).toBeNull();
  });

  it('refuses a UTF-16 log as such, not as a bad field', () => {
    const utf16 = Buffer.from('2 1 eni-1 1.2.3.4 5.6.7.8 1 2 6 1 1 1 2 ACCEPT OK', 'utf16le').toString('utf8');
    expect(() => readAll('vpc-flow', utf16)).toThrow('vpc-flow line 1: file must be UTF-8 text; it looks UTF-16 encoded');
  });

  it('reads the cloudwatch CSV as before, and refuses a header of another layout as the header problem', () => {
    const ok = 'bytes_in,bytes_out,creation_time,end_time,src_ip\n1,2,2024-04-25T23:00:00Z,2024-04-25T23:10:00Z,192.0.2.1\n';
    expect(readAll('cloudwatch', ok).records[0]).toMatchObject({ bytesIn: 1, bytesOut: 2, srcIp: '192.0.2.1', absent: 0 });
    const header = (text: string) => () => readAll('cloudwatch', text);
    expect(header('srcaddr,dstaddr,bytes\n1.2.3.4,5.6.7.8,10\n')).toThrow(
      'CSV line 1: the header is not the cloudwatch layout: missing columns bytes_in, bytes_out, creation_time, end_time, src_ip (expected at least bytes_in,bytes_out,creation_time,end_time,src_ip); got "srcaddr,dstaddr,bytes"; this looks like a VPC flow log: send it with format=vpc-flow',
    );
    expect(header(ok.replace('bytes_in,bytes_out', 'BYTES_IN,BYTES_OUT'))).toThrow('missing columns bytes_in, bytes_out (expected at least');
    expect(header(ok.replace('bytes_in,bytes_out', 'BYTES_IN,BYTES_OUT'))).toThrow('column names are lower case');
    expect(header(ok.replaceAll(',', ';'))).toThrow('its columns look separated by semicolons');
    expect(header(Buffer.from(ok, 'utf16le').toString('utf8'))).toThrow('the file looks UTF-16 encoded: send it as UTF-8');
  });

  it('names a 20-digit integer too large and an epoch timestamp as such', () => {
    const row = (cells: string) => () => readAll('cloudwatch', `bytes_in,bytes_out,creation_time,end_time,src_ip\n${cells}\n`);
    expect(row('99999999999999999999,2,2024-04-25T23:00:00Z,2024-04-25T23:10:00Z,192.0.2.1')).toThrow('CSV line 2: bytes_in is too large: at most 999999999999999, got "99999999999999999999"');
    expect(row('1,2,1714086000,2024-04-25T23:10:00Z,192.0.2.1')).toThrow(
      'CSV line 2: creation_time must be an RFC 3339 date-time, got "1714086000" (an epoch timestamp, which this format does not accept',
    );
  });
});
