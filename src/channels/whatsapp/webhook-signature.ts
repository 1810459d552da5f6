import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

/** `sha256=<lowercase hex HMAC-SHA256(secret, body)>`, as Meta computes it over the bytes it sends. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * True when `header` is exactly one well-formed `sha256=` signature of the raw bytes under one of the
 * secrets (two during an app-secret rotation). Compared in constant time; anything malformed is false.
 */
export function signatureMatches(
  body: Buffer,
  header: string | string[] | undefined,
  secrets: readonly string[],
): boolean {
  if (typeof header !== 'string') return false;
  const match = SIGNATURE.exec(header);
  if (!match?.[1]) return false;
  const given = Buffer.from(match[1], 'hex');
  let matched = false;
  // Every secret is tried, so timing does not tell which one (or whether the first) matched.
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    if (timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}
