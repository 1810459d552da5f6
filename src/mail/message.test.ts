import { describe, expect, it } from 'vitest';
import { assertSafeFrom, isSingleLine, ZMailMessage } from './message.js';

describe('mail header fields (ASVS 1.3.11)', () => {
  it.each(['a\rb', 'a\nb', 'a\r\nBcc: x@y.z', 'a\u0000b', 'a\u2028b'])(
    'refuses %j as a header value',
    (value) => {
      expect(isSingleLine(value)).toBe(false);
      expect(
        ZMailMessage.safeParse({ id: crypto.randomUUID(), to: 'a@example.com', subject: value, text: 'x' })
          .success,
      ).toBe(false);
    },
  );

  it('accepts ordinary subjects and multi-line bodies', () => {
    const parsed = ZMailMessage.parse({
      id: crypto.randomUUID(),
      to: 'a@example.com',
      subject: 'Réinitialiser — ✓',
      text: 'line one\nline two',
    });
    expect(parsed.text).toContain('\n');
  });

  it('refuses a sender with a line break', () => {
    expect(() => assertSafeFrom('Leadline <a@b.c>\r\nBcc: x@y.z')).toThrow();
    expect(() => assertSafeFrom('Leadline <a@b.c>')).not.toThrow();
  });
});
