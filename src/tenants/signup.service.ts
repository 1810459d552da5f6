import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { mailEmailVerification } from '../accounts/account-mail.js';
import { findUserByEmail, insertUser } from '../accounts/accounts.repository.js';
import type { AttemptLimiter } from '../accounts/attempt-limiter.js';
import { assertAcceptablePassword, hashPassword } from '../accounts/passwords.js';
import type { RequestContext } from '../accounts/principal.js';
import {
  jobContext,
  openPayload,
  sealPayload,
  ZJobRequestContext,
  ZSealedPayload,
} from '../accounts/sealed-payload.js';
import { createUserToken } from '../accounts/user-tokens.repository.js';
import { recordAudit } from '../audit/audit.repository.js';
import type { Config } from '../platform/config/config.js';
import { sha256 } from '../platform/crypto/tokens.js';
import type { Db } from '../platform/db/database.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { enqueueSystem } from '../platform/jobs/enqueue.js';
import { defineTask, type TaskReference } from '../platform/jobs/task.js';
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

export const SIGNUP_TASK = {
  id: 'accounts.signup',
  scope: 'system',
  schema: ZSealedPayload,
  maxAttempts: 10,
} as const satisfies TaskReference<typeof ZSealedPayload, 'system'>;

const ZSignUpJob = z.object({
  email: z.string().max(320),
  passwordHash: z.string().max(512),
  displayName: z.string().max(1000),
  workspaceName: z.string().max(1000),
  /** Whether the address still has "you already have an account" mails left (decided at request time). */
  mayMailExisting: z.boolean(),
  context: ZJobRequestContext,
});

/**
 * Open sign-up. The request does the same work for every address (ASVS 6.3.8): check the password
 * rules, hash it, count the address, queue a job; the answer cannot tell by content or timing whether the
 * address had an account, because nobody has looked yet. The job does the per-account work (`signUpJob`).
 * The caller signs nobody in: the new user signs in with the password just chosen.
 */
export async function signUp(
  db: Db,
  config: Config,
  limits: { existingAccountMail: AttemptLimiter },
  input: SignUpInput,
): Promise<void> {
  if (!config.accounts.openSignup) throw signupClosed();
  assertAcceptablePassword(input.password);
  const passwordHash = await hashPassword(input.password);
  // Counted for every address, known or not, so that counting says nothing either.
  const mayMailExisting = await limits.existingAccountMail.tryTake(sha256(input.email).toString('base64url'));
  await enqueueSystem(
    db,
    SIGNUP_TASK,
    sealPayload(config.secretKey, {
      email: input.email,
      passwordHash,
      displayName: input.displayName,
      workspaceName: input.workspaceName,
      mayMailExisting,
      context: jobContext(input.context),
    }),
    { requestId: input.context.requestId },
  );
}

/**
 * The job: a new account, a new workspace and its owner membership, in one transaction, plus a
 * verification mail. For an address that already has an account nothing is created and the address is
 * told instead, at most 3 a day (`existingAccountMail`): that mail carries no link, so an earlier one tells
 * the owner the same, and nobody can flood a mailbox through this form.
 */
export function createSignUpTask(deps: { db: Db; config: Config }) {
  return defineTask({
    ...SIGNUP_TASK,
    async handle(payload) {
      const job = openPayload(deps.config.secretKey, payload, ZSignUpJob);
      if (await findUserByEmail(deps.db, job.email)) {
        await existingAccount(deps.db, deps.config, job);
        return;
      }
      try {
        await createAccountWithWorkspace(deps.db, deps.config, job);
      } catch (error) {
        // A concurrent sign-up or invitation took the address first: answer as for a known one.
        if ((error as { code?: unknown }).code !== '23505') throw error;
        await existingAccount(deps.db, deps.config, job);
      }
    },
  });
}

type SignUpJob = z.infer<typeof ZSignUpJob>;

async function createAccountWithWorkspace(db: Db, config: Config, job: SignUpJob): Promise<void> {
  const tenantId = randomUUID();
  const mail = {
    secretKey: config.secretKey,
    publicUrl: config.http.publicUrl,
    requestId: job.context.requestId,
  };
  await withTenant(db, tenantId, async (trx) => {
    const user = await insertUser(trx, {
      email: job.email,
      displayName: job.displayName,
      passwordHash: job.passwordHash,
      emailVerifiedAt: null,
    });
    await insertCurrentTenant(trx, job.workspaceName);
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
      context: job.context,
      detail: { userId: user.id },
    });
  });
}

async function existingAccount(db: Db, config: Config, job: SignUpJob): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (job.mayMailExisting) {
      await queueExistingAccountMail(trx, config, { to: job.email, requestId: job.context.requestId });
    }
    await recordAudit(trx, {
      action: 'signup.existing_account',
      tenantId: null,
      context: job.context,
      detail: { mailed: job.mayMailExisting },
    });
  });
}

/** Sign-up is invite-only unless OPEN_SIGNUP=true: the endpoint then answers 404 like an unknown route. */
export function signupClosed(): AppError {
  return new AppError('not_found', 'Not found');
}
