import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers a signed lead delivery carries (documented in the README). */
export const TIMESTAMP_HEADER = 'leadline-timestamp';
export const SIGNATURE_HEADER = 'leadline-signature';
/** How far a delivery's timestamp may be from our clock, either way (Stripe's and Slack's 5 minutes). */
export const TOLERANCE_SECONDS = 300;

const TIMESTAMP = /^[0-9]{1,12}$/;
const SIGNATURE = /^v1=([0-9a-f]{64})$/;

/** `v1=<lowercase hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
export function signLead(secret: string, timestamp: string, body: Buffer | string): string {
  return `v1=${mac(secret, timestamp, body).toString('hex')}`;
}

function mac(secret: string, timestamp: string, body: Buffer | string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

export type SignatureVerdict = 'valid' | 'missing' | 'malformed' | 'stale' | 'mismatch';

/**
 * Checks a delivery's timestamp and signature over its raw bytes. The timestamp is whole Unix seconds
 * within ±TOLERANCE_SECONDS of `nowMs`; the signature is exactly one `v1=` value (no duplicates, no
 * upper-case hex), compared in constant time against every secret (current and, while a rotation's grace
 * lasts, previous), so timing does not tell which matched.
 */
export function verifyLeadSignature(
  body: Buffer,
  headers: { timestamp: string | string[] | undefined; signature: string | string[] | undefined },
  secrets: readonly string[],
  nowMs: number,
): SignatureVerdict {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined) return 'missing';
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return 'malformed';
  if (!TIMESTAMP.test(timestamp)) return 'malformed';
  const match = SIGNATURE.exec(signature);
  if (!match?.[1]) return 'malformed';
  if (Math.abs(Number(timestamp) - Math.floor(nowMs / 1000)) > TOLERANCE_SECONDS) return 'stale';
  const given = Buffer.from(match[1], 'hex');
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(mac(secret, timestamp, body), given)) matched = true;
  }
  return matched ? 'valid' : 'mismatch';
}
