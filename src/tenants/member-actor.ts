import type { FastifyRequest } from 'fastify';
import { AppError } from '../platform/http/app-error.js';
import { requestContext } from '../platform/http/request-context.js';
import type { MemberActor } from './members.service.js';

/** The signed-in member behind a request that passed a session-only `{ permission }` check. */
export function memberActor(request: FastifyRequest): MemberActor {
  const principal = request.principal;
  if (principal?.kind !== 'session' || !principal.tenantId || !principal.role) {
    throw new AppError('forbidden', 'This endpoint needs a signed-in member of the workspace');
  }
  return {
    tenantId: principal.tenantId,
    userId: principal.userId,
    role: principal.role,
    context: requestContext(request),
  };
}
