import { describe, expect, it } from 'vitest';
import { canonicalEmail, ZEmail } from './email-address.js';

describe('canonicalEmail', () => {
  it('V1.1.1 lower-cases and trims, so one address has one form', () => {
    expect(canonicalEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  it('V1.1.1 applies NFKC: the Kelvin sign becomes k and fullwidth letters become ASCII', () => {
    expect(canonicalEmail('\u212Aate@example.com')).toBe('kate@example.com');
    expect(canonicalEmail('ｋａｔｅ@ｅｘａｍｐｌｅ.ｃｏｍ')).toBe('kate@example.com');
    // Two spellings that look alike end as the same key, so they cannot be two accounts.
    expect(canonicalEmail('\u212Aate@example.com')).toBe(canonicalEmail('KATE@example.com'));
  });

  it('V1.1.1 rejects zero-width, soft-hyphen and bidi control characters', () => {
    for (const sneaky of [
      'ka\u200bte@example.com',
      'kate\u200d@example.com',
      'ka\u00adte@example.com',
      '\u202ekate@example.com',
      'kate@exa\u2066mple.com',
      'kate@exam\ufeffple.com',
    ]) {
      expect(canonicalEmail(sneaky), JSON.stringify(sneaky)).toBeNull();
    }
  });

  it('rejects CR, LF and NUL, so an address cannot inject mail headers (V1.3.11)', () => {
    expect(canonicalEmail('kate@example.com\r\nBcc: x@evil.example')).toBeNull();
    expect(canonicalEmail('kate\u0000@example.com')).toBeNull();
  });

  it('turns an internationalised domain into punycode', () => {
    expect(canonicalEmail('kunde@Bücher.de')).toBe('kunde@xn--bcher-kva.de');
  });

  it('rejects what is not an address', () => {
    for (const invalid of [
      '',
      'kate',
      '@example.com',
      'kate@',
      'kate@localhost',
      'ka..te@example.com',
      '.kate@example.com',
      `${'k'.repeat(65)}@example.com`,
      'kate@exa..mple.com',
    ]) {
      expect(canonicalEmail(invalid), invalid).toBeNull();
    }
  });

  it('ZEmail yields the canonical form and fails validation for a bad address', () => {
    expect(ZEmail.parse('KATE@Example.com')).toBe('kate@example.com');
    expect(ZEmail.safeParse('ka\u200bte@example.com').success).toBe(false);
    expect(ZEmail.safeParse('x'.repeat(400)).success).toBe(false);
  });
});
