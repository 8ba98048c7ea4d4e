/**
 * The one registry of error codes the service answers with. Every 4xx/5xx body
 * is {statusCode, error, message, code}; 5xx messages are generic (details go
 * to the log only).
 */
export const ERRORS = {
  INVALID_REQUEST: { statusCode: 400, error: 'Bad Request' },
  INVALID_RECORD: { statusCode: 400, error: 'Bad Request' },
  INVALID_CSV: { statusCode: 400, error: 'Bad Request' },
  INVALID_JSON: { statusCode: 400, error: 'Bad Request' },
  UNAUTHORIZED: { statusCode: 401, error: 'Unauthorized' },
  TRAINING_DISABLED: { statusCode: 403, error: 'Forbidden' },
  NOT_FOUND: { statusCode: 404, error: 'Not Found' },
  UNKNOWN_VERSION: { statusCode: 404, error: 'Not Found' },
  TRAINING_IN_PROGRESS: { statusCode: 409, error: 'Conflict' },
  NO_PREVIOUS_VERSION: { statusCode: 409, error: 'Conflict' },
  JOB_NOT_DONE: { statusCode: 409, error: 'Conflict' },
  PAYLOAD_TOO_LARGE: { statusCode: 413, error: 'Payload Too Large' },
  TOO_MANY_RECORDS: { statusCode: 413, error: 'Payload Too Large' },
  UNSUPPORTED_MEDIA_TYPE: { statusCode: 415, error: 'Unsupported Media Type' },
  RANGE_NOT_SATISFIABLE: { statusCode: 416, error: 'Range Not Satisfiable' },
  UNTRAINABLE_DATA: { statusCode: 422, error: 'Unprocessable Entity' },
  TOO_MANY_JOBS: { statusCode: 429, error: 'Too Many Requests' },
  INTERNAL: { statusCode: 500, error: 'Internal Server Error' },
  MODEL_WRITE_FAILED: { statusCode: 500, error: 'Internal Server Error' },
  NOT_READY: { statusCode: 503, error: 'Service Unavailable' },
  OVERLOADED: { statusCode: 503, error: 'Service Unavailable' },
  INSUFFICIENT_STORAGE: { statusCode: 507, error: 'Insufficient Storage' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error the service answers as-is: status and code from the registry, our message. */
export class ServiceError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServiceError';
    this.statusCode = ERRORS[code].statusCode;
  }
}

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code: ErrorCode;
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  const { statusCode, error } = ERRORS[code];
  return { statusCode, error, message, code };
}
