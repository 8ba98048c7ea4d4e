/**
 * The one error handler. Every 4xx/5xx is {statusCode, error, message, code}
 * from the registry in src/errors.ts; schema errors name the field as a client
 * wrote it (`records[3].bytes_in`, or the CSV line); 5xx answers hide details,
 * which go to the log with the request id.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody, ServiceError, type ErrorCode } from '../errors.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** "/records/3/response.code" -> ["records", "3", "response.code"] (JSON pointer unescaped). */
function pointer(path: string): string[] {
  return path === ''
    ? []
    : path
        .slice(1)
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function joinPath(parts: string[]): string {
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * A client-facing sentence for the first schema error. Records are validated by parseRecord, not by
 * route schemas (see records-body.ts), so what reaches this is query parameters and other bodies.
 */
export function describeValidation(errors: AjvError[], context: string): string {
  const e = errors[0];
  const parts = pointer(e.instancePath);
  let what = e.message ?? 'is invalid';
  if (e.keyword === 'required') {
    parts.push(String(e.params.missingProperty));
    what = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    parts.push(String(e.params.additionalProperty));
    what = 'is not allowed';
  }
  const where = context === 'body' ? '' : `${context} parameter `;
  return `${where}${joinPath(parts) || context} ${what}`;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
};

function classify(error: FastifyError, request: FastifyRequest): { code: ErrorCode; message: string } {
  if (error instanceof ServiceError) return { code: error.code, message: error.message };
  if (error.validation) {
    const context = error.validationContext ?? 'body';
    return {
      code: context === 'body' ? 'INVALID_RECORD' : 'INVALID_REQUEST',
      message: describeValidation(error.validation as AjvError[], context),
    };
  }
  const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (mapped === 'UNSUPPORTED_MEDIA_TYPE') {
    return { code: mapped, message: `content-type ${request.headers['content-type'] ?? '(none)'} is not supported: send application/json or text/csv` };
  }
  if (mapped === 'PAYLOAD_TOO_LARGE') return { code: mapped, message: `request body is larger than ${request.routeOptions.bodyLimit} bytes` };
  if (mapped === 'INVALID_JSON') return { code: mapped, message: `body is not valid JSON (${error.message})` };
  if (mapped) return { code: mapped, message: error.message };
  if (error instanceof SyntaxError && error.statusCode === 400) return { code: 'INVALID_JSON', message: `body is not valid JSON: ${error.message}` };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { code: status === 404 ? 'NOT_FOUND' : 'INVALID_REQUEST', message: error.message };
  return { code: 'INTERNAL', message: `internal error (request id ${request.id}); the details are in the service log` };
}

async function errorsPlugin(app: FastifyInstance): Promise<void> {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { code, message } = classify(error, request);
    const body = errorBody(code, message);
    if (body.statusCode >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code, message }, 'request refused');
    if (error instanceof ServiceError && error.code === 'NOT_READY') reply.header('retry-after', '5');
    // OVERLOADED: the pressure plugin already set its Retry-After.
    return reply.code(body.statusCode).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0].slice(0, 200)}`));
  });
}

export default fp(errorsPlugin, { name: 'errors', fastify: '5.x' });
