import { describe, expect, it } from 'vitest';
import { signatureMatches, signBody } from './webhook-signature.js';

const VECTOR = 'sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221';

describe('X-Hub-Signature-256', () => {
  it('matches Meta’s published vector (TEST_APP_SECRET, body "test")', () => {
    expect(signBody('TEST_APP_SECRET', 'test')).toBe(VECTOR);
    expect(signatureMatches(Buffer.from('test'), VECTOR, ['TEST_APP_SECRET'])).toBe(true);
  });

  it('accepts the previous secret during a rotation, and only listed secrets', () => {
    const body = Buffer.from('{"object":"whatsapp_business_account"}');
    const header = signBody('old-secret', body);
    expect(signatureMatches(body, header, ['new-secret', 'old-secret'])).toBe(true);
    expect(signatureMatches(body, header, ['new-secret'])).toBe(false);
  });

  it('refuses every malformed or missing form', () => {
    const body = Buffer.from('test');
    const hex = VECTOR.slice('sha256='.length);
    for (const header of [
      undefined,
      '',
      hex,
      `sha1=${hex}`,
      `SHA256=${hex}`,
      `sha256=${hex.toUpperCase()}`,
      `sha256=${hex.slice(0, 63)}`,
      `sha256=${hex}0`,
      ` sha256=${hex}`,
      `sha256=${hex},sha256=${hex}`,
      [VECTOR, VECTOR],
    ]) {
      expect(signatureMatches(body, header, ['TEST_APP_SECRET']), String(header)).toBe(false);
    }
  });

  it('refuses a body changed by one byte', () => {
    expect(signatureMatches(Buffer.from('tesT'), VECTOR, ['TEST_APP_SECRET'])).toBe(false);
  });
});
