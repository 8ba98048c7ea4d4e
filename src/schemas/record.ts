/**
 * The traffic record: keys are exactly the CloudWatch CSV header names. These
 * schemas document the record bodies (openapi.yaml); parseRecord
 * (src/ml/record.ts) enforces them, with the documented leniencies (numeric
 * strings, empty as absent) and the check a schema cannot express (end_time not
 * before creation_time). test/schemas/record-agreement.test.ts keeps the two equal.
 */
import { Type, type TSchema } from 'typebox';
import { FALSE_LABELS, MAX_BYTES, MAX_ID_LENGTH, MAX_STRING_LENGTH, TRUE_LABELS } from '../ml/data/record.js';

/*
 * Each field reads as a person thinks of it (Swagger UI shows "integer", "string", "date-time"),
 * while admitting exactly what parseRecord admits. So the leniencies are not unions, which
 * Swagger UI renders as "(integer | string) | null | string": a keyword applies to one JSON type
 * only (pattern to strings, minimum to numbers), the kinds a field refuses are listed under `not`,
 * and an either/or of formats is an if/else.
 */
type Json = Record<string, unknown>;
/** The JSON kinds a field refuses: all but string (and number for an integer field, and null for an optional one). */
const refuse = (optional: boolean, integer: boolean) => ({
  not: { type: [...(integer ? [] : ['number']), ...(optional ? [] : ['null']), 'boolean', 'array', 'object'] },
});
const field = (schema: Json, description: string, example: unknown, optional: boolean, integer = false) =>
  Type.Unsafe<unknown>({
    ...schema,
    ...refuse(optional, integer),
    description: optional ? `${description}. Optional: null or "" means not given` : description,
    examples: [example],
  });
/** A field that may be absent. */
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
/** `^(?:re)?$` for an optional field, where "" means absent; `^re$` otherwise. */
const whole = (re: string, optional: boolean) => (optional ? `^(?:${re})?$` : `^${re}$`);

const text = (description: string, example: string) => field({ maxLength: MAX_STRING_LENGTH }, description, example, true);
const dateTime = (description: string, example: string, optional = false) =>
  optional
    ? field({ maxLength: 64, if: { minLength: 1 }, then: { format: 'date-time' } }, description, example, true)
    : field({ type: 'string', format: 'date-time', maxLength: 64 }, description, example, false);
/** IPv4, or IPv6 without a zone index. */
const ip = (description: string, example: string, optional = false) => {
  const either = { if: { format: 'ipv4' }, else: { format: 'ipv6', pattern: '^[^%]*$' } };
  return field(optional ? { maxLength: 64, if: { minLength: 1 }, then: either } : { type: 'string', ...either }, description, example, optional);
};
/**
 * An integer field: a JSON integer, or a string of decimal digits as CSV-to-JSON tools send it. The
 * pattern states the range of the digits exactly (parseRecord checks the same digits and bounds).
 */
const integer = (min: number, max: number, digits: string, description: string, example: number, optional = false) =>
  field({ format: 'int64', multipleOf: 1, minimum: min, maximum: max, pattern: whole(digits, optional) }, `${description}; an integer, or a string of its digits`, example, optional, true);

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
    bytes_in: integer(0, MAX_BYTES, '[0-9]{1,15}', 'bytes received by the server', 5602),
    bytes_out: integer(0, MAX_BYTES, '[0-9]{1,15}', 'bytes sent by the server', 12990),
    creation_time: dateTime('session start, RFC 3339', '2024-04-25T23:00:00Z'),
    end_time: dateTime('session end, RFC 3339; earlier than creation_time is a 400', '2024-04-25T23:10:00Z'),
    src_ip: ip('source IPv4 or IPv6 address (no zone index)', '147.161.161.82'),
    src_ip_country_code: opt(field({ pattern: whole('[A-Za-z]{2}', true) }, '2-letter country code, case-insensitive', 'AE', true)),
    protocol: opt(text('protocol, case-insensitive', 'HTTPS')),
    'response.code': opt(integer(100, 599, '[1-5][0-9]{2}', 'HTTP response code, 100 to 599', 200, true)),
    dst_port: opt(integer(0, 65535, '(?:[0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])', 'destination port, 0 to 65535', 443, true)),
    dst_ip: opt(ip('destination IPv4 or IPv6 address (no zone index)', '10.138.69.97', true)),
    rule_names: opt(text('WAF rule names', 'Suspicious Web Traffic')),
    observation_name: opt(text('observation name', 'Adversary Infrastructure Interaction')),
    'source.meta': opt(text('source metadata', 'AWS_VPC_Flow')),
    'source.name': opt(text('source name', 'prod_webserver')),
    time: opt(dateTime('event time, RFC 3339', '2024-04-25T23:00:00Z', true)),
    detection_types: opt(text('detection types', 'waf_rule')),
    id: opt(
      Type.Unsafe<unknown>({
        type: ['integer', 'string', 'null'],
        minimum: Number.MIN_SAFE_INTEGER,
        maximum: Number.MAX_SAFE_INTEGER,
        maxLength: MAX_ID_LENGTH,
        description: `your own id for the record, echoed on its result (join results without counting): an integer or a string of up to ${MAX_ID_LENGTH} characters. Optional: null or "" means not given`,
        examples: ['session-42'],
      }),
    ),
    label: opt(
      Type.Unsafe<unknown>({
        type: ['boolean', 'integer', 'string', 'null'],
        enum: [true, false, 1, 0, ...TRUE_LABELS, ...FALSE_LABELS, null, ''],
        description: 'ground truth, used only by /train (1 = malicious): 0/1, true/false, or those as strings. Optional: null or "" means not given',
        examples: [1],
      }),
    ),
  },
  {
    $id: 'TrafficRecord',
    title: 'TrafficRecord',
    description: 'One web-traffic session in the CloudWatch dataset layout. Unknown keys are ignored; integer fields accept strings of digits; an optional field that is null or "" is absent.',
    examples: [EXAMPLE_RECORD],
  },
);

export const RecordsBodySchema = Type.Object(
  { records: Type.Array(Type.Ref('TrafficRecord'), { minItems: 1, description: 'at least one record' }) },
  { $id: 'RecordsBody', title: 'RecordsBody', examples: [{ records: [EXAMPLE_RECORD] }] },
);
