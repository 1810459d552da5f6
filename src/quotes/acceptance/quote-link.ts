import { createHmac, hkdfSync } from 'node:crypto';
import { constantTimeEqual } from '../../platform/crypto/tokens.js';
import { isUuid } from '../../platform/db/tenant-context.js';

/**
 * The customer's link to one quote version: tenant id, version id and expiry, signed with a key derived
 * from SECRET_KEY. Nothing is stored; the link cannot be forged or pointed at another version, and it
 * stops working at its expiry (keys listed in SECRET_KEY_PREVIOUS keep verifying during a rotation).
 */
const MAC_BYTES = 16;
const PAYLOAD_BYTES = 16 + 16 + 6;

export interface QuoteLinkClaims {
  tenantId: string;
  versionId: string;
  expiresAt: Date;
}

function keyFor(secretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'leadline', 'quote-link', 32));
}

const uuidBytes = (uuid: string) => Buffer.from(uuid.replace(/-/g, ''), 'hex');
const uuidText = (bytes: Buffer) =>
  bytes.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

function mac(secretKey: string, payload: Buffer): Buffer {
  return createHmac('sha256', keyFor(secretKey)).update(payload).digest().subarray(0, MAC_BYTES);
}

export function signQuoteLink(secretKey: string, claims: QuoteLinkClaims): string {
  const payload = Buffer.alloc(PAYLOAD_BYTES);
  uuidBytes(claims.tenantId).copy(payload, 0);
  uuidBytes(claims.versionId).copy(payload, 16);
  payload.writeUIntBE(Math.floor(claims.expiresAt.getTime() / 1000), 32, 6);
  return Buffer.concat([payload, mac(secretKey, payload)]).toString('base64url');
}

/** The claims of a genuine, unexpired link; undefined for anything else (never says which). */
export function verifyQuoteLink(
  secretKeys: readonly string[],
  token: string,
  now = new Date(),
): QuoteLinkClaims | undefined {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(token)) return undefined;
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== PAYLOAD_BYTES + MAC_BYTES) return undefined;
  const payload = bytes.subarray(0, PAYLOAD_BYTES);
  const offered = bytes.subarray(PAYLOAD_BYTES);
  if (!secretKeys.some((key) => constantTimeEqual(mac(key, payload), offered))) return undefined;
  const expiresAt = new Date(payload.readUIntBE(32, 6) * 1000);
  if (expiresAt.getTime() <= now.getTime()) return undefined;
  const claims = {
    tenantId: uuidText(payload.subarray(0, 16)),
    versionId: uuidText(payload.subarray(16, 32)),
    expiresAt,
  };
  return isUuid(claims.tenantId) && isUuid(claims.versionId) ? claims : undefined;
}

/** The hidden form field of the public page: bound to the link, so a form for one quote fits no other. */
export function formTokenFor(secretKey: string, token: string): string {
  return createHmac('sha256', keyFor(secretKey)).update(`form:${token}`).digest('base64url');
}
