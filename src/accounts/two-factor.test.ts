import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import {
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  normalizeRecoveryCode,
  RECOVERY_CODE_COUNT,
  recoveryCodeHash,
  totpUri,
} from './two-factor.js';

const codeAt = (secret: string, epoch: number) => generate({ secret, epoch, period: 30 });

describe('TOTP codes', () => {
  const secret = newTotpSecret();
  const now = 1_800_000_000;
  const step = Math.floor(now / 30);

  it('accepts the current code and returns its time step', async () => {
    expect(await matchTotp(secret, await codeAt(secret, now), null, now)).toBe(step);
  });

  it('V6.5.5 accepts one step of drift but not two', async () => {
    expect(await matchTotp(secret, await codeAt(secret, now - 30), null, now)).toBe(step - 1);
    expect(await matchTotp(secret, await codeAt(secret, now + 30), null, now)).toBe(step + 1);
    expect(await matchTotp(secret, await codeAt(secret, now - 90), null, now)).toBeNull();
  });

  it('V6.5.1 refuses a code whose step is not after the last used step', async () => {
    const code = await codeAt(secret, now);
    expect(await matchTotp(secret, code, step, now)).toBeNull();
    expect(await matchTotp(secret, await codeAt(secret, now - 30), step, now)).toBeNull();
    expect(await matchTotp(secret, code, step - 1, now)).toBe(step);
  });

  it('refuses malformed codes without calling the library', async () => {
    for (const code of ['', '12345', '1234567', 'abcdef', ' 123456']) {
      expect(await matchTotp(secret, code, null, now)).toBeNull();
    }
  });

  it('builds an otpauth URI with issuer and a 30-second period', () => {
    const uri = totpUri(secret, 'ana@example.com');
    expect(uri).toMatch(/^otpauth:\/\/totp\/Leadline:ana%40example\.com\?/);
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toContain('issuer=Leadline');
  });
});

describe('recovery codes', () => {
  it('V6.5.2 are ten distinct codes of 120 bits (24 base32 characters)', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/);
  });

  it('hash the same however they are typed', () => {
    const [code] = newRecoveryCodes() as [string];
    const typed = ` ${normalizeRecoveryCode(code)
      .toUpperCase()
      .replace(/(.{6})/g, '$1 ')}`;
    expect(recoveryCodeHash(typed)).toEqual(recoveryCodeHash(code));
    expect(recoveryCodeHash(code)).not.toEqual(recoveryCodeHash(`${code}a`));
  });
});
