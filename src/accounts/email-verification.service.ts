import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.repository.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import {
  type AccountMailContext,
  mailEmailChange,
  mailEmailVerification,
  mailSecurityNotice,
} from './account-mail.js';
import { findUserByEmail, findUserById } from './accounts.repository.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import { assertRecentlyAuthenticated } from './auth.service.js';
import type { RequestContext, SessionPrincipal } from './principal.js';
import { releaseUnprovenAddress } from './proven-address.js';
import { consumeUserToken, createUserToken, invalidateUserTokens } from './user-tokens.repository.js';

export const VERIFY_TOKEN_TTL_MS = 24 * 3_600_000;
export const CHANGE_EMAIL_TOKEN_TTL_MS = 3_600_000;
const INVALID_LINK = 'This link is invalid or has expired; ask for a new one';

export interface EmailDeps {
  db: Db;
  config: Config;
  /** Verification and change mails per user. */
  mailLimiter: AttemptLimiter;
}

/**
 * Mails `user` a link confirming their current address. Call it inside the transaction that creates or
 * changes the account (sign-up, accepting an invitation): the mail is queued iff that commits.
 */
export async function sendVerificationEmail(
  trx: Db,
  config: Config,
  user: { id: string; email: string },
  options: { requestId: string },
): Promise<void> {
  await invalidateUserTokens(trx, user.id, 'verify_email');
  const token = await createUserToken(trx, {
    userId: user.id,
    purpose: 'verify_email',
    email: user.email,
    ttlMs: VERIFY_TOKEN_TTL_MS,
  });
  await mailEmailVerification(trx, mailContext(config, options.requestId), user.email, token);
}

function mailContext(config: Config, requestId: string): AccountMailContext {
  return { secretKey: config.secretKey, publicUrl: config.http.publicUrl, requestId };
}

/** A signed-in user asks for a (new) verification link; nothing happens if already verified. */
export async function requestEmailVerification(
  deps: EmailDeps,
  principal: SessionPrincipal,
  context: RequestContext,
): Promise<void> {
  const user = await findUserById(deps.db, principal.userId);
  if (!user || user.emailVerifiedAt) return;
  await deps.mailLimiter.take(`verify:${user.id}`);
  await deps.db.transaction().execute(async (trx) => {
    await sendVerificationEmail(trx, deps.config, user, context);
    await recordAudit(trx, {
      action: 'auth.email_verification.requested',
      tenantId: null,
      actorUserId: user.id,
      context,
    });
  });
}

/**
 * Starts an address change (needs a recent sign-in, ASVS 7.5.1). The new address gets a link and the
 * change happens only when it is followed, so nobody can claim an address they cannot read; the old
 * address is told. Whether the new address already has an account is not revealed: it just gets no link
 * (unless that account never proved the address: then the link is sent, and following it wins).
 */
export async function requestEmailChange(
  deps: EmailDeps,
  principal: SessionPrincipal,
  newEmail: string,
  context: RequestContext,
): Promise<void> {
  assertRecentlyAuthenticated(principal, deps.config);
  const user = await findUserById(deps.db, principal.userId);
  if (!user) throw new AppError('unauthenticated', 'Authentication required');
  if (newEmail === user.email) throw new AppError('validation_failed', 'This is already your address');
  await deps.mailLimiter.take(`change:${user.id}`);
  // An account whose address was never proven does not keep it from its mailbox's owner (ADR 16).
  const taken = Boolean((await findUserByEmail(deps.db, newEmail))?.emailVerifiedAt);
  await deps.db.transaction().execute(async (trx) => {
    await invalidateUserTokens(trx, user.id, 'change_email');
    if (!taken) {
      const token = await createUserToken(trx, {
        userId: user.id,
        purpose: 'change_email',
        email: newEmail,
        ttlMs: CHANGE_EMAIL_TOKEN_TTL_MS,
      });
      await mailEmailChange(trx, mailContext(deps.config, context.requestId), newEmail, token);
    }
    await mailSecurityNotice(
      trx,
      mailContext(deps.config, context.requestId),
      user.email,
      'email_change_requested',
    );
    await recordAudit(trx, {
      action: 'auth.email_change.requested',
      tenantId: null,
      actorUserId: user.id,
      context,
    });
  });
}

/**
 * Follows a mailed link: verifies the current address, or completes an address change. Single use; an
 * unknown, used or expired token gets the same 400.
 */
export async function confirmEmailToken(
  deps: EmailDeps,
  tokenValue: string,
  context: RequestContext,
): Promise<{ outcome: 'verified' | 'changed' }> {
  return deps.db.transaction().execute(async (trx) => {
    const token = await consumeUserToken(trx, tokenValue, ['verify_email', 'change_email']);
    const user = token ? await findUserById(trx, token.userId) : undefined;
    if (!token || !user || user.disabledAt) throw new AppError('bad_request', INVALID_LINK);

    if (token.purpose === 'verify_email') {
      // A link proves the address it was sent to, not whatever the account uses today.
      if (token.email !== null && token.email !== user.email) throw new AppError('bad_request', INVALID_LINK);
      await trx
        .updateTable('users')
        .set({ emailVerifiedAt: sql`coalesce(email_verified_at, now())`, updatedAt: sql`now()` })
        .where('id', '=', user.id)
        .execute();
      await recordAudit(trx, {
        action: 'auth.email.verified',
        tenantId: null,
        actorUserId: user.id,
        context,
      });
      return { outcome: 'verified' as const };
    }

    const newEmail = token.email;
    if (!newEmail) throw new AppError('bad_request', INVALID_LINK);
    const holder = await findUserByEmail(trx, newEmail);
    if (holder?.emailVerifiedAt) {
      throw new AppError('conflict', 'This address already belongs to another account');
    }
    // The link proved the address: an unproven account holding it gives it up.
    if (holder) await releaseUnprovenAddress(trx, holder, context, user.id);
    await trx
      .updateTable('users')
      .set({ email: newEmail, emailVerifiedAt: sql`now()`, updatedAt: sql`now()` })
      .where('id', '=', user.id)
      .execute();
    await invalidateUserTokens(trx, user.id, 'change_email');
    await invalidateUserTokens(trx, user.id, 'verify_email');
    // Links mailed to the old address must not reset the password of the moved account.
    await invalidateUserTokens(trx, user.id, 'reset_password');
    await mailSecurityNotice(trx, mailContext(deps.config, context.requestId), user.email, 'email_changed');
    await recordAudit(trx, { action: 'auth.email.changed', tenantId: null, actorUserId: user.id, context });
    return { outcome: 'changed' as const };
  });
}
