import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { reportError } from '../observability/error-reporting.js';
import { AppError, codeForStatus, type ErrorDetail } from './app-error.js';
import type { TErrorEnvelope } from './error-envelope.js';

/** Fastify's own errors that are the client's fault, with the code and wording we answer with. */
const FASTIFY_CLIENT_ERRORS: Record<string, [AppError['code'], string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'unsupported_media_type',
    'Unsupported content type; send application/json',
  ],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'Request body is too large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['bad_request', 'Request body is empty but content type is JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['bad_request', 'Content-Length does not match the body'],
  FST_ERR_CTP_INVALID_TYPE: ['bad_request', 'Content-Type header is invalid'],
  FST_ERR_BAD_URL: ['bad_request', 'Malformed URL'],
  FST_ERR_MAX_PARAM_LENGTH: ['uri_too_long', 'A path segment is too long'],
  FST_ERR_ASYNC_CONSTRAINT: ['bad_request', 'Malformed request'],
};

export function toAppError(error: unknown, exposeInternal: boolean): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (hasZodFastifySchemaValidationErrors(fastifyError)) {
    const details: ErrorDetail[] = fastifyError.validation.map((issue) => ({
      path: `${fastifyError.validationContext ?? ''}${issue.instancePath.replace(/\//g, '.')}`,
      message: issue.message ?? 'is invalid',
    }));
    return new AppError('validation_failed', 'The request is invalid', { details, cause: error });
  }
  const known = fastifyError.code ? FASTIFY_CLIENT_ERRORS[fastifyError.code] : undefined;
  if (known) return new AppError(known[0], known[1], { cause: error });
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(codeForStatus(status), fastifyError.message || 'Bad request', { cause: error });
  }
  if (isDatabaseUnavailable(error)) {
    return new AppError('service_unavailable', 'Temporarily unavailable; retry later', { cause: error });
  }
  const message = exposeInternal && error instanceof Error ? error.message : 'Internal server error';
  return new AppError('internal_error', message, { cause: error });
}

export function envelope(error: AppError, requestId: string): TErrorEnvelope {
  return {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

/**
 * Fastify's `frameworkErrors`: errors its router raises before any hook runs (a malformed URL, a path
 * parameter over maxParamLength). Without it Fastify answers them itself, in its own shape and with the
 * path echoed back.
 */
export function frameworkErrorHandler(exposeInternal: boolean) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const appError = toAppError(error, exposeInternal);
    request.log.info({ code: appError.code }, 'request rejected');
    reply.code(appError.status).type('application/json').send(envelope(appError, request.id));
  };
}

/**
 * Node answers an HTTP/1.1 request without a Host header itself (a bare 400) unless told not to
 * (`requireHostHeader: false`); this hook then refuses it in the JSON envelope. HTTP/1.0 has no Host.
 */
export function requireHostHeader(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const raw = request.raw;
    const http11 = raw.httpVersionMajor > 1 || (raw.httpVersionMajor === 1 && raw.httpVersionMinor >= 1);
    if (http11 && !raw.headers.host) throw new AppError('bad_request', 'The Host header is required');
  });
}

/**
 * Every 429 says when to come back (RFC 9110 §10.2.3): the limiter's own wait when it gave one, else a
 * header a hook already set, else a minute (the longest window of the per-request tiers).
 */
function retryAfterOf(error: AppError, reply: FastifyReply): number {
  if (error.retryAfterSeconds !== undefined) return error.retryAfterSeconds;
  const set = Number(reply.getHeader('retry-after'));
  return Number.isInteger(set) && set > 0 ? set : 60;
}

export function registerErrorHandlers(
  app: FastifyInstance,
  options: {
    exposeInternal: boolean;
    /** Answers an unknown path itself when it returns true (the dashboard's client-side routes). */
    notFoundFallback?: (request: FastifyRequest, reply: FastifyReply) => boolean;
  },
): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error, options.exposeInternal);
    if (appError.status >= 500) {
      request.log.error({ err: error }, 'request failed');
      if (appError.code === 'internal_error') {
        reportError(error, {
          requestId: request.id,
          route: request.routeOptions.url,
          workspaceId: request.principal?.tenantId ?? undefined,
        });
      }
    } else request.log.info({ code: appError.code }, 'request rejected');
    // Webhook senders (Meta) and clients retry a 503; tell them when.
    if (appError.status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '5');
    if (appError.status === 429) reply.header('retry-after', String(retryAfterOf(appError, reply)));
    reply.code(appError.status).type('application/json').send(envelope(appError, request.id));
  });

  app.setNotFoundHandler((request, reply) => {
    if (options.notFoundFallback?.(request, reply)) return;
    const error = new AppError('not_found', 'Route not found');
    reply.code(404).send(envelope(error, request.id));
  });
}
