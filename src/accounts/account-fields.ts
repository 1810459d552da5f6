import { z } from 'zod';
import { ZTotpCodePattern } from './two-factor.js';

/** Request fields shared by the account routes (two-factor, reset, credentials). */
export const ZTotpCode = z.string().regex(ZTotpCodePattern, 'must be 6 digits');
export const ZRecoveryCode = z.string().min(16).max(64);
/** A code from the authenticator app, or a recovery code: exactly one. */
export const ZSecondFactorProof = z
  .strictObject({ code: ZTotpCode.optional(), recoveryCode: ZRecoveryCode.optional() })
  .refine((body) => (body.code === undefined) !== (body.recoveryCode === undefined), {
    message: 'send either code or recoveryCode',
  });
/** A token from a mailed link: 32 random bytes in base64url (43 characters); some slack, nothing else. */
export const ZMailedToken = z.string().regex(/^[A-Za-z0-9_-]{32,128}$/, 'is not a valid token');
