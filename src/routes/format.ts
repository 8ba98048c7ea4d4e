/**
 * The one place a request's input format is resolved: `?format=` (and, for vpc-flow, `?fields=`)
 * against the format registry. Every route that reads records goes through here.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ServiceError } from '../errors.js';
import { DEFAULT_FORMAT, FORMAT_NAMES, type FormatName, type FormatOptions, isFormatName } from '../ml/data/formats/index.js';

export const FormatQueryProperties = {
  format: Type.Optional(
    Type.Union(
      FORMAT_NAMES.map((n) => Type.Literal(n)),
      {
        default: DEFAULT_FORMAT,
        description:
          "the body's format: cloudwatch (the dataset's layout: JSON records or text/csv), or a log as delivered by AWS, sent as text/plain " +
          '(gzip with Content-Encoding: gzip): vpc-flow, alb, waf, cloudfront, ocsf. See docs/api.md for the fields each gives.',
      },
    ),
  ),
  fields: Type.Optional(
    Type.String({
      maxLength: 2000,
      description: 'vpc-flow only, for a log without its header line: the fields in the AWS format-string syntax, e.g. "${version} ${srcaddr} ${dstaddr} ..."',
    }),
  ),
};

export const FormatQuerySchema = Type.Object(FormatQueryProperties);

export interface RequestFormat {
  name: FormatName;
  options: FormatOptions;
}

/**
 * The request's format (cloudwatch when not given). Checked here as well as by the query schema: a
 * body parser runs before the schema is applied.
 */
export function requestFormat(request: FastifyRequest): RequestFormat {
  const q = (request.query ?? {}) as { format?: unknown; fields?: unknown };
  const name = q.format ?? DEFAULT_FORMAT;
  if (typeof name !== 'string' || !isFormatName(name)) {
    throw new ServiceError('INVALID_REQUEST', `querystring parameter format must be one of ${FORMAT_NAMES.join(', ')}, got ${JSON.stringify(String(name).slice(0, 40))}`);
  }
  if (q.fields !== undefined && (typeof q.fields !== 'string' || q.fields.length > 2000))
    throw new ServiceError('INVALID_REQUEST', 'querystring parameter fields must be a string of at most 2000 characters');
  return { name, options: q.fields === undefined ? {} : { fields: q.fields } };
}
