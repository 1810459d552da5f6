import { createHmac } from 'node:crypto';
import { constantTimeEqual, randomToken } from '../platform/crypto/tokens.js';

/**
 * A browser that has passed a user's second factor before gets a device cookie: a random id signed with
 * SECRET_KEY for that user. Code attempts from such a browser count against that device alone, so
 * someone who holds the password but not the device cannot use up the owner's attempts (OWASP "device
 * cookies" against lockout). It grants nothing else: a code is still required every time.
 */
export const DEVICE_COOKIE = '__Host-leadline_device';
const DEVICE_COOKIE_DAYS = 180;

function signature(secretKey: string, userId: string, deviceId: string): string {
  return createHmac('sha256', secretKey).update(`device:${userId}:${deviceId}`).digest('base64url');
}

export function newDeviceToken(secretKey: string, userId: string): string {
  const deviceId = randomToken(16);
  return `${deviceId}.${signature(secretKey, userId, deviceId)}`;
}

/** The device id of `token` when it was issued to `userId`; null for anything else. */
export function trustedDeviceId(secretKey: string, userId: string, token: string | undefined): string | null {
  if (!token || token.length > 200) return null;
  const [deviceId, mac, extra] = token.split('.');
  if (!deviceId || !mac || extra !== undefined) return null;
  return constantTimeEqual(mac, signature(secretKey, userId, deviceId)) ? deviceId : null;
}

export const deviceCookieOptions = {
  path: '/',
  httpOnly: true,
  secure: true,
  sameSite: 'strict' as const,
  maxAge: DEVICE_COOKIE_DAYS * 86_400,
};

/** The device cookie to set after `userId` passed their second factor here: null when it already has one. */
export function deviceTokenToSet(
  secretKey: string,
  userId: string,
  current: string | undefined,
): string | null {
  return trustedDeviceId(secretKey, userId, current) ? null : newDeviceToken(secretKey, userId);
}
