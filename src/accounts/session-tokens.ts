import { createHmac } from 'node:crypto';
import { randomToken } from '../platform/crypto/tokens.js';

/** `__Host-`: Secure, path=/, no Domain, so no subdomain can set or read it (ASVS 3.3.3). */
export const SESSION_COOKIE = '__Host-leadline_session';
export const CSRF_HEADER = 'x-csrf-token';

/** 256 bits from the CSPRNG; only its SHA-256 is stored. */
export function newSessionToken(): string {
  return randomToken(32);
}

/**
 * The CSRF token of a session: an HMAC of its id, so it needs no storage, changes with every new
 * session and cannot be computed without SECRET_KEY.
 */
export function csrfTokenFor(secretKey: string, sessionId: string): string {
  return createHmac('sha256', secretKey).update(`csrf:${sessionId}`).digest('base64url');
}

export function sessionCookieOptions(maxAgeMs: number) {
  return {
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'lax' as const,
    maxAge: Math.floor(maxAgeMs / 1000),
  };
}
