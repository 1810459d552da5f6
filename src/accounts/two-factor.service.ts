import { recordAudit } from '../audit/audit.repository.js';
import { withTenant } from '../platform/db/tenant-context.js';
import { AppError } from '../platform/http/app-error.js';
import { publishAccessChange } from '../realtime/access-changes.js';
import { mailSecurityNotice } from './account-mail.js';
import { findUserById, revokeSession, revokeUserSessions } from './accounts.repository.js';
import type { User } from './accounts.table.js';
import { assertRecentlyAuthenticated } from './auth.service.js';
import type { RequestContext, SessionPrincipal } from './principal.js';
import {
  hasProof,
  type SecondFactorProof,
  type TwoFactorDeps,
  totpBox,
  verifySecondFactor,
} from './second-factor.js';
import { type IssuedSession, issueSession } from './sessions.service.js';
import { newRecoveryCodes, newTotpSecret, qrCodeDataUrl, recoveryCodeHash, totpUri } from './two-factor.js';
import {
  clearTotp,
  markTotpEnabled,
  remainingRecoveryCodes,
  replaceRecoveryCodes,
  sessionTenant,
  setPendingTotpSecret,
} from './two-factor.repository.js';

async function activeUser(deps: TwoFactorDeps, userId: string): Promise<User> {
  const user = await findUserById(deps.db, userId);
  if (!user || user.disabledAt) throw new AppError('unauthenticated', 'Authentication required');
  return user;
}

function mailContext(deps: TwoFactorDeps, context: RequestContext) {
  return {
    secretKey: deps.config.secretKey,
    publicUrl: deps.config.http.publicUrl,
    requestId: context.requestId,
  };
}

export async function twoFactorStatus(deps: TwoFactorDeps, principal: SessionPrincipal) {
  const user = await activeUser(deps, principal.userId);
  return {
    enabled: user.totpEnabledAt !== null,
    recoveryCodesLeft: user.totpEnabledAt ? await remainingRecoveryCodes(deps.db, user.id) : 0,
  };
}

/**
 * Starts enrolment: a new seed, stored sealed but not in force until a code from it is confirmed
 * (`enableTwoFactor`). Needs a recent sign-in (ASVS 7.5.1).
 */
export async function startTwoFactorSetup(
  deps: TwoFactorDeps,
  principal: SessionPrincipal,
  context: RequestContext,
): Promise<{ secret: string; otpauthUri: string; qrCodeDataUrl: string }> {
  assertRecentlyAuthenticated(principal, deps.config);
  const user = await activeUser(deps, principal.userId);
  const secret = newTotpSecret();
  const stored = await deps.db.transaction().execute(async (trx) => {
    if (!(await setPendingTotpSecret(trx, user.id, totpBox(deps.config).seal(secret)))) return false;
    await recordAudit(trx, {
      action: 'auth.two_factor.setup_started',
      tenantId: null,
      actorUserId: user.id,
      context,
    });
    return true;
  });
  if (!stored) throw new AppError('conflict', 'Two-factor authentication is already on; turn it off first');
  const otpauthUri = totpUri(secret, user.email);
  return { secret, otpauthUri, qrCodeDataUrl: await qrCodeDataUrl(otpauthUri) };
}

/** Confirms enrolment with a first code; returns the recovery codes, shown this once. */
export async function enableTwoFactor(
  deps: TwoFactorDeps,
  principal: SessionPrincipal,
  proof: { code: string; deviceToken: string | undefined },
  context: RequestContext,
): Promise<{ recoveryCodes: string[] }> {
  const user = await activeUser(deps, principal.userId);
  if (user.totpEnabledAt) throw new AppError('conflict', 'Two-factor authentication is already on');
  if (!user.totpSecret) throw new AppError('conflict', 'Start the two-factor set-up first');
  const recoveryCodes = newRecoveryCodes();
  await deps.db.transaction().execute(async (trx) => {
    await verifySecondFactor(deps, trx, user, proof, context, 'enable');
    if (!(await markTotpEnabled(trx, user.id))) {
      throw new AppError('conflict', 'Two-factor authentication is already on');
    }
    await replaceRecoveryCodes(trx, user.id, recoveryCodes.map(recoveryCodeHash));
    // ASVS 7.4.3: after a change of authentication factors, other sessions end.
    const revoked = await revokeUserSessions(trx, user.id, principal.sessionId);
    await recordAudit(trx, {
      action: 'auth.two_factor.enabled',
      tenantId: null,
      actorUserId: user.id,
      context,
      detail: { otherSessionsRevoked: revoked },
    });
    await mailSecurityNotice(trx, mailContext(deps, context), user.email, 'two_factor_enabled');
  });
  return { recoveryCodes };
}

/** Turns two-factor authentication off: a recent sign-in and a valid code or recovery code. */
export async function disableTwoFactor(
  deps: TwoFactorDeps,
  principal: SessionPrincipal,
  proof: SecondFactorProof,
  context: RequestContext,
): Promise<void> {
  assertRecentlyAuthenticated(principal, deps.config);
  const user = await activeUser(deps, principal.userId);
  if (!user.totpEnabledAt) throw new AppError('conflict', 'Two-factor authentication is not on');
  await deps.db.transaction().execute(async (trx) => {
    const method = await verifySecondFactor(deps, trx, user, proof, context, 'disable');
    await clearTotp(trx, user.id);
    const revoked = await revokeUserSessions(trx, user.id, principal.sessionId);
    await recordAudit(trx, {
      action: 'auth.two_factor.disabled',
      tenantId: null,
      actorUserId: user.id,
      context,
      detail: { method, otherSessionsRevoked: revoked },
    });
    await mailSecurityNotice(trx, mailContext(deps, context), user.email, 'two_factor_disabled');
  });
}

/**
 * New recovery codes (the old ones stop working): a recent sign-in and a valid code, as for turning
 * two-factor off, since whoever holds the new codes can pass the second step.
 */
export async function regenerateRecoveryCodes(
  deps: TwoFactorDeps,
  principal: SessionPrincipal,
  proof: SecondFactorProof,
  context: RequestContext,
): Promise<{ recoveryCodes: string[] }> {
  assertRecentlyAuthenticated(principal, deps.config);
  const user = await activeUser(deps, principal.userId);
  if (!user.totpEnabledAt) throw new AppError('conflict', 'Two-factor authentication is not on');
  const recoveryCodes = newRecoveryCodes();
  await deps.db.transaction().execute(async (trx) => {
    const method = await verifySecondFactor(deps, trx, user, proof, context, 'regenerate_recovery_codes');
    await replaceRecoveryCodes(trx, user.id, recoveryCodes.map(recoveryCodeHash));
    await recordAudit(trx, {
      action: 'auth.recovery_codes.regenerated',
      tenantId: null,
      actorUserId: user.id,
      context,
      detail: { method },
    });
    await mailSecurityNotice(trx, mailContext(deps, context), user.email, 'recovery_codes_regenerated');
  });
  return { recoveryCodes };
}

/**
 * The second step of sign-in: a session that passed the password (mfa_pending) offers a code. On
 * success the pending session ends and a new one, with a new id and token, is issued (ASVS 7.2.4).
 */
export async function completeSecondFactor(
  deps: TwoFactorDeps,
  principal: SessionPrincipal,
  proof: SecondFactorProof,
  context: RequestContext,
): Promise<IssuedSession> {
  if (!principal.mfaPending) throw new AppError('conflict', 'No second factor is pending for this session');
  if (!hasProof(proof)) throw new AppError('validation_failed', 'Send a code or a recovery code');
  const user = await activeUser(deps, principal.userId);
  if (!user.totpEnabledAt) throw new AppError('conflict', 'Two-factor authentication is not on');
  const activeTenantId = await sessionTenant(deps.db, principal.sessionId);
  return deps.db.transaction().execute(async (trx) => {
    const method = await verifySecondFactor(deps, trx, user, proof, context, 'sign_in');
    await revokeSession(trx, principal.sessionId);
    const issued = await issueSession(trx, deps.config, {
      userId: user.id,
      activeTenantId,
      mfaPending: false,
      context,
    });
    await recordAudit(trx, {
      action: 'auth.second_factor.succeeded',
      tenantId: null,
      actorUserId: user.id,
      context,
      detail: { method },
    });
    return issued;
  });
}

/**
 * An owner's switch: members must use two-factor authentication to work in the tenant. The owner must
 * use it first, or the switch would shut them out of the very setting that turns it off.
 */
export async function setTenantTwoFactorRequirement(
  deps: TwoFactorDeps,
  actor: { tenantId: string; userId: string; twoFactorEnabled: boolean; context: RequestContext },
  requireTwoFactor: boolean,
): Promise<{ requireTwoFactor: boolean }> {
  if (requireTwoFactor && !actor.twoFactorEnabled) {
    throw new AppError('conflict', 'Turn on two-factor authentication for your own account first');
  }
  return withTenant(deps.db, actor.tenantId, async (trx) => {
    const tenant = await trx
      .updateTable('tenants')
      .set({ requireTwoFactor })
      .where('id', '=', actor.tenantId)
      .returning('requireTwoFactor')
      .executeTakeFirst();
    if (!tenant) throw new AppError('not_found', 'Workspace not found');
    // Members without two-factor authentication lose their live sockets at once, in every process.
    if (requireTwoFactor) await publishAccessChange(trx, { scope: 'tenant', id: actor.tenantId });
    await recordAudit(trx, {
      action: 'tenant.two_factor_requirement_changed',
      tenantId: actor.tenantId,
      actorUserId: actor.userId,
      context: actor.context,
      detail: { requireTwoFactor },
    });
    return { requireTwoFactor: tenant.requireTwoFactor };
  });
}
