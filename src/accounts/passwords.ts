import { hash, verify } from '@node-rs/argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '../platform/http/app-error.js';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_ADVISED_LENGTH = 15;
/** Long passphrases are welcome; the cap only stops hashing megabytes (argon2 has no truncation). */
export const PASSWORD_MAX_LENGTH = 256;

// ~49,000 of the most common passwords (zxcvbn's list), lower-cased for lookup.
const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

/**
 * OWASP-recommended argon2id parameters (19 MiB, 2 iterations). `algorithm: 2` is Algorithm.Argon2id: the
 * package exports it as a const enum, which isolated-module builds cannot read.
 */
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Throws a 400 naming the rule a new password breaks (ASVS 6.2.1, 6.2.4, 6.2.9). */
export function assertAcceptablePassword(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new AppError('validation_failed', `Password must have at least ${PASSWORD_MIN_LENGTH} characters`, {
      details: [{ path: 'password', message: 'too_short' }],
    });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new AppError('validation_failed', `Password must have at most ${PASSWORD_MAX_LENGTH} characters`, {
      details: [{ path: 'password', message: 'too_long' }],
    });
  }
  if (COMMON.has(password.toLowerCase())) {
    throw new AppError('validation_failed', 'This password is too common; choose another', {
      details: [{ path: 'password', message: 'too_common' }],
    });
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * Spends the same time as a real verification, for unknown accounts: sign-in must not reveal by timing
 * whether an address has an account (ASVS 6.3.8).
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('leadline-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}
