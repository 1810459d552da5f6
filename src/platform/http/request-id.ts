import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

export const REQUEST_ID_HEADER = 'x-request-id';
/** A UUID, or a short token of safe characters: nothing a log line, header or audit viewer could misread. */
const WELL_FORMED =
  /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9._-]{1,64})$/;

/**
 * Our id of a request: always generated here, never taken from the client. It is what the answer's
 * X-Request-ID, the error envelope and the audit log carry, so a client cannot plant or reuse ids there.
 */
export function requestIdFor(): string {
  return randomUUID();
}

/** The caller's own X-Request-ID when it is well-formed (so a trace crosses services); otherwise none. */
export function clientRequestIdOf(request: IncomingMessage): string | undefined {
  const offered = request.headers[REQUEST_ID_HEADER];
  return typeof offered === 'string' && WELL_FORMED.test(offered) ? offered : undefined;
}

/**
 * Fastify's per-request logger, with the caller's id (if any) beside ours as `clientRequestId`: support
 * finds a request by either, and the two are never confused.
 */
export function requestLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
  request: IncomingMessage,
): FastifyBaseLogger {
  const clientRequestId = clientRequestIdOf(request);
  return logger.child(clientRequestId ? { ...bindings, clientRequestId } : bindings, options);
}
