import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.repository.js';
import { sha256 } from '../platform/crypto/tokens.js';
import { AppError } from '../platform/http/app-error.js';
import { type AccountMailContext, mailPasswordReset, mailSecurityNotice } from './account-mail.js';
import { findUserByEmail, findUserById, revokeUserSessions } from './accounts.repository.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import { proveAddress, secondFactorBinds } from './proven-address.js';
import { assertAcceptablePassword, hashPassword } from './passwords.js';
import type { RequestContext } from './principal.js';
import { hasProof, type SecondFactorProof, type TwoFactorDeps, verifySecondFactor } from './second-factor.js';
import { consumeUserToken, createUserToken, invalidateUserTokens } from './user-tokens.repository.js';

export const RESET_TOKEN_TTL_MS = 30 * 60_000;

export interface PasswordResetDeps extends TwoFactorDeps {
  /** Reset mails per address: an attacker must not be able to flood someone's mailbox. */
  mailLimiter: AttemptLimiter;
}

const INVALID_LINK = 'This link is invalid or has expired; ask for a new one';

function mailContext(deps: TwoFactorDeps, context: RequestContext): AccountMailContext {
  return {
    secretKey: deps.config.secretKey,
    publicUrl: deps.config.http.publicUrl,
    requestId: context.requestId,
  };
}

/**
 * Mails a reset link if `email` belongs to an enabled account; otherwise does nothing. Callers answer
 * the same either way (ASVS 6.3.8). Past the per-address cap, requests are dropped silently rather than
 * refused, so the answer still says nothing about the address.
 */
export async function requestPasswordReset(
  deps: PasswordResetDeps,
  email: string,
  context: RequestContext,
): Promise<void> {
  try {
    // Keyed by a hash: the counter table must not become a list of addresses.
    await deps.mailLimiter.take(`reset:${sha256(email).toString('base64url')}`);
  } catch (error) {
    if (error instanceof AppError && error.code === 'rate_limited') return;
    throw error;
  }
  const user = await findUserByEmail(deps.db, email);
  if (!user || user.disabledAt) return;
  await deps.db.transaction().execute(async (trx) => {
    // Only the newest link works.
    await invalidateUserTokens(trx, user.id, 'reset_password');
    const token = await createUserToken(trx, {
      userId: user.id,
      purpose: 'reset_password',
      email: user.email,
      ttlMs: RESET_TOKEN_TTL_MS,
    });
    await mailPasswordReset(trx, mailContext(deps, context), user.email, token);
    await recordAudit(trx, {
      action: 'auth.password_reset.requested',
      tenantId: null,
      actorUserId: user.id,
      context,
    });
  });
}

/**
 * Sets a new password with a mailed token: single use, 30 minutes (ASVS 6.4.1). If the account uses
 * two-factor authentication a code is required too: a mailbox alone never takes over such an account
 * (ASVS 6.4.3), unless its address was never proven: then the mailbox wins (see `proveAddress`). Every
 * session ends. Following the link also proves the address, so it counts as verified.
 */
export async function confirmPasswordReset(
  deps: PasswordResetDeps,
  input: { token: string; password: string } & SecondFactorProof,
  context: RequestContext,
): Promise<void> {
  // Checked before the token is touched: a refused password leaves the link usable.
  assertAcceptablePassword(input.password);
  const passwordHash = await hashPassword(input.password);
  await deps.db.transaction().execute(async (trx) => {
    const token = await consumeUserToken(trx, input.token, ['reset_password']);
    const user = token ? await findUserById(trx, token.userId) : undefined;
    if (!token || !user || user.disabledAt || (token.email !== null && token.email !== user.email)) {
      throw new AppError('bad_request', INVALID_LINK);
    }
    let secondFactor: 'totp' | 'recovery_code' | null = null;
    // A second factor set up on an account whose address was never proven binds nobody: this link does
    // prove the address, and the mailbox's owner takes the account over (proveAddress, below).
    if (secondFactorBinds(user)) {
      if (!hasProof(input)) {
        // The transaction rolls back: the token stays usable for the retry with a code.
        throw new AppError('bad_request', 'Enter a code from your authenticator app or a recovery code', {
          details: [{ path: 'totpCode', message: 'two_factor_required' }],
        });
      }
      secondFactor = await verifySecondFactor(deps, trx, user, input, context, 'password_reset');
    }
    await trx
      .updateTable('users')
      .set({
        passwordHash,
        passwordChangedAt: sql`now()`,
        emailVerifiedAt: sql`coalesce(email_verified_at, now())`,
        updatedAt: sql`now()`,
      })
      .where('id', '=', user.id)
      .execute();
    await invalidateUserTokens(trx, user.id, 'reset_password');
    const revoked = await revokeUserSessions(trx, user.id);
    const tookOver = await proveAddress(trx, user, context, 'password_reset');
    await recordAudit(trx, {
      action: 'auth.password_reset.completed',
      tenantId: null,
      actorUserId: user.id,
      context,
      detail: { sessionsRevoked: revoked, secondFactor, addressProvenNow: tookOver },
    });
    await mailSecurityNotice(trx, mailContext(deps, context), user.email, 'password_reset');
  });
}
