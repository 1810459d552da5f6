import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../../accounts/principal.js';
import { AppError } from './app-error.js';

/** What audit entries need to know about a request: its id, the client IP (trusted hops only), agent. */
export function requestContext(request: FastifyRequest): RequestContext {
  const userAgent = request.headers['user-agent'];
  return {
    requestId: request.id,
    ip: request.ip,
    userAgent: typeof userAgent === 'string' ? userAgent : undefined,
  };
}

/**
 * The tenant and actor of a request that passed a `{ permission }` access check (a member of the
 * session's tenant, or an API key of a tenant).
 */
export function tenantActor(request: FastifyRequest): {
  tenantId: string;
  userId: string | null;
  apiKeyId: string | null;
  context: RequestContext;
} {
  const principal = request.principal;
  if (!principal?.tenantId) throw new AppError('forbidden', 'Choose a workspace first');
  return {
    tenantId: principal.tenantId,
    userId: principal.kind === 'session' ? principal.userId : null,
    apiKeyId: principal.kind === 'api-key' ? principal.apiKeyId : null,
    context: requestContext(request),
  };
}
