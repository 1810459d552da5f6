import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

const KEY = 'k'.repeat(40);
const OLD_KEY = 'o'.repeat(40);

/** A value in the original v1 format (no key id), as TOTP seeds were sealed before key rings. */
function sealV1(secretKey: string, purpose: string, plaintext: string): string {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'leadline', `secret-box:${purpose}`, 32));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url')).join('.');
}

describe('SecretBox', () => {
  it('seals with a key id and opens what it sealed', () => {
    const box = new SecretBox(KEY, 'test');
    const sealed = box.seal('EAAG-access-token');
    expect(sealed).toMatch(new RegExp(`^v2\\.${box.keyId}\\.[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    expect(sealed).not.toContain('EAAG');
    expect(box.open(sealed)).toBe('EAAG-access-token');
    expect(box.seal('EAAG-access-token')).not.toBe(sealed);
  });

  it('refuses a tampered ciphertext, tag or key id', () => {
    const box = new SecretBox(KEY, 'test');
    const parts = box.seal('secret').split('.');
    for (const index of [3, 4]) {
      const tampered = [...parts];
      const bytes = Buffer.from(tampered[index] ?? '', 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      tampered[index] = bytes.toString('base64url');
      expect(() => box.open(tampered.join('.'))).toThrow();
    }
    expect(() => box.open(['v2', 'AAAAAAAA', ...parts.slice(2)].join('.'))).toThrow(/unknown key/);
    expect(() => box.open('v3.x.y.z')).toThrow(/unreadable/);
  });

  it('names an unknown key id clearly: another master key or another purpose', () => {
    const sealed = new SecretBox(KEY, 'test').seal('secret');
    expect(() => new SecretBox(KEY, 'other').open(sealed)).toThrow(/unknown key \(key id/);
    expect(() => new SecretBox('m'.repeat(40), 'test').open(sealed)).toThrow(/unknown key \(key id/);
  });

  it('opens values sealed under a previous master key, and seals new ones under the current key', () => {
    const before = new SecretBox(OLD_KEY, 'test').seal('sealed before rotation');
    const rotated = new SecretBox(KEY, 'test', [OLD_KEY]);
    expect(rotated.open(before)).toBe('sealed before rotation');
    expect(rotated.isStale(before)).toBe(true);
    const after = rotated.seal('sealed after rotation');
    expect(rotated.isStale(after)).toBe(false);
    expect(new SecretBox(KEY, 'test').open(after)).toBe('sealed after rotation');
    expect(() => new SecretBox(OLD_KEY, 'test').open(after)).toThrow(/unknown key/);
  });

  it('still opens v1 values (no key id), under the current or a previous key', () => {
    expect(new SecretBox(KEY, 'test').open(sealV1(KEY, 'test', 'old seed'))).toBe('old seed');
    expect(new SecretBox(KEY, 'test', [OLD_KEY]).open(sealV1(OLD_KEY, 'test', 'older seed'))).toBe(
      'older seed',
    );
    expect(() => new SecretBox(KEY, 'test').open(sealV1(OLD_KEY, 'test', 'x'))).toThrow(/any configured key/);
  });
});
