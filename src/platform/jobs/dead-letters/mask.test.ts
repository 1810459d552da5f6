import { describe, expect, it } from 'vitest';
import { maskError, maskPayload } from './mask.js';

describe('maskPayload', () => {
  it('masks every string leaf, nested and in arrays, and keeps UUIDs, id-named keys, numbers and booleans', () => {
    const payload = {
      messageId: 'wamid.HBgLMzkzMzMxMjM0NTY3',
      to: '+393331234567',
      text: 'Ciao Mario, ti chiamo alle 9',
      contact: {
        email: 'mario@example.com',
        id: 'c-17',
        tags: ['vip', 'a7d2c1e4-3b5f-4a69-8d0e-1f2a3b4c5d6e'],
      },
      attempt: 2,
      urgent: true,
      nothing: null,
    };
    expect(maskPayload(payload)).toEqual({
      messageId: 'wamid.HBgLMzkzMzMxMjM0NTY3',
      to: '[masked: 13 chars]',
      text: '[masked: 28 chars]',
      contact: {
        email: '[masked: 17 chars]',
        id: 'c-17',
        tags: ['[masked: 3 chars]', 'a7d2c1e4-3b5f-4a69-8d0e-1f2a3b4c5d6e'],
      },
      attempt: 2,
      urgent: true,
      nothing: null,
    });
  });

  it('masks a payload that is a bare string', () => {
    expect(maskPayload('+393331234567')).toBe('[masked: 13 chars]');
  });
});

describe('maskError', () => {
  it('masks phone numbers and e-mail addresses quoted in an error', () => {
    const masked = maskError('could not reach +393331234567 (mario@example.com)');
    expect(masked).not.toContain('3331234567');
    expect(masked).not.toContain('mario@');
    expect(masked).toContain('could not reach');
    expect(maskError(null)).toBeNull();
  });
});
