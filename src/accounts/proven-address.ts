import { sql } from 'kysely';
import { recordAudit } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { revokeUserSessions } from './accounts.repository.js';
import type { User } from './accounts.table.js';
import type { RequestContext } from './principal.js';
import { clearTotp } from './two-factor.repository.js';
import { invalidateUserTokens } from './user-tokens.repository.js';

/**
 * The address rule: an account whose address nobody proved (by following a mailed link) holds no power
 * over that address. With open sign-up anyone can create an account for someone else's address, sign in
 * and even turn on two-factor authentication; none of that may stand in the way of whoever reads the
 * mailbox. So when a mailed link proves the address of an unproven account (a password reset, an
 * invitation), the prover takes the account over: its second factor and recovery codes are gone, every
 * session and outstanding link ends, and the caller sets the password in the same transaction.
 *
 * Returns true when the account was unproven until now (the caller then skips any second factor that
 * account would otherwise demand).
 */
export async function proveAddress(
  trx: Db,
  user: Pick<User, 'id' | 'emailVerifiedAt' | 'totpEnabledAt'>,
  context: RequestContext,
  via: 'password_reset' | 'invitation',
): Promise<boolean> {
  if (user.emailVerifiedAt) return false;
  await markAddressVerified(trx, user.id);
  await clearTotp(trx, user.id);
  for (const purpose of ['verify_email', 'reset_password', 'change_email'] as const) {
    await invalidateUserTokens(trx, user.id, purpose);
  }
  const sessionsRevoked = await revokeUserSessions(trx, user.id);
  await recordAudit(trx, {
    action: 'auth.address.proven',
    tenantId: null,
    actorUserId: user.id,
    context,
    detail: { via, hadTwoFactor: user.totpEnabledAt !== null, sessionsRevoked },
  });
  return true;
}

/** Whether the account's second factor counts: only once its address is proven (see `proveAddress`). */
export function secondFactorBinds(user: Pick<User, 'emailVerifiedAt' | 'totpEnabledAt'>): boolean {
  return user.emailVerifiedAt !== null && user.totpEnabledAt !== null;
}

/** Records that the account's own holder followed a link mailed to its address. */
export async function markAddressVerified(trx: Db, userId: string): Promise<void> {
  await trx
    .updateTable('users')
    .set({ emailVerifiedAt: sql`coalesce(email_verified_at, now())`, updatedAt: sql`now()` })
    .where('id', '=', userId)
    .execute();
}

/**
 * An address change proved `email` for another account (its link was followed): the unproven account
 * holding that address gives it up. It is renamed to an undeliverable placeholder (`.invalid`, RFC 2606),
 * disabled, and loses its second factor, sessions and links, so nobody can use it any more.
 */
export async function releaseUnprovenAddress(
  trx: Db,
  holder: Pick<User, 'id' | 'emailVerifiedAt'>,
  context: RequestContext,
  takenBy: string,
): Promise<void> {
  if (holder.emailVerifiedAt) throw new Error('a proven address is never released');
  await trx
    .updateTable('users')
    .set({
      email: `released-${holder.id}@address-released.invalid`,
      disabledAt: sql`coalesce(disabled_at, now())`,
      updatedAt: sql`now()`,
    })
    .where('id', '=', holder.id)
    .execute();
  await clearTotp(trx, holder.id);
  for (const purpose of ['verify_email', 'reset_password', 'change_email'] as const) {
    await invalidateUserTokens(trx, holder.id, purpose);
  }
  const sessionsRevoked = await revokeUserSessions(trx, holder.id);
  await recordAudit(trx, {
    action: 'auth.address.released',
    tenantId: null,
    actorUserId: takenBy,
    context,
    detail: { userId: holder.id, sessionsRevoked },
  });
}
