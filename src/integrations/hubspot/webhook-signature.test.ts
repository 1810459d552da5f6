import { describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_AGE_MS, signatureV3, verifySignatureV3 } from './webhook-signature.js';

describe('HubSpot signature v3', () => {
  const secret = 'client-secret-0123456789';
  const uri = 'https://leadline.example/webhooks/hubspot/t1';
  const body = Buffer.from('[{"objectId":1}]');
  const now = 1_765_000_000_000;
  const timestamp = String(now - 1_000);
  const signature = signatureV3(secret, 'POST', uri, body, timestamp);
  const base = { secret, method: 'POST', uri, body, signature, timestamp, now };

  it('accepts the HMAC-SHA256 (base64) of method, URI, body and timestamp', () => {
    expect(verifySignatureV3(base)).toBe('valid');
  });

  it('refuses any change to what is signed, a wrong secret, and a missing header', () => {
    expect(verifySignatureV3({ ...base, method: 'PUT' })).toBe('invalid');
    expect(verifySignatureV3({ ...base, uri: `${uri}?x=1` })).toBe('invalid');
    expect(verifySignatureV3({ ...base, body: Buffer.from('[{"objectId":2}]') })).toBe('invalid');
    expect(verifySignatureV3({ ...base, secret: 'another-secret-0123456' })).toBe('invalid');
    expect(verifySignatureV3({ ...base, signature: `${signature}x` })).toBe('invalid');
    expect(verifySignatureV3({ ...base, signature: undefined })).toBe('missing');
    expect(verifySignatureV3({ ...base, timestamp: undefined })).toBe('missing');
    expect(verifySignatureV3({ ...base, timestamp: 'yesterday' })).toBe('invalid');
  });

  it('refuses a request older than 5 minutes (or as far in the future)', () => {
    const old = String(now - MAX_WEBHOOK_AGE_MS - 1);
    expect(
      verifySignatureV3({ ...base, timestamp: old, signature: signatureV3(secret, 'POST', uri, body, old) }),
    ).toBe('stale');
    const future = String(now + MAX_WEBHOOK_AGE_MS + 1);
    expect(
      verifySignatureV3({
        ...base,
        timestamp: future,
        signature: signatureV3(secret, 'POST', uri, body, future),
      }),
    ).toBe('stale');
  });
});
