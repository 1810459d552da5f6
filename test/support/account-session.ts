import { randomBytes } from 'node:crypto';
import { generate } from 'otplib';
import { insertUser } from '../../src/accounts/accounts.repository.js';
import type { User } from '../../src/accounts/accounts.table.js';
import { hashPassword } from '../../src/accounts/passwords.js';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/accounts/session-tokens.js';
import { issueSession } from '../../src/accounts/sessions.service.js';
import { newTotpSecret } from '../../src/accounts/two-factor.js';
import type { Config } from '../../src/platform/config/config.js';
import { SecretBox } from '../../src/platform/crypto/secret-box.js';
import type { Db } from '../../src/platform/db/database.js';

export const ACCOUNT_PASSWORD = 'violet tangerine hammock 1987';
let passwordHash: Promise<string> | undefined;

export interface AccountSession {
  sessionId: string;
  /** Cookie and CSRF header of the session. */
  headers: Record<string, string>;
}

/** A real session for `userId`, as sign-in issues it. */
export async function sessionFor(
  db: Db,
  config: Config,
  userId: string,
  options: { mfaPending?: boolean; activeTenantId?: string | null } = {},
): Promise<AccountSession> {
  const session = await issueSession(db, config, {
    userId,
    activeTenantId: options.activeTenantId ?? null,
    mfaPending: options.mfaPending ?? false,
    context: { requestId: 'test-setup', ip: '127.0.0.1', userAgent: 'vitest' },
  });
  return {
    sessionId: session.sessionId,
    headers: { cookie: `${SESSION_COOKIE}=${session.token}`, [CSRF_HEADER]: session.csrfToken },
  };
}

export interface TestAccount {
  user: User;
  /** The TOTP seed (base32) when two-factor authentication is on. */
  secret: string | undefined;
}

/** A user with ACCOUNT_PASSWORD; with `twoFactor`, TOTP is on with a known seed (sealed as the app does). */
export async function createAccount(
  db: Db,
  config: Config,
  options: { twoFactor?: boolean; email?: string; disabled?: boolean; verified?: boolean } = {},
): Promise<TestAccount> {
  passwordHash ??= hashPassword(ACCOUNT_PASSWORD);
  const secret = options.twoFactor ? newTotpSecret() : undefined;
  const user = await insertUser(db, {
    email: options.email ?? `account-${randomBytes(6).toString('hex')}@example.com`,
    passwordHash: await passwordHash,
    totpSecret: secret ? new SecretBox(config.secretKey, 'totp').seal(secret) : null,
    totpEnabledAt: secret ? new Date() : null,
    disabledAt: options.disabled ? new Date() : null,
    emailVerifiedAt: options.verified ? new Date() : null,
  });
  return { user, secret };
}

/** The TOTP code `stepsAhead` steps from now (within the accepted drift for -1, 0 and 1). */
export function totpCode(secret: string, stepsAhead = 0): Promise<string> {
  return generate({ secret, period: 30, epoch: Math.floor(Date.now() / 1000) + 30 * stepsAhead });
}
