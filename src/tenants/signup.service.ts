import { randomUUID } from 'node:crypto';
import { mailEmailVerification } from '../accounts/account-mail.js';
import { findUserByEmail, insertUser } from '../accounts/accounts.repository.js';
import { assertAcceptablePassword, hashPassword } from '../accounts/passwords.js';
import type { RequestContext } from '../accounts/principal.js';
import { createUserToken } from '../accounts/user-tokens.repository.js';
import { recordAudit } from '../audit/audit.repository.js';
import type { Config } from '../platform/config/config.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { insertMembership } from './members.repository.js';
import { queueExistingAccountMail } from './signup-mail.js';
import { insertCurrentTenant } from './tenants.repository.js';

const VERIFY_EMAIL_TTL_MS = 24 * 3_600_000;

export interface SignUpInput {
  email: string;
  password: string;
  displayName: string;
  workspaceName: string;
  context: RequestContext;
}

/**
 * Open sign-up: a new account, a new workspace and its owner membership, in one transaction, plus a
 * verification mail. For an address that already has an account nothing is created and that address
 * is mailed instead. Both paths hash the password first and end the same way, so neither the response nor
 * its timing tells whether the address was known (ASVS 6.3.8). The caller signs nobody in: a session here
 * would tell the two cases apart; the new user signs in with the password just chosen.
 */
export async function signUp(db: Db, config: Config, input: SignUpInput): Promise<void> {
  if (!config.accounts.openSignup) throw signupClosed();
  assertAcceptablePassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const mail = {
    secretKey: config.secretKey,
    publicUrl: config.http.publicUrl,
    requestId: input.context.requestId,
  };

  if (await findUserByEmail(db, input.email)) {
    await existingAccount(db, config, input);
    return;
  }
  const tenantId = randomUUID();
  try {
    await withTenant(db, tenantId, async (trx) => {
      const user = await insertUser(trx, {
        email: input.email,
        displayName: input.displayName,
        passwordHash,
        emailVerifiedAt: null,
      });
      await insertCurrentTenant(trx, input.workspaceName);
      await insertMembership(trx, user.id, 'owner');
      const token = await createUserToken(trx, {
        userId: user.id,
        purpose: 'verify_email',
        email: user.email,
        ttlMs: VERIFY_EMAIL_TTL_MS,
      });
      await mailEmailVerification(trx, mail, user.email, token);
      await recordAudit(trx, {
        action: 'signup.completed',
        tenantId,
        actorUserId: user.id,
        context: input.context,
        detail: { userId: user.id },
      });
    });
  } catch (error) {
    // A concurrent sign-up took the address between the check and the insert: answer as for a known one.
    if ((error as { code?: unknown }).code !== '23505') throw error;
    await existingAccount(db, config, input);
  }
}

async function existingAccount(db: Db, config: Config, input: SignUpInput): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await queueExistingAccountMail(trx, config, { to: input.email, requestId: input.context.requestId });
    await recordAudit(trx, {
      action: 'signup.existing_account',
      tenantId: null,
      context: input.context,
      detail: {},
    });
  });
}

/** Sign-up is invite-only unless OPEN_SIGNUP=true: the endpoint then answers 404 like an unknown route. */
export function signupClosed(): AppError {
  return new AppError('not_found', 'Not found');
}
