import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signQuoteLink, verifyQuoteLink } from './quote-link.js';

const KEY = 'k'.repeat(43);
const claims = () => ({
  tenantId: randomUUID(),
  versionId: randomUUID(),
  expiresAt: new Date(Date.now() + 60_000),
});

describe('quote links', () => {
  it('round-trips its claims', () => {
    const c = claims();
    const verified = verifyQuoteLink([KEY], signQuoteLink(KEY, c));
    expect(verified).toEqual({ ...c, expiresAt: new Date(Math.floor(c.expiresAt.getTime() / 1000) * 1000) });
  });

  it('refuses expired, tampered, truncated and foreign-key links', () => {
    const c = claims();
    const token = signQuoteLink(KEY, c);
    expect(verifyQuoteLink([KEY], token, new Date(c.expiresAt.getTime() + 1000))).toBeUndefined();
    const bytes = Buffer.from(token, 'base64url');
    bytes[20] = (bytes[20] as number) ^ 1;
    expect(verifyQuoteLink([KEY], bytes.toString('base64url'))).toBeUndefined();
    expect(verifyQuoteLink([KEY], token.slice(0, -2))).toBeUndefined();
    expect(verifyQuoteLink(['x'.repeat(43)], token)).toBeUndefined();
    expect(verifyQuoteLink([KEY], '../../etc/passwd')).toBeUndefined();
    // A previous key still verifies during a rotation.
    expect(verifyQuoteLink(['x'.repeat(43), KEY], token)).toBeDefined();
  });
});
