/**
 * The traffic record: keys are exactly the CloudWatch CSV header names. These
 * schemas document the record bodies (openapi.yaml); parseRecord
 * (src/ml/record.ts) enforces them, with the documented leniencies (numeric
 * strings, empty as absent) and the check a schema cannot express (end_time not
 * before creation_time). test/schemas/record-agreement.test.ts keeps the two equal.
 */
import { Type, type TSchema } from 'typebox';
import { FALSE_LABELS, MAX_BYTES, MAX_ID_LENGTH, MAX_STRING_LENGTH, TRUE_LABELS } from '../ml/data/record.js';

const text = (description: string) => Type.String({ maxLength: MAX_STRING_LENGTH, description });
const dateTime = (description: string) => Type.String({ format: 'date-time', maxLength: 64, description });
const ip = (description: string) =>
  Type.Union([Type.String({ format: 'ipv4' }), Type.String({ format: 'ipv6', pattern: '^[^%]*$' })], { description });
/**
 * An integer field: a JSON integer, or a string of decimal digits as CSV-to-JSON tools send it. The
 * pattern states the range exactly (parseRecord checks the same digits and bounds).
 */
const integer = (min: number, max: number, pattern: string, description: string) =>
  Type.Union([Type.Integer({ minimum: min, maximum: max }), Type.String({ pattern })], { description: `${description}; an integer or a string of digits` });
/** An optional field: absent, null and "" all mean "not given" (an empty CSV cell). */
const optional = <T extends TSchema>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null(), Type.Literal('')], { description: (schema as { description?: string }).description }));

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
    bytes_in: integer(0, MAX_BYTES, '^[0-9]{1,15}$', 'bytes received by the server'),
    bytes_out: integer(0, MAX_BYTES, '^[0-9]{1,15}$', 'bytes sent by the server'),
    creation_time: dateTime('session start, RFC 3339'),
    end_time: dateTime('session end, RFC 3339; earlier than creation_time is a 400'),
    src_ip: ip('source IPv4 or IPv6 address'),
    src_ip_country_code: optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: '2-letter country code, case-insensitive' })),
    protocol: optional(text('e.g. HTTPS; case-insensitive')),
    'response.code': optional(integer(100, 599, '^[1-5][0-9]{2}$', 'HTTP response code, 100 to 599')),
    dst_port: optional(integer(0, 65535, '^(?:[0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$', 'destination port, 0 to 65535')),
    dst_ip: optional(ip('destination IPv4 or IPv6 address')),
    rule_names: optional(text('WAF rule names')),
    observation_name: optional(text('observation name')),
    'source.meta': optional(text('source metadata')),
    'source.name': optional(text('source name')),
    time: optional(dateTime('event time, RFC 3339')),
    detection_types: optional(text('detection types')),
    id: optional(
      Type.Union([Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }), Type.String({ maxLength: MAX_ID_LENGTH })], {
        description: 'your own id for the record, echoed on its result (join results without counting)',
      }),
    ),
    label: optional(
      Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 1 }), Type.Union([...TRUE_LABELS, ...FALSE_LABELS].map((l) => Type.Literal(l)))], {
        description: 'ground truth, used only by /train (1 = malicious): 0/1, true/false, or those as strings',
      }),
    ),
  },
  {
    $id: 'TrafficRecord',
    title: 'TrafficRecord',
    description:
      'One web-traffic session in the CloudWatch dataset layout. Unknown keys are ignored; integer fields accept strings of digits; an optional field that is null or "" is absent.',
    examples: [EXAMPLE_RECORD],
  },
);

export const RecordsBodySchema = Type.Object(
  { records: Type.Array(Type.Ref('TrafficRecord'), { minItems: 1, description: 'at least one record' }) },
  { $id: 'RecordsBody', title: 'RecordsBody', examples: [{ records: [EXAMPLE_RECORD] }] },
);
