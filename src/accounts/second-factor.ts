import { recordAudit } from '../audit/audit.repository.js';
import type { Config } from '../platform/config/config.js';
import { SecretBox } from '../platform/crypto/secret-box.js';
import type { Db } from '../platform/db/database.js';
import { AppError } from '../platform/http/app-error.js';
import type { User } from './accounts.table.js';
import type { AttemptLimiter } from './attempt-limiter.js';
import type { RequestContext } from './principal.js';
import { trustedDeviceId } from './trusted-device.js';
import { matchTotp, recoveryCodeHash } from './two-factor.js';
import { advanceTotpStep, useRecoveryCode } from './two-factor.repository.js';

/** A second factor offered by the user: a code from the authenticator app, or one recovery code. */
export interface SecondFactorProof {
  code?: string | undefined;
  recoveryCode?: string | undefined;
  /** Not a factor: the device cookie, which picks the counter the attempt is taken from. */
  deviceToken?: string | undefined;
}

export interface TwoFactorDeps {
  db: Db;
  config: Config;
  /** Attempts at a code (ASVS 6.6.3), keyed by `attemptKey`. */
  limiter: AttemptLimiter;
}

export function totpBox(config: Config): SecretBox {
  return new SecretBox(config.secretKey, 'totp');
}

/**
 * Whose allowance an attempt uses. From a device that passed this user's second factor before: that
 * device's own. From anywhere else: one allowance per user shared by every other device and IP, which
 * keeps a six-digit code out of reach of many addresses together. Someone with the password alone can
 * use up only that shared allowance, never the owner's devices'.
 */
export function attemptKey(config: Config, userId: string, deviceToken: string | undefined): string {
  const deviceId = trustedDeviceId(config.secretKey, userId, deviceToken);
  return deviceId ? `device:${userId}:${deviceId}` : `user:${userId}`;
}

export function hasProof(proof: SecondFactorProof): boolean {
  return Boolean(proof.code || proof.recoveryCode);
}

/**
 * Checks a second factor for `user` inside `trx`: the attempt is counted first, a TOTP code's step is
 * recorded (so it cannot be used again) and a recovery code is used up, both in `trx`. A failure is
 * audited on its own connection (it must survive the caller's rollback) and throws 400.
 * `allowRecoveryCode` is false while enabling (there are no codes yet).
 */
export async function verifySecondFactor(
  deps: TwoFactorDeps,
  trx: Db,
  user: Pick<User, 'id' | 'totpSecret' | 'totpLastStep'>,
  proof: SecondFactorProof,
  context: RequestContext,
  purpose: string,
): Promise<'totp' | 'recovery_code'> {
  const key = attemptKey(deps.config, user.id, proof.deviceToken);
  await deps.limiter.take(key);
  let method: 'totp' | 'recovery_code' | null = null;
  if (proof.code && user.totpSecret) {
    const secret = totpBox(deps.config).open(user.totpSecret);
    const lastStep = user.totpLastStep === null ? null : Number(user.totpLastStep);
    const step = await matchTotp(secret, proof.code, lastStep);
    if (step !== null && (await advanceTotpStep(trx, user.id, step))) method = 'totp';
  } else if (proof.recoveryCode) {
    if (await useRecoveryCode(trx, user.id, recoveryCodeHash(proof.recoveryCode))) method = 'recovery_code';
  }
  if (!method) {
    await recordAudit(deps.db, {
      action: 'auth.second_factor.failed',
      tenantId: null,
      actorUserId: user.id,
      context,
      detail: { purpose, method: proof.code ? 'totp' : 'recovery_code' },
    });
    throw new AppError('bad_request', 'The code is not valid');
  }
  await deps.limiter.clear(key);
  if (method === 'recovery_code') {
    await recordAudit(trx, {
      action: 'auth.recovery_code.used',
      tenantId: null,
      actorUserId: user.id,
      context,
      detail: { purpose },
    });
  }
  return method;
}
