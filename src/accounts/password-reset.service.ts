import { sql } from 'kysely';
import { z } from 'zod';
import { recordAudit } from '../audit/audit.repository.js';
import type { Config } from '../platform/config/config.js';
import { sha256 } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import { ipLimiterKey } from '../platform/http/client-ip.js';
import { enqueueSystem } from '../platform/jobs/enqueue.js';
import { defineTask, type TaskReference } from '../platform/jobs/task.js';
import { type AccountMailContext, mailPasswordReset, mailSecurityNotice } from './account-mail.js';
import { findUserByEmail, findUserById, revokeUserSessions } from './accounts.repository.js';
import { type AttemptLimiter, RESET_WINDOW_SECONDS } from './attempt-limiter.js';
import { assertAcceptablePassword, hashPassword } from './passwords.js';
import type { RequestContext } from './principal.js';
import { proveAddress, secondFactorBinds } from './proven-address.js';
import {
  jobContext,
  openPayload,
  sealPayload,
  ZJobRequestContext,
  ZSealedPayload,
} from './sealed-payload.js';
import { hasProof, type SecondFactorProof, type TwoFactorDeps, verifySecondFactor } from './second-factor.js';
import { consumeUserToken, createUserToken, invalidateUserTokens } from './user-tokens.repository.js';

export const RESET_TOKEN_TTL_MS = RESET_WINDOW_SECONDS * 1000;

export interface PasswordResetDeps extends TwoFactorDeps {
  resetPerRequester: AttemptLimiter;
  resetPerAddress: AttemptLimiter;
}

const INVALID_LINK = 'This link is invalid or has expired; ask for a new one';

function mailContext(deps: Pick<TwoFactorDeps, 'config'>, context: RequestContext): AccountMailContext {
  return {
    secretKey: deps.config.secretKey,
    publicUrl: deps.config.http.publicUrl,
    requestId: context.requestId,
  };
}

export const PASSWORD_RESET_REQUEST_TASK = {
  id: 'accounts.password_reset_request',
  scope: 'system',
  schema: ZSealedPayload,
  maxAttempts: 10,
} as const satisfies TaskReference<typeof ZSealedPayload, 'system'>;

const ZResetRequest = z.object({ email: z.string().max(320), context: ZJobRequestContext });

/**
 * What happened to a reset request: `queued` (a link is mailed if the address has an account) or
 * `recently_sent` (the address had its share of links within the last RESET_WINDOW_SECONDS; those links
 * still work). Neither says whether the address has an account: both are decided before anyone looks.
 */
export type ResetRequestOutcome = 'queued' | 'recently_sent';

/**
 * Asks for a reset link. The answer comes first and does the same work for every address (two counters
 * and one queued job; ASVS 6.3.8): looking the address up and mailing happen in the job. Limits:
 * - per requester (client IP and address): a 429 with Retry-After, so an attacker only uses up their own;
 * - per address, in windows as long as a link lives: when full, nothing new is mailed, and the answer
 *   says links were sent recently. Every request counted there queued a mail, and links do not replace
 *   each other, so the owner's mailbox holds a working link: someone who cannot read it cannot block it.
 */
export async function requestPasswordReset(
  deps: PasswordResetDeps,
  email: string,
  context: RequestContext,
): Promise<ResetRequestOutcome> {
  // Keyed by a hash: the counter table must not become a list of addresses.
  const address = sha256(email).toString('base64url');
  await deps.resetPerRequester.take(`${ipLimiterKey(context.ip)}:${address}`);
  if (!(await deps.resetPerAddress.tryTake(address))) return 'recently_sent';
  await enqueueSystem(
    deps.db,
    PASSWORD_RESET_REQUEST_TASK,
    sealPayload(deps.config.secretKey, { email, context: jobContext(context) }),
    { requestId: context.requestId },
  );
  return 'queued';
}

/** The job: mails a reset link if the address belongs to an enabled account; otherwise does nothing. */
export function createPasswordResetRequestTask(deps: { db: Db; config: Config }) {
  return defineTask({
    ...PASSWORD_RESET_REQUEST_TASK,
    async handle(payload) {
      const { email, context } = openPayload(deps.config.secretKey, payload, ZResetRequest);
      const user = await findUserByEmail(deps.db, email);
      if (!user || user.disabledAt) return;
      await deps.db.transaction().execute(async (trx) => {
        // Earlier links stay valid (until one is used): a request by someone else must not void the
        // link the owner is about to open.
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
    },
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
