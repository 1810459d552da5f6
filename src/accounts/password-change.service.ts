import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.repository.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import { mailSecurityNotice } from './account-mail.js';
import { findUserById, revokeUserSessions } from './accounts.repository.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import { assertRecentlyAuthenticated } from './auth.service.js';
import { assertAcceptablePassword, hashPassword, verifyPassword } from './passwords.js';
import type { RequestContext, SessionPrincipal } from './principal.js';
import { invalidateUserTokens } from './user-tokens.repository.js';

export interface PasswordChangeDeps {
  db: Db;
  config: Config;
  /** Guesses at the current password from a hijacked session. */
  limiter: AttemptLimiter;
}

/**
 * Changes the password of the signed-in user: a recent sign-in (ASVS 7.5.1) and the current password.
 * Every other session ends (ASVS 7.4.3); this one stays. Outstanding reset links stop working.
 */
export async function changePassword(
  deps: PasswordChangeDeps,
  principal: SessionPrincipal,
  input: { currentPassword: string; newPassword: string },
  context: RequestContext,
): Promise<{ otherSessionsRevoked: number }> {
  assertRecentlyAuthenticated(principal, deps.config);
  const user = await findUserById(deps.db, principal.userId);
  if (!user || user.disabledAt) throw new AppError('unauthenticated', 'Authentication required');
  await deps.limiter.take(`password:${user.id}`);
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await recordAudit(deps.db, {
      action: 'auth.password_change.failed',
      tenantId: null,
      actorUserId: user.id,
      context,
      detail: { reason: 'wrong_current_password' },
    });
    throw new AppError('bad_request', 'The current password is not correct', {
      details: [{ path: 'currentPassword', message: 'incorrect' }],
    });
  }
  await deps.limiter.clear(`password:${user.id}`);
  if (input.newPassword === input.currentPassword) {
    throw new AppError('validation_failed', 'Choose a password different from the current one', {
      details: [{ path: 'newPassword', message: 'unchanged' }],
    });
  }
  assertAcceptablePassword(input.newPassword);
  const passwordHash = await hashPassword(input.newPassword);
  return deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ passwordHash, passwordChangedAt: sql`now()`, updatedAt: sql`now()` })
      .where('id', '=', user.id)
      .execute();
    await invalidateUserTokens(trx, user.id, 'reset_password');
    const otherSessionsRevoked = await revokeUserSessions(trx, user.id, principal.sessionId);
    await recordAudit(trx, {
      action: 'auth.password.changed',
      tenantId: null,
      actorUserId: user.id,
      context,
      detail: { otherSessionsRevoked },
    });
    await mailSecurityNotice(
      trx,
      {
        secretKey: deps.config.secretKey,
        publicUrl: deps.config.http.publicUrl,
        requestId: context.requestId,
      },
      user.email,
      'password_changed',
    );
    return { otherSessionsRevoked };
  });
}
