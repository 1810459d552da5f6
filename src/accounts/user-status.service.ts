import { recordAudit } from '../audit/audit.repository.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import { mailSecurityNotice } from './account-mail.js';
import { revokeUserSessions } from './accounts.repository.js';
import { canonicalEmail } from './email-address.js';
import type { RequestContext } from './principal.js';
import { setUserDisabled } from './sessions.repository.js';
import { clearTotp } from './two-factor.repository.js';

export interface UserStatusChange {
  userId: string;
  email: string;
  sessionsRevoked: number;
}

/**
 * Disables (or re-enables) an account, for operators. Disabling ends every session of the user in the
 * same transaction (ASVS 7.4.2): the next request with any of their cookies is refused. Audited without
 * a tenant, since an identity spans tenants.
 */
export async function setUserEnabled(
  db: Db,
  input: { email: string; enabled: boolean; context: RequestContext | null },
): Promise<UserStatusChange> {
  const email = canonicalEmail(input.email);
  if (!email) throw new AppError('validation_failed', 'Not a valid e-mail address');
  return db.transaction().execute(async (trx) => {
    const userId = await setUserDisabled(trx, email, !input.enabled);
    if (!userId) throw new AppError('not_found', `No user has the address ${email}`);
    const sessionsRevoked = input.enabled ? 0 : await revokeUserSessions(trx, userId);
    await recordAudit(trx, {
      action: input.enabled ? 'user.enabled' : 'user.disabled',
      tenantId: null,
      context: input.context,
      detail: { userId, email, sessionsRevoked },
    });
    return { userId, email, sessionsRevoked };
  });
}

export interface TwoFactorReset {
  userId: string;
  email: string;
  hadTwoFactor: boolean;
  sessionsRevoked: number;
}

/**
 * `leadline admin reset-2fa`: for a user who lost both their authenticator and their recovery codes.
 * Turns two-factor authentication off, ends every session (whoever was signed in signs in again, with
 * the password alone until they enrol anew), tells the address, and audits it.
 */
export async function resetTwoFactor(
  db: Db,
  mail: { secretKey: string; publicUrl: string },
  input: { email: string; context: RequestContext | null },
): Promise<TwoFactorReset> {
  const email = canonicalEmail(input.email);
  if (!email) throw new AppError('validation_failed', 'Not a valid e-mail address');
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select(['id', 'totpEnabledAt'])
      .where('email', '=', email)
      .forUpdate()
      .executeTakeFirst();
    if (!user) throw new AppError('not_found', `No user has the address ${email}`);
    const hadTwoFactor = user.totpEnabledAt !== null;
    await clearTotp(trx, user.id);
    const sessionsRevoked = await revokeUserSessions(trx, user.id);
    await recordAudit(trx, {
      action: 'user.two_factor_reset',
      tenantId: null,
      context: input.context,
      detail: { userId: user.id, email, hadTwoFactor, sessionsRevoked },
    });
    await mailSecurityNotice(
      trx,
      { ...mail, requestId: input.context?.requestId ?? 'cli-reset-2fa' },
      email,
      'two_factor_reset',
    );
    return { userId: user.id, email, hadTwoFactor, sessionsRevoked };
  });
}
