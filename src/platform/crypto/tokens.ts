import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A URL-safe secret with `bytes` bytes of CSPRNG entropy (default 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens with 128+ bits of entropy are stored as their SHA-256: no need for a slow KDF (ASVS 6.5.2). */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function constantTimeEqual(a: Buffer | string, b: Buffer | string): boolean {
  const left = typeof a === 'string' ? Buffer.from(a) : a;
  const right = typeof b === 'string' ? Buffer.from(b) : b;
  return left.length === right.length && timingSafeEqual(left, right);
}
