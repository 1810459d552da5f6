import { AppError } from '../platform/http/app-error.js';
import type { SessionPrincipal } from './principal.js';

/**
 * Changing a credential (password, e-mail, two-factor) needs a recent proof of identity, not just a
 * session (ASVS 7.5.1): `authenticatedAt` is the last sign-in or re-authentication.
 */
export function assertRecentAuthentication(principal: SessionPrincipal, reauthWindowMs: number): void {
  if (Date.now() - principal.authenticatedAt.getTime() > reauthWindowMs) {
    throw new AppError('forbidden', 'Confirm your password again to make this change', {
      details: [{ path: 'session', message: 'reauthentication_required' }],
    });
  }
}
