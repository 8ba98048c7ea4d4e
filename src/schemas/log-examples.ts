/**
 * One short log per format of ?format=, written from the AWS and OCSF documentation's examples: the
 * text/plain examples of /batch and /train in openapi.yaml, and the bodies the Prism end-to-end test
 * sends, so every documented example is known to be answered as documented (`results` says how many).
 */
import type { FormatName } from '../ml/data/formats/index.js';

export interface LogExample {
  summary: string;
  value: string;
  /** how many results /batch answers: sessions, after vpc-flow/ocsf stitching and NODATA skipped */
  results: number;
}

// VPC Flow Logs, default version-2 format with the header line S3 delivery writes: a connection's two
// directions (stitched into one session), a REJECTed probe (one-way) and a NODATA record (skipped).
const VPC_FLOW = [
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
  '2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 49152 443 6 10 5602 1714086000 1714086600 ACCEPT OK',
  '2 123456789010 eni-1235b8ca123456789 172.31.16.139 203.0.113.12 443 49152 6 12 12990 1714086000 1714086600 ACCEPT OK',
  '2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK',
  '2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA',
].join('\n');

// ALB access log entries (the HTTP and HTTPS examples of the access-log documentation).
const ALB = [
  'http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90',
  'https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90',
].join('\n');

// WAF logs, one JSON object a line (the logging-fields example): a blocked SQL injection with its
// country, and an allowed request whose record has none (looked up offline).
const wafLine = (ms: number, ip: string, country: string | undefined, action: string, rule: string) =>
  JSON.stringify({
    timestamp: ms,
    formatVersion: 1,
    webaclId: 'arn:aws:wafv2:ap-southeast-2:111122223333:regional/webacl/STMTest/1EXAMPLE-2ARN-3ARN-4ARN-123456EXAMPLE',
    terminatingRuleId: rule,
    terminatingRuleType: 'REGULAR',
    action,
    httpSourceName: 'ALB',
    httpSourceId: '-',
    ruleGroupList: [],
    rateBasedRuleList: [],
    nonTerminatingMatchingRules: [],
    httpRequest: {
      clientIp: ip,
      ...(country ? { country } : {}),
      headers: [{ name: 'Host', value: 'www.example.com' }],
      uri: '/myUri/',
      args: '',
      httpVersion: 'HTTP/1.1',
      httpMethod: 'GET',
      requestId: 'rid',
    },
    labels: [{ name: 'awswaf:managed:aws:sql-database:SQLi_QueryArguments' }],
  });
const WAF = [wafLine(1576280412771, '1.1.1.1', 'AU', 'BLOCK', 'STMTest_SQLi_XSS'), wafLine(1576280413002, '8.8.8.8', undefined, 'ALLOW', 'Default_Action')].join('\n');

// CloudFront standard log (the standard-logs-reference example), tab-separated, with its header.
const CLOUDFRONT_FIELDS =
  'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end';
const cloudfrontEntry = (time: string, ip: string, status: string) =>
  [
    '2019-12-04', time, 'LAX1', '392', ip, 'GET', 'd111111abcdef8.cloudfront.net', '/index.html', status, '-',
    'Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)', '-', '-', 'Hit', 'SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==',
    'd111111abcdef8.cloudfront.net', 'https', '23', '0.001', '-', 'TLSv1.2', 'ECDHE-RSA-AES128-GCM-SHA256', 'Hit', 'HTTP/2.0', '-', '-',
    '11040', '0.001', 'Hit', 'text/html', '78', '-', '-',
  ].join('\t'); // biome-ignore format: one value a column
const CLOUDFRONT = ['#Version: 1.0', `#Fields: ${CLOUDFRONT_FIELDS}`, cloudfrontEntry('21:02:31', '192.0.2.100', '200'), cloudfrontEntry('21:02:32', '2001:db8::1', '403')].join('\n');

// OCSF Network Activity (4001) as Amazon Security Lake writes VPC flow records: a connection's two
// directions (stitched) and a one-way flow.
const ocsfFlow = (src: string, srcPort: number, dst: string, dstPort: number, bytes: number) =>
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
    src_endpoint: { ip: src, port: srcPort, interface_uid: 'eni-1235b8ca123456789' },
    dst_endpoint: { ip: dst, port: dstPort },
    connection_info: { protocol_num: 6, direction_id: 1 },
    traffic: { bytes, packets: 10 },
    action: 'Allowed',
    disposition: 'Allowed',
  });
const OCSF = [ocsfFlow('203.0.113.12', 49152, '10.0.0.1', 443, 5602), ocsfFlow('10.0.0.1', 443, '203.0.113.12', 49152, 12990), ocsfFlow('198.51.100.7', 50000, '10.0.0.1', 443, 300)].join('\n');

/** The text/plain formats' examples (cloudwatch is the dataset's layout: JSON or text/csv). */
export const LOG_EXAMPLES: Record<Exclude<FormatName, 'cloudwatch'>, LogExample> = {
  'vpc-flow': { summary: '?format=vpc-flow: a stitched connection, a REJECT, a NODATA record', value: VPC_FLOW, results: 2 },
  alb: { summary: '?format=alb: an HTTP and an HTTPS entry', value: ALB, results: 2 },
  waf: { summary: '?format=waf: a BLOCK with its country, an ALLOW without', value: WAF, results: 2 },
  cloudfront: { summary: '?format=cloudfront: a standard log with its #Fields header', value: CLOUDFRONT, results: 2 },
  ocsf: { summary: '?format=ocsf: Network Activity (4001), a stitched connection and a one-way flow', value: OCSF, results: 2 },
};

/** The examples as an OpenAPI media type's `examples` (x-examples, which @fastify/swagger moves there). */
export const LOG_MEDIA_EXAMPLES = Object.fromEntries(Object.entries(LOG_EXAMPLES).map(([name, { summary, value }]) => [name, { summary, value }]));
