import { Type } from 'typebox';
import { ERRORS } from '../errors.js';

export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String({ description: 'says what is wrong, naming the field (and record index or CSV line)' }),
    code: Type.Union(Object.keys(ERRORS).map((k) => Type.Literal(k))),
  },
  { $id: 'Error', title: 'Error', examples: [{ statusCode: 400, error: 'Bad Request', message: 'records[3].bytes_in must be integer', code: 'INVALID_RECORD' }] },
);

/** Responses every route may give, by status. */
export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, Type.Ref('Error')]));
