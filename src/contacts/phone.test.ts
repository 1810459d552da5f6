import { describe, expect, it } from 'vitest';
import { canonicalPhone } from './phone.js';

describe('canonicalPhone', () => {
  it('turns a WhatsApp id into E.164 and a conversation key', () => {
    expect(canonicalPhone('16505551234')).toEqual({ e164: '+16505551234', key: '16505551234' });
  });

  it('accepts a typed number with +, spaces, dashes and brackets', () => {
    expect(canonicalPhone('+39 (333) 123-4567')?.e164).toBe('+393331234567');
  });

  it('resolves a Brazilian mobile with and without the 9th digit to one number', () => {
    expect(canonicalPhone('551187654321')?.e164).toBe('+5511987654321');
    expect(canonicalPhone('5511987654321')?.e164).toBe('+5511987654321');
  });

  it('leaves a Brazilian landline (8 digits starting 2-5) as it is', () => {
    expect(canonicalPhone('551134567890')?.e164).toBe('+551134567890');
  });

  it('refuses what cannot be a phone number', () => {
    for (const input of ['', 'abc', '0123456789', '+1', '1'.repeat(16), '5511987654321; drop table']) {
      expect(canonicalPhone(input), input).toBeUndefined();
    }
  });

  it('answers a number seen before, and one evicted since, as it answered the first time', () => {
    const first = canonicalPhone('551187654321');
    expect(canonicalPhone(' 551187654321 ')).toEqual(first);
    // More distinct numbers than are remembered: the first is parsed afresh, with the same answer.
    for (let i = 0; i < 10_050; i++) canonicalPhone(String(4_930_000_000 + i));
    expect(canonicalPhone('551187654321')).toEqual({ e164: '+5511987654321', key: '5511987654321' });
    expect(canonicalPhone('4930000017')?.e164).toBe('+4930000017');
  });
});
