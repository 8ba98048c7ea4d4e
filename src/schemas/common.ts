import { Type, type TSchema } from 'typebox';
import { ERRORS } from '../errors.js';

export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String({ description: 'says what is wrong, naming the field (and record index or CSV line)' }),
    code: Type.Union(Object.keys(ERRORS).map((k) => Type.Literal(k))),
  },
  { $id: 'Error', title: 'Error', examples: [{ statusCode: 400, error: 'Bad Request', message: 'records[3].bytes_in must be an integer', code: 'INVALID_RECORD' }] },
);

/** What each error status means, as the OpenAPI document describes it on every operation that can give it. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request: a missing or malformed field (named in the message, with the record index or CSV line in a batch), malformed JSON or CSV, or a bad query parameter',
  401: 'The admin token is missing or wrong (WWW-Authenticate: Bearer)',
  403: 'Admin operations are disabled: the server has no ADMIN_TOKEN',
  404: 'No such route (the message names the method and path), or no such model version',
  409: 'Conflict: a training run is already in progress, there is no version to roll back to, or a job has no results (it has not succeeded)',
  413: 'The body is over its byte limit, or holds more records than allowed',
  415: 'A content type this operation does not take',
  422: 'The training data cannot make a model (too few rows, one class only, labels on some rows only)',
  500: 'An internal error or a failed model write; the message carries only the request id, the details are in the log',
  416: 'The Range asks for bytes past the end of the results (Content-Range: bytes */size)',
  429: 'Too many jobs queued or running (JOBS_MAX_CONCURRENT): retry when one finishes',
  503: 'Overloaded, or models not loaded yet: retry after Retry-After seconds',
  507: 'The jobs disk budget (JOBS_MAX_DISK_BYTES) is used up: delete finished jobs or retry later',
};

const RETRY_AFTER = {
  'retry-after': Type.Integer({ minimum: 1, description: 'seconds to wait before retrying (RETRY_AFTER_SECONDS)' }),
};

/**
 * The responses of an operation: its 200 with a description, then the given error statuses, and 404
 * (a mistyped path) on every operation. Every error body is the Error schema; a 503 carries Retry-After.
 */
export function responses(ok: TSchema, okDescription: string, ...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = { 200: { ...ok, description: okDescription } as TSchema };
  for (const s of [...new Set([...statuses, 404])].sort((a, b) => a - b)) {
    const description = ERROR_DESCRIPTIONS[s];
    if (description === undefined) throw new RangeError(`no description for status ${s}`);
    out[s] = (s === 503 ? Type.Ref('Error', { description, headers: RETRY_AFTER }) : Type.Ref('Error', { description })) as TSchema;
  }
  return out;
}

/** Operations anyone may call: an explicit empty security requirement. */
export const PUBLIC: [] = [];
/** Operations behind the admin token. */
export const ADMIN = [{ adminToken: [] as string[] }];
