import type { FastifyRequest } from 'fastify';
import { AppError } from '../platform/http/app-error.js';
import type { SessionPrincipal } from './principal.js';

/** The session of a request that passed a `{ signedIn: true }` access check. */
export function sessionPrincipal(request: FastifyRequest): SessionPrincipal {
  const principal = request.principal;
  if (principal?.kind !== 'session') throw new AppError('forbidden', 'This endpoint needs a signed-in user');
  return principal;
}
