import { describe, expect, it } from 'vitest';
import { ZLine, ZText } from './text-fields.js';

const line = ZLine(100);
const text = ZText(1000);

describe('the text-field policy', () => {
  it.each([
    ['a NUL', 'Acme\u0000'],
    ['a bell', 'Ac\u0007me'],
    ['an escape sequence', '\u001b[31mAcme'],
    ['DEL', 'Acme\u007f'],
    ['a C1 control (NEL)', 'Acme\u0085Corp'],
    ['a right-to-left override', 'Acme\u202Etxt.exe'],
    ['a left-to-right override', '\u202DAcme'],
    ['a right-to-left embedding', '\u202BAcme'],
    ['a pop directional formatting', 'Acme\u202C'],
    ['a first-strong isolate', '\u2068Acme'],
    ['a right-to-left isolate', 'Acme\u2067x'],
    ['a pop directional isolate', 'Acme\u2069'],
  ])('refuses %s in names and in texts', (_label, value) => {
    expect(line.safeParse(value).success).toBe(false);
    expect(text.safeParse(value).success).toBe(false);
  });

  it.each([
    ['a line break', 'Acme\nCorp'],
    ['a carriage return', 'Acme\rCorp'],
    ['a tab', 'Acme\tCorp'],
    ['a line separator', 'Acme\u2028Corp'],
    ['a right-to-left mark', 'Acme\u200FCorp'],
  ])('refuses %s in a name but keeps it in a text', (_label, value) => {
    expect(line.safeParse(value).success).toBe(false);
    expect(text.safeParse(value)).toEqual({ success: true, data: value });
  });

  it.each(['', ' ', '   \t ', '\n\n', '\u00a0\u3000'])('refuses the blank value %j', (value) => {
    expect(line.safeParse(value).success).toBe(false);
    expect(text.safeParse(value).success).toBe(false);
  });

  it('trims both kinds', () => {
    expect(line.parse('  Acme Corp  ')).toBe('Acme Corp');
    expect(text.parse('\n  Hello,\n  world  \n')).toBe('Hello,\n  world');
  });

  it.each(['شركة النور', 'חברת אור', 'Zoë & Søren', '株式会社', 'Emoji 🚀 Ltd'])(
    'accepts the name %s',
    (value) => {
      expect(line.parse(value)).toBe(value);
    },
  );
});
