/**
 * The traffic record: keys are exactly the CloudWatch CSV header names. These
 * schemas document the record bodies (openapi.yaml); parseRecord
 * (src/ml/record.ts) enforces them, with the documented leniencies (numeric
 * strings, empty as absent) and the check a schema cannot express (end_time not
 * before creation_time). test/schemas/record-agreement.test.ts keeps the two equal.
 */
import { Type } from 'typebox';
import { MAX_STRING_LENGTH } from '../ml/record.js';

const text = (description: string) => Type.String({ maxLength: MAX_STRING_LENGTH, description });
const dateTime = (description: string) => Type.String({ format: 'date-time', maxLength: 64, description });
const ip = (description: string) => Type.String({ format: 'ip', maxLength: 64, description });

/** The first row of the real dataset: the example in the docs and in "Try it out". */
export const EXAMPLE_RECORD = {
  bytes_in: 5602,
  bytes_out: 12990,
  creation_time: '2024-04-25T23:00:00Z',
  end_time: '2024-04-25T23:10:00Z',
  src_ip: '147.161.161.82',
  src_ip_country_code: 'AE',
  protocol: 'HTTPS',
  'response.code': 200,
  dst_port: 443,
  dst_ip: '10.138.69.97',
  rule_names: 'Suspicious Web Traffic',
  observation_name: 'Adversary Infrastructure Interaction',
  'source.meta': 'AWS_VPC_Flow',
  'source.name': 'prod_webserver',
  time: '2024-04-25T23:00:00Z',
  detection_types: 'waf_rule',
};

export const TrafficRecordSchema = Type.Object(
  {
    bytes_in: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'bytes received by the server' }),
    bytes_out: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'bytes sent by the server' }),
    creation_time: dateTime('session start, RFC 3339'),
    end_time: dateTime('session end, RFC 3339; earlier than creation_time is a 400'),
    src_ip: ip('source IPv4 or IPv6 address'),
    src_ip_country_code: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: '2-letter country code, case-insensitive' })),
    protocol: Type.Optional(text('e.g. HTTPS')),
    'response.code': Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    dst_port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    dst_ip: Type.Optional(ip('destination IPv4 or IPv6 address')),
    rule_names: Type.Optional(text('WAF rule names')),
    observation_name: Type.Optional(text('observation name')),
    'source.meta': Type.Optional(text('source metadata')),
    'source.name': Type.Optional(text('source name')),
    time: Type.Optional(dateTime('event time, RFC 3339')),
    detection_types: Type.Optional(text('detection types')),
    label: Type.Optional(
      Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 1 })], { description: 'ground truth, used only by /train (1 = malicious)' }),
    ),
  },
  {
    $id: 'TrafficRecord',
    title: 'TrafficRecord',
    description: 'One web-traffic session in the CloudWatch dataset layout. Unknown keys are ignored; numeric strings are accepted as numbers.',
    examples: [EXAMPLE_RECORD],
  },
);

export const RecordsBodySchema = Type.Object(
  { records: Type.Array(Type.Ref('TrafficRecord'), { minItems: 1, description: 'at least one record' }) },
  { $id: 'RecordsBody', title: 'RecordsBody', examples: [{ records: [EXAMPLE_RECORD] }] },
);
