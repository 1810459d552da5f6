import { createHmac, timingSafeEqual } from 'node:crypto';

/** HubSpot refuses nothing older; neither do we (replays of a captured request). */
export const MAX_WEBHOOK_AGE_MS = 5 * 60 * 1000;

/**
 * HubSpot's signature v3: base64 of HMAC-SHA256, keyed with the app's client secret, over
 * method + full request URI + raw body + X-HubSpot-Request-Timestamp.
 */
export function signatureV3(
  secret: string,
  method: string,
  uri: string,
  body: Buffer,
  timestamp: string,
): string {
  return createHmac('sha256', secret)
    .update(method)
    .update(uri)
    .update(body)
    .update(timestamp)
    .digest('base64');
}

export type SignatureVerdict = 'valid' | 'missing' | 'stale' | 'invalid';

export function verifySignatureV3(input: {
  secret: string;
  method: string;
  uri: string;
  body: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  now?: number;
}): SignatureVerdict {
  if (!input.signature || !input.timestamp) return 'missing';
  if (!/^\d{10,16}$/.test(input.timestamp)) return 'invalid';
  const age = (input.now ?? Date.now()) - Number(input.timestamp);
  if (age > MAX_WEBHOOK_AGE_MS || age < -MAX_WEBHOOK_AGE_MS) return 'stale';
  const expected = Buffer.from(
    signatureV3(input.secret, input.method, input.uri, input.body, input.timestamp),
  );
  const given = Buffer.from(input.signature);
  // Compared in constant time; a length mismatch is refused before (timingSafeEqual needs equal lengths).
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}
