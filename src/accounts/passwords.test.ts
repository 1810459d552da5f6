import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/http/app-error.js';
import {
  assertAcceptablePassword,
  hashPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  verifyAgainstDummy,
  verifyPassword,
} from './passwords.js';

function ruleBroken(password: string): string | undefined {
  try {
    assertAcceptablePassword(password);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).details?.[0]?.message;
  }
}

describe('password policy', () => {
  it('V6.2.1 rejects passwords shorter than 8 characters and accepts 8', () => {
    expect(PASSWORD_MIN_LENGTH).toBe(8);
    expect(ruleBroken('x7#kQ2p')).toBe('too_short');
    expect(ruleBroken('x7#kQ2pz')).toBeUndefined();
  });

  it('V6.2.1 counts characters, not UTF-16 units: four emoji are four characters', () => {
    expect(ruleBroken('🔑🐙🌵🎲')).toBe('too_short');
  });

  it('V6.2.4 rejects common passwords, whatever their case', () => {
    for (const common of ['password', 'Password1', 'qwertyuiop', 'ILOVEYOU', '12345678']) {
      expect(ruleBroken(common), common).toBe('too_common');
    }
  });

  it('V6.2.9 accepts a passphrase of 64 characters and more (up to 256)', () => {
    const passphrase = 'the quiet heron counts seven lanterns over the flooded rice fields at dawn';
    expect(passphrase.length).toBeGreaterThanOrEqual(64);
    expect(ruleBroken(passphrase)).toBeUndefined();
    expect(ruleBroken('k'.repeat(PASSWORD_MAX_LENGTH))).toBeUndefined();
    expect(ruleBroken('k'.repeat(PASSWORD_MAX_LENGTH + 1))).toBe('too_long');
  });
});

describe('password hashing', () => {
  it('V11.4.2 stores argon2id with the OWASP parameters, never the password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
  });

  it('V6.2.8 does not truncate: a 100-character password differing only in its last character fails', async () => {
    const password = `${'a long and memorable passphrase '.repeat(4)}`.slice(0, 99);
    const hash = await hashPassword(`${password}X`);
    expect(`${password}X`).toHaveLength(100);
    expect(await verifyPassword(hash, `${password}X`)).toBe(true);
    expect(await verifyPassword(hash, `${password}Y`)).toBe(false);
    expect(await verifyPassword(hash, password)).toBe(false);
  });

  it('treats a malformed stored hash as a mismatch rather than an error', async () => {
    expect(await verifyPassword('not-a-hash', 'anything')).toBe(false);
  });

  it('V6.3.8 the dummy verification never succeeds, even for the dummy password itself', async () => {
    expect(await verifyAgainstDummy('leadline-dummy-password-for-timing')).toBe(false);
  });
});
